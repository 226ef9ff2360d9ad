"""Bias / variance verdict from the train/dev gap, the polynomial baseline and the variance of Y.

All losses are J in training units. The yardstick is J_mean, the loss of predicting the mean
of Y (Var(Y)/2 for MSE): a loss that is a small fraction of it explains most of the variance.
- high bias: the loss has settled, yet train J stays above BIAS_FRACTION of J_mean and far
  above what a low-degree polynomial reaches on the same data;
- high variance: once settled, dev J is at least twice train J and the gap is over
  VARIANCE_FRACTION of J_mean (a tiny absolute gap between two tiny losses is not overfitting
  worth a finding; early in training the dev loss swings for no lasting reason).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .baseline import _monomials, fit_baseline
from .loss_at_init import trivial_losses
from .trend import MIN_SPAN, loss_trend

BIAS_FRACTION = 0.05
BASELINE_FACTOR = 10.0
VARIANCE_RATIO = 2.0
VARIANCE_FRACTION = 0.1
BASELINE_DEGREES = (1, 2, 3, 4)
# A loss converging to 0 keeps falling by the same fraction forever; a drop this small against
# J_mean no longer changes the verdict, so it counts as settled too.
SETTLED_ABS = 1e-3
FITTED_FRACTION = 0.01
MAX_BASELINE_CELLS = 2_000_000  # design-matrix size above which a degree is skipped (cost)


@dataclass(frozen=True)
class BiasVariance:
    verdict: str                 # "high_bias", "high_variance", "both", "neither", "too_early"
    train_loss: float
    dev_loss: float | None
    mean_loss: float             # J of predicting the mean of Y
    baseline_degree: int | None  # the best low-degree polynomial on the train split
    baseline_loss: float | None
    baseline_dev_loss: float | None
    settled: bool
    high_bias: bool
    high_variance: bool
    message: str


def best_baseline(trainer) -> tuple[int | None, float | None, float | None]:
    d = trainer.data
    if trainer.config.loss != "mse":
        return None, None, None
    fits = []
    for deg in BASELINE_DEGREES:
        if len(_monomials(d.X.shape[0], deg)) * d.X.shape[1] > MAX_BASELINE_CELLS:
            break
        try:
            fits.append(fit_baseline(d.X, d.Y, deg, d.X_dev, d.Y_dev))
        except (ValueError, np.linalg.LinAlgError):
            break  # inputs too large for this degree: compare with the lower degrees only
    if not fits:
        return None, None, None
    # The lowest degree that is as good as the best (up to rounding): degree 2 for the story.
    lowest = min(f.train_loss for f in fits)
    tol = 1e-9 * trivial_losses(d.Y, "mse")[2]
    fit = next(f for f in fits if f.train_loss <= lowest + tol)
    return fit.degree, fit.train_loss, fit.dev_loss


def bias_variance(trainer, evaluation) -> BiasVariance:
    d = trainer.data
    train, dev = evaluation.loss, evaluation.dev_loss
    _, _, mean_loss = trivial_losses(d.Y, trainer.config.loss)
    deg, base, base_dev = best_baseline(trainer)
    trend = loss_trend(trainer)
    settled = bool(trend is not None and (trend.settled or (
        trend.steps >= MIN_SPAN and abs(trend.first_loss - trend.last_loss) < SETTLED_ABS * mean_loss)))
    finite = math.isfinite(train)
    floor = max(BIAS_FRACTION * mean_loss, BASELINE_FACTOR * (base or 0.0))
    high_bias = settled and finite and train > floor
    # Judged once the loss settled, or once the training set is fitted (train J under 1 % of
    # J_mean) while dev stays far off: the textbook picture of overfitting.
    fitted = finite and train <= FITTED_FRACTION * mean_loss
    high_var = ((settled or fitted) and dev is not None and finite and math.isfinite(dev) and dev >= VARIANCE_RATIO * train
                and dev - train > VARIANCE_FRACTION * mean_loss)
    verdict = ("both" if high_bias and high_var else "high_bias" if high_bias else
               "high_variance" if high_var else "neither" if settled else "too_early")
    message = _message(verdict, train, dev, mean_loss, deg, base)
    return BiasVariance(verdict, train, dev, mean_loss, deg, base, base_dev, settled, bool(high_bias), bool(high_var), message)


def _message(verdict: str, train: float, dev: float | None, mean_loss: float, deg, base) -> str:
    ref = f"the mean predictor scores {mean_loss:.4g}" + (f", a degree-{deg} polynomial {base:.4g}" if deg else "")
    dev_part = f", dev J {dev:.4g}" if dev is not None else ""
    if verdict in ("high_variance", "both"):
        ratio = dev / train if train > 0 else math.inf
        var = f"dev J {dev:.4g} is {ratio:.3g}x train J {train:.4g}"
        if verdict == "high_variance":
            return f"high variance: {var}"
        return f"high bias and high variance: train J {train:.4g} settled far above the data's floor ({ref}); {var}"
    if verdict == "high_bias":
        return f"high bias: train J {train:.4g} has settled far above what the data allows ({ref})"
    if verdict == "neither":
        return f"neither: train J {train:.4g}{dev_part} ({ref})"
    return f"too early to tell: the loss is still falling (train J {train:.4g}{dev_part}; {ref})"
