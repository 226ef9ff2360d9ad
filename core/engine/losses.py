"""Losses L(AL, Y), the cost J = mean of L, and dAL = dL/dAL.

dAL is the derivative of the *loss* with respect to the network's output, not of the output
activation: the activation's derivative enters later, in dZ = dA * g'(Z).

Cross-entropy with a sigmoid output is the exception the course itself makes: dAL =
−Y/AL + (1−Y)/(1−AL) and g'(Z) = AL(1−AL) multiply to dZ^[L] = AL − Y. Computed in two steps,
AL rounds to exactly 1.0 once Z > 36.7, so the first factor must be clipped and the product
collapses to 0 for the most confident mistakes, where the exact value is 1. The engine
therefore takes the fused dZ^[L] = AL − Y, and J from the logits Z^[L] in softplus form,
J = mean(softplus(Z) − Y·Z), which never takes the log of 0.
"""
from __future__ import annotations

import numpy as np

LOSS_NAMES = ("mse", "bce")
# Cross-entropy on an output that is not a sigmoid takes log(AL) and log(1 - AL) of the
# output itself: keep AL this far from 0 and 1 (J is then the cost of the clipped output).
BCE_EPS = 1e-12


def fused_output(loss: str, output_activation: str) -> bool:
    """True when dZ^[L] = AL − Y and J comes from the logits (sigmoid + cross-entropy)."""
    return loss == "bce" and output_activation == "sigmoid"


def compute_cost(AL: np.ndarray, Y: np.ndarray, loss: str = "mse") -> float:
    m = Y.shape[1]
    if loss == "mse":
        # J = sum((AL - Y)^2) / (2m): the 1/2 makes dAL = AL - Y.
        return float(np.sum((AL - Y) ** 2) / (2 * m))
    if loss == "bce":
        P = np.clip(AL, BCE_EPS, 1 - BCE_EPS)
        return float(-np.sum(Y * np.log(P) + (1 - Y) * np.log(1 - P)) / m)
    raise ValueError(f"unknown loss {loss!r} (choose from mse, bce)")


def cross_entropy_from_logits(ZL: np.ndarray, Y: np.ndarray) -> float:
    """J = mean(softplus(Z) − Y·Z) = −mean(Y log σ(Z) + (1−Y) log(1−σ(Z))), exactly, for any Z.
    softplus(Z) = log(1 + e^Z) = logaddexp(0, Z) never overflows, and is ≥ max(0, Z) ≥ Y·Z
    for Y in [0, 1], so every sample's loss is ≥ 0."""
    return float(np.sum(np.logaddexp(0.0, ZL) - Y * ZL) / Y.shape[1])


def output_cost(ZL: np.ndarray, AL: np.ndarray, Y: np.ndarray, loss: str, output_activation: str) -> float:
    """J from the output layer's Z and A: from the logits for sigmoid + cross-entropy."""
    if fused_output(loss, output_activation):
        return cross_entropy_from_logits(ZL, Y)
    return compute_cost(AL, Y, loss)


def loss_backward(AL: np.ndarray, Y: np.ndarray, loss: str = "mse") -> np.ndarray:
    """dAL = dL/dAL for each sample (no 1/m: that enters at dW = dZ A_prev^T / m).

    For cross-entropy this is the derivative of the cost as computed, clipped output and all:
    where AL lies outside [BCE_EPS, 1 − BCE_EPS] the cost does not change with AL, so dAL is 0
    there (a sigmoid output never gets here: it uses the fused dZ^[L] = AL − Y)."""
    if loss == "mse":
        return AL - Y
    if loss == "bce":
        P = np.clip(AL, BCE_EPS, 1 - BCE_EPS)
        return np.where(P == AL, (1 - Y) / (1 - P) - Y / P, 0.0)
    raise ValueError(f"unknown loss {loss!r} (choose from mse, bce)")
