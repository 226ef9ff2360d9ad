"""Findings about how descent runs: a loss blowing up, a rate far below what the curvature
allows, a signal that fades through saturated or tiny layers."""
from __future__ import annotations

import math

import numpy as np

from .cures import hidden_cure, lr_cure, restart_cure
from .curvature import curvature
from .finding import Proposal, fmt, ratio
from .findings_setup import SAFE_FRACTION, normalize_cure
from .trend import MIN_SPAN, loss_trend
from ..engine.activations import get_activation

GROWTH_FACTOR = 10.0     # the loss at 10x its recent best, and still rising, is diverging
LOW_LR_FRACTION = 0.01   # lr below 1 % of the stability limit 2/λmax is far too low
PLATEAU_FRACTION = 0.05  # ... when the loss has stalled above 5 % of the mean predictor's
STUCK_FRACTION = 0.9     # a settled loss at >= 90 % of the mean predictor's learned nothing
FLAT_OUTPUT = 1e-2       # outputs spread < 1 % of the targets' spread: a constant predictor
SATURATION = 0.05        # mean g'(Z) below 5 % of its peak: the layer passes back almost nothing
G_PEAK = {"tanh": 1.0, "sigmoid": 0.25, "swish": 1.1}


def saturation(trainer) -> list[float]:
    """Per hidden layer, mean g'(Z) over units and samples as a fraction of g''s peak (1 is
    unsaturated; ReLU is left to the dead-unit findings, and counts as 1 here)."""
    c, out = trainer.config, []
    Zs, As = trainer.forward(trainer.data.X)
    act = get_activation(c.hidden_activation, c.leaky_slope)
    for Z, A in zip(Zs[:-1], As[:-1]):
        peak = G_PEAK.get(act.name)
        out.append(float(np.mean(act.derivative(Z, A))) / peak if peak else 1.0)
    return out


def diverging(trainer, ev, curv=None):
    trend = loss_trend(trainer)
    blown = trainer.status == "diverged" or not math.isfinite(ev.loss)
    growing = trend is not None and trend.growth >= GROWTH_FACTOR and trend.rising_steps >= 3
    if not (blown or growing):
        return None, curv
    if curv is None:
        with np.errstate(all="ignore"):
            curv = curvature(trainer, iters=50, tol=1e-4)
    lr = trainer.config.lr
    what = (trainer.diverged_reason or "the loss is not finite") if blown else \
        f"the loss grew {trend.growth:.3g}x over recent steps (from {fmt(trend.min_loss)} to {fmt(trend.last_loss)})"
    cause = ""
    if curv.unstable:
        cause = (f"; lr {lr:.3g} > 2/λmax = {curv.stability_limit:.3g} (λmax {curv.lambda_max:.4g}): "
                 "each step overshoots the steepest direction and the error grows")
    target = SAFE_FRACTION * curv.stability_limit if math.isfinite(curv.stability_limit) and curv.lambda_max > 0 \
        else lr / 4
    cures = [lr_cure(lr, min(target, lr / 2))]
    if not trainer.config.normalize:
        cures.append(normalize_cure(trainer))
    return Proposal("diverging", what + cause, {
        "lr": lr, "lambda_max": curv.lambda_max, "stability_limit": curv.stability_limit,
        "growth": trend.growth if trend else None, "status": trainer.status}, cures), curv


def lr_too_low(trainer, ev, bv, curv=None):
    trend = loss_trend(trainer)
    if trend is None or trend.steps < MIN_SPAN or trainer.status != "ok" or not math.isfinite(ev.loss):
        return None, curv
    if ev.loss <= PLATEAU_FRACTION * bv.mean_loss:
        return None, curv
    sat = saturation(trainer)
    if sat and min(sat) < SATURATION:
        return None, curv  # a tiny λmax here means the gradient vanished, not that the rate is small
    if curv is None:
        with np.errstate(all="ignore"):
            curv = curvature(trainer, iters=30, tol=1e-3)  # the order of magnitude is what counts
    lr = trainer.config.lr
    if not (math.isfinite(curv.stability_limit) and lr < LOW_LR_FRACTION * curv.stability_limit):
        return None, curv
    msg = (f"the loss is still {fmt(ev.loss)} ({ratio(ev.loss, bv.mean_loss):.2g}x the mean predictor's; "
           f"{-trend.rel_drop * 100:+.2g} % over the last {trend.steps} steps) "
           f"while lr {lr:.3g} is {curv.stability_limit / lr:,.0f}x below the stability limit 2/λmax = {curv.stability_limit:.3g}")
    return Proposal("lr_too_low", msg, {
        "lr": lr, "stability_limit": curv.stability_limit, "lambda_max": curv.lambda_max,
        "rel_drop": trend.rel_drop, "steps": trend.steps},
        [lr_cure(lr, SAFE_FRACTION * curv.stability_limit)], needs_cure=True), curv


def _vanishing_cures(trainer, sat: list[float]) -> list:
    c, cures = trainer.config, []
    if not c.normalize:
        cures.append(normalize_cure(trainer))
    for target in ("relu", "leaky_relu"):
        if target != c.hidden_activation:  # a cure never proposes the current setting
            cures.append(hidden_cure(c.hidden_activation, target))
    if c.init != "he":
        cures.append(restart_cure({"init": "he"}, "restart with --init he (no key changes the initialisation)",
                                  "--init he", (), ("--init",)))
    return cures


def vanishing_gradients(trainer, ev, bv) -> Proposal | None:
    """Settled at the mean predictor's loss with a flat output: the signal and the gradient die
    on the way through the layers (saturating activations, a too-small init, depth)."""
    if not (bv.settled and ev.loss >= STUCK_FRACTION * bv.mean_loss) or trainer.L < 2:
        return None
    if any(len(u) == len(a) for u, a in zip(ev.dead_units, ev.hidden_active)):
        return None  # a whole dead layer: dead_hidden names that cause
    y_spread = float(trainer.data.Y.std())
    spread = float(ev.A_L.std())
    if not (y_spread > 0 and spread < FLAT_OUTPUT * y_spread):
        return None
    rec = trainer.record_from_row(trainer.history.last())
    rel = []
    for l in range(1, trainer.L + 1):
        w = float(np.linalg.norm(trainer.params[f"W{l}"]))
        rel.append(rec.grad_norms[f"dW{l}"] / w if w > 0 else math.inf)
    per_layer = ", ".join(f"{v:.1e}" for v in rel[:6]) + (" ..." if len(rel) > 6 else "")
    sat = saturation(trainer)
    c = trainer.config
    why = f"the signal fades through {trainer.L - 1} {c.hidden_activation} layer(s)"
    if sat and min(sat) < SATURATION:
        why = (f"the {c.hidden_activation} units are saturated (mean g'(Z) {min(sat):.2g} of its peak)"
               + ("" if c.normalize else ", driven there by inputs far from unit scale"))
    elif c.init == "small":
        why += " from a tiny initialisation (randn x 0.01)"
    msg = (f"the loss has settled at {fmt(ev.loss)}, {ratio(ev.loss, bv.mean_loss):.2f}x the mean predictor's, and the output "
           f"is almost constant (spread {spread:.2g} vs the targets' {y_spread:.2g}): {why}; |dW|/|W| by layer: {per_layer}")
    return Proposal("vanishing_gradients", msg, {
        "relative_grad_norms": rel, "output_spread": spread, "target_spread": y_spread, "loss": ev.loss,
        "mean_loss": bv.mean_loss, "saturation": sat}, _vanishing_cures(trainer, sat))
