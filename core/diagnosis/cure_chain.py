"""The cure chain: after each cure, what still stands between the run and a good fit, and the
next key to press, until nothing does.

The findings (findings.py) list everything wrong at once; a learner who has just applied one
cure needs the one obstacle that matters next. For the story: a linear output (a) lets the dead
samples move, but samples 0–2 stay flat because every hidden unit is off for them (A^[1] = 0,
so ŷ = b^[2] and ∂Z/∂W = A_prev = 0); normalising (z) switches the units back on and, with the
rate following the new scale, the loss falls fast; once it settles, ReLU's straight pieces are
what is left (h for a smooth hidden layer). The checks run in that order, cheapest structural
obstacles first; the first that applies is the next step.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .curvature import curvature
from .evaluation import evaluate
from .trend import MIN_SPAN, loss_trend

GOOD_FRACTION = 0.005   # a good fit: RMSE under 0.5 % of the targets' spread (the story: about 1.9)
GOOD_BCE = 0.05         # ... for cross-entropy: J under 5 % of the constant predictor's
SCALE_LIMIT = 10.0      # typical |value| beyond this: unscaled (as findings_setup.py)
LOW_LR = 0.01           # a rate under 1 % of the stability limit 2/λmax: far too low
FALLING = 0.01          # the loss fell at least 1 % over the recent span: still learning
RANGES = {"relu": (0.0, math.inf), "sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0)}
OUTPUT_CYCLE = ("relu", "leaky_relu", "swish", "linear", "sigmoid")   # the a key's order
MAX_RUNS = 4            # runs of sample rows named before "… (N in all)"


@dataclass(frozen=True)
class NextStep:
    blocker: str              # good_fit | diverged | output | cut_off | dead_hidden | unscaled |
                              # lr_too_low | training | kinks | capacity
    text: str                 # what stands in the way, with the evidence
    cure: str                 # what to press, in words ("" for a good fit)
    keys: tuple[str, ...] = ()

    @property
    def good(self) -> bool:
        return self.blocker == "good_fit"


def _j_mean(Y: np.ndarray, loss: str) -> float:
    """J of the best constant prediction, in the run's units."""
    if loss == "bce":
        p = float(np.clip(Y.mean(), 1e-12, 1 - 1e-12))
        return -(p * math.log(p) + (1 - p) * math.log(1 - p))
    return float(np.var(Y)) / 2


def fit_ratio(trainer) -> float:
    """J / the constant predictor's J (inf when J is not finite)."""
    d = trainer.data
    j = evaluate(trainer).loss  # cost_on(d.X, d.Y), computed once per θ
    ref = _j_mean(d.Y, trainer.config.loss)
    if not math.isfinite(j):
        return math.inf
    return j / ref if ref > 0 else (0.0 if j == 0 else math.inf)


def good_fit(trainer) -> bool:
    bound = GOOD_BCE if trainer.config.loss == "bce" else GOOD_FRACTION ** 2
    return trainer.status == "ok" and fit_ratio(trainer) <= bound


def _presses(now: str, target: str) -> str:
    n = (OUTPUT_CYCLE.index(target) - OUTPUT_CYCLE.index(now)) % len(OUTPUT_CYCLE) if now in OUTPUT_CYCLE else 1
    return "once" if n == 1 else f"{n} times"


def _samples(trainer, pos) -> str:
    """Training samples, by their positions in the split, named by dataset row (as the table's
    # column and the findings name them)."""
    rows = sorted(int(i) for i in np.asarray(trainer.split.train_idx)[np.asarray(pos, dtype=int)])
    runs: list[list[int]] = []
    for r in rows:
        if runs and r == runs[-1][1] + 1:
            runs[-1][1] = r
        else:
            runs.append([r, r])
    text = ", ".join(f"{a}–{b}" if b > a + 1 else f"{a}, {b}" if b > a else f"{a}" for a, b in runs[:MAX_RUNS])
    return text + (f", … ({len(rows)} in all)" if len(runs) > MAX_RUNS else "")


def _dead_y_hat(trainer, ev) -> str:
    """What a dead ReLU output (A^[L] = 0) reads in y's units: 0 on raw data; with y
    standardised, the training mean of y that 0 maps back to."""
    y_hat = float(ev.y_hat[ev.dead_samples[0]]) + 0.0
    return f"ŷ = {y_hat:.4g}" + (" (ReLU's 0 in y's units)" if trainer.config.normalize and y_hat != 0 else "")


# ---- the obstacles, in the order they are looked for -----------------------------------------

def _diverged(trainer, ev, curv) -> NextStep | None:
    if trainer.status == "ok":
        return None
    return NextStep("diverged", f"training diverged: {trainer.diverged_reason}",
                    "- to halve the learning rate (repeat until it trains), then r", ("-",))


def _good(trainer, ev, curv) -> NextStep | None:
    if not good_fit(trainer):
        return None
    spread = float(np.std(trainer.dataset.Y[:, trainer.split.train_idx]))
    if trainer.config.loss == "bce":
        return NextStep("good_fit", f"a good fit: J is {fit_ratio(trainer):.2%} of the constant predictor's", "")
    share = f" ({ev.rmse / spread:.2%} of y's spread)" if spread > 0 else ""
    return NextStep("good_fit", f"a good fit: RMSE {ev.rmse:.3g}{share}", "")


