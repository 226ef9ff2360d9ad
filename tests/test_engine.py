"""The trainer's maths, checked against independent computations inside the tests."""
import math

import numpy as np
import pytest

from core.engine.config import TrainConfig
from core.engine.data import Dataset, story_problem
from core.engine.network import cost_and_grads
from core.engine.trainer import DIVERGED, Trainer


def numpy_grads(X, Y, p, g_hidden, g_out, dg_hidden, dg_out):
    """An independent 2-layer forward/backward for J = sum((AL-Y)^2)/(2m)."""
    m = X.shape[1]
    Z1 = p["W1"] @ X + p["b1"]
    A1 = g_hidden(Z1)
    Z2 = p["W2"] @ A1 + p["b2"]
    A2 = g_out(Z2)
    J = np.sum((A2 - Y) ** 2) / (2 * m)
    dZ2 = (A2 - Y) * dg_out(Z2)
    dZ1 = (p["W2"].T @ dZ2) * dg_hidden(Z1)
    return J, {"dW2": dZ2 @ A1.T / m, "db2": dZ2.sum(1, keepdims=True) / m,
               "dW1": dZ1 @ X.T / m, "db1": dZ1.sum(1, keepdims=True) / m}


relu = (lambda z: np.maximum(z, 0), lambda z: (z > 0).astype(float))
linear = (lambda z: z, lambda z: np.ones_like(z))


def test_one_update_equals_theta_minus_lr_grad():
    t = Trainer(TrainConfig(seed=2, lr=1e-4), story_problem())
    t.run(50)
    before = t.parameters()
    J, g = numpy_grads(t.data.X, t.data.Y, before, *relu[:1], *relu[:1], relu[1], relu[1])
    rec = t.step()
    assert rec.loss == pytest.approx(J, rel=1e-12)
    after = t.parameters()
    for k in before:
        np.testing.assert_allclose(after[k], before[k] - 1e-4 * g["d" + k], rtol=1e-12, atol=1e-15)


def test_record_holds_loss_before_the_update_and_the_lr_used():
    t = Trainer(TrainConfig(), story_problem())
    J0, _ = cost_and_grads(t.data.X, t.data.Y, t.parameters(), "relu", "relu")
    r0 = t.step()
    assert r0.step == 0 and r0.loss == pytest.approx(J0, rel=1e-12) and r0.lr == 5e-5
    r1 = t.step()
    assert r1.step == 1 and t.step_count == 2


def test_grad_norms_and_update_ratios_match_independent_values():
    t = Trainer(TrainConfig(seed=2), story_problem())
    t.run(30)
    p = t.parameters()
    _, g = cost_and_grads(t.data.X, t.data.Y, p, "relu", "relu")
    rec = t.step()
    for k in ("dW1", "db1", "dW2", "db2"):
        assert rec.grad_norms[k] == pytest.approx(np.linalg.norm(g[k]), rel=1e-10)
    for k in ("W1", "W2"):
        expect = 5e-5 * np.linalg.norm(g["d" + k]) / np.linalg.norm(p[k])
        assert rec.update_ratios[k] == pytest.approx(expect, rel=1e-10)


def test_dead_counts_follow_the_definitions():
    t = Trainer(TrainConfig(), story_problem())
    t.run(3000)
    p = t.parameters()
    rec = t.step()
    Z1 = p["W1"] @ t.data.X + p["b1"]
    Z2 = p["W2"] @ np.maximum(Z1, 0) + p["b2"]
    assert rec.dead_output == int((Z2 <= 0).sum())
    assert rec.dead_hidden == (int((Z1 <= 0).all(axis=1).sum()),)
    np.testing.assert_allclose(rec.Z_L, Z2, rtol=1e-12)
    np.testing.assert_array_equal(rec.A_L, np.maximum(Z2, 0))


def test_dead_output_is_zero_unless_output_is_relu():
    t = Trainer(TrainConfig(output_activation="leaky_relu"), story_problem())
    assert t.step().dead_output == 0


def test_activation_switch_keeps_the_weights_and_is_an_event():
    t = Trainer(TrainConfig(), story_problem())
    t.run(100)
    before = t.parameters()
    t.set_output_activation("linear")
    after = t.parameters()
    for k in before:
        np.testing.assert_array_equal(before[k], after[k])
    assert t.events[-1].name == "output_activation" and t.events[-1].step == 100
    J, g = numpy_grads(t.data.X, t.data.Y, after, relu[0], linear[0], relu[1], linear[1])
    rec = t.step()
    assert rec.output_activation == "linear"
    assert rec.loss == pytest.approx(J, rel=1e-12)
    t.set_hidden_activation("tanh")
    assert t.step().hidden_activation == "tanh"


