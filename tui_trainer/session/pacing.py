"""How often the screen hears from training: one rate limit, and the UI's acknowledgement.

`RateLimit` is "at most once every `interval` seconds". The session uses it for frames while
training runs (1/fps), and `CostShare` (a RateLimit that also keeps what it costs under a share
of the time) for the findings; the main screen uses RateLimit for the panels' own rates.

The session's frames are a CostShare too: at 1M samples each periodic frame costs ~50 ms to
make, and at 10 a second the training process spent half its time on them.

`Pacer` adds the one thing a rate alone cannot know: whether the screen has drawn the last frame.
The UI acknowledges each frame (`ack`). While it has not, no periodic frame is due, and frames
offered meanwhile are held back, the newest replacing the older, so a slow screen skips stale
frames instead of falling behind; `ack` hands the held one over at once. A frame that carries a
key's effect is handed over with `hand`, at once and in place of any held one, so it waits at
most for the frame being drawn. A UI that never acknowledges still gets a frame every
`ack_timeout` seconds. Both backends use it: the thread Session for its own frames, and the
process backend's relay for the frames arriving from the training process.
"""
from __future__ import annotations

import math
import threading
import time
from typing import Callable

ACK_TIMEOUT = 1.0  # seconds a frame the UI has not acknowledged holds the next one back


class RateLimit:
    """At most once every `interval` seconds (`take` says whether now is such a time)."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._last = -math.inf

    def elapsed(self, now: float) -> float:
        """Seconds since the last time taken (infinite before the first)."""
        return now - self._last

    def ready(self, now: float) -> bool:
        return self.elapsed(now) >= self.interval

    def take(self, now: float, force: bool = False) -> bool:
        """True, and counted, when the interval has passed since the last time (or `force`)."""
        if force or self.ready(now):
            self._last = now
            return True
        return False


class CostShare(RateLimit):
    """At most once every `interval` seconds, and rarely enough that what it costs stays under
    `share` of the time: after a use that took `c` seconds (`spent`), the next waits
    max(interval, c / share). The findings use it: a diagnosis that grows costly (checks that
    train copies) then runs less often instead of taking training's time and delaying keys."""

    def __init__(self, interval: float, share: float) -> None:
        super().__init__(interval)
        self.share = share
        self.wait = interval

    def ready(self, now: float) -> bool:
        return self.elapsed(now) >= self.wait

    def spent(self, seconds: float) -> None:
        self.wait = max(self.interval, seconds / self.share)


class Pacer:
    """Frames to a UI through `deliver`: at most `fps` a second while training runs, one at a
    time (see the module docstring). Thread-safe: the training side offers frames, the UI side
    acknowledges them."""

    def __init__(self, deliver: Callable[[object], None], fps: float = 10.0,
                 ack_timeout: float = ACK_TIMEOUT, share: float = 1.0) -> None:
        self._deliver = deliver
        # share < 1: frames whose making is costly (rate.spent) come less often than fps.
        self.rate = CostShare(1.0 / fps, share)
        self.ack_timeout = ack_timeout
        self._lock = threading.Lock()
        self._acked = threading.Event()
        self._acked.set()
        self._held = None   # newest frame not yet handed over

    # ---- the training side ---------------------------------------------------------------
    def due(self, now: float) -> bool:
        """Time for a periodic frame: the interval has passed and the UI is free for it."""
        return self.rate.ready(now) and self._free(now)

    def hand(self, frame) -> None:
        """Hand `frame` over now, acknowledged or not: a change the user caused goes out at once,
        never queued behind a periodic frame. A frame held back is older: it is dropped."""
        with self._lock:
            self._held = None
            self._start(time.monotonic())
        self._deliver(frame)

    def offer(self, frame) -> None:
        """Hand `frame` over if the UI is free, else hold it back in place of any held one."""
        with self._lock:
            if not self._free(time.monotonic()):
                self._held = frame
                return
            self._held = None
            self._start(time.monotonic())
        self._deliver(frame)

    def release(self) -> None:
        """Hand over the held frame once the UI is free (or has let ack_timeout pass)."""
        with self._lock:
            frame, now = self._held, time.monotonic()
            if frame is None or not self._free(now):
                return
            self._held = None
            self._start(now)
        self._deliver(frame)

    def wait_ack(self, timeout: float) -> bool:
        """Block until the UI has acknowledged the last frame, at most `timeout` seconds."""
        return self._acked.wait(timeout)

    @property
    def acked(self) -> bool:
        return self._acked.is_set()

    # ---- the UI side ---------------------------------------------------------------------
    def ack(self) -> None:
        """The UI has drawn the last frame handed to it: hand over the one held back, if any."""
        with self._lock:
            frame, self._held = self._held, None
            if frame is None:
                self._acked.set()
                return
            self._start(time.monotonic())
        self._deliver(frame)

    # ---- inside the lock ---------------------------------------------------------------
    def _free(self, now: float) -> bool:
        return self._acked.is_set() or self.rate.elapsed(now) >= self.ack_timeout

    def _start(self, now: float) -> None:
        self.rate.take(now, force=True)
        self._acked.clear()