def _output(trainer, ev, curv) -> NextStep | None:
    act, Y = trainer.config.output_activation, trainer.data.Y
    if trainer.config.loss == "bce" or act not in RANGES:
        return None
    lo, hi = RANGES[act]
    outside = int(np.count_nonzero((Y < lo) | (Y > hi)))
    dead = ev.dead_output if ev.output_can_die else 0
    if not (outside or dead):
        return None
    why = (f"{dead} sample{'s' * (dead != 1)} ({_samples(trainer, ev.dead_samples)}) stuck at {_dead_y_hat(trainer, ev)}: "
           "relu'(Z^[L]) = 0 passes back no gradient") if dead else \
        f"{outside} target{'s' * (outside != 1)} lie outside the {act} output's range"
    return NextStep("output", f"the output cannot reach every target: {why}",
                    f"press a {_presses(act, 'linear')} for a linear output (the weights are kept)", ("a",))


def _cut_off(trainer, ev, curv) -> NextStep | None:
    """Samples for which every unit of the last hidden layer is off: A^[L-1] = 0, so ŷ = b^[L]
    whatever the weights, and dW^[L] gets nothing from them."""
    if trainer.L < 2 or trainer.config.hidden_activation != "relu":
        return None
    active = ev.hidden_active[-1]
    cut = np.flatnonzero(~active.any(axis=0))
    dead = [len(u) for u in ev.dead_units]
    if cut.size == 0:
        if not any(n and n >= 0.25 * a.shape[0] for n, a in zip(dead, ev.hidden_active)):
            return None
        parts = ", ".join(f"{n} of {a.shape[0]} in layer {l}" for l, (n, a) in enumerate(zip(dead, ev.hidden_active), 1) if n)
        return NextStep("dead_hidden", f"hidden units are dead ({parts}): they pass back no gradient and add nothing",
                        "z to normalise, s for another init, or h for a leaky_relu or tanh hidden layer", ("z", "s", "h"))
    y_hat = ev.y_hat[cut]
    flat = f" (ŷ = {float(np.median(y_hat)):.4g})" if np.ptp(y_hat) <= 1e-9 * max(1.0, abs(float(y_hat[0]))) else ""
    L = trainer.L
    return NextStep("cut_off", f"samples {_samples(trainer, cut)} get A^[{L - 1}] = 0 from every hidden unit "
                    f"({dead[-1]} of {active.shape[0]} units dead): ŷ = b^[{L}] for all of them{flat}, and "
                    f"∂Z^[{L}]/∂W^[{L}] = A^[{L - 1}] = 0 gives them no say in the weights",
                    "z to normalise (centred inputs switch units on across the range), s for another init, "
                    "or h for a leaky_relu or tanh hidden layer", ("z", "s", "h"))


def _unscaled(trainer, ev, curv) -> NextStep | None:
    if trainer.config.normalize:
        return None
    d = trainer.dataset
    rms = np.sqrt(np.mean(np.concatenate([d.X, d.Y]) ** 2, axis=1))
    if not (rms > SCALE_LIMIT).any():
        return None
    return NextStep("unscaled", f"the data is unscaled (typical size up to {float(rms.max()):.3g}): the gradients "
                    "scale with it, so any safe rate is tiny", "z to normalise (the rate follows the new scale)", ("z",))


def _lr_too_low(trainer, ev, curv) -> NextStep | None:
    if curv is None:
        with np.errstate(all="ignore"):
            curv = curvature(trainer, iters=30, tol=1e-3)
    lr, limit = trainer.config.lr, curv.stability_limit
    if not (math.isfinite(limit) and lr < LOW_LR * limit):
        return None
    return NextStep("lr_too_low", f"the rate {lr:.3g} is 1/{limit / lr:,.0f} of the stability limit 2/λmax = "
                    f"{limit:.3g}: each step moves the weights far less than they could go",
                    "l for the LR range test, then enter to use its rate (or + to double the rate)", ("l", "+"))


def _training(trainer, ev, curv) -> NextStep | None:
    trend = loss_trend(trainer)
    if trend is not None and trend.steps >= MIN_SPAN and trend.rel_drop < FALLING:
        return None
    how = "" if trend is None or trend.steps < MIN_SPAN else \
        f" ({-trend.rel_drop * 100:+.2g} % over the last {trend.steps} steps)"
    return NextStep("training", f"nothing blocks the fit but time: the loss is still falling{how}",
                    "r to keep training", ("r",))


def _settled(trainer, ev, curv) -> NextStep:
    ratio = fit_ratio(trainer)
    where = f"RMSE {ev.rmse:.3g}" if trainer.config.loss == "mse" else f"J {ratio:.2%} of the constant predictor's"
    if trainer.config.hidden_activation in ("relu", "leaky_relu", "linear"):
        return NextStep("kinks", f"the loss has settled at {where}: {trainer.config.hidden_activation} units draw "
                        "the curve from straight pieces, and these few cannot follow it closer",
                        "h for a smooth hidden layer (tanh or swish; the weights are kept), then l and enter "
                        "for a rate that suits it", ("h", "l"))
    return NextStep("capacity", f"the loss has settled at {where} with {trainer.config.hidden_activation} units",
                    "s for another init, or a larger network (--hidden) for more units", ("s",))


CHECKS = (_diverged, _good, _output, _cut_off, _unscaled, _lr_too_low, _training)


def next_step(trainer, ev, curv=None) -> NextStep:
    """The first obstacle to a good fit at the trainer's current state, with its cure.
    `ev` is core.diagnosis.evaluation.evaluate(trainer); `curv` a Curvature if one is at hand."""
    for check in CHECKS:
        found = check(trainer, ev, curv)
        if found is not None:
            return found
    return _settled(trainer, ev, curv)
