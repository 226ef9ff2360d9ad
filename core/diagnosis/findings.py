"""The findings engine: name the cause of a failing run, with its evidence and the cure.

`diagnose(trainer, evaluation)` reads only what the engine recorded (the history rows, the
events, an `Evaluation` of the current parameters) and the training data; it never runs inside
the training step, and is cheap enough to call a few times a second. The only costly check,
the curvature λmax, runs only when a divergence or a plateau needs explaining.

Cures name the TUI key that applies them: a = cycle output activation, h = cycle hidden
activation, + / - = learning rate x2 / ÷2, z = normalise, s = new seed, l = LR range test.
Each code and its trigger is listed in docs/DIAGNOSIS.md.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .bias_variance import bias_variance
from .curvature import curvature
from ..files import clean
from .trend import MIN_SPAN, loss_trend

CODES = ("dead_output", "dead_hidden", "diverging", "unscaled_data", "high_bias", "high_variance",
         "loss_mismatch", "output_range", "lr_too_low", "vanishing_gradients")

DEAD_UNIT_FRACTION = 0.25   # a few dead ReLU units are normal; a quarter of a layer is not
SCALE_LIMIT = 10.0          # inputs/targets with max |value| beyond this (or below 1/this) are unscaled
GROWTH_FACTOR = 10.0        # the loss at 10x its recent best, and still rising, is diverging
LOW_LR_FRACTION = 0.01      # lr below 1 % of the stability limit 2/λmax is far too low
PLATEAU_FRACTION = 0.05     # ... when the loss has stalled above 5 % of the mean predictor's
STUCK_FRACTION = 0.9        # a settled loss at >= 90 % of the mean predictor's learned nothing
FLAT_OUTPUT = 1e-2          # outputs spread < 1 % of the targets' spread: a constant predictor
OUTPUT_RANGES = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0), "relu": (0.0, math.inf)}


@dataclass(frozen=True)
class Finding:
    """One diagnosis, as widgets and commands read it (attributes, never dict keys). It
    pickles, so a snapshot carries it across the training process's boundary unchanged."""
    code: str           # one of CODES
    message: str        # one line, with the evidence
    cure: str           # what to do, naming the key
    keys: tuple[str, ...] = ()  # the TUI keys the cure names
    evidence: dict = field(default_factory=dict, compare=False)  # the numbers behind the message

    def to_dict(self) -> dict:
        """The JSON form every output uses (run/diagnose --json, the summary): NaN and ±inf
        become null, so it always passes json.dumps(allow_nan=False)."""
        return clean({"code": self.code, "message": self.message, "cure": self.cure,
                      "keys": list(self.keys), "evidence": self.evidence})


def _list(idx, limit: int = 8) -> str:
    idx = [int(i) for i in idx]
    if len(idx) > 2 and idx == list(range(idx[0], idx[-1] + 1)):
        return f"{idx[0]}-{idx[-1]}"
    shown = ", ".join(str(i) for i in idx[:limit])
    return shown + (f", ... ({len(idx)} in all)" if len(idx) > limit else "")


def _fmt(v: float) -> str:
    return f"{v:,.6g}" if abs(v) >= 1000 else f"{v:.4g}"


# ---- one function per code -----------------------------------------------------------

def dead_output(trainer, ev) -> Finding | None:
    if not ev.output_can_die or ev.dead_output == 0:
        return None
    pos = ev.dead_samples
    Y = trainer.data.Y[0, pos]
    if not (Y > 0).any():
        return None  # ReLU's 0 is already the best it can do for targets ≤ 0: nothing is stuck
    samples = np.asarray(trainer.split.train_idx)[pos]
    x = trainer.data.x_to_original(trainer.data.X[:, pos])[0]
    zl = ev.Z_L[0, pos]
    msg = (f"{len(pos)} of {trainer.m} samples ({_list(samples)}; x = {_list(x) if np.all(x == np.round(x)) and np.all(np.abs(x) < 1e9) else ', '.join(f'{v:.3g}' for v in x[:8])}) "
           f"have Z^[L] <= 0 (max {zl.max():.3g}): the ReLU output is 0 there and relu'(Z) = 0 passes back no gradient, "
           "so they get none of their own and stay stuck")
    return Finding("dead_output", msg, "press a for a linear or leaky_relu output (keeps the weights)", ("a",),
                   {"samples": samples.tolist(), "x": x.tolist(), "Z_L": zl.tolist(), "targets": Y.tolist()})


