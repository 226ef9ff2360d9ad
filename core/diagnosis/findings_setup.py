"""Findings about the set-up rather than the training: the scale of the data, a loss that does
not fit the output, an output that cannot reach the targets."""
from __future__ import annotations

import math

import numpy as np

from .cures import Cure, lr_cure, output_cure, restart_cure
from .curvature import curvature
from .finding import Proposal, fmt, list_text
from ..engine.data import standardises_target
from ..text import printable

SCALE_LIMIT = 10.0     # a column whose typical size (root mean square) is beyond 10, or whose spread is below 1/10
SAFE_FRACTION = 0.25   # a restarted run's rate: a quarter of its stability limit 2/λmax at init
OUTPUT_RANGES = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0), "relu": (0.0, math.inf)}


def column_scales(A: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mean, spread, root mean square) of each row of A (features are rows)."""
    mean, std = A.mean(axis=1), A.std(axis=1)
    return mean, std, np.sqrt(mean**2 + std**2)


def _off_scale(mean, std, rms) -> np.ndarray:
    # The typical size (rms), not the largest value: a standardised column with a heavy tail
    # (max |z| 11.7) is as scaled as data gets. A constant column has nothing to scale.
    return (rms > SCALE_LIMIT) | ((std > 0) & (rms < 1 / SCALE_LIMIT))


def normalize_cure(trainer) -> Cure:
    """Standardise, and (the gradients' scale changes with the data's) a rate that suits the
    standardised data: a quarter of its stability limit at init. The copy trains at that rate,
    as --lr gives it; the keys need none, since z itself sets a rate for the new scale
    (tui_trainer/session/watching.py), so + / - presses from the old rate would overshoot; it
    keeps a rate given with --lr (the keys text names no flags: tests/test_diagnosis_items.py)."""
    from ..engine.trainer import Trainer
    fresh = Trainer(trainer.config.with_(normalize=True, seed=trainer.seed, output_activation="linear"),
                    trainer.dataset, trainer.split, window=2, archive=2)
    with np.errstate(all="ignore"):
        limit = curvature(fresh, iters=30, tol=1e-3).stability_limit
    c = trainer.config
    changes, keys, flags = {"normalize": True}, ["z"], ["--normalize"]
    keys_text, flags_text = ["z to standardise the data (training restarts)"], ["--normalize"]
    lo, hi = OUTPUT_RANGES.get(c.output_activation, (-math.inf, math.inf))
    if standardises_target(trainer.dataset.Y, c.loss) and (lo > -1 or hi < 1):
        # A standardised target is negative for half the samples: the output must reach them.
        out = output_cure(c.output_activation, "linear")
        changes["output_activation"] = "linear"
        keys_text.append(out.keys_text.replace(", keeping the weights", ""))
        flags_text.append(out.flags_text)
        keys.append("a")
        flags.append("--output-activation")
    lr = c.lr
    if math.isfinite(limit) and not 0.05 * limit <= lr <= 0.5 * limit:
        press = lr_cure(lr, SAFE_FRACTION * limit)
        changes["lr"] = press.value
        flags_text.append(press.flags_text)
        flags.append("--lr")
    keys_text = ", then ".join(keys_text) + "; z sets a rate for the new scale, unless one was given at start"
    return restart_cure(changes, keys_text, " ".join(flags_text), keys, flags)


def unscaled_data(trainer, ev) -> Proposal | None:
    if trainer.config.normalize:
        return None
    d = trainer.dataset
    rows = [(n, *v) for n, *v in zip(d.feature_names, *column_scales(d.X))]
    if standardises_target(d.Y, trainer.config.loss):
        rows.append((d.target_name, *(float(a[0]) for a in column_scales(d.Y))))
    far = [r for r in rows if _off_scale(*(np.array(v) for v in r[1:]))]
    if not far:
        return None
    what = " and ".join(f"{printable(n)} (mean {fmt(m if abs(m) > 1e-9 * r else 0.0)}, spread {fmt(s)})" for n, m, s, r in far[:4])
    more = f" and {len(far) - 4} more" if len(far) > 4 else ""
    msg = (f"normalisation is off while {what}{more} are far from unit scale: each weight's gradient scales "
           "with its input, so no single learning rate suits every weight and descent is slow and fragile")
    x_max = np.abs(d.X).max(axis=1)
    max_abs = {n: float(v) for n, v in zip(d.feature_names, x_max)}
    max_abs[d.target_name] = float(np.abs(d.Y).max())
    return Proposal("unscaled_data", msg, {
        "max_abs": {n: max_abs[n] for n, *_ in far}, "mean": {n: float(m) for n, m, _, _ in far},
        "std": {n: float(s) for n, _, s, _ in far}, "rms": {n: float(r) for n, _, _, r in far}},
        [normalize_cure(trainer)], needs_cure=True)


def loss_mismatch(trainer, ev) -> Proposal | None:
    c = trainer.config
    if c.loss != "bce":
        return None
    Y = trainer.data.Y
    bad_y = bool(((Y < 0) | (Y > 1)).any())
    if not bad_y and c.output_activation == "sigmoid":
        return None
    reasons = []
    if bad_y:
        reasons.append(f"targets range {Y.min():.4g}..{Y.max():.4g}, outside [0, 1]")
    if c.output_activation != "sigmoid":
        reasons.append(f"the output is {c.output_activation}, not a probability")
    msg = f"cross-entropy with {' and '.join(reasons)}: its logs assume a sigmoid output in (0, 1)"
    cures = [] if bad_y else [output_cure(c.output_activation, "sigmoid")]
    if bad_y:
        cures.append(restart_cure({"loss": "mse", "output_activation": "linear"},
                                  "restart with --loss mse --output-activation linear (no key changes the loss)",
                                  "--loss mse --output-activation linear", (), ("--loss", "--output-activation")))
    return Proposal("loss_mismatch", msg, {"loss": c.loss, "output_activation": c.output_activation,
                                           "y_min": float(Y.min()), "y_max": float(Y.max())}, cures, measure="rmse")


def output_range(trainer, ev) -> Proposal | None:
    act = trainer.config.output_activation
    if act not in OUTPUT_RANGES or trainer.config.loss == "bce":
        return None  # bce's own mismatch is loss_mismatch
    lo, hi = OUTPUT_RANGES[act]
    Y = trainer.data.Y[0]
    out = np.flatnonzero((Y < lo) | (Y > hi))
    if out.size == 0:
        return None
    rows = np.asarray(trainer.split.train_idx)[out]
    span = f"[{fmt(lo)}, inf)" if act == "relu" else f"({fmt(lo)}, {fmt(hi)})"
    msg = (f"a {act} output only reaches {span}, but {out.size} of {trainer.m} targets lie outside it "
           f"(rows {list_text(rows)}; targets {fmt(Y.min())}..{fmt(Y.max())} in training units)")
    return Proposal("output_range", msg, {"activation": act, "samples": rows.tolist(), "y_min": float(Y.min()),
                                          "y_max": float(Y.max())}, [output_cure(act, "linear")])
