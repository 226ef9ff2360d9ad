"""Bias / variance verdict from the train/dev gap, the dev curve, a baseline that generalises
and the variance of Y.

All losses are J in training units. The yardstick is J_mean, the loss of predicting the mean
of Y (Var(Y)/2 for MSE): a loss that is a small fraction of it explains most of the variance.
- high bias: the loss has settled, yet train J stays more than BIAS_FRACTION of J_mean above
  what a simple model predicts on samples it has *not* seen (the baseline's cross-validated J,
  baseline_select.py), and the network does not match that baseline on the dev split either;
- high variance, either of:
  - the dev loss has risen to DEV_RISE times its best since the last change, by more than
    VARIANCE_FRACTION of J_mean, while the train loss kept falling: the network now fits
    noise, settled or not (the step of the best dev loss is where early stopping would stop);
  - once settled (or the training set fitted), dev J is at least VARIANCE_RATIO times train J
    and the gap is over VARIANCE_FRACTION of J_mean (a tiny absolute gap between two tiny
    losses is not overfitting worth a finding).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..engine.chunks import give_way
from .baseline_select import Baseline, generalising_baseline
from .loss_at_init import trivial_losses
from .trend import MIN_SPAN, last_change_tick, loss_trend

BIAS_FRACTION = 0.05
VARIANCE_RATIO = 2.0
VARIANCE_FRACTION = 0.1
DEV_RISE = 1.25
MATCH_TOLERANCE = 0.02  # dev J within 2 % of J_mean of the baseline's dev J "matches" it
# A loss converging to 0 keeps falling by the same fraction forever; a drop this small against
# J_mean no longer changes the verdict, so it counts as settled too.
SETTLED_ABS = 1e-3
FITTED_FRACTION = 0.01


@dataclass(frozen=True)
class DevCurve:
    best_step: int        # where early stopping would have stopped
    best_loss: float
    train_at_best: float  # train J at that step


@dataclass(frozen=True)
class BiasVariance:
    verdict: str                 # "high_bias", "high_variance", "both", "neither", "too_early"
    train_loss: float
    dev_loss: float | None
    mean_loss: float             # J of predicting the mean of Y
    baseline_degree: int | None  # the generalising baseline (baseline_select.py)
    baseline_loss: float | None  # its train J
    baseline_dev_loss: float | None
    settled: bool
    high_bias: bool
    high_variance: bool
    message: str
    baseline: Baseline | None = None
    dev_curve: DevCurve | None = None
    dev_rose: bool = False       # high variance by the rising dev loss


_CACHE: dict[tuple[int, str], tuple[object, Baseline | None]] = {}


def baseline_for(trainer, stop=None) -> Baseline | None:
    """The generalising baseline of the trainer's prepared data: computed once per data (it
    costs up to a few hundred ms, and the TUI asks a few times a second). stop: as
    generalising_baseline's (given up, nothing is kept)."""
    d, loss = trainer.data, trainer.config.loss
    key = (id(d), loss)
    hit = _CACHE.get(key)
    if hit is not None and hit[0] is d:  # the same object, not a new one at a reused address
        return hit[1]
    j_mean = trivial_losses(d.Y, loss)[2]
    give_way(stop)   # (~20 ms at 1M for each of the two)
    base = generalising_baseline(d.X, d.Y, d.X_dev, d.Y_dev, loss, j_mean, stop)
    if len(_CACHE) > 8:
        _CACHE.clear()
    _CACHE[key] = (d, base)
    return base


def dev_curve(trainer) -> DevCurve | None:
    """The best dev loss since the last change, from the history (never recomputed)."""
    if not trainer.data.has_dev:
        return None
    h = trainer.history
    rows = h.rows()
    rows = rows[rows[:, h.col["tick"]] >= last_change_tick(trainer)]
    dev = rows[:, h.col["dev_loss"]]
    ok = np.isfinite(dev)
    if not ok.any():
        return None
    i = int(np.flatnonzero(ok)[np.argmin(dev[ok])])
    return DevCurve(int(rows[i, h.col["step"]]), float(dev[i]), float(rows[i, h.col["loss"]]))


def _dev_rose(train: float, dev: float | None, curve: DevCurve | None, mean_loss: float) -> bool:
    if dev is None or curve is None or not (math.isfinite(dev) and math.isfinite(train)):
        return False
    return (dev >= DEV_RISE * curve.best_loss and dev - curve.best_loss > VARIANCE_FRACTION * mean_loss
            and train < curve.train_at_best)


