"""LR range test (Smith 2017; fastai's lr_find): sweep the learning rate exponentially from tiny
to large on a copy of the network, one update per rate, and watch the loss.

The loss first barely moves (rate too small), then falls fastest, then turns and explodes once
the rate passes the stability limit. We record the loss after each update, smooth it with a
bias-corrected exponential average (the raw curve is jumpy near the edge), and stop once the
smoothed loss exceeds `stop_factor` times its best. Suggestions, as fastai:
- `lr_min_div10`: the rate at the lowest smoothed loss, divided by 10 (a safe margin below the
  edge, where that minimum sits);
- `lr_steep`: the rate where the smoothed loss falls fastest per decade.
`suggested` is lr_min/10 (the more conservative on full-batch descent), or lr_steep when the
minimum is at the very start. The live run is not touched.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class LRRangeTest:
    lrs: tuple[float, ...]
    losses: tuple[float, ...]    # loss after the update at each rate (inf once it overflowed)
    smoothed: tuple[float, ...]
    start_loss: float
    best_lr: float               # the rate at the lowest smoothed loss
    lr_min_div10: float
    lr_steep: float
    suggested: float
    method: str                  # "min/10" or "steepest"
    stopped: str                 # why the sweep ended: "diverged", "exploded" or "end"

    def to_dict(self) -> dict:
        return {"lrs": list(self.lrs), "losses": list(self.losses), "smoothed": list(self.smoothed),
                "start_loss": self.start_loss, "best_lr": self.best_lr, "lr_min_div10": self.lr_min_div10,
                "lr_steep": self.lr_steep, "suggested": self.suggested, "method": self.method,
                "stopped": self.stopped}


def lr_schedule(start: float, end: float, steps: int) -> np.ndarray:
    if not (0 < start < end and math.isfinite(end)):
        raise ValueError(f"the LR sweep needs 0 < start < end, got {start:g}..{end:g}")
    if steps < 2:
        raise ValueError(f"the LR sweep needs at least 2 steps, got {steps}")
    return start * (end / start) ** (np.arange(steps) / (steps - 1))


def smooth(losses: list[float], beta: float) -> list[float]:
    avg, out = 0.0, []
    for i, v in enumerate(losses, start=1):
        avg = beta * avg + (1 - beta) * v
        out.append(avg / (1 - beta**i))
    return out


def suggest(lrs: np.ndarray, smoothed: np.ndarray) -> tuple[float, float, float, str]:
    """(best_lr, lr_min/10, lr_steep, method) from a sweep that may have stopped early."""
    k = int(np.argmin(smoothed))
    best = float(lrs[k])
    if k >= 2:
        slope = np.gradient(np.log(np.maximum(smoothed[: k + 1], 1e-300)), np.log(lrs[: k + 1]))
        steep = float(lrs[int(np.argmin(slope))])
    else:
        steep = float(lrs[0])
    if k == 0:
        return best, best / 10, steep, "steepest"
    return best, best / 10, steep, "min/10"


def lr_range_test(trainer, start: float = 1e-8, end: float = 10.0, steps: int = 100,
                  stop_factor: float = 4.0, beta: float = 0.7) -> LRRangeTest:
    t = trainer.clone()
    d = t.data
    lrs = lr_schedule(start, end, steps)
    with np.errstate(all="ignore"):
        start_loss = t.cost_on(d.X, d.Y)
    losses: list[float] = []
    stopped = "end"
    for lr in lrs:
        t.set_lr(float(lr))
        t.run(1)
        if t.status != "ok":
            stopped = "diverged"
            break
        with np.errstate(all="ignore"):
            loss = t.cost_on(d.X, d.Y)
        if not math.isfinite(loss):
            stopped = "diverged"
            break
        losses.append(loss)
        sm = smooth(losses, beta)
        if len(sm) > 1 and sm[-1] > stop_factor * min(sm):
            stopped = "exploded"
            break
    if not losses:
        raise ValueError(f"the loss overflowed at the first rate {start:g}: start the sweep lower")
    sm = np.array(smooth(losses, beta))
    used = lrs[: len(losses)]
    best, min10, steep, method = suggest(used, sm)
    suggested = min10 if method == "min/10" else steep
    return LRRangeTest(tuple(float(v) for v in used), tuple(losses), tuple(float(v) for v in sm), start_loss,
                       best, min10, steep, suggested, method, stopped)
