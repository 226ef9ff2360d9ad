"""Loss at initialisation: the measured J at step 0 next to what trivial predictors score.

Karpathy's first check: before training, a network with small outputs should score about what
"predict 0" scores (MSE: ΣY²/(2m)); predicting the mean of Y scores Var(Y)/2. A measured loss
far above both means the initial outputs are far too large for the targets (init scale or
unscaled inputs), so the first updates will be violent; far below means the init already fits,
which is rare and worth a second look.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..engine.chunks import output_in_chunks
from ..engine.losses import compute_cost, output_cost
from ..engine.network import L_model_forward, initialize_parameters
from .by_identity import MISSING, ByIdentity

MISMATCH_FACTOR = 3.0  # measured/expected beyond this (either way) counts as a large mismatch


@dataclass(frozen=True)
class LossAtInit:
    loss: str
    measured: float      # J at step 0 with the trainer's config and seed
    zero_loss: float     # MSE: all-zero predictions, ΣY²/(2m); BCE: p = 0.5 everywhere, ln 2
    zero_label: str
    mean_loss: float     # predicting the mean of Y for every sample
    ratio: float         # measured / zero_loss
    mismatch: bool
    meaning: str


# By the targets' identity (by_identity.py): a findings frame asked three times for the same
# targets (the baseline, bias/variance, the loss at init), ~20 ms each at 1M samples.
_TRIVIAL = ByIdentity(most=8)


def trivial_losses(Y: np.ndarray, loss: str) -> tuple[float, str, float]:
    """(J of the zero / p = 0.5 predictor, its label, J of predicting the mean of Y)."""
    out = _TRIVIAL.get((Y,), loss)
    if out is MISSING:
        out = _trivial_losses(Y, loss)
        _TRIVIAL.put((Y,), loss, value=out)
    return out


def _trivial_losses(Y: np.ndarray, loss: str) -> tuple[float, str, float]:
    if loss == "bce":
        p = float(np.clip(Y.mean(), 1e-12, 1 - 1e-12))
        return math.log(2.0), "p = 0.5", compute_cost(np.full_like(Y, p, dtype=float), Y, "bce")
    # compute_cost of the all-zeros and the mean predictions, without making either: at 1M
    # samples their two arrays took 45 ms to allocate and fill, a wait for a key on the first
    # findings frame. (0 - y)² is y² and (ȳ - y)² the same number, bit for bit.
    m = Y.shape[1]
    zero = float(np.sum(np.square(Y, dtype=float)) / (2 * m))
    mean = float(np.sum(np.square(np.subtract(Y.mean(), Y, dtype=float))) / (2 * m))
    return zero, "all zeros", mean


def explain(measured: float, zero: float, mean: float, label: str) -> tuple[bool, str]:
    if not math.isfinite(measured):
        return True, "the loss at init is not finite: the outputs overflow before any training (init or data scale)"
    ratio = measured / zero if zero > 0 else math.inf
    if ratio > MISMATCH_FACTOR:
        return True, (f"{ratio:.3g}x the {label} predictor: the initial outputs are far larger than the targets "
                      "(init too large or unscaled inputs), so the first steps will be violent")
    if ratio < 1 / MISMATCH_FACTOR and measured < mean / MISMATCH_FACTOR:
        return True, ("far below every trivial predictor before training: the init already fits, "
                      "or the targets leak into the inputs; worth a second look")
    note = f"close to the {label} predictor ({ratio:.2f}x), as expected for an untrained network with small outputs"
    if mean < zero / 2:
        note += (f"; predicting the mean would already cut it to {mean:.6g}: the targets sit far from 0, "
                 "which the output bias (or normalising Y) must learn first")
    return False, note


def _outputs_at(params: dict, X: np.ndarray, c, stop=None) -> tuple[np.ndarray, np.ndarray]:
    """Z^[L] and A^[L] of L_model_forward on X, in chunks of samples on large data (the course's
    forward keeps every layer's cache: at 1M samples one pass took 0.5 s, at each reset)."""
    def forward(X_chunk: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        AL, caches = L_model_forward(X_chunk, params, c.hidden_activation, c.output_activation, c.leaky_slope)
        return [caches[-1][1]], [AL]
    return output_in_chunks(forward, X, stop=stop)


def loss_at_init(trainer, stop=None) -> LossAtInit:
    """Re-creates step 0 from the trainer's config and seed (the live run is not touched): the
    initial parameters on the trainer's prepared data, one forward pass. (A second Trainer for
    this copied the data and allocated its step buffers: seconds at 1M samples, at every change
    of the rate.) stop: true between two chunks of samples gives up (engine.chunks.Abandoned):
    ~110 ms at 1M that a key would wait for."""
    c, d = trainer.config, trainer.data
    params = initialize_parameters(trainer.layer_dims, c.init, c.seed)
    with np.errstate(all="ignore"):
        ZL, AL = _outputs_at(params, d.X, c, stop)
        measured = output_cost(ZL, AL, d.Y, c.loss, c.output_activation)
    zero, label, mean = trivial_losses(d.Y, c.loss)
    mismatch, meaning = explain(measured, zero, mean, label)
    ratio = measured / zero if zero > 0 else math.inf
    return LossAtInit(c.loss, measured, zero, label, mean, ratio, mismatch, meaning)
