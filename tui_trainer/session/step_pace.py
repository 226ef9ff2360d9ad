"""The pace of training: as fast as possible, or a fixed number of steps a second, so a class
can watch samples die one by one (at 10 steps a second every step gets its own frame).

A budget clock: `allowance(now, chunk)` is how many steps are due since the pace started, less
those taken, at most `chunk`. A backlog (the loop waited for the screen, or a check ran) is
dropped rather than caught up in a burst, which is what a watcher would notice.
"""
from __future__ import annotations

import math

PACES = (None, 1000, 100, 10)   # steps a second; None: as fast as possible
BACKLOG = 0.25                  # seconds of due steps kept; more is dropped


def pace_text(pace: int | None) -> str:
    return "max" if pace is None else f"{pace:,}/s"


class StepPace:
    def __init__(self, pace: int | None = None) -> None:
        self.pace = pace
        self._t0 = 0.0
        self._taken = 0

    def cycle(self, now: float) -> int | None:
        """The next pace in PACES; the clock starts again."""
        i = PACES.index(self.pace) if self.pace in PACES else -1
        self.pace = PACES[(i + 1) % len(PACES)]
        self.restart(now)
        return self.pace

    def restart(self, now: float) -> None:
        self._t0, self._taken = now, 0

    def allowance(self, now: float, chunk: int) -> int:
        """Steps to take now (0: none due yet)."""
        if self.pace is None:
            return chunk
        due = math.floor(self.pace * (now - self._t0) + 1e-9) - self._taken  # 100 × 0.1 is 9.999…
        if due > self.pace * BACKLOG:
            self.restart(now - 1.0 / self.pace)  # one step due now, the rest forgotten
            due = 1
        return max(0, min(due, chunk))

    def took(self, steps: int) -> None:
        self._taken += steps

    def wait(self, now: float) -> float:
        """Seconds until the next step is due (0 when one is due or the pace is unlimited)."""
        if self.pace is None:
            return 0.0
        return max(0.0, (self._taken + 1) / self.pace - (now - self._t0))