def dead_hidden(trainer, ev) -> Finding | None:
    if not ev.hidden_can_die:
        return None
    layers = [(l, units, len(a)) for l, (units, a) in enumerate(zip(ev.dead_units, ev.hidden_active), start=1)
              if len(units) and len(units) >= DEAD_UNIT_FRACTION * len(a)]
    if not layers:
        return None
    parts = [f"{len(u)} of {n} units in layer {l} ({_list(u)})" for l, u, n in layers]
    causes = []
    X = trainer.data.X
    if (X >= 0).all() and not trainer.config.normalize:
        causes.append("the inputs are all >= 0 and not normalised")
    trend = loss_trend(trainer)
    if trend is not None and trend.growth > 2:
        causes.append("the loss jumped recently (a too-large step)")
    why = f"; likely cause: {' and '.join(causes)}" if causes else ""
    msg = f"{'; '.join(parts)} have Z <= 0 on every training sample: relu' = 0, so they never learn again{why}"
    return Finding("dead_hidden", msg,
                   "z to normalise, - to lower the lr, h for a leaky_relu or tanh hidden layer, s for another init",
                   ("z", "-", "h", "s"),
                   {"layers": [{"layer": l, "dead_units": u.tolist(), "units": n} for l, u, n in layers]})


def diverging(trainer, ev, curv=None) -> tuple[Finding | None, object]:
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
        f"the loss grew {trend.growth:.3g}x over recent steps (from {_fmt(trend.min_loss)} to {_fmt(trend.last_loss)})"
    cause = ""
    if curv.unstable:
        cause = (f"; lr {lr:.3g} > 2/λmax = {curv.stability_limit:.3g} (λmax {curv.lambda_max:.4g}): "
                 "each step overshoots the steepest direction and the error grows")
    msg = what + cause
    return Finding("diverging", msg, "- to halve the learning rate" + ("" if trainer.config.normalize else ", z to normalise"),
                   ("-", "z"), {"lr": lr, "lambda_max": curv.lambda_max, "stability_limit": curv.stability_limit,
                                "growth": trend.growth if trend else None, "status": trainer.status}), curv


def unscaled_data(trainer, ev) -> Finding | None:
    if trainer.config.normalize:
        return None
    d = trainer.dataset
    x_scale = np.abs(d.X).max(axis=1)
    y_scale = float(np.abs(d.Y).max())
    far = [(n, s) for n, s in zip(d.feature_names, x_scale) if s > SCALE_LIMIT or 0 < s < 1 / SCALE_LIMIT]
    if y_scale > SCALE_LIMIT or 0 < y_scale < 1 / SCALE_LIMIT:
        far.append((d.target_name, y_scale))
    if not far:
        return None
    what = " and ".join(f"{n} reaches {_fmt(s)}" for n, s in far[:4])
    msg = (f"normalisation is off while {what}: gradients scale with the data, "
           f"which forces a tiny learning rate (now {trainer.config.lr:.3g}) and slow, fragile learning")
    return Finding("unscaled_data", msg, "z to standardise X and Y (training restarts)", ("z",),
                   {"max_abs": {n: s for n, s in far}})


def loss_mismatch(trainer, ev) -> Finding | None:
    c = trainer.config
    if c.loss != "bce":
        return None
    Y = trainer.data.Y
    bad_y = ((Y < 0) | (Y > 1)).any()
    if not bad_y and c.output_activation == "sigmoid":
        return None
    reasons = []
    if bad_y:
        reasons.append(f"targets range {Y.min():.4g}..{Y.max():.4g}, outside [0, 1]")
    if c.output_activation != "sigmoid":
        reasons.append(f"the output is {c.output_activation}, not a probability")
    msg = f"cross-entropy with {' and '.join(reasons)}: its logs assume a sigmoid output in (0, 1)"
    return Finding("loss_mismatch", msg, "use --loss mse for regression, or press a until the output is sigmoid for 0/1 targets",
                   ("a",), {"loss": c.loss, "output_activation": c.output_activation,
                            "y_min": float(Y.min()), "y_max": float(Y.max())})


def output_range(trainer, ev) -> Finding | None:
    act = trainer.config.output_activation
    if act not in OUTPUT_RANGES or trainer.config.loss == "bce":
        return None  # bce's own mismatch is loss_mismatch
    lo, hi = OUTPUT_RANGES[act]
    Y = trainer.data.Y[0]
    out = np.flatnonzero((Y < lo) | (Y > hi))
    if out.size == 0:
        return None
    samples = np.asarray(trainer.split.train_idx)[out]
    span = f"[{_fmt(lo)}, inf)" if act == "relu" else f"({_fmt(lo)}, {_fmt(hi)})"
    msg = (f"a {act} output only reaches {span}, but {out.size} of {trainer.m} targets lie outside it "
           f"(samples {_list(samples)}; targets {_fmt(Y.min())}..{_fmt(Y.max())} in training units)")
    return Finding("output_range", msg, "press a until the output is linear", ("a",),
                   {"activation": act, "samples": samples.tolist(), "y_min": float(Y.min()), "y_max": float(Y.max())})


def _ratio(a: float, b: float) -> float:
    """a / b for messages; constant targets make the mean predictor's loss exactly 0."""
    return a / b if b > 0 else math.inf


