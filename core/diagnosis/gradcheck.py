"""Gradient check: centred differences on the current parameters against backprop.

relative error = ||g_num - g_backprop|| / (||g_num|| + ||g_backprop||), per tensor, graded
with the usual bands. ReLU kinks (Z exactly near 0) make centred differences slightly wrong,
which is why 1e-7..1e-4 still counts as acceptable.

A tensor whose backprop gradient and centred differences are both exactly 0 is graded "zero",
not "good": nothing was compared. When every tensor is, there is nothing to check at all,
and `why_zero` says which dead path stops the gradient.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..engine.network import L_model_cost, L_model_forward, cost_and_grads
from ..engine.penalty import penalty_cost

BANDS = ((1e-7, "good"), (1e-4, "acceptable"), (1e-2, "suspicious"))
ZERO = "zero"  # both gradients exactly 0: no comparison was made


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
                   leaky_slope=0.01, epsilon=1e-7, grads=None, l2=0.0, l1=0.0) -> list[TensorCheck]:
    """Compare `grads` (default: the reference backprop) with centred differences of J, the
    L2 / L1 penalty included (an L1 weight within epsilon of 0 sits on |w|'s kink)."""
    if grads is None:
        _, grads = cost_and_grads(X, Y, params, hidden_activation, output_activation, loss, leaky_slope, l2, l1)
    work = {k: v.astype(float, copy=True) for k, v in params.items()}
    m = X.shape[1]

    def J() -> float:
        AL, caches = L_model_forward(X, work, hidden_activation, output_activation, leaky_slope)
        return L_model_cost(AL, caches, Y, loss, output_activation) + penalty_cost(work, m, l2, l1)

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
        band = ZERO if not (np.any(num) or np.any(ana)) else grade(err)
        out.append(TensorCheck(name, err, band, float(np.max(np.abs(num - ana))) if num.size else 0.0))
    return out


def nothing_to_check(checks: list[TensorCheck]) -> bool:
    return bool(checks) and all(c.band == ZERO for c in checks)


def why_zero(X, params, hidden_activation, output_activation, leaky_slope=0.01) -> str:
    """Why J does not move with any parameter: the dead path, read from one forward pass."""
    AL, caches = L_model_forward(X, params, hidden_activation, output_activation, leaky_slope)
    m, L = X.shape[1], len(caches)
    if output_activation == "relu":
        ZL = caches[-1][1]
        if (ZL <= 0).all():
            return (f"the ReLU output has Z^[L] <= 0 on all {m} samples, so relu'(Z^[L]) = 0 stops every "
                    "gradient at the output and no parameter moves J")
    if hidden_activation == "relu":
        for l in range(1, L):
            Z = caches[l - 1][1]
            if (Z <= 0).all():
                return (f"all {Z.shape[0]} units of hidden layer {l} have Z <= 0 on every sample, so relu' = 0 "
                        "stops every gradient there and the output does not depend on the layers below")
    return "J does not change with any single parameter at this point"
