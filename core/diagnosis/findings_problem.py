"""Findings about Playground's controls: regularisation strong enough to cause the underfit,
the jitter of mini-batch losses told apart from divergence, and a class imbalance that
cross-entropy's average hides behind a good-looking accuracy.

Hooked into findings.py's `proposals`; thresholds here, each with its reason, and in
docs/DIAGNOSIS.md.
"""
from __future__ import annotations

import math

import numpy as np

from .cures import Cure, lr_cure
from .finding import Proposal, fmt
from .trend import last_change_tick, span_for
from .findings_training import GROWTH_FACTOR
from ..engine.minibatch import BATCH_STEPS
from ..engine.penalty import RATE_STEPS, penalty_cost

# The penalty is at least 5 % of J: below that, λ barely pulls on the weights, and an underfit
# has another cause.
PENALTY_SHARE = 0.05
# ... and the settled train loss is at least 5 % of the mean predictor's: a fit that close is
# not an underfit worth a finding, whatever holds it there.
UNDERFIT = 0.05
# A cure lowers λ at least tenfold (to the largest of Playground's rates ≤ λ/10): a smaller
# step would often not show within the cure check's steps even when λ is the cause.
LOWER_BY = 10.0
# Mini-batch step losses are judged by their mean over the earlier half of the recent span: a
# batch's loss is an unbiased estimate of the whole set's J, so their mean follows J, while one
# batch's loss follows its few samples (and their median sits far below J when most samples
# are fitted and a few are not: a batch of 2 on the circle, median 0.012, J 0.16).
MIN_NOISE_STEPS = 20
# Step losses whose 90th percentile is 10x their 10th (GROWTH_FACTOR, the divergence check's
# own factor) look on the curve like a loss blowing up.
# A class below 20 % of the training samples, of which the network gets under half right, is
# being traded for the majority (predicting the majority alone scores 80 % or more).
MINORITY_SHARE = 0.2
MINORITY_RECALL = 0.5


def _presses(steps: tuple, now, target) -> int:
    """Key presses from `now` to `target` along `steps` (both in it, target below or after)."""
    return abs(steps.index(target) - steps.index(now)) if now in steps and target in steps else 1


def penalty_cure(name: str, now: float) -> Cure:
    target = max((r for r in RATE_STEPS if r <= now / LOWER_BY), default=0.0)
    keys = {"l2": ("[", "L2"), "l1": ("{", "L1")}[name]
    n = _presses(RATE_STEPS, now, target)
    return Cure(name, target, f"press {keys[0]} {n} time{'s' if n != 1 else ''} ({keys[1]} λ {target:g}, weights kept)",
                f"--{name} {target:g}", (keys[0],), (f"--{name}",))


def batch_cure(now: int, m: int) -> Cure:
    """A batch four times as large (Playground's next sizes), or the full batch."""
    sizes = [b for b in BATCH_STEPS if b >= 4 * now and b < m] or [0]
    target = sizes[0]
    shown = "the full batch" if target == 0 else f"batches of {target}"
    cycle = [b for b in BATCH_STEPS if b < m]
    n = (cycle.index(target) - cycle.index(now)) % len(cycle) if now in cycle else 1
    return Cure("batch_size", target, f"press m {n} time{'s' if n != 1 else ''} ({shown}, weights kept)",
                f"--batch-size {target}", ("m",), ("--batch-size",))


def over_regularized(trainer, ev, bv) -> Proposal | None:
    """High bias whose cause is λ: the train loss has settled, well above 0, while the penalty
    is a real part of J. Not judged against a baseline (a circle beats logistic regression
    even when λ holds it back): the cause is tested directly, on a copy - the finding stands
    only if lowering λ tenfold, weights kept, lowers the train loss by the cure check's margin."""
    c = trainer.config
    if not (c.l2 or c.l1) or not bv.settled or not ev.loss >= UNDERFIT * bv.mean_loss:
        return None
    with np.errstate(all="ignore"):
        pen = penalty_cost(trainer.params, trainer.m, c.l2, c.l1)
    J = ev.loss + pen
    if not (math.isfinite(J) and J > 0 and pen / J >= PENALTY_SHARE):
        return None
    rates = " and ".join(f"{n.upper()} λ {v:g}" for n, v in (("l2", c.l2), ("l1", c.l1)) if v)
    msg = (f"the train loss has settled at {fmt(ev.loss)} ({fmt(bv.train_loss / bv.mean_loss)}x the mean "
           f"predictor's) while the penalty of {rates} is {pen / J:.0%} of J ({fmt(pen)}): the weights are held "
           "too small to fit the data")
    cures = [penalty_cure(n, v) for n, v in (("l2", c.l2), ("l1", c.l1)) if v]
    return Proposal("over_regularized", msg, {
        "l2": c.l2, "l1": c.l1, "penalty": pen, "train_loss": ev.loss, "penalty_share": pen / J,
        "mean_loss": bv.mean_loss, "baseline_loss": bv.baseline_loss}, cures, needs_cure=True)


