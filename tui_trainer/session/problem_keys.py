"""The keys for Playground's training controls: L2 and L1 rates one notch up or down, and the
batch size cycled. A mixin of Handlers (handlers.py), which owns `_trainer` and `_notice`.

Each change keeps θ, takes effect from the next step and is logged by the trainer as an event
(`l2`, `l1`, `batch_size`), so a rerun of the exported log repeats it at the same tick.
"""
from __future__ import annotations

from core.engine.minibatch import BATCH_STEPS as BATCH_CYCLE  # a size past m is full batch: skipped
from core.engine.penalty import RATE_STEPS as PENALTY_RATES   # Playground's rates

WHAT = {"l2": "L2 λ", "l1": "L1 λ"}
TERM = {"l2": "λ/(2m)·Σ||W||²", "l1": "λ/m·Σ|W|"}


def notch(current: float, direction: int) -> float:
    """The next rate of PENALTY_RATES above (direction > 0) or below `current`; the end stays."""
    if direction > 0:
        return next((r for r in PENALTY_RATES if r > current), PENALTY_RATES[-1])
    return next((r for r in reversed(PENALTY_RATES) if r < current), 0.0)


def next_batch(current: int, m: int) -> int:
    """The batch size after `current` in BATCH_CYCLE, skipping sizes of m or more."""
    sizes = [b for b in BATCH_CYCLE if b < m]
    now = current if 0 < current < m else 0
    later = [b for b in sizes if b > now]
    return later[0] if later else 0


class ProblemKeys:
    def _step_penalty(self, name: str, direction) -> None:
        t = self._trainer
        old = getattr(t.config, name)
        new = notch(old, int(direction))
        if new == old:
            self._notice(f"{WHAT[name]} stays at {old:g}: the {'largest' if direction > 0 else 'smallest'} rate",
                         "information")
            return
        getattr(t, f"set_{name}")(new)
        self._notice(f"{WHAT[name]} → {new:g}" + (f" (J += {TERM[name]}; weights kept)" if new else " (off)"))

    def _cycle_batch(self, _=None) -> None:
        t = self._trainer
        size = next_batch(t.config.batch_size, t.m)
        t.set_batch_size(size)
        if t.batch == t.m:
            self._notice(f"Full batch: every update sees all {t.m} training samples")
        else:
            self._notice(f"Mini-batches of {t.batch}: {t.m // t.batch} updates an epoch, reshuffled each epoch "
                         "(the loss is the batch's, so it jitters)")
