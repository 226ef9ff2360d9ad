"""A learning rate picked from the loss's own curvature: half the stability limit 2/λmax.

Why half: gradient descent multiplies the error along the steepest direction by (1 − lr·λmax)
each step, so it overshoots and grows once lr > 2/λmax; at lr = 1/λmax that direction is
solved in one step and every flatter one still shrinks. λmax is measured at the current
parameters (at initialisation for a fresh network), so the rate suits the data's scale: after
normalisation the story's 2/λmax moves from about 1e-5 to about 0.2, and a rate carried over
from the raw data would sit ten thousand times below it.

When the curvature gives no limit (λmax ≤ 0 or not finite) the LR range test's suggestion is
used instead. The live run is never touched: both work on copies.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..engine.config import LR_MAX, LR_MIN
from .curvature import curvature
from .lr_finder import lr_range_test

FRACTION = 0.5          # of the stability limit 2/λmax
FAR_BELOW = 0.01        # a rate under 1 % of the limit learns far too slowly
ABOVE = 1.0             # a rate over the limit overshoots and grows


@dataclass(frozen=True)
class SafeRate:
    lr: float               # the rate to use
    lambda_max: float       # at the parameters it was measured on (nan when not measured)
    limit: float            # 2/λmax (inf when λmax ≤ 0)
    how: str                # "half of 2/λmax" or "the LR range test"

    @property
    def why(self) -> str:
        if self.how == "half of 2/λmax":
            return f"half the stability limit 2/λmax = {self.limit:.3g} (λmax {self.lambda_max:.3g})"
        return "the LR range test's suggestion (the curvature gives no stability limit here)"


def safe_rate(trainer) -> SafeRate:
    """Half of 2/λmax at the trainer's current parameters, or the LR range test's rate."""
    with np.errstate(all="ignore"):
        curv = curvature(trainer, iters=50, tol=1e-4)
    if math.isfinite(curv.lambda_max) and curv.lambda_max > 0:
        lr = _within_bounds(FRACTION * curv.stability_limit)
        return SafeRate(lr, curv.lambda_max, curv.stability_limit, "half of 2/λmax")
    with np.errstate(all="ignore"):
        lr = _within_bounds(lr_range_test(trainer).suggested)
    return SafeRate(lr, curv.lambda_max, curv.stability_limit, "the LR range test")


def _within_bounds(lr: float) -> float:
    """A rate a person could have typed (core.engine.config's range)."""
    return float(min(max(lr, LR_MIN), LR_MAX))


def distance_text(lr: float, limit: float) -> str:
    """How far a rate is from the stability limit, in words: '1/20,000 of', '0.5x', '3x above'."""
    if not (math.isfinite(limit) and limit > 0):
        return "with no stability limit measured"
    ratio = lr / limit
    if ratio > ABOVE:
        return f"{ratio:.3g}x the stability limit 2/λmax = {limit:.3g}: steps overshoot and grow"
    if ratio < FAR_BELOW:
        return f"1/{1 / ratio:,.0f} of the stability limit 2/λmax = {limit:.3g}: far too small to learn quickly"
    return f"{ratio:.2g}x the stability limit 2/λmax = {limit:.3g}"
