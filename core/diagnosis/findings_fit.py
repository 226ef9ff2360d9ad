"""Bias and variance findings, from the verdict in bias_variance.py."""
from __future__ import annotations

from .cures import hidden_cure, output_cure, restart_cure
from .finding import Proposal, fmt, ratio


def _size_cure(sizes: tuple[int, ...], new: tuple[int, ...]):
    text = ",".join(str(n) for n in new)
    verb = "larger" if sum(new) > sum(sizes) else "smaller"
    return restart_cure({"hidden": new}, f"restart with --hidden {text} (no key changes the network's size)",
                        f"--hidden {text}", (), ("--hidden",)) if new != sizes else None, verb


def high_bias(trainer, ev, bv) -> Proposal | None:
    if not bv.high_bias:
        return None
    b = bv.baseline
    base = ""
    if b is not None:
        base = (f"; {b.name} predicts held-out samples with J {fmt(b.cv_loss)}"
                + ("" if b.kind != "polynomial" else f" (a degree-{b.degree} polynomial reaches {fmt(b.train_loss)} on the training set)"))
    msg = (f"the train loss has settled at {fmt(bv.train_loss)}, {ratio(bv.train_loss, bv.mean_loss):.2g}x "
           f"the mean predictor's {fmt(bv.mean_loss)}{base}: the network underfits")
    c = trainer.config
    cures = []
    wider, _ = _size_cure(c.hidden, tuple(min(2 * n, 4096) for n in c.hidden))
    if wider is not None:
        cures.append(wider)
    for target in ("relu", "tanh"):
        if target != c.hidden_activation:
            cures.append(hidden_cure(c.hidden_activation, target))
    if c.output_activation != "linear" and c.loss == "mse":
        cures.append(output_cure(c.output_activation, "linear"))
    return Proposal("high_bias", msg, {
        "train_loss": bv.train_loss, "mean_loss": bv.mean_loss, "baseline_degree": bv.baseline_degree,
        "baseline_loss": bv.baseline_loss, "baseline": b.to_dict() if b is not None else None}, cures)


def _replays_exactly(trainer) -> bool:
    """A restart from step 0 retraces this run only if nothing was changed along the way."""
    return all(e.name == "diverged" for e in trainer.events)


def high_variance(trainer, ev, bv) -> Proposal | None:
    if not bv.high_variance:
        return None
    curve = bv.dev_curve
    if bv.dev_rose and curve is not None:
        msg = (f"dev loss {fmt(bv.dev_loss)} has risen to {bv.dev_loss / curve.best_loss:.3g}x its best "
               f"{fmt(curve.best_loss)} at step {curve.best_step} while the train loss fell from "
               f"{fmt(curve.train_at_best)} to {fmt(bv.train_loss)} ({ratio(bv.dev_loss, bv.mean_loss):.2g}x the mean "
               "predictor's loss on dev): the network fits noise in the training samples")
    else:
        msg = (f"dev loss {fmt(bv.dev_loss)} is {bv.dev_loss / max(bv.train_loss, 1e-300):.3g}x the train loss "
               f"{fmt(bv.train_loss)} (gap {bv.dev_loss - bv.train_loss:.3g}, "
               f"{ratio(bv.dev_loss - bv.train_loss, bv.mean_loss):.2g}x the mean predictor's loss): the network fits "
               "noise in the training samples")
    cures = []
    if curve is not None and curve.best_step < trainer.step_count and _replays_exactly(trainer):
        s = curve.best_step
        cures.append(restart_cure({}, f"0 to restart, then stop at step {s} (early stopping)", f"--steps {s}",
                                  ("0",), ("--steps",), stop_at=s))
    c = trainer.config
    smaller, _ = _size_cure(c.hidden, tuple(max(n // 2, 1) for n in c.hidden))
    if smaller is not None:
        cures.append(smaller)
    evidence = {"train_loss": bv.train_loss, "dev_loss": bv.dev_loss, "mean_loss": bv.mean_loss}
    if curve is not None:
        evidence.update(best_dev_step=curve.best_step, best_dev_loss=curve.best_loss, dev_rose=bv.dev_rose)
    return Proposal("high_variance", msg, evidence, cures, measure="dev")
