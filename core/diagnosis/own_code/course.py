"""The reference, in the course's own names, signatures and cache layout.

The engine's network keeps `A` in its caches; the course's assignment does not: there
`linear_cache = (A_prev, W, b)`, `activation_cache = Z`, a layer's cache is
`(linear_cache, activation_cache)`, and the helpers `sigmoid`/`relu` return `(A, Z)`. A learner's
file follows the course, so the check compares against this layout. The maths is the engine's.

Every method reaches the others through `self`, so a planted mistake (catalogue.py) replaces one
method and every function that calls it inherits the mistake, as in a learner's own file.
"""
from __future__ import annotations

import copy
import types

import numpy as np

from core.engine import network
from core.engine.activations import get_activation, sigmoid as _sigmoid
from core.engine.losses import compute_cost as _engine_cost, loss_backward

COSTS = ("cross-entropy", "mse")
ENGINE_LOSS = {"cross-entropy": "bce", "mse": "mse"}
# What the output layer should be for each cost: a probability for cross-entropy, an unbounded
# number for MSE regression (the story's ReLU output clips predictions at 0).
OUTPUT_FOR_COST = {"cross-entropy": "sigmoid", "mse": "linear"}
OUTPUT_ACTIVATIONS = ("sigmoid", "relu", "linear")
# A learner who adds "no activation" to linear_activation_forward may spell it any of these ways.
IDENTITY_NAMES = (None, "linear", "identity", "none")


class Course:
    """The course's functions for one configuration: `cost` and the `output` activation."""

    def __init__(self, cost: str = "cross-entropy", output: str = "sigmoid", hidden: str = "relu"):
        self.cost, self.output, self.hidden = cost, output, hidden

    def configured(self, **changes) -> "Course":
        new = copy.copy(self)
        for k, v in changes.items():
            setattr(new, k, v)
        return new

    def planted(self, **methods) -> "Course":
        """A copy with some methods replaced by `fn(self, ...)`: a learner's mistake."""
        new = copy.copy(self)
        for name, fn in methods.items():
            setattr(new, name, types.MethodType(fn, new))
        return new

    # ---- helpers (the course's dnn_utils) --------------------------------------------------
    def sigmoid(self, Z):
        return _sigmoid(Z), Z

    def relu(self, Z):
        return np.maximum(0, Z), Z

    def sigmoid_backward(self, dA, cache):
        s = _sigmoid(cache)
        return dA * s * (1 - s)

    def relu_backward(self, dA, cache):
        dZ = np.array(dA, dtype=float, copy=True)
        dZ[cache <= 0] = 0  # relu'(0) = 0: Z exactly 0 counts as off
        return dZ

    def activate(self, Z, activation):
        if activation == "sigmoid":
            return self.sigmoid(Z)
        if activation == "relu":
            return self.relu(Z)
        if activation in IDENTITY_NAMES:
            return np.array(Z, dtype=float, copy=True), Z
        raise ValueError(f"unknown activation {activation!r}")

    def activation_backward(self, dA, activation_cache, activation):
        if activation == "sigmoid":
            return self.sigmoid_backward(dA, activation_cache)
        if activation == "relu":
            return self.relu_backward(dA, activation_cache)
        if activation in IDENTITY_NAMES:
            return np.array(dA, dtype=float, copy=True)
        raise ValueError(f"unknown activation {activation!r}")

    # ---- forward --------------------------------------------------------------------------
    def linear_forward(self, A, W, b):
        return network.linear_forward(A, W, b)

    def linear_activation_forward(self, A_prev, W, b, activation):
        Z, linear_cache = self.linear_forward(A_prev, W, b)
        A, activation_cache = self.activate(Z, activation)
        return A, (linear_cache, activation_cache)

    def L_model_forward(self, X, parameters):
        caches = []
        A = X
        L = len(parameters) // 2
        for l in range(1, L + 1):
            act = self.output if l == L else self.hidden
            A, cache = self.linear_activation_forward(A, parameters[f"W{l}"], parameters[f"b{l}"], act)
            caches.append(cache)
        return A, caches

    def compute_cost(self, AL, Y):
        return _engine_cost(AL, Y, ENGINE_LOSS[self.cost])

    # ---- backward -------------------------------------------------------------------------
    def dAL(self, AL, Y, caches):
        """dL/dAL for each sample: the derivative of the loss, not of the output activation."""
        return loss_backward(AL, Y, ENGINE_LOSS[self.cost])

    def linear_backward(self, dZ, cache):
        return network.linear_backward(dZ, cache)

    def linear_activation_backward(self, dA, cache, activation):
        linear_cache, activation_cache = cache
        dZ = self.activation_backward(dA, activation_cache, activation)
        return self.linear_backward(dZ, linear_cache)

    def L_model_backward(self, AL, Y, caches):
        grads = {}
        L = len(caches)
        Y = Y.reshape(AL.shape)
        dA = self.dAL(AL, Y, caches)
        for l in range(L, 0, -1):
            act = self.output if l == L else self.hidden
            dA, grads[f"dW{l}"], grads[f"db{l}"] = self.linear_activation_backward(dA, caches[l - 1], act)
            grads[f"dA{l - 1}"] = dA
        return grads

    def update_parameters(self, parameters, grads, learning_rate):
        return {k: v - learning_rate * grads["d" + k] for k, v in parameters.items()}


def derivative_at_output(course: Course, caches) -> np.ndarray:
    """g'(Z_L) of the output activation: what a learner computes when he takes dAL as the
    activation's derivative (the story's `if A > 0: dA = 1`)."""
    Z = caches[-1][1]
    name = course.output if course.output not in IDENTITY_NAMES else "linear"
    g = get_activation(name)
    return g.derivative(Z, g.forward(Z))
