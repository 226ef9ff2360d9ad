"""What the TUI's baseline key shows: a degree-d polynomial fit (d cycles 1-4) drawn over the
fit plot, and its train/dev loss next to the network's, in the same J units.

The fit is made on the training data exactly as the network sees it (normalised or not), so
the two losses compare like for like; the curve is returned in original units for plotting.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .baseline import BaselineFit, fit_baseline

CYCLE = (1, 2, 3, 4)
GRID_POINTS = 200


def next_degree(degree: int) -> int:
    """1 → 2 → 3 → 4 → 1."""
    return CYCLE[(CYCLE.index(degree) + 1) % len(CYCLE)] if degree in CYCLE else CYCLE[0]


@dataclass(frozen=True)
class BaselineOverlay:
    degree: int
    fit: BaselineFit
    train_loss: float
    dev_loss: float | None
    net_train_loss: float
    net_dev_loss: float | None
    x_grid: np.ndarray   # original units, one feature only (empty for several features)
    y_grid: np.ndarray   # the polynomial on x_grid, original units
    y_hat: np.ndarray    # the polynomial at each training sample, original units

    @property
    def network_better(self) -> bool:
        return self.net_train_loss <= self.train_loss


def baseline_overlay(trainer, degree: int = 2, points: int = GRID_POINTS) -> BaselineOverlay:
    d = trainer.data
    fit = fit_baseline(d.X, d.Y, degree, d.X_dev, d.Y_dev, trainer.dataset.feature_names)
    with np.errstate(all="ignore"):
        net_train = trainer.cost_on(d.X, d.Y)
        net_dev = trainer.cost_on(d.X_dev, d.Y_dev) if d.has_dev else None
    if d.X.shape[0] == 1:
        lo, hi = float(d.X.min()), float(d.X.max())
        grid = np.linspace(lo, hi, points).reshape(1, -1)
        x_grid = d.x_to_original(grid).ravel()
        y_grid = d.y_to_original(fit.predict(grid)).ravel()
    else:
        x_grid = y_grid = np.empty(0)
    y_hat = d.y_to_original(fit.predict(d.X)).ravel()
    return BaselineOverlay(degree, fit, fit.train_loss, fit.dev_loss, net_train, net_dev, x_grid, y_grid, y_hat)
