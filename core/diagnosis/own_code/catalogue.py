"""The catalogue of learners' common mistakes, each as a planted variant of the reference.

A mistake is named only when its planted variant, run on the same inputs, reproduces the
learner's output (values and shapes): the report never guesses from the look of a number.
Each entry belongs to the function whose output it changes first.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import permutations
from typing import Callable

import numpy as np

from .course import OUTPUT_ACTIVATIONS, OUTPUT_FOR_COST, Course, derivative_at_output


@dataclass(frozen=True)
class Mistake:
    code: str
    function: str
    explanation: str  # one line, shown beside the failing function
    variants: Callable[[Course], list[Course]]  # the reference with this mistake planted


# ---- linear_backward: one factory covers the 1/m, db and transpose mistakes -----------------

def _one(m):
    return 1.0


def _linear_backward(dW_scale=_one, db_scale=_one, dA_scale=_one, db_mode="sum", transpose=True):
    """The reference linear_backward with the 1/m scaled, db reduced differently or W untransposed."""
    def linear_backward(self, dZ, cache):
        A_prev, W, b = cache
        m = A_prev.shape[1]
        dW = dZ @ A_prev.T / m * dW_scale(m)
        if db_mode == "sum":
            db = np.sum(dZ, axis=1, keepdims=True)
        elif db_mode == "no_keepdims":
            db = np.sum(dZ, axis=1)
        elif db_mode == "axis0":
            db = np.sum(dZ, axis=0, keepdims=True)
        else:  # "none": not summed over the samples at all
            db = np.array(dZ, copy=True)
        db = db / m * db_scale(m)
        dA_prev = (W.T @ dZ if transpose else W @ dZ) * dA_scale(m)
        return dA_prev, dW, db
    return linear_backward


def _times_m(m):
    return m


def _over_m(m):
    return 1.0 / m


def _lb(**kw):
    return lambda c: [c.planted(linear_backward=_linear_backward(**kw))]


# ---- the other planted variants ------------------------------------------------------------

def _relu_backward_mask(rule):
    def relu_backward(self, dA, cache):
        dZ = np.array(dA, dtype=float, copy=True)
        dZ[rule(cache)] = 0
        return dZ
    return relu_backward


def _relu_inequality(c):
    rules = (lambda Z: Z < 0, lambda Z: Z > 0, lambda Z: Z >= 0)
    return [c.planted(relu_backward=_relu_backward_mask(r)) for r in rules]


def _relu_times_A(c):
    return [c.planted(relu_backward=lambda self, dA, cache: dA * np.maximum(0, cache))]


def _relu_masks_dA(c):
    def relu_backward(self, dA, cache):
        dZ = np.array(dA, dtype=float, copy=True)
        dZ[dA <= 0] = 0
        return dZ
    return [c.planted(relu_backward=relu_backward)]


def _sigmoid_backward_Z_as_A(c):
    return [c.planted(sigmoid_backward=lambda self, dA, cache: dA * cache * (1 - cache))]


def _cache_holds_A(helper):
    def variant(c):
        ref = getattr(Course, helper)
        return [c.planted(**{helper: lambda self, Z: (ref(self, Z)[0], ref(self, Z)[0])})]
    return variant


def _linear_cache_order(c):
    out = []
    for order in permutations(range(3)):
        if order != (0, 1, 2):
            def linear_forward(self, A, W, b, order=order):
                Z, cache = Course.linear_forward(self, A, W, b)
                return Z, tuple(cache[i] for i in order)
            out.append(c.planted(linear_forward=linear_forward))
    return out


def _activation_cache_order(c):
    def linear_activation_forward(self, A_prev, W, b, activation):
        A, (linear_cache, activation_cache) = Course.linear_activation_forward(self, A_prev, W, b, activation)
        return A, (activation_cache, linear_cache)
    return [c.planted(linear_activation_forward=linear_activation_forward)]


def _caches_reversed(c):
    def L_model_forward(self, X, parameters):
        AL, caches = Course.L_model_forward(self, X, parameters)
        return AL, caches[::-1]
    return [c.planted(L_model_forward=L_model_forward)]


def _no_bias_forward(c):
    return [c.planted(linear_forward=lambda self, A, W, b: (W @ A, (A, W, b)))]


def _other_outputs(c):
    return [c.configured(output=a) for a in OUTPUT_ACTIVATIONS if a != c.output]


def _sigmoid_hidden(c):
    return [c.configured(hidden="sigmoid")] if c.hidden != "sigmoid" else []


def _dAL(transform):
    def variant(c):
        return [c.planted(dAL=lambda self, AL, Y, caches: transform(Course.dAL(self, AL, Y, caches), AL, caches, self))]
    return variant


def _dAL_from_activation(c):
    return [c.planted(dAL=lambda self, AL, Y, caches: derivative_at_output(self, caches))]


def _dAL_per_sample(c):
    m_of = lambda AL: AL.shape[1]  # noqa: E731
    return [c.planted(dAL=lambda self, AL, Y, caches: Course.dAL(self, AL, Y, caches) / m_of(AL)),
            c.planted(dAL=lambda self, AL, Y, caches: np.sum(Course.dAL(self, AL, Y, caches)) / m_of(AL))]


def _cost(scales_for_cost):
    def variant(c):
        return [c.planted(compute_cost=lambda self, AL, Y, s=s: s * Course.compute_cost(self, AL, Y))
                for s in scales_for_cost.get(c.cost, ())]
    return variant


def _update(sign=1.0, skip_bias=False):
    def update_parameters(self, parameters, grads, learning_rate):
        return {k: v if (skip_bias and k.startswith("b")) else v - sign * learning_rate * grads["d" + k]
                for k, v in parameters.items()}
    return lambda c: [c.planted(update_parameters=update_parameters)]


_OUTPUT_WHY = ("the output layer's activation must fit the cost: sigmoid for cross-entropy (AL is a "
               "probability), none for MSE regression (a ReLU output clips predictions at 0, where the "
               "gradient is 0: they move only when the shared weights happen to lift them)")

CATALOGUE: tuple[Mistake, ...] = (
    Mistake("cache_holds_A", "sigmoid", "sigmoid must return (A, Z): the backward step needs Z in the cache, not A",
            _cache_holds_A("sigmoid")),
    Mistake("cache_holds_A", "relu", "relu must return (A, Z): the backward step needs Z in the cache, not A",
            _cache_holds_A("relu")),
    Mistake("sigmoid_backward_Z_as_A", "sigmoid_backward",
            "the cache holds Z, not A: dZ = dA * s * (1 - s) with s = sigmoid(Z)", _sigmoid_backward_Z_as_A),
    Mistake("relu_backward_inequality", "relu_backward",
            "the mask is wrong: dZ = dA where Z > 0 and 0 where Z <= 0 (Z exactly 0 counts as off)", _relu_inequality),
    Mistake("relu_backward_uses_A", "relu_backward",
            "dZ = dA * relu'(Z), and relu'(Z) is 1 where Z > 0, else 0; multiplying by A = relu(Z) is not the derivative",
            _relu_times_A),
    Mistake("relu_backward_masks_dA", "relu_backward",
            "the mask comes from Z (the cache), not from dA: zero dZ where Z <= 0", _relu_masks_dA),
    Mistake("bias_left_out", "linear_forward", "Z = W A + b: the bias b is left out", _no_bias_forward),
    Mistake("cache_swapped", "linear_forward",
            "linear_cache must be (A_prev, W, b) in that order: linear_backward unpacks it that way",
            _linear_cache_order),
    Mistake("cache_swapped", "linear_activation_forward",
            "the cache must be (linear_cache, activation_cache), in that order", _activation_cache_order),
    Mistake("output_activation_wrong", "L_model_forward", _OUTPUT_WHY, _other_outputs),
    Mistake("hidden_activation_wrong", "L_model_forward",
            "the hidden layers 1..L-1 use ReLU in the course's L_model_forward", _sigmoid_hidden),
    Mistake("cache_swapped", "L_model_forward",
            "caches[l-1] must be layer l's cache: L_model_backward takes caches[L-1] for the output layer",
            _caches_reversed),
    Mistake("cost_sign_flipped", "compute_cost",
            "the cost has the wrong sign: cross-entropy is -(1/m) sum(Y log AL + (1-Y) log(1-AL)), "
            "MSE is sum((AL - Y)^2) / (2m); both are >= 0", _cost({"cross-entropy": (-1.0,), "mse": (-1.0,)})),
    Mistake("cost_half_wrong", "compute_cost",
            "the 1/2 is missing or doubled: MSE here is sum((AL - Y)^2) / (2m), the 1/2 that makes dAL = AL - Y",
            _cost({"mse": (2.0, 0.5), "cross-entropy": (0.5,)})),
    Mistake("dW_missing_one_over_m", "linear_backward", "dW = dZ A_prev^T / m: the 1/m is missing",
            _lb(dW_scale=_times_m)),
    Mistake("dW_one_over_m_twice", "linear_backward", "dW = dZ A_prev^T / m: the 1/m is applied twice",
            _lb(dW_scale=_over_m)),
    Mistake("db_missing_one_over_m", "linear_backward", "db = sum(dZ over samples) / m: the 1/m is missing",
            _lb(db_scale=_times_m)),
    Mistake("db_one_over_m_twice", "linear_backward", "db = sum(dZ over samples) / m: the 1/m is applied twice",
            _lb(db_scale=_over_m)),
    Mistake("dA_prev_has_one_over_m", "linear_backward",
            "dA_prev = W^T dZ has no 1/m: with it, the 1/m is applied again in every earlier layer's dW",
            _lb(dA_scale=_over_m)),
    Mistake("db_not_summed", "linear_backward",
            "db sums dZ over the samples: np.sum(dZ, axis=1, keepdims=True) / m",
            lambda c: _lb(db_mode="none")(c) + _lb(db_mode="axis0")(c)),
    Mistake("db_lost_keepdims", "linear_backward",
            "without keepdims=True db has shape (n,) instead of (n, 1), and b - lr * db broadcasts to (n, n)",
            _lb(db_mode="no_keepdims")),
    Mistake("W_not_transposed", "linear_backward",
            "dA_prev = W^T dZ: without the transpose the shapes only line up for a square W, and the values are wrong",
            _lb(transpose=False)),
    Mistake("dAL_from_activation", "L_model_backward",
            "dAL is the derivative of the loss with respect to AL, not the output activation's derivative "
            "(that one enters later, in dZ = dA * g'(Z))", _dAL_from_activation),
    Mistake("dAL_sign_flipped", "L_model_backward",
            "dAL has the wrong sign: -(Y/AL - (1-Y)/(1-AL)) for cross-entropy, AL - Y for MSE",
            _dAL(lambda d, AL, caches, c: -d)),
    Mistake("dAL_has_one_over_m", "L_model_backward",
            "dAL = dL/dAL is per sample, with no sum and no 1/m: those enter in dW and db, so here 1/m is doubled",
            _dAL_per_sample),
    Mistake("output_activation_wrong", "L_model_backward",
            "the output layer's backward step must use the activation L_model_forward used there", _other_outputs),
    Mistake("update_adds_gradient", "update_parameters",
            "gradient descent subtracts: W = W - learning_rate * dW (adding climbs the cost)", _update(sign=-1.0)),
    Mistake("bias_left_out", "update_parameters", "b = b - learning_rate * db: the biases are not updated",
            _update(skip_bias=True)),
)


def mistakes_for(function: str) -> list[Mistake]:
    return [m for m in CATALOGUE if m.function == function]


def expected_output(cost: str | None) -> str:
    return OUTPUT_FOR_COST.get(cost, "sigmoid")
