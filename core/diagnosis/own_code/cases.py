"""The inputs each course function is checked on: fixed, reproducible, and varied.

Varied so that each catalogued mistake changes at least one output: m = 1 and m > 1 (a missing
1/m hides at m = 1), square and non-square W (an untransposed W only runs when square), Z
exactly 0 (relu'(0) = 0), both activations, 1 to 3 hidden layers, and a nonzero bias.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .course import Course


@dataclass(frozen=True)
class Case:
    label: str  # shown in a report: "m = 5, layer 4 -> 3, relu"
    args: tuple


# (n_prev, n, m): one sample; non-square; square with more samples.
LAYERS = ((4, 3, 1), (5, 2, 6), (3, 3, 4))
# Layer sizes for the whole network: 1, 2 and 3 hidden layers.
NETWORKS = (((3, 4, 1), 1), ((4, 5, 3, 1), 6), ((2, 3, 3, 2, 1), 5))


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def _layer_inputs(rng, n_prev, n, m):
    """A_prev, W, b with a nonzero bias; for m > 1, Z[0, 0] = 0 exactly (a zero column of
    A_prev meets a zero b[0])."""
    A_prev = rng.standard_normal((n_prev, m))
    W = rng.standard_normal((n, n_prev))
    b = rng.standard_normal((n, 1))
    if m > 1:
        A_prev[:, 0] = 0.0
        b[0, 0] = 0.0
    return A_prev, W, b


def _label(n_prev, n, m, act=None):
    return f"m = {m}, layer {n_prev} -> {n}" + (f", {act}" if act else "")


def helper_forward_cases() -> list[Case]:
    rng = _rng(1)
    Z = rng.standard_normal((3, 4))
    Z[0, 1] = Z[2, 3] = 0.0
    return [Case("Z (1, 1) = 0", (np.zeros((1, 1)),)), Case("Z (3, 4) with zeros", (Z,)),
            Case("Z (4, 1)", (rng.standard_normal((4, 1)),))]


def helper_backward_cases() -> list[Case]:
    """dA with both signs wherever Z > 0, so a mask taken from dA shows."""
    rng = _rng(2)
    out = []
    for shape in ((1, 1), (3, 4), (2, 5)):
        Z = rng.standard_normal(shape)
        Z.flat[0] = 0.0
        dA = rng.standard_normal(shape)
        out.append(Case(f"dA, Z {shape}, Z[0, 0] = 0", (dA, Z)))
    return out


def linear_forward_cases() -> list[Case]:
    rng = _rng(3)
    return [Case(_label(p, n, m), _layer_inputs(rng, p, n, m)) for p, n, m in LAYERS]


def linear_activation_forward_cases() -> list[Case]:
    rng = _rng(4)
    return [Case(_label(p, n, m, act), (*_layer_inputs(rng, p, n, m), act))
            for p, n, m in LAYERS for act in ("relu", "sigmoid")]


def linear_backward_cases() -> list[Case]:
    rng = _rng(5)
    out = []
    for p, n, m in LAYERS:
        cache = _layer_inputs(rng, p, n, m)
        out.append(Case(_label(p, n, m), (rng.standard_normal((n, m)), cache)))
    return out


def linear_activation_backward_cases() -> list[Case]:
    rng = _rng(6)
    ref = Course()
    out = []
    for p, n, m in LAYERS:
        for act in ("relu", "sigmoid"):
            _, cache = ref.linear_activation_forward(*_layer_inputs(rng, p, n, m), act)
            out.append(Case(_label(p, n, m, act), (rng.standard_normal((n, m)), cache, act)))
    return out


def network_parameters(rng, dims) -> dict[str, np.ndarray]:
    params = {}
    for l in range(1, len(dims)):
        params[f"W{l}"] = rng.standard_normal((dims[l], dims[l - 1])) * 0.8
        params[f"b{l}"] = rng.standard_normal((dims[l], 1)) * 0.3
    params["b1"][0, 0] = 0.0  # with X's zero column: Z1[0, 0] = 0 exactly
    return params


def _network_input(rng, dims, m):
    X = rng.standard_normal((dims[0], m))
    if m > 1:
        X[:, 0] = 0.0
    return X


def _network_label(dims, m):
    hidden = len(dims) - 2
    return f"m = {m}, {hidden} hidden layer{'s' if hidden > 1 else ''}, sizes {list(dims)}"


def L_model_forward_cases() -> list[Case]:
    rng = _rng(7)
    return [Case(_network_label(dims, m), (_network_input(rng, dims, m), network_parameters(rng, dims)))
            for dims, m in NETWORKS]


def compute_cost_cases() -> list[Case]:
    """AL strictly inside (0, 1) and Y in {0, 1}: both costs are defined and tell apart."""
    rng = _rng(8)
    out = []
    for m in (1, 6):
        AL = rng.uniform(0.05, 0.95, (1, m))
        Y = (rng.uniform(size=(1, m)) > 0.5).astype(float)
        Y[0, 0] = 1.0
        out.append(Case(f"m = {m}", (AL, Y)))
    return out


def L_model_backward_cases(course: Course) -> list[Case]:
    """(AL, Y, caches) from the reference forward with the file's output activation. For
    cross-entropy Z_L is kept inside (0.2, 0.8) so that AL is a valid probability whichever
    activation the output uses; for MSE, Y is a real number and Z_L takes both signs."""
    rng = _rng(9)
    out = []
    for dims, m in NETWORKS:
        X = _network_input(rng, dims, m)
        params = network_parameters(rng, dims)
        L = len(dims) - 1
        if course.cost != "mse":
            A_last, _ = course.configured(output=course.hidden).L_model_forward(
                X, {k: v for k, v in params.items() if int(k[1:]) < L})
            Z = params[f"W{L}"] @ A_last
            params[f"W{L}"] *= 0.3 / max(np.max(np.abs(Z)), 1e-12)
            params[f"b{L}"][:] = 0.5
            Y = (rng.uniform(size=(1, m)) > 0.5).astype(float)
        else:
            Y = rng.standard_normal((1, m))
        AL, caches = course.L_model_forward(X, params)
        out.append(Case(_network_label(dims, m), (AL, Y, caches)))
    return out


def update_parameters_cases() -> list[Case]:
    rng = _rng(10)
    out = []
    for dims, lr in (((3, 4, 1), 0.1), ((2, 3, 3, 1), 0.0075)):
        params = network_parameters(rng, dims)
        grads = {"d" + k: rng.standard_normal(v.shape) for k, v in params.items()}
        out.append(Case(f"sizes {list(dims)}, learning_rate {lr}", (params, grads, lr)))
    return out


def initialize_cases() -> list[Case]:
    return [Case(f"layer_dims {dims}", (list(dims),)) for dims in ((5, 4, 3), (3, 1), (4, 4, 2, 1))]