def _high_bias(train, dev, settled, base: Baseline | None, mean_loss: float) -> bool:
    if not (settled and math.isfinite(train)):
        return False
    ref = base.cv_loss if base is not None else 0.0
    if train <= ref + BIAS_FRACTION * mean_loss:
        return False
    # Never high bias when the network predicts unseen samples as well as the baseline does.
    matches = (dev is not None and base is not None and base.dev_loss is not None and math.isfinite(dev)
               and dev <= base.dev_loss + MATCH_TOLERANCE * mean_loss)
    return not matches


def bias_variance(trainer, evaluation, stop=None) -> BiasVariance:
    """stop: the baseline, ~180 ms the first time at 1M samples, gives way when it says so
    (engine.chunks.Abandoned): a key waits for none of it."""
    d = trainer.data
    train, dev = evaluation.loss, evaluation.dev_loss
    _, _, mean_loss = trivial_losses(d.Y, trainer.config.loss)
    give_way(stop)
    base = baseline_for(trainer, stop)
    trend = loss_trend(trainer)
    settled = bool(trend is not None and (trend.settled or (
        trend.steps >= MIN_SPAN and abs(trend.first_loss - trend.last_loss) < SETTLED_ABS * mean_loss)))
    finite = math.isfinite(train)
    high_bias = _high_bias(train, dev, settled, base, mean_loss)
    curve = dev_curve(trainer)
    rose = _dev_rose(train, dev, curve, mean_loss)
    # Judged once the loss settled, or once the training set is fitted (train J under 1 % of
    # J_mean) while dev stays far off: the textbook picture of overfitting.
    fitted = finite and train <= FITTED_FRACTION * mean_loss
    gap = ((settled or fitted) and dev is not None and finite and math.isfinite(dev) and dev >= VARIANCE_RATIO * train
           and dev - train > VARIANCE_FRACTION * mean_loss)
    high_var = rose or gap
    verdict = ("both" if high_bias and high_var else "high_bias" if high_bias else
               "high_variance" if high_var else "neither" if settled else "too_early")
    message = _message(verdict, train, dev, mean_loss, base, curve if rose else None)
    deg = base.degree if base is not None else None
    return BiasVariance(verdict, train, dev, mean_loss, deg, base.train_loss if base else None,
                        base.dev_loss if base else None, settled, bool(high_bias), bool(high_var), message,
                        base, curve, bool(rose))


def _reference(mean_loss: float, base: Baseline | None) -> str:
    ref = f"the mean predictor scores {mean_loss:.4g}"
    if base is None:
        return ref
    if base.kind == "polynomial":
        return ref + f", a degree-{base.degree} polynomial {base.train_loss:.4g}"
    return ref + f", logistic regression {base.train_loss:.4g}"


def _baseline_note(base: Baseline | None) -> str:
    if base is None:
        return ""
    dev = f", dev J {base.dev_loss:.4g}" if base.dev_loss is not None else ""
    return f"; baseline {base.name}: held-out J {base.cv_loss:.4g} (cross-validated){dev}"


def _message(verdict: str, train: float, dev: float | None, mean_loss: float, base: Baseline | None,
             rose: DevCurve | None) -> str:
    ref = _reference(mean_loss, base)
    note = _baseline_note(base)
    dev_part = f", dev J {dev:.4g}" if dev is not None else ""
    if verdict in ("high_variance", "both"):
        if rose is not None:
            var = (f"dev J {dev:.4g} has risen to {dev / rose.best_loss:.3g}x its best {rose.best_loss:.4g} "
                   f"(step {rose.best_step}, where early stopping would stop) while train J fell to {train:.4g}")
        else:
            ratio = dev / train if train > 0 else math.inf
            var = f"dev J {dev:.4g} is {ratio:.3g}x train J {train:.4g}"
        if verdict == "high_variance":
            return f"high variance: {var}{note}"
        return f"high bias and high variance: train J {train:.4g} settled far above the data's floor ({ref}); {var}{note}"
    if verdict == "high_bias":
        return f"high bias: train J {train:.4g} has settled far above what the data allows ({ref}){note}"
    if verdict == "neither":
        return f"neither: train J {train:.4g}{dev_part} ({ref}){note}"
    return f"too early to tell: the loss is still falling (train J {train:.4g}{dev_part}; {ref}){note}"
