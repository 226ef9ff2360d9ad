"""The diagnosis checks return the right numbers on known cases."""
from __future__ import annotations


import numpy as np
import pytest

from core.diagnosis.baseline_overlay import baseline_overlay, next_degree
from core.diagnosis.bias_variance import bias_variance
from core.diagnosis.chain_rule import inspect_sample
from core.engine.config import TrainConfig
from core.diagnosis.curvature import HessianOperator, curvature, curvature_at, top_eigenvalue
from core.engine.data import Dataset, story_problem
from core.diagnosis.evaluation import evaluate
from core.diagnosis.gradcheck import gradient_check
from core.diagnosis.loss_at_init import loss_at_init
from core.engine.losses import compute_cost
from core.diagnosis.lr_finder import lr_range_test, smooth, suggest
from core.engine.network import L_model_backward, L_model_forward, cost_and_grads, initialize_parameters
from core.diagnosis.overfit import overfit_tiny_batch
from core.logs.runlog import loads_strict
from core.engine.trainer import Trainer
from tui_trainer.cli import main


@pytest.fixture(scope="module")
def story_5000():
    t = Trainer(TrainConfig(), story_problem())
    t.run(5000)
    return t


def healthy(**kw) -> Trainer:
    return Trainer(TrainConfig(normalize=True, output_activation="linear", lr=0.05).with_(**kw), story_problem())


# ---- loss at init ---------------------------------------------------------------------------

def test_loss_at_init_on_the_story(story_5000):
    r = loss_at_init(story_5000)  # re-created at step 0, the live run is untouched
    assert r.zero_loss == pytest.approx(143400.6)
    assert r.mean_loss == pytest.approx(63800.1)
    assert r.measured == pytest.approx(evaluate(Trainer(TrainConfig(), story_problem())).loss, rel=1e-12)
    assert r.measured == pytest.approx(140437.82, rel=1e-6)
    assert not r.mismatch and "far from 0" in r.meaning
    assert story_5000.step_count == 5000


def test_loss_at_init_flags_outputs_far_larger_than_the_targets():
    d = story_problem()
    small = Dataset(d.X, d.Y * 1e-4)  # targets ~0.1 while the untrained outputs are ~10
    r = loss_at_init(Trainer(TrainConfig(output_activation="linear"), small))
    assert r.mismatch and r.ratio > 3 and "far larger than the targets" in r.meaning


# ---- gradient check -------------------------------------------------------------------------

def smooth_case():
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((2, 8)), rng.standard_normal((1, 8))
    return X, Y, initialize_parameters([2, 4, 3, 1], "xavier", 3)


def test_gradient_check_passes_the_reference_backprop():
    X, Y, p = smooth_case()
    checks = gradient_check(X, Y, p, "tanh", "linear")
    assert all(c.band == "good" for c in checks), checks


def test_gradient_check_catches_a_missing_activation_derivative():
    X, Y, p = smooth_case()
    AL, caches = L_model_forward(X, p, "tanh", "linear")
    broken = L_model_backward(AL, Y, caches, "linear", "linear")  # forgets tanh'(Z) in the hidden layers
    bands = {c.name: c.band for c in gradient_check(X, Y, p, "tanh", "linear", grads=broken)}
    assert bands["W3"] == bands["b3"] == "good"  # the output layer does not use the hidden derivative
    assert bands["W1"] == "wrong" and bands["W2"] == "wrong"


# ---- baseline -------------------------------------------------------------------------------

def test_baseline_overlay_recovers_the_story_parabola():
    t = Trainer(TrainConfig(), story_problem())
    t.run(100)
    b = baseline_overlay(t, 2)
    assert np.allclose(b.fit.coefficients, [0, 3, 3], atol=1e-8)
    assert b.train_loss < 1e-20 and b.dev_loss is None
    assert b.net_train_loss == pytest.approx(evaluate(t).loss)
    assert b.x_grid[0] == 0 and b.x_grid[-1] == 19 and b.y_grid[-1] == pytest.approx(1140)
    assert not b.network_better


def test_baseline_overlay_in_original_units_when_normalised():
    t = Trainer(TrainConfig(normalize=True, dev_fraction=0.2), story_problem())
    b = baseline_overlay(t, 2)
    assert b.x_grid[0] == pytest.approx(t.dataset.X[0, t.split.train_idx].min())
    assert np.allclose(b.y_hat, t.dataset.Y[0, t.split.train_idx])
    assert b.dev_loss == pytest.approx(0, abs=1e-20) and b.net_dev_loss is not None
    d1 = baseline_overlay(t, 1)
    assert d1.train_loss > 0.01


def test_degree_cycles_one_to_four():
    seq = [1]
    for _ in range(5):
        seq.append(next_degree(seq[-1]))
    assert seq == [1, 2, 3, 4, 1, 2]


# ---- LR range test --------------------------------------------------------------------------

