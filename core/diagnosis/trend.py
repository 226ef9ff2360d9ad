"""The recent loss trend, read from the trainer's history (never from inside the step).

Findings need to know whether the loss has settled, is still falling, or is climbing. Only
rows after the last user change count: switching the activation or the rate makes the loss jump
for a reason that is not the optimiser's fault.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

MIN_SPAN, MAX_SPAN = 50, 1000
SETTLED_DROP = 0.01  # less than 1 % lower than `span` steps ago counts as settled


@dataclass(frozen=True)
class Trend:
    steps: int           # rows looked at (after the last change)
    first_loss: float
    last_loss: float
    min_loss: float
    rel_drop: float      # (first - last) / first: > 0 when the loss fell
    rising_steps: int    # how many of the last few steps raised the loss

    @property
    def settled(self) -> bool:
        """Long enough to judge and barely moving (either way)."""
        return self.steps >= MIN_SPAN and abs(self.rel_drop) < SETTLED_DROP

    @property
    def growth(self) -> float:
        """last / lowest loss in the span: large when the loss is blowing up."""
        return self.last_loss / self.min_loss if self.min_loss > 0 else (math.inf if self.last_loss > 0 else 1.0)


def last_change_tick(trainer) -> int:
    for ev in reversed(trainer.events):
        if ev.name != "diverged":
            return ev.tick
    return -1


def span_for(step: int) -> int:
    """A fifth of the run so far, between 50 and 1000 steps: long runs move slowly."""
    return int(min(MAX_SPAN, max(MIN_SPAN, step // 5)))


def loss_trend(trainer, span: int | None = None) -> Trend | None:
    hist = trainer.history
    if len(hist) == 0:
        return None
    rows = hist.recent(span or span_for(trainer.step_count))
    rows = rows[rows[:, hist.col["tick"]] >= last_change_tick(trainer)]
    loss = rows[:, hist.col["loss"]]
    loss = loss[np.isfinite(loss)]
    if loss.size == 0:
        return None
    first, last = float(loss[0]), float(loss[-1])
    tail = np.diff(loss[-6:])
    drop = (first - last) / first if first > 0 else 0.0
    return Trend(int(loss.size), first, last, float(loss.min()), drop, int(np.count_nonzero(tail > 0)))
