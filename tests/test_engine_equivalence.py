"""The trainer's fast step against the course-style reference network (`core.network`).

For every hidden/output activation pair and both losses, one `Trainer.step()` must measure
and apply what `cost_and_grads` computes from the same parameters: the same cost, gradients,
update, norms, dead counts and output, to ~1e-12 relative. Also after activation switches
(the step is rebuilt around the same buffers), with a dev split and with two hidden layers.
"""
import math

import numpy as np
import pytest

from core.engine.activations import ACTIVATION_NAMES, get_activation
from core.engine.config import TrainConfig
from core.engine.data import Dataset
from core.engine.losses import compute_cost, loss_backward
from core.engine.network import L_model_forward, cost_and_grads
from core.engine.trainer import Trainer

RTOL = 1e-12


def regression_data(m=24):
    rng = np.random.default_rng(11)
    X = rng.uniform(-2, 3, size=(2, m))
    Y = (X[0:1] ** 2 + np.sin(3 * X[1:2]) + 0.5).reshape(1, m)
    return Dataset(X, Y, ("a", "b"))


def binary_data(m=24):
    rng = np.random.default_rng(12)
    X = rng.standard_normal((2, m))
    Y = (X[0:1] - 0.5 * X[1:2] > 0.1).astype(float)
    return Dataset(X, Y, ("a", "b"))


def close(actual, expected, scale, what):
    """|actual - expected| <= RTOL * scale elementwise, where `scale` bounds the size of the
    terms the value was summed from: a gradient summed from large terms of both signs (BCE
    with an output clipped near 0 gives dAL ~ 1e12) is only as exact as those terms allow."""
    err = np.abs(np.asarray(actual, dtype=float) - expected)
    bound = RTOL * (np.abs(expected) + scale) + 1e-300
    assert np.all(err <= bound), f"{what}: max error {err.max():.3g}, allowed {bound.min():.3g}"


def gradient_scales(X, Y, p, hid, out, loss, slope):
    """The reference backward run on absolute values: for each dW, db the sum of |terms|
    (propagated through |W|^T and |g'|), the natural scale of its rounding error."""
    AL, caches = L_model_forward(X, p, hid, out, slope)
    m, L = X.shape[1], len(caches)
    dA = np.abs(loss_backward(AL, Y, loss))
    scales = {}
    for l in range(L, 0, -1):
        (A_prev, W, _), Z, A = caches[l - 1]
        act = get_activation(out if l == L else hid, slope)
        dZ = np.abs(act.backward(dA, Z, A))
        scales[f"dW{l}"] = dZ @ np.abs(A_prev).T / m
        scales[f"db{l}"] = dZ.sum(axis=1, keepdims=True) / m
        dA = np.abs(W).T @ dZ
    return scales


def check_one_step(t: Trainer) -> None:
    """Take one step and compare everything it measured and did with the reference."""
    c = t.config
    hid, out = c.hidden_activation, c.output_activation
    p = t.parameters()
    J, g = cost_and_grads(t.data.X, t.data.Y, p, hid, out, c.loss, c.leaky_slope)
    AL, caches = L_model_forward(t.data.X, p, hid, out, c.leaky_slope)
    scale = gradient_scales(t.data.X, t.data.Y, p, hid, out, c.loss, c.leaky_slope)
    tag = f"{hid}/{out}/{c.loss} at step {t.step_count}"

    rec = t.step()
    assert rec.status == "ok", tag
    assert rec.loss == pytest.approx(J, rel=RTOL), tag
    assert rec.lr == c.lr and rec.hidden_activation == hid and rec.output_activation == out
    for k in p:
        gk, sk = g["d" + k], scale["d" + k]
        close(t.grads["d" + k] / t.m, gk, sk, f"d{k} {tag}")  # the engine keeps m·∇J
        close(t.params[k], p[k] - c.lr * gk, np.abs(p[k]) + c.lr * sk, f"{k} update {tag}")
        # |‖a‖ - ‖b‖| <= ‖a - b‖, so the norms inherit the gradients' bound.
        close(rec.grad_norms["d" + k], np.linalg.norm(gk), np.linalg.norm(sk), f"|d{k}| {tag}")
        if k.startswith("W"):
            w = np.linalg.norm(p[k])
            close(rec.update_ratios[k], c.lr * np.linalg.norm(gk) / w, c.lr * np.linalg.norm(sk) / w, tag)

    (A_prev, W_L, b_L), Z_L, _ = caches[-1]
    z_scale = np.abs(W_L) @ np.abs(A_prev) + np.abs(b_L)  # Z_L is a sum of terms this size
    close(rec.Z_L, Z_L, z_scale, f"Z_L {tag}")
    close(rec.A_L, AL, z_scale, f"A_L {tag}")  # every g here has |g'| <= 1
    assert rec.dead_output == (int((Z_L <= 0).sum()) if out == "relu" else 0), tag
    dead_hidden = tuple(int((cache[1] <= 0).all(axis=1).sum()) if hid == "relu" else 0
                        for cache in caches[:-1])
    assert rec.dead_hidden == dead_hidden, tag

    if t.data.has_dev:
        AL_dev, _ = L_model_forward(t.data.X_dev, p, hid, out, c.leaky_slope)
        assert rec.dev_loss == pytest.approx(compute_cost(AL_dev, t.data.Y_dev, c.loss), rel=RTOL), tag
    else:
        assert rec.dev_loss is None

    # The history row holds the same numbers as the record, and the squared norms of θ_t.
    row = t.history.last()
    col = t.history.col
    assert row[col["loss"]] == rec.loss and row[col["step"]] == rec.step and row[col["lr"]] == c.lr
    for k in p:
        assert row[col[f"wsq_{k}"]] == pytest.approx(float(np.sum(p[k] ** 2)), rel=RTOL), tag
    assert row[col["wsq_total"]] == pytest.approx(sum(float(np.sum(v ** 2)) for v in p.values()), rel=RTOL)
    gsq = sum(float(np.sum((g["d" + k] * t.m) ** 2)) for k in p)
    ssq = sum(float(np.sum((scale["d" + k] * t.m) ** 2)) for k in p)
    close(row[col["gsq_total"]], gsq, 2 * math.sqrt(gsq * ssq) + ssq, f"gsq_total {tag}")