def _batch_losses(trainer) -> np.ndarray:
    hist = trainer.history
    rows = hist.recent(span_for(trainer.step_count))
    rows = rows[rows[:, hist.col["tick"]] >= last_change_tick(trainer)]
    loss = rows[:, hist.col["loss"]]
    return loss[np.isfinite(loss)]


def explained(findings: list) -> list:
    """Drop what another finding already explains: high_bias, once over_regularized (whose
    cure, a lower λ, was seen to help) names λ as the cause of the underfit."""
    codes = {f.code for f in findings}
    return [f for f in findings if not (f.code == "high_bias" and "over_regularized" in codes)]


def _judge_steps(trainer, full_loss: float) -> tuple[float, float, float, float] | None:
    """(mean step loss of the span's earlier half, the whole set's J over it, 10th and 90th
    percentile of the later half's step losses), or None without mini-batches or steps enough."""
    if trainer.batch >= trainer.m or trainer.status != "ok" or not math.isfinite(full_loss):
        return None
    loss = _batch_losses(trainer)
    if loss.size < MIN_NOISE_STEPS:
        return None
    half = loss.size // 2
    earlier = float(np.mean(loss[:half]))
    lo, hi = (float(v) for v in np.percentile(loss[half:], (10, 90)))
    return earlier, (full_loss / earlier if earlier > 0 else math.inf), lo, hi


def batch_noise_only(trainer) -> bool:
    """True when step losses that look like a divergence are mini-batch noise: the whole
    training set's J has not grown tenfold (for watchers such as pause-on-trouble, which read
    the step losses)."""
    with np.errstate(all="ignore"):
        judged = _judge_steps(trainer, trainer.cost_on(trainer.data.X, trainer.data.Y))
    return judged is not None and judged[1] < GROWTH_FACTOR


def batch_noise(trainer, ev, div: Proposal | None) -> tuple[Proposal | None, Proposal | None]:
    """(diverging, minibatch_noise): with mini-batches a step's loss is its batch's, and from
    batch to batch it can jump tenfold with nothing wrong. The divergence check reads those
    step losses; here the training set's own J decides. If it has not grown tenfold over the
    mean step loss of the earlier half of the span, the run is not diverging: a divergence
    alarm, or step losses spread tenfold, become minibatch_noise, which says so."""
    judged = _judge_steps(trainer, ev.loss)
    if judged is None:
        return div, None
    earlier, growth, lo, hi = judged
    if growth >= GROWTH_FACTOR or not (div is not None or hi >= GROWTH_FACTOR * lo):
        return div, None  # diverging indeed (the whole set's J grew too), or calm steps
    c = trainer.config
    msg = (f"the step losses jump between {fmt(lo)} and {fmt(hi)} (10th to 90th percentile) with mini-batches of "
           f"{trainer.batch}: each step's loss is its batch's; the whole training set's J is {fmt(ev.loss)} against a "
           f"mean step loss of {fmt(earlier)} earlier, so this is batch noise, not divergence")
    cures = [batch_cure(c.batch_size, trainer.m), lr_cure(c.lr, c.lr / 2)]
    return None, Proposal("minibatch_noise", msg, {
        "batch_size": trainer.batch, "step_loss_p10": lo, "step_loss_p90": hi, "train_loss": ev.loss,
        "earlier_mean": earlier, "growth": growth}, cures)


def class_imbalance(trainer, ev) -> Proposal | None:
    """Cross-entropy on 0/1 targets where one class is rare and the network mostly misses it:
    J is an average over samples, so the majority's samples dominate its gradient, and the
    accuracy looks good because predicting the majority alone scores well."""
    c, Y = trainer.config, trainer.data.Y[0]
    if c.loss != "bce" or Y.size == 0 or not np.isin(Y, (0.0, 1.0)).all():
        return None
    share = float(Y.mean())
    rare = 1.0 if share < 0.5 else 0.0
    p_rare = min(share, 1 - share)
    n_rare = int(np.count_nonzero(Y == rare))
    if p_rare >= MINORITY_SHARE or n_rare == 0:
        return None
    pred = (ev.A_L[0] >= 0.5).astype(float)
    recall = float(np.mean(pred[Y == rare] == rare))
    if recall >= MINORITY_RECALL:
        return None
    acc = float(np.mean(pred == Y))
    r, other = int(rare), int(1 - rare)
    msg = (f"only {p_rare:.0%} of the training samples ({n_rare} of {Y.size}) have y = {r}, and the network gets "
           f"{recall:.0%} of them right: predicting {other} everywhere already scores {1 - p_rare:.1%} accuracy "
           f"(the network {acc:.1%}), and cross-entropy's average is dominated by the {other}s")
    return Proposal("class_imbalance", msg, {
        "minority": r, "minority_share": p_rare, "minority_count": n_rare, "minority_recall": recall,
        "accuracy": acc, "majority_accuracy": 1 - p_rare})