def lr_too_low(trainer, ev, bv, curv=None) -> tuple[Finding | None, object]:
    trend = loss_trend(trainer)
    if trend is None or trend.steps < MIN_SPAN or trainer.status != "ok" or not math.isfinite(ev.loss):
        return None, curv
    if ev.loss <= PLATEAU_FRACTION * bv.mean_loss:
        return None, curv
    if curv is None:
        with np.errstate(all="ignore"):
            curv = curvature(trainer, iters=30, tol=1e-3)  # the order of magnitude is what counts
    lr = trainer.config.lr
    if not (math.isfinite(curv.stability_limit) and lr < LOW_LR_FRACTION * curv.stability_limit):
        return None, curv
    msg = (f"the loss is still {_fmt(ev.loss)} ({_ratio(ev.loss, bv.mean_loss):.2g}x the mean predictor's; "
           f"{-trend.rel_drop * 100:+.2g} % over the last {trend.steps} steps) "
           f"while lr {lr:.3g} is {curv.stability_limit / lr:,.0f}x below the stability limit 2/λmax = {curv.stability_limit:.3g}")
    return Finding("lr_too_low", msg, "+ to double the learning rate (repeat), or l for the LR range test", ("+", "l"),
                   {"lr": lr, "stability_limit": curv.stability_limit, "lambda_max": curv.lambda_max,
                    "rel_drop": trend.rel_drop, "steps": trend.steps}), curv


def vanishing_gradients(trainer, ev, bv) -> Finding | None:
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
    row = trainer.history.last()
    rec = trainer.record_from_row(row)
    rel = []
    for l in range(1, trainer.L + 1):
        w = float(np.linalg.norm(trainer.params[f"W{l}"]))
        rel.append(rec.grad_norms[f"dW{l}"] / w if w > 0 else math.inf)
    per_layer = ", ".join(f"{v:.1e}" for v in rel[:6]) + (" ..." if len(rel) > 6 else "")
    msg = (f"the loss has settled at {_fmt(ev.loss)}, {_ratio(ev.loss, bv.mean_loss):.2f}x the mean predictor's, and the output "
           f"is almost constant (spread {spread:.2g} vs the targets' {y_spread:.2g}): the signal fades through "
           f"{trainer.L - 1} {trainer.config.hidden_activation} layer(s); |dW|/|W| by layer: {per_layer}")
    return Finding("vanishing_gradients", msg,
                   "h for a relu or leaky_relu hidden layer, s for another init (--init he), or fewer layers",
                   ("h", "s"), {"relative_grad_norms": rel, "output_spread": spread, "target_spread": y_spread,
                                "loss": ev.loss, "mean_loss": bv.mean_loss})


def high_bias(trainer, ev, bv) -> Finding | None:
    if not bv.high_bias:
        return None
    base = (f"; a degree-{bv.baseline_degree} polynomial reaches {_fmt(bv.baseline_loss)}"
            if bv.baseline_degree else "")
    msg = (f"the train loss has settled at {_fmt(bv.train_loss)}, {_ratio(bv.train_loss, bv.mean_loss):.2g}x "
           f"the mean predictor's {_fmt(bv.mean_loss)}{base}: the network underfits")
    return Finding("high_bias", msg, "a larger network (--hidden), another activation (h / a), or train longer",
                   ("h", "a"), {"train_loss": bv.train_loss, "mean_loss": bv.mean_loss,
                                "baseline_degree": bv.baseline_degree, "baseline_loss": bv.baseline_loss})


def high_variance(trainer, ev, bv) -> Finding | None:
    if not bv.high_variance:
        return None
    msg = (f"dev loss {_fmt(bv.dev_loss)} is {bv.dev_loss / max(bv.train_loss, 1e-300):.3g}x the train loss "
           f"{_fmt(bv.train_loss)} (gap {bv.dev_loss - bv.train_loss:.3g}, {_ratio(bv.dev_loss - bv.train_loss, bv.mean_loss):.2g}x "
           "the mean predictor's loss): the network fits noise in the training samples")
    return Finding("high_variance", msg, "more data, a smaller network (--hidden), or stop earlier", (),
                   {"train_loss": bv.train_loss, "dev_loss": bv.dev_loss, "mean_loss": bv.mean_loss})


def diagnose(trainer, evaluation) -> list[Finding]:
    """Every finding that applies now, most urgent first."""
    ev = evaluation
    found: list[Finding | None] = []
    div, curv = diverging(trainer, ev)
    structural = [loss_mismatch(trainer, ev), output_range(trainer, ev)]
    found += [div, *structural, dead_output(trainer, ev), dead_hidden(trainer, ev), unscaled_data(trainer, ev)]
    # A wrong loss or an output that cannot reach the targets explains any stall by itself.
    if div is None and math.isfinite(ev.loss) and not any(structural):
        bv = bias_variance(trainer, ev)
        low, curv = lr_too_low(trainer, ev, bv, curv)
        vanish = None if low else vanishing_gradients(trainer, ev, bv)
        # A stall from a tiny rate or a vanishing signal is not a capacity problem: report the
        # cause, not the symptom.
        found += [low, vanish, None if low or vanish else high_bias(trainer, ev, bv), high_variance(trainer, ev, bv)]
    return [f for f in found if f is not None]
