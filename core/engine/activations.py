"""Activation functions g(Z) and their derivatives g'(Z), written the way the course does.

Each activation has two forms:
- `forward(Z)` / `backward(dA, Z, A)` allocate and return new arrays (readable, used by the
  reference network in `network.py`, the gradient check and the tests);
- `forward_into(Z, A, zeros)` / `grad_into(Z, A, G, scratch)` write into preallocated buffers (used by the fast
  trainer step, which must not allocate per step);
- `exact_into(Z, A)`: forward's numbers, bit for bit and NaN kept, into A where an in-place form
  gives them (passes over all samples for display, chunks.py; forward_into's ReLU maps NaN to 0).

Convention: relu'(0) = 0, so a sample with Z exactly 0 counts as dead.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

DEFAULT_LEAKY_SLOPE = 0.01


def sigmoid(Z: np.ndarray) -> np.ndarray:
    # Two branches avoid exp overflow for very negative Z.
    out = np.empty_like(Z, dtype=float)
    pos = Z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-Z[pos]))
    ez = np.exp(Z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out


@dataclass(frozen=True)
class Activation:
    name: str
    forward: Callable[[np.ndarray], np.ndarray]
    derivative: Callable[[np.ndarray, np.ndarray], np.ndarray]  # g'(Z) given Z and A = g(Z)
    forward_into: Callable[..., np.ndarray]  # (Z, A, zeros) -> the array holding g(Z)
    grad_into: Callable[..., np.ndarray | None]  # (Z, A, G, scratch) -> g'(Z) in G, or None for g' = 1
    can_die: bool = False  # True where g' is exactly 0 on a half-line (dead units/samples)
    exact_into: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None  # (Z, A) -> forward(Z)'s numbers

    def __post_init__(self) -> None:
        if self.exact_into is None:  # no in-place form with forward's numbers: forward itself
            object.__setattr__(self, "exact_into", lambda Z, A: self.forward(Z))

    def backward(self, dA: np.ndarray, Z: np.ndarray, A: np.ndarray) -> np.ndarray:
        """dZ = dA * g'(Z): the course's relu_backward / sigmoid_backward."""
        return dA * self.derivative(Z, A)

    def __repr__(self) -> str:
        return f"Activation({self.name!r})"


# ---- in-place kernels: each returns the array that holds the result -------------------

def _relu_into(Z, A, zeros):
    # fmax with positional out is the cheapest ReLU kernel in NumPy 2 (np.maximum warns on a
    # positional out). fmax maps NaN to 0; the trainer checks θ and ∇J for NaN separately.
    return np.fmax(Z, zeros, A)


def _relu_grad_into(Z, A, G, S):
    # relu'(Z) = 1 where Z > 0 else 0 (relu'(0) = 0), and Z > 0 exactly where A = relu(Z) > 0.
    return np.sign(A, G)



def _linear_into(Z, A, zeros):
    return Z  # A is Z: no copy needed


def _linear_grad_into(Z, A, G, S):
    return None  # g' = 1: the caller uses dA as dZ


def _tanh_into(Z, A, zeros):
    return np.tanh(Z, out=A)


def _tanh_grad_into(Z, A, G, S):
    np.multiply(A, A, out=G)
    return np.subtract(1.0, G, out=G)


def _sigmoid_into(Z, A, zeros):
    # 1/(1+exp(-Z)); exp overflow to inf gives exactly 0, which is the right limit.
    np.negative(Z, out=A)
    np.exp(A, out=A)
    np.add(A, 1.0, out=A)
    return np.reciprocal(A, out=A)


def _sigmoid_grad_into(Z, A, G, S):
    np.subtract(1.0, A, out=G)
    return np.multiply(G, A, out=G)


def _make_leaky(slope: float):
    def forward(Z):
        return np.where(Z > 0, Z, slope * Z)

    def derivative(Z, A):
        return np.where(Z > 0, 1.0, slope)

    def forward_into(Z, A, zeros):
        np.multiply(Z, slope, out=A)
        return np.maximum(Z, A, out=A) if slope <= 1 else np.minimum(Z, A, out=A)

    def grad_into(Z, A, G, S):
        np.greater(Z, 0.0, out=G)
        np.multiply(G, 1.0 - slope, out=G)
        return np.add(G, slope, out=G)

    return forward, derivative, forward_into, grad_into


def _swish_forward(Z):
    return Z * sigmoid(Z)


def _swish_derivative(Z, A):
    s = sigmoid(Z)
    return s + Z * s * (1.0 - s)


def _swish_into(Z, A, zeros):
    _sigmoid_into(Z, A, zeros)
    return np.multiply(A, Z, out=A)


def _swish_grad_into(Z, A, G, S):
    # g' = s + z s (1 - s) = s (1 + z - A), with A = z s; S is scratch for s.
    _sigmoid_into(Z, S, None)
    np.subtract(Z, A, out=G)
    np.add(G, 1.0, out=G)
    return np.multiply(G, S, out=G)


ACTIVATION_NAMES = ("relu", "leaky_relu", "tanh", "sigmoid", "swish", "linear")


def get_activation(name: str, leaky_slope: float = DEFAULT_LEAKY_SLOPE) -> Activation:
    if name == "relu":
        return Activation(
            "relu",
            lambda Z: np.maximum(Z, 0.0),
            lambda Z, A: (Z > 0).astype(float),
            _relu_into,
            _relu_grad_into,
            can_die=True,
            exact_into=lambda Z, A: np.maximum(Z, 0.0, out=A),  # not fmax: a NaN stays a NaN
        )
    if name == "leaky_relu":
        f, d, fi, gi = _make_leaky(leaky_slope)
        return Activation("leaky_relu", f, d, fi, gi, exact_into=lambda Z, A: fi(Z, A, None))
    if name == "tanh":
        return Activation("tanh", np.tanh, lambda Z, A: 1.0 - A * A, _tanh_into, _tanh_grad_into,
                          exact_into=lambda Z, A: _tanh_into(Z, A, None))
    # sigmoid and swish: their two-branch form (no overflow for very negative Z) has no
    # in-place kernel, so exact_into is forward, which allocates.
    if name == "sigmoid":
        return Activation("sigmoid", sigmoid, lambda Z, A: A * (1.0 - A), _sigmoid_into, _sigmoid_grad_into)
    if name == "swish":
        return Activation("swish", _swish_forward, _swish_derivative, _swish_into, _swish_grad_into)
    if name == "linear":  # A is Z itself: the same numbers, no copy
        return Activation("linear", lambda Z: Z.copy(), lambda Z, A: np.ones_like(Z), _linear_into,
                          _linear_grad_into, exact_into=lambda Z, A: Z)
    raise ValueError(f"unknown activation {name!r} (choose from {', '.join(ACTIVATION_NAMES)})")
