"""L2 and L1 regularisation: the penalty added to J and its gradient.

As in DLS Course 2 Week 1, only the weights are penalised, never the biases:

    J = J_data + l2/(2m) · Σ_l ||W[l]||²_F + l1/m · Σ_l Σ|W[l]|
    dW[l] += l2/m · W[l] + l1/m · sign(W[l])

m is the number of training samples, also when a step sees a mini-batch: the penalty is then
the same function of θ whatever the batch size, and a batch's gradient estimates the full
gradient of one objective. (sign(0) = 0: at a weight of exactly 0 L1's subgradient is taken
as 0.) The reference functions serve network.py and the gradient check; `make_regularizer`
is the step's preallocated twin.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

# Playground's regularisation rates: the TUI's keys move along them, and a cure names one.
RATE_STEPS = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)


def penalty_cost(params: dict[str, np.ndarray], m: int, l2: float = 0.0, l1: float = 0.0) -> float:
    """l2/(2m)·Σ||W||² + l1/m·Σ|W| over every W[l] of `params`."""
    total = 0.0
    for k, W in params.items():
        if k.startswith("W"):
            if l2:
                total += l2 / (2 * m) * float(np.sum(W * W))
            if l1:
                total += l1 / m * float(np.sum(np.abs(W)))
    return total


def add_penalty_grads(grads: dict[str, np.ndarray], params: dict[str, np.ndarray], m: int,
                      l2: float = 0.0, l1: float = 0.0) -> dict[str, np.ndarray]:
    """`grads` with l2/m·W + l1/m·sign(W) added to every dW (a new dict; db unchanged)."""
    out = dict(grads)
    for k, W in params.items():
        if k.startswith("W"):
            out["d" + k] = grads["d" + k] + l2 / m * W + l1 / m * np.sign(W)
    return out


def make_regularizer(flat, l2: float, l1: float, m: int, batch: int) -> Callable[[], float] | None:
    """regularize(): adds the penalty's gradient to the step's G and returns the penalty; None
    when both rates are 0 (the step then runs exactly as without regularisation).

    G holds batch·dJ/dθ (fast_step.py folds 1/batch into the rate), so the gradient enters it
    scaled by batch: G += batch/m·(l2·W + l1·sign W). With S that term, the penalty is
    θ·S/(2·batch) for L2 and θ·S/batch for L1, one dot product each."""
    if not (l2 or l1):
        return None
    theta, G, P = flat.theta, flat.G, flat.n_params
    weights = np.zeros(P)
    for k, idx in flat.tensor_idx.items():
        if k.startswith("W"):
            weights[idx] = 1.0
    k2, k1 = weights * (batch * l2 / m), weights * (batch * l1 / m)
    S = np.empty(P)
    half_over_batch, over_batch = 0.5 / batch, 1.0 / batch
    multiply, add, dot, sign = np.multiply, np.add, np.dot, np.sign

    def l2_only() -> float:
        multiply(k2, theta, S)
        add(G, S, G)
        return dot(S, theta) * half_over_batch

    def l1_only() -> float:
        sign(theta, S)
        multiply(S, k1, S)
        add(G, S, G)
        return dot(S, theta) * over_batch

    def both() -> float:
        return l2_only() + l1_only()

    return both if (l2 and l1) else l2_only if l2 else l1_only


def with_penalty(write_row, regularize: Callable[[], float], k_penalty: int):
    """The step's row writer with the penalty's gradient added first (so the row's gradient
    norms and the update include it) and the penalty written into its column afterwards (the
    row's norm matmul fills that column with 0)."""
    def write_row_penalised(row: np.ndarray, loss: float) -> bool:
        pen = regularize()
        ok = write_row(row, loss)
        row[k_penalty] = pen
        return ok
    return write_row_penalised