def config_for(hid, out, loss, **kw):
    # BCE on an output that can leave (0, 1) is clipped to 1e-12, so dAL reaches ~1e12: a
    # tiny rate keeps those runs finite (the maths is still exercised, the step just stays put).
    lr = 0.01 if loss == "mse" else (0.05 if out == "sigmoid" else 1e-13)
    return TrainConfig(hidden=kw.pop("hidden", (6,)), hidden_activation=hid, output_activation=out,
                       loss=loss, lr=lr, normalize=True, seed=3, **kw)


@pytest.mark.parametrize("loss", ["mse", "bce"])
@pytest.mark.parametrize("out", ACTIVATION_NAMES)
@pytest.mark.parametrize("hid", ACTIVATION_NAMES)
def test_fast_step_matches_reference_for_every_pair(hid, out, loss):
    data = binary_data() if loss == "bce" else regression_data()
    t = Trainer(config_for(hid, out, loss), data)
    for _ in range(3):
        check_one_step(t)
    t.run(40)  # the fast path without records, then check again from where it got to
    check_one_step(t)


@pytest.mark.parametrize("loss", ["mse", "bce"])
def test_matches_reference_across_activation_switches_with_a_dev_split(loss):
    data = binary_data(40) if loss == "bce" else regression_data(40)
    t = Trainer(config_for("relu", "relu", loss, hidden=(5, 4), dev_fraction=0.25), data)
    assert t.data.has_dev
    check_one_step(t)
    for hid in ACTIVATION_NAMES:
        t.set_hidden_activation(hid)
        for out in ACTIVATION_NAMES:
            t.set_output_activation(out)
            check_one_step(t)
            t.run(3)
            check_one_step(t)
    t.set_lr(t.config.lr / 2)
    check_one_step(t)


def test_story_settings_match_reference_over_a_long_fast_run():
    """The story itself (no normalisation, lr 5e-5, ReLU/ReLU): the fast path over thousands
    of steps agrees with a course-style loop run alongside it."""
    from core.engine.data import story_problem
    t = Trainer(TrainConfig(), story_problem())
    p = t.parameters()
    for _ in range(2000):
        _, g = cost_and_grads(t.data.X, t.data.Y, p, "relu", "relu")
        p = {k: v - t.config.lr * g["d" + k] for k, v in p.items()}
    t.run(2000)
    for k in p:
        close(t.params[k], p[k], 0.0, k)
    check_one_step(t)


def test_deep_relu_network_dead_counts_and_gradients():
    t = Trainer(TrainConfig(hidden=(8, 8, 3), seed=5, lr=0.02, normalize=True), regression_data(30))
    for _ in range(3):
        check_one_step(t)
    t.run(300)
    check_one_step(t)
    assert math.isfinite(t.history.last()[t.history.col["loss"]])


def test_overflowing_squared_norm_is_not_divergence_and_keeps_the_row():
    """|w| = 1e160 squares to inf while θ, ∇J and the loss stay finite (the unit is dead on
    every sample): the step goes on, and the row's setting columns stay exact."""
    from core.engine.data import story_problem
    t = Trainer(TrainConfig(), story_problem())
    W1 = t.parameters()["W1"]
    W1[0, 0] = -1e160  # x >= 0, so this unit's Z <= 0 everywhere
    t.set_parameters({"W1": W1})
    p = t.parameters()
    J, _ = cost_and_grads(t.data.X, t.data.Y, p, "relu", "relu")
    AL, caches = L_model_forward(t.data.X, p, "relu", "relu")
    rec = t.step()
    assert rec.status == "ok" and t.status == "ok"
    assert rec.loss == pytest.approx(J, rel=RTOL)
    row, col = t.history.last(), t.history.col
    assert row[col["lr"]] == t.config.lr and rec.hidden_activation == "relu" and rec.output_activation == "relu"
    assert math.isnan(row[col["dev_loss"]]) and rec.dev_loss is None
    assert rec.dead_output == int((caches[-1][1] <= 0).sum())
    assert rec.dead_hidden == (int((caches[0][1] <= 0).all(axis=1).sum()),)
    assert rec.dead_hidden[0] >= 1
