"""Gradient check as a property: backprop (reference and the trainer's fast step) agrees with
centred differences for every activation pair, layer shape and loss."""
import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from core.engine.activations import ACTIVATION_NAMES, get_activation
from core.engine.config import TrainConfig
from core.engine.data import Dataset
from core.diagnosis.gradcheck import grade, gradient_check
from core.engine.network import L_model_forward, initialize_parameters
from core.engine.trainer import Trainer

KINKED = {"relu", "leaky_relu"}


def _near_kink(X, params, hidden, out):
    _, caches = L_model_forward(X, params, hidden, out)
    Zs = [c[1] for i, c in enumerate(caches)]
    acts = [hidden] * (len(Zs) - 1) + [out]
    return any(a in KINKED and np.min(np.abs(Z)) < 1e-4 for a, Z in zip(acts, Zs))


def _agrees(c) -> bool:
    """Within the bands, or equal to round-off: centred differences carry an absolute error of
    about machine-eps * J / eps ~ 1e-9, which is a large *relative* error for a tiny gradient."""
    return c.band in ("good", "acceptable") or c.max_abs_diff < 1e-8


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    hidden=st.sampled_from(ACTIVATION_NAMES),
    out=st.sampled_from(ACTIVATION_NAMES),
    layers=st.lists(st.integers(1, 4), min_size=1, max_size=3),
    n_x=st.integers(1, 3),
    m=st.integers(1, 6),
    seed=st.integers(0, 10_000),
    loss=st.sampled_from(["mse", "bce"]),
)
def test_backprop_matches_centred_differences(hidden, out, layers, n_x, m, seed, loss):
    if loss == "bce":
        out = "sigmoid"  # cross-entropy needs probabilities
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_x, m))
    Y = rng.integers(0, 2, (1, m)).astype(float) if loss == "bce" else rng.standard_normal((1, m))
    params = initialize_parameters([n_x, *layers, 1], "xavier", seed)
    for k in params:
        if k.startswith("b"):
            params[k] = rng.standard_normal(params[k].shape) * 0.1
    assume(not _near_kink(X, params, hidden, out))
    checks = gradient_check(X, Y, params, hidden, out, loss)
    assert all(_agrees(c) for c in checks), checks

    # The trainer's preallocated step computes the same gradient.
    t = Trainer(TrainConfig(hidden=tuple(layers), hidden_activation=hidden, output_activation=out,
                            loss=loss, init="xavier", seed=seed), Dataset(X, Y, tuple(f"x{i}" for i in range(n_x))))
    t.set_parameters(params)
    t.run(1)
    fast = {k: v.copy() / m for k, v in t.grads.items()}  # the trainer keeps m * dJ/dθ
    checks = gradient_check(X, Y, params, hidden, out, loss, grads=fast)
    assert all(_agrees(c) for c in checks), checks


def test_a_broken_derivative_is_caught():
    rng = np.random.default_rng(1)
    X, Y = rng.standard_normal((2, 5)), rng.standard_normal((1, 5))
    params = initialize_parameters([2, 3, 1], "xavier", 1)
    from core.engine.network import cost_and_grads
    _, grads = cost_and_grads(X, Y, params, "tanh", "linear")
    grads["dW1"] = grads["dW1"] * 1.5  # a learner's typical slip: a wrong factor
    checks = {c.name: c.band for c in gradient_check(X, Y, params, "tanh", "linear", grads=grads)}
    assert checks["W1"] == "wrong"
    assert checks["W2"] in ("good", "acceptable")


def test_bands():
    assert grade(1e-9) == "good"
    assert grade(1e-5) == "acceptable"
    assert grade(1e-3) == "suspicious"
    assert grade(0.5) == "wrong"
    assert grade(float("nan")) == "wrong"


def test_relu_derivative_at_zero_is_zero():
    relu = get_activation("relu")
    Z = np.array([[-1.0, 0.0, 2.0]])
    np.testing.assert_array_equal(relu.derivative(Z, relu.forward(Z)), [[0.0, 0.0, 1.0]])
    G = np.empty_like(Z)
    np.testing.assert_array_equal(relu.grad_into(Z, relu.forward(Z), G, None), [[0.0, 0.0, 1.0]])


def test_in_place_kernels_match_the_readable_ones():
    Z = np.linspace(-40, 40, 81).reshape(3, 27)
    for name in ACTIVATION_NAMES:
        a = get_activation(name, 0.05)
        A = a.forward(Z)
        out = np.empty_like(Z)
        with np.errstate(over="ignore"):
            got = a.forward_into(Z, out, np.zeros_like(Z))
        np.testing.assert_allclose(got, A, rtol=1e-12, atol=1e-300, err_msg=name)
        G = np.empty_like(Z)
        with np.errstate(over="ignore"):
            g = a.grad_into(Z, A, G, np.empty_like(Z))
        expect = a.derivative(Z, A)
        np.testing.assert_allclose(np.ones_like(Z) if g is None else g, expect, rtol=1e-12, atol=1e-300, err_msg=name)