def test_lr_change_is_recorded_and_used():
    t = Trainer(TrainConfig(), story_problem())
    t.run(10)
    t.set_lr(1e-5)
    assert t.events[-1].name == "lr" and t.events[-1].value == 1e-5
    assert t.step().lr == 1e-5


def test_reset_same_seed_reproduces_and_new_seed_differs():
    t = Trainer(TrainConfig(), story_problem())
    first = [t.step().loss for _ in range(20)]
    t.reset()
    assert t.step_count == 0
    assert [t.step().loss for _ in range(20)] == first
    t.reset(seed=99)
    assert t.events[-1].name == "seed" and t.config.seed == 99
    assert t.parameters()["W1"].tolist() != Trainer(TrainConfig(), story_problem()).parameters()["W1"].tolist()


def test_same_seed_is_bit_reproducible_across_trainers():
    a, b = Trainer(TrainConfig(), story_problem()), Trainer(TrainConfig(), story_problem())
    a.run(500)
    b.run(500)
    assert a.history.last()[2] == b.history.last()[2]
    for k, v in a.params.items():
        np.testing.assert_array_equal(v, b.params[k])


def test_divergence_stops_and_keeps_last_finite_parameters():
    t = Trainer(TrainConfig(lr=10.0, output_activation="linear", hidden_activation="linear"), story_problem())
    done = t.run(1000)
    assert done < 1000
    assert t.status == DIVERGED and "starting value" in t.diverged_reason
    assert t.params_finite()
    J, _ = cost_and_grads(t.data.X, t.data.Y, t.parameters(), "linear", "linear")
    assert math.isfinite(J)
    assert t.events[-1].name == "diverged"
    with pytest.raises(RuntimeError):
        t.step()
    # A lower rate carries on from the kept parameters.
    t.set_lr(1e-7)
    assert t.status == "ok"
    rec = t.step()
    assert math.isfinite(rec.loss)


def test_normalize_restarts_and_standardises_with_train_stats():
    t = Trainer(TrainConfig(dev_fraction=0.25), story_problem())
    t.run(10)
    t.set_normalize(True)
    assert t.step_count == 0 and t.events[-1].name == "normalize"
    d = t.data
    np.testing.assert_allclose(d.X.mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(d.Y.std(), 1, rtol=1e-12)
    assert abs(d.X_dev.mean()) > 0  # dev uses train statistics, not its own


def test_dev_loss_is_recorded_with_a_dev_split():
    t = Trainer(TrainConfig(dev_fraction=0.2), story_problem())
    p = t.parameters()
    rec = t.step()
    J_dev, _ = cost_and_grads(t.data.X_dev, t.data.Y_dev, p, "relu", "relu")
    assert rec.dev_loss == pytest.approx(J_dev, rel=1e-12)
    assert t.data.X.shape[1] == 16 and t.data.X_dev.shape[1] == 4


def test_bce_loss_on_binary_targets():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((2, 40))
    Y = (X[0:1] + X[1:2] > 0).astype(float)
    t = Trainer(TrainConfig(hidden=(4,), output_activation="sigmoid", loss="bce", lr=0.5, normalize=True), Dataset(X, Y, ("a", "b")))
    p = t.parameters()
    J, _ = cost_and_grads(t.data.X, t.data.Y, p, "relu", "sigmoid", "bce")
    assert t.step().loss == pytest.approx(J, rel=1e-12)
    t.run(300)
    assert t.history.last()[2] < J


def test_deep_network_shapes_follow_the_course():
    t = Trainer(TrainConfig(hidden=(5, 4, 3)), story_problem())
    assert t.layer_dims == [1, 5, 4, 3, 1]
    assert t.params["W2"].shape == (4, 5) and t.params["b3"].shape == (3, 1)
    rec = t.step()
    assert len(rec.dead_hidden) == 3


def test_history_memory_is_bounded_for_long_runs():
    t = Trainer(TrainConfig(output_activation="linear"), story_problem(), window=64, archive=32)
    size = t.history.nbytes
    t.run(5000)
    assert t.history.nbytes == size
    rows = t.history.rows()
    assert len(rows) <= 64 + 32
    steps = rows[:, t.history.col["step"]]
    assert steps[0] == 0 and steps[-1] == 4999 and np.all(np.diff(steps) > 0)


def test_binary_targets_are_every_target_0_or_1_and_the_dataset_answers_once():
    from core.engine.data import Dataset, binary_targets
    assert binary_targets(np.array([[0.0, 1.0, -0.0, 1.0]]))
    assert not binary_targets(np.array([[0.0, 1.0, 0.5]]))
    assert not binary_targets(np.array([[0.0, np.nan]]))
    assert not binary_targets(np.zeros((1, 0)))
    ds = Dataset(np.zeros((1, 3)), np.array([[0.0, 1.0, 1.0]]))
    assert ds.binary and "binary" in vars(ds)   # cached: read with every frame

