"""The reference network, written as in DLS Course 1 Week 4.

These functions allocate freely and favour clarity: a learner can hold them next to their own
`L_model_forward` / `L_model_backward`. The trainer runs a preallocated twin of the same maths
(`fast_step.py`: make_forward, make_backward, make_update); tests check the two agree
(tests/test_engine_equivalence.py), and the gradient check audits this one.
"""
from __future__ import annotations

import numpy as np

from .activations import DEFAULT_LEAKY_SLOPE, get_activation
from .losses import fused_output, loss_backward, output_cost
from .penalty import add_penalty_grads, penalty_cost

INIT_NAMES = ("he", "xavier", "small")


def initialize_parameters(layer_dims: list[int], init: str = "he", seed: int = 0) -> dict[str, np.ndarray]:
    """W[l] is (n_l, n_{l-1}), b[l] is (n_l, 1) and zero; reproducible from `seed`."""
    rng = np.random.default_rng(seed)
    params = {}
    for l in range(1, len(layer_dims)):
        n_prev, n = layer_dims[l - 1], layer_dims[l]
        if init == "he":
            scale = np.sqrt(2.0 / n_prev)
        elif init == "xavier":
            scale = np.sqrt(1.0 / n_prev)
        elif init == "small":
            scale = 0.01
        else:
            raise ValueError(f"unknown init {init!r} (choose from {', '.join(INIT_NAMES)})")
        params[f"W{l}"] = rng.standard_normal((n, n_prev)) * scale
        params[f"b{l}"] = np.zeros((n, 1))
    return params


def linear_forward(A_prev, W, b):
    Z = W @ A_prev + b
    return Z, (A_prev, W, b)


def linear_activation_forward(A_prev, W, b, activation: str, leaky_slope=DEFAULT_LEAKY_SLOPE):
    Z, linear_cache = linear_forward(A_prev, W, b)
    A = get_activation(activation, leaky_slope).forward(Z)
    return A, (linear_cache, Z, A)


def L_model_forward(X, params, hidden_activation="relu", output_activation="relu",
                    leaky_slope=DEFAULT_LEAKY_SLOPE):
    """Returns AL and the caches; caches[l-1] = ((A_prev, W, b), Z, A) for layer l."""
    L = len(params) // 2
    caches = []
    A = X
    for l in range(1, L + 1):
        act = output_activation if l == L else hidden_activation
        A, cache = linear_activation_forward(A, params[f"W{l}"], params[f"b{l}"], act, leaky_slope)
        caches.append(cache)
    return A, caches


def linear_backward(dZ, linear_cache):
    A_prev, W, b = linear_cache
    m = A_prev.shape[1]
    dW = dZ @ A_prev.T / m
    db = np.sum(dZ, axis=1, keepdims=True) / m
    dA_prev = W.T @ dZ
    return dA_prev, dW, db


def linear_activation_backward(dA, cache, activation: str, leaky_slope=DEFAULT_LEAKY_SLOPE):
    linear_cache, Z, A = cache
    dZ = get_activation(activation, leaky_slope).backward(dA, Z, A)
    return linear_backward(dZ, linear_cache)


def L_model_backward(AL, Y, caches, hidden_activation="relu", output_activation="relu",
                     loss="mse", leaky_slope=DEFAULT_LEAKY_SLOPE):
    grads = {}
    L = len(caches)
    if fused_output(loss, output_activation):
        # Sigmoid + cross-entropy: dAL * g'(Z^[L]) = AL - Y, taken in one piece (losses.py says
        # why: in two pieces it collapses to 0 for a confident mistake).
        dA, grads[f"dW{L}"], grads[f"db{L}"] = linear_backward(AL - Y, caches[L - 1][0])
    else:
        dA = loss_backward(AL, Y, loss)  # dAL: derivative of the loss, not of the activation
        dA, grads[f"dW{L}"], grads[f"db{L}"] = linear_activation_backward(dA, caches[L - 1], output_activation,
                                                                          leaky_slope)
    for l in range(L - 1, 0, -1):
        dA, grads[f"dW{l}"], grads[f"db{l}"] = linear_activation_backward(dA, caches[l - 1], hidden_activation,
                                                                          leaky_slope)
    return grads


def L_model_cost(AL, caches, Y, loss="mse", output_activation="relu") -> float:
    """J for the output of L_model_forward: from the logits Z^[L] for sigmoid + cross-entropy."""
    return output_cost(caches[-1][1], AL, Y, loss, output_activation)


def update_parameters(params, grads, learning_rate):
    return {k: v - learning_rate * grads["d" + k] for k, v in params.items()}


def cost_and_grads(X, Y, params, hidden_activation, output_activation, loss="mse",
                   leaky_slope=DEFAULT_LEAKY_SLOPE, l2=0.0, l1=0.0):
    """J and its gradients; with l2 / l1, the penalty's term and gradient too (penalty.py)."""
    AL, caches = L_model_forward(X, params, hidden_activation, output_activation, leaky_slope)
    J = L_model_cost(AL, caches, Y, loss, output_activation)
    grads = L_model_backward(AL, Y, caches, hidden_activation, output_activation, loss, leaky_slope)
    if l2 or l1:
        m = X.shape[1]
        J += penalty_cost(params, m, l2, l1)
        grads = add_penalty_grads(grads, params, m, l2, l1)
    return J, grads
