"""Overfit a tiny batch (Karpathy's recipe): train a copy of the network on 2 samples only.

A healthy network and backprop drive the loss on 2 samples to about 0 within a few hundred or
thousand steps. If it cannot, either the gradient is wrong or the path to those samples is
dead (e.g. a ReLU output with Z^[L] ≤ 0 passes back nothing). The live run is not touched.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .curvature import curvature
from ..engine.data import Dataset, make_split
from ..engine.losses import compute_cost

ZERO_FRACTION = 1e-2  # "about 0": below 1 % of the all-zeros loss on the batch (a slow, ill-conditioned
# descent on two samples can still be at 0.2 % after 2000 steps; a wrong gradient stalls far higher)
SAFE_FRACTION = 0.25  # of the stability limit 2/λmax: curvature grows as the copy fits, so keep a margin
GROWTH = 2.0          # the re-estimated rate at most doubles from one estimate to the next


@dataclass(frozen=True)
class OverfitResult:
    samples: tuple[int, ...]  # dataset indices
    steps: int
    lr: float
    start_loss: float
    final_loss: float
    zero_loss: float          # predicting 0 on the batch: the scale "about 0" is measured against
    reached_zero: bool
    status: str               # the copy's trainer status: 'ok' or 'diverged'
    dead_samples: tuple[int, ...]  # of the batch, dataset indices with Z^[L] ≤ 0 at the end (ReLU output)
    losses: tuple[float, ...]      # the loss curve, thinned to at most 200 points
    normalized: bool = True
    min_loss: float = math.nan     # the lowest loss on the way, and the step it was reached
    min_step: int = 0

    @property
    def jumped(self) -> bool:
        """It got to about 0 and then blew up: the copy's own rate overshot, not the network."""
        return self.reached_zero and not self.final_loss <= ZERO_FRACTION * max(self.zero_loss, 1e-12)

    @property
    def verdict(self) -> str:
        if self.jumped:
            return (f"reached {self.min_loss:.3g} (about 0) by step {self.min_step}, then jumped to {self.final_loss:.3g} "
                    f"(lr {self.lr:.3g}): the network and its gradient can fit; the rate the check set for itself "
                    "overshot once the fit grew sharp")
        if self.reached_zero:
            return f"reached {self.final_loss:.3g} (about 0): the network and its gradient can fit"
        if self.dead_samples:
            why = f"samples {list(self.dead_samples)} have a dead output (Z^[L] <= 0): no gradient reaches them"
        elif not self.normalized:
            why = "the data is not normalised, so the problem is ill-conditioned and descent crawls"
        else:
            why = "a bug in the gradient, a dead path or a too-small lr"
        return f"stuck at {self.final_loss:.3g} after {self.steps} steps: {why}"


def _set_safe_lr(t, first: bool) -> None:
    """A quarter of the stability limit of the batch (lr = 0.5/λmax), re-estimated as the copy trains:
    the live run's lr suits all the samples, not these two, and may be far too small or large.
    After the first estimate the rate at most doubles per estimate: near an exact fit λmax
    falls towards 0 along the path walked, and 2/λmax there is no limit for the next step."""
    c = curvature(t, iters=30, tol=1e-3)
    # 2/λmax overflows to inf for a denormal λmax (a saturated network): no rate to set then.
    if math.isfinite(c.lambda_max) and c.lambda_max > 0 and math.isfinite(c.stability_limit):
        lr = SAFE_FRACTION * c.stability_limit
        t.set_lr(lr if first else min(lr, GROWTH * t.config.lr))


def overfit_tiny_batch(trainer, samples: tuple[int, ...] | None = None, steps: int = 2000,
                       lr: float | None = None) -> OverfitResult:
    """Trains a copy of the network, from its current parameters, on `samples` (dataset indices,
    default the first two training samples) in training units. lr=None picks 1/λmax of the
    batch and re-estimates it every few steps; pass a rate to use that one throughout."""
    from ..engine.trainer import Trainer

    train_idx = [int(k) for k in trainer.split.train_idx]
    if samples is None:
        samples = tuple(train_idx[:2])
    cols = []
    for s in samples:
        if s not in train_idx:
            raise ValueError(f"sample {s} is not in the training split")
        cols.append(train_idx.index(s))
    if steps < 1:
        raise ValueError(f"steps must be at least 1, got {steps}")
    d = trainer.data
    # The batch is already in training units, so the copy must not normalise it again.
    batch = Dataset(d.X[:, cols], d.Y[:, cols], trainer.dataset.feature_names, trainer.dataset.target_name, "tiny batch")
    config = trainer.config.with_(normalize=False, dev_fraction=0.0, lr=lr if lr is not None else trainer.config.lr)
    t = Trainer(config, batch, make_split(len(cols), 0.0, 0), window=256, archive=256)
    t.set_parameters(trainer.params)
    auto = lr is None
    with np.errstate(all="ignore"):
        start = t.cost_on(batch.X, batch.Y)
    curve, at = [start], [0]
    every = max(1, steps // 200)
    done = 0
    while done < steps and t.status == "ok":
        n = min(every, steps - done)
        if auto:
            _set_safe_lr(t, done == 0)
        done += max(t.run(n), 1 if t.status != "ok" else n)
        with np.errstate(all="ignore"):
            curve.append(t.cost_on(batch.X, batch.Y))
        at.append(min(done, steps))
    final = curve[-1]
    finite = [(v, s) for v, s in zip(curve, at) if math.isfinite(v)]
    low, low_step = min(finite) if finite else (math.nan, 0)
    zero = compute_cost(np.zeros_like(batch.Y), batch.Y) if config.loss == "mse" else math.log(2.0)
    ZL = t.forward(batch.X)[0][-1]
    dead = tuple(samples[j] for j in np.flatnonzero((ZL <= 0).any(axis=0))) if config.output_activation == "relu" else ()
    reached = math.isfinite(low) and low <= ZERO_FRACTION * max(zero, 1e-12)
    return OverfitResult(tuple(int(s) for s in samples), min(done, steps), t.config.lr, start, final, zero,
                         bool(reached), t.status, dead, tuple(float(v) for v in curve),
                         trainer.config.normalize, float(low), int(low_step))