def test_lr_range_test_on_a_problem_with_a_known_range():
    """Normalised story, linear output: descent is stable below 2/λmax; the suggestion must sit
    inside the stable range, not far below it, and training at it must work."""
    t = healthy()
    before = t.parameters()
    r = lr_range_test(t)
    limit = curvature(t).stability_limit
    assert t.step_count == 0 and all(np.array_equal(before[k], v) for k, v in t.parameters().items())
    assert r.stopped in ("exploded", "diverged") and r.lrs[-1] < 10
    assert r.method == "min/10"
    assert limit / 100 < r.suggested < limit
    assert 0.1 * limit < r.best_lr < 20 * limit  # the loss turns where descent stops being stable
    u = healthy(lr=r.suggested)
    u.run(2000)
    assert u.status == "ok" and evaluate(u).loss < 1e-2 * 0.5


def test_lr_range_test_on_the_story_suggests_a_rate_near_the_storys():
    r = lr_range_test(Trainer(TrainConfig(), story_problem()))
    assert 1e-5 < r.suggested < 2e-4
    assert r.suggested == pytest.approx(r.best_lr / 10)


def test_suggest_steepest_and_min():
    lrs = np.logspace(-4, 0, 9)
    loss = np.array([10, 10, 9, 5, 2, 1, 3, 20, 80.0])
    best, min10, steep, method = suggest(lrs, loss)
    assert best == lrs[5] and min10 == pytest.approx(lrs[5] / 10) and method == "min/10"
    assert steep in (lrs[3], lrs[4])
    assert smooth([1.0, 1.0, 1.0], 0.9) == pytest.approx([1.0, 1.0, 1.0])  # bias-corrected


# ---- curvature ------------------------------------------------------------------------------

def full_hessian(X, Y, p, hid, out, h=1e-4) -> np.ndarray:
    """Second differences of J itself (not of the gradient): independent of backprop."""
    names = list(p)
    theta = np.concatenate([p[k].ravel() for k in names])

    def J(th):
        q, a = {}, 0
        for k in names:
            q[k] = th[a:a + p[k].size].reshape(p[k].shape)
            a += p[k].size
        return compute_cost(L_model_forward(X, q, hid, out)[0], Y)

    n = theta.size
    H = np.zeros((n, n))
    E = np.eye(n) * h
    for i in range(n):
        for j in range(i, n):
            H[i, j] = H[j, i] = (J(theta + E[i] + E[j]) - J(theta + E[i] - E[j])
                                 - J(theta - E[i] + E[j]) + J(theta - E[i] - E[j])) / (4 * h * h)
    return H


def test_lambda_max_matches_the_full_hessian_on_a_tiny_net():
    rng = np.random.default_rng(1)
    X, Y = rng.standard_normal((1, 6)), rng.standard_normal((1, 6))
    p = initialize_parameters([1, 3, 1], "xavier", 2)
    top = np.linalg.eigvalsh(full_hessian(X, Y, p, "tanh", "linear"))[-1]
    c = curvature_at(X, Y, p, "tanh", "linear", lr=0.1, iters=500, tol=1e-10)
    assert c.lambda_max == pytest.approx(top, rel=1e-4)
    assert c.stability_limit == pytest.approx(2 / top, rel=1e-4)
    assert c.unstable == (0.1 > 2 / top)


def test_top_eigenvalue_when_a_negative_one_dominates():
    A = np.diag([-10.0, 1.0, 3.0])

    class Op:
        size = 3

        def __call__(self, v):
            return A @ v

    lam, _, ok = top_eigenvalue(Op(), iters=2000, tol=1e-12)
    assert ok and lam == pytest.approx(3.0, rel=1e-6)


def test_hessian_vector_product_along_the_output_bias():
    """J = Σ(A + b2 - Y)² / (2m) in b2 alone, so d²J/db2² = 1 exactly."""
    t = Trainer(TrainConfig(normalize=True, hidden=(1,), hidden_activation="linear", output_activation="linear"),
                story_problem())
    d = t.data
    op = HessianOperator(d.X, d.Y, t.parameters(), "linear", "linear")
    # Along b2 only: J = mean((a + b2 - y)^2)/2, so d2J/db2^2 = 1.
    e_b2 = np.zeros(op.size)
    e_b2[-1] = 1.0
    assert (op(e_b2) @ e_b2) == pytest.approx(1.0, rel=1e-6)


# ---- tiny-batch overfit ----------------------------------------------------------------------

def test_overfit_reaches_zero_on_a_healthy_network():
    t = healthy()
    r = overfit_tiny_batch(t, (0, 19))
    assert r.reached_zero and r.final_loss < 1e-3 * r.zero_loss and r.status == "ok"
    assert t.step_count == 0


def test_overfit_fails_on_dead_samples(story_5000):
    before = story_5000.parameters()
    r = overfit_tiny_batch(story_5000, (2, 3))
    assert not r.reached_zero and r.dead_samples == (2, 3)
    assert r.final_loss == pytest.approx(r.start_loss)  # no gradient: nothing moves
    assert "dead output" in r.verdict
    assert all(np.array_equal(before[k], v) for k, v in story_5000.parameters().items())


