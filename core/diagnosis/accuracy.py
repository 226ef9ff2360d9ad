"""Accuracy for 0/1 targets: the share of samples on the right side of ŷ = 0.5.

For a classifier the loss alone is hard to read (is a cross-entropy of 0.2 good?); the share
classified right is not. ŷ is read as the predicted probability of a 1 whatever the output
(a sigmoid's, or a regression output fitted to the 0/1 targets), so 0.5 is the threshold.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

THRESHOLD = 0.5


@dataclass(frozen=True)
class Accuracy:
    train: float
    dev: float | None   # None without a dev split


def _share_right(trainer, X: np.ndarray, Y: np.ndarray) -> float:
    # 0/1 targets are never standardised (core.engine.data.standardises_target): Y is as given.
    d = trainer.data
    with np.errstate(all="ignore"):
        y_hat = d.y_to_original(trainer.predict(X))
    return float(np.mean((y_hat >= THRESHOLD) == (Y >= THRESHOLD)))


def accuracy(trainer) -> Accuracy | None:
    """Train and dev accuracy, or None when the targets are not all 0 or 1."""
    ds = trainer.dataset
    if not ds.binary:
        return None
    d = trainer.data
    dev = _share_right(trainer, d.X_dev, d.Y_dev) if d.has_dev else None
    return Accuracy(_share_right(trainer, d.X, d.Y), dev)
