"""Losses L(AL, Y), the cost J = mean of L, and dAL = dL/dAL.

dAL is the derivative of the *loss* with respect to the network's output, not of the output
activation: the activation's derivative enters later, in dZ = dA * g'(Z).
"""
from __future__ import annotations

import numpy as np

LOSS_NAMES = ("mse", "bce")
# Cross-entropy takes log(AL) and log(1 - AL): keep AL this far from 0 and 1.
BCE_EPS = 1e-12


def compute_cost(AL: np.ndarray, Y: np.ndarray, loss: str = "mse") -> float:
    m = Y.shape[1]
    if loss == "mse":
        # J = sum((AL - Y)^2) / (2m): the 1/2 makes dAL = AL - Y.
        return float(np.sum((AL - Y) ** 2) / (2 * m))
    if loss == "bce":
        P = np.clip(AL, BCE_EPS, 1 - BCE_EPS)
        return float(-np.sum(Y * np.log(P) + (1 - Y) * np.log(1 - P)) / m)
    raise ValueError(f"unknown loss {loss!r} (choose from mse, bce)")


def loss_backward(AL: np.ndarray, Y: np.ndarray, loss: str = "mse") -> np.ndarray:
    """dAL = dL/dAL for each sample (no 1/m: that enters at dW = dZ A_prev^T / m)."""
    if loss == "mse":
        return AL - Y
    if loss == "bce":
        P = np.clip(AL, BCE_EPS, 1 - BCE_EPS)
        return -(Y / P) + (1 - Y) / (1 - P)
    raise ValueError(f"unknown loss {loss!r} (choose from mse, bce)")