def test_overfit_rejects_a_dev_sample():
    t = Trainer(TrainConfig(dev_fraction=0.2), story_problem())
    with pytest.raises(ValueError, match="not in the training split"):
        overfit_tiny_batch(t, (int(t.split.dev_idx[0]), int(t.split.train_idx[0])))


# ---- chain rule --------------------------------------------------------------------------------

def test_chain_rule_for_a_dead_sample(story_5000):
    c = inspect_sample(story_5000, 2)
    assert c.Z <= 0 and c.A == 0 and c.dA_dZ == 0 and c.dead
    assert c.dL_dA == pytest.approx(0 - 18)  # A - Y with y = 3*4 + 3*2
    assert "dA/dZ" in c.zero_factors
    assert all(v == 0 for v in c.dW_sample) and c.db_sample == 0


def test_chain_rule_factors_multiply_to_the_backprop_gradient(story_5000):
    t = story_5000
    d = t.data
    _, grads = cost_and_grads(d.X, d.Y, t.parameters(), "relu", "relu")
    total = np.zeros(10)
    for i in range(20):
        c = inspect_sample(t, i)
        assert c.dZ == pytest.approx(c.dL_dA * c.dA_dZ)
        assert c.dL_dA == pytest.approx(c.A - c.y)
        assert np.allclose(c.dW_sample, c.dZ * np.array(c.A_prev) / 20)
        total += c.dW_sample
    assert np.allclose(total, grads["dW2"].ravel())
    assert np.allclose(c.dW, grads["dW2"].ravel())
    live = inspect_sample(t, 19)
    assert live.zero_factors == () and live.dA_dZ == 1.0


def test_chain_rule_rejects_a_dev_sample():
    t = Trainer(TrainConfig(dev_fraction=0.2), story_problem())
    with pytest.raises(ValueError):
        inspect_sample(t, int(t.split.dev_idx[0]))


# ---- bias / variance -----------------------------------------------------------------------------

def test_bias_variance_verdicts(story_5000):
    assert bias_variance(story_5000, evaluate(story_5000)).verdict == "too_early"
    line = Trainer(TrainConfig(normalize=True, hidden=(1,), hidden_activation="linear",
                               output_activation="linear", lr=0.1), story_problem())
    line.run(3000)
    v = bias_variance(line, evaluate(line))
    assert v.verdict == "high_bias" and v.baseline_degree == 2 and v.mean_loss == pytest.approx(0.5)
    ok = healthy(dev_fraction=0.2)
    ok.run(8000)
    assert bias_variance(ok, evaluate(ok)).verdict == "neither"


# ---- CLI ----------------------------------------------------------------------------------------

def test_cli_lr_find_json(capsys):
    assert main(["lr-find", "--json", "--normalize", "--output-activation", "linear"]) == 0
    out = loads_strict(capsys.readouterr().out)
    assert out["suggested"] < out["stability_limit"] and len(out["lrs"]) == len(out["losses"]) <= 100
    assert out["method"] == "min/10"


def test_cli_diagnose_json_on_the_story(capsys):
    assert main(["diagnose", "--json", "--sample", "2"]) == 0
    out = loads_strict(capsys.readouterr().out)
    codes = [f["code"] for f in out["findings"]]
    assert codes[:2] == ["dead_output", "dead_hidden"] and "unscaled_data" in codes
    assert out["loss_at_init"]["zero_loss"] == pytest.approx(143400.6)
    assert out["loss_at_init"]["mean_loss"] == pytest.approx(63800.1)
    assert out["chain_rule"]["zero_factors"] == ["dA/dZ", "dZ/dW"]
    assert out["curvature"]["stability_limit"] == pytest.approx(2 / out["curvature"]["lambda_max"])
    assert out["bias_variance"]["verdict"] == "too_early"


def test_cli_diagnose_human(capsys):
    assert main(["diagnose", "--steps", "5000"]) == 0
    text = capsys.readouterr().out
    assert "[dead_output] 5 of 20 samples (0-4" in text and "cure: --normalize --output-activation linear" in text
    assert "press" not in text  # the command line names flags, not keys
    assert "all zeros 143,401" in text and "stability limit 2/λmax" in text


def test_cli_run_json_and_summary_carry_findings(capsys):
    assert main(["run", "--json"]) == 0
    out = loads_strict(capsys.readouterr().out)
    f = {x["code"]: x for x in out["findings"]}
    assert f["dead_output"]["evidence"]["samples"] == [0, 1, 2, 3, 4] and "cure" in f["dead_output"]
    assert main(["run"]) == 0
    assert "[dead_output]" in capsys.readouterr().out


@pytest.mark.parametrize("argv, needle", [
    (["lr-find", "--start-lr", "1", "--end-lr", "0.1"], "--start-lr"),
    (["lr-find", "--num", "5"], "--num"),
    (["lr-find", "--start-lr", "nan"], "--start-lr"),
    (["diagnose", "--sample", "99"], "--sample 99"),
    (["diagnose", "--sample", "-1"], "--sample"),
    (["diagnose", "--steps", "x"], "--steps"),
])
def test_cli_bad_input_one_line_exit_2(capsys, argv, needle):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and needle in err and "Traceback" not in err
