"""Gradient check: centred differences on the current parameters against backprop.

relative error = ||g_num - g_backprop|| / (||g_num|| + ||g_backprop||), per tensor, graded
with the usual bands. ReLU kinks (Z exactly near 0) make centred differences slightly wrong,
which is why 1e-7..1e-4 still counts as acceptable.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..engine.losses import compute_cost
from ..engine.network import L_model_forward, cost_and_grads

BANDS = ((1e-7, "good"), (1e-4, "acceptable"), (1e-2, "suspicious"))


def grade(rel_error: float) -> str:
    if not np.isfinite(rel_error):
        return "wrong"
    for limit, name in BANDS:
        if rel_error < limit:
            return name
    return "wrong"


@dataclass(frozen=True)
class TensorCheck:
    name: str
    rel_error: float
    band: str
    max_abs_diff: float


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denom == 0 else float(np.linalg.norm(a - b) / denom)


def gradient_check(X, Y, params, hidden_activation, output_activation, loss="mse",
                   leaky_slope=0.01, epsilon=1e-7, grads=None) -> list[TensorCheck]:
    """Compare `grads` (default: the reference backprop) with centred differences of J."""
    if grads is None:
        _, grads = cost_and_grads(X, Y, params, hidden_activation, output_activation, loss, leaky_slope)
    work = {k: v.astype(float, copy=True) for k, v in params.items()}

    def J() -> float:
        AL, _ = L_model_forward(X, work, hidden_activation, output_activation, leaky_slope)
        return compute_cost(AL, Y, loss)

    out = []
    for name, P in work.items():
        num = np.zeros_like(P)
        for idx in np.ndindex(P.shape):
            old = P[idx]
            P[idx] = old + epsilon
            plus = J()
            P[idx] = old - epsilon
            minus = J()
            P[idx] = old
            num[idx] = (plus - minus) / (2 * epsilon)
        ana = grads["d" + name]
        err = relative_error(num, ana)
        out.append(TensorCheck(name, err, grade(err), float(np.max(np.abs(num - ana))) if num.size else 0.0))
    return out
