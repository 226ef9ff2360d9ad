"""The findings engine: each code fires on a constructed case with its evidence, and a healthy
run shows none of them."""
from __future__ import annotations

import json
import math
import pickle

import numpy as np
import pytest

from core.engine.config import TrainConfig
from core.diagnosis.curvature import curvature
from core.engine.data import Dataset, story_problem
from core.diagnosis.evaluation import evaluate
from core.diagnosis.findings import CODES, Finding, diagnose
from core.diagnosis.snapshot import take_snapshot
from core.logs.runlog import loads_strict
from core.engine.trainer import Trainer


def run(config: TrainConfig, steps: int, data: Dataset | None = None) -> Trainer:
    t = Trainer(config, data or story_problem())
    t.run(steps)
    return t


def findings(t: Trainer) -> dict[str, Finding]:
    out = diagnose(t, evaluate(t))
    codes = [f.code for f in out]
    assert len(codes) == len(set(codes)), codes
    assert set(codes) <= set(CODES)
    return {f.code: f for f in out}


def healthy(hidden_activation="relu", seed=4, dev_fraction=0.0, lr=0.05) -> TrainConfig:
    return TrainConfig(normalize=True, output_activation="linear", hidden_activation=hidden_activation,
                       lr=lr, seed=seed, dev_fraction=dev_fraction)


@pytest.fixture(scope="module")
def story_5000():
    return run(TrainConfig(), 5000)


# ---- the story --------------------------------------------------------------------------

def test_story_names_dead_samples_and_units_with_the_cure(story_5000):
    f = findings(story_5000)
    dead = f["dead_output"]
    assert dead.evidence["samples"] == [0, 1, 2, 3, 4]
    assert "5 of 20 samples (0-4" in dead.message and "Z^[L] <= 0" in dead.message
    # the cure that unsticks them on a copy: standardised data with an output that reaches
    # negative targets (a linear output alone barely moves them in 1,000 steps: not offered)
    assert dead.cure.startswith("z to standardise") and "output is linear" in dead.cure and "a" in dead.keys
    assert dead.cure_cli.startswith("--normalize --output-activation linear --lr ")
    tried = {c["cure"]: c["helped"] for c in dead.evidence["cure_checks"]}
    assert tried["--output-activation linear"] is False and sum(tried.values()) == 1
    hid = f["dead_hidden"]
    layer = hid.evidence["layers"][0]
    assert (layer["layer"], layer["dead_units"], layer["units"]) == (1, [0, 1, 4, 5, 6, 8, 9], 10)
    assert layer["dead_at_start"] == 6 and layer["died_by_step"] == 6
    assert "7 of 10 units in layer 1" in hid.message and "all >= 0 and not normalised" in hid.message
    assert "z" in hid.keys and "--normalize" in hid.flags
    assert "x (mean 9.5, spread 5.766) and y (mean 399, spread 357.2)" in f["unscaled_data"].message
    assert f["unscaled_data"].keys[0] == "z"
    assert "diverging" not in f and "high_bias" not in f


def test_to_dict_is_strict_json(story_5000):
    for f in diagnose(story_5000, evaluate(story_5000)):
        d = loads_strict(json.dumps(f.to_dict(), allow_nan=False))
        assert {"code", "message", "cure", "keys", "evidence"} <= set(d)  # the JSON keys every output uses
        assert "press" not in d["cure"] and d["cure"] == f.cure_cli  # the command line names flags
        assert "\n" not in d["message"]


def test_a_snapshot_carries_the_findings_typed_and_they_pickle(story_5000):
    """Widgets read attributes: the snapshot holds diagnose()'s Findings themselves, which
    cross the training process's boundary by pickling."""
    s = take_snapshot(story_5000)
    assert s.findings and all(isinstance(f, Finding) for f in s.findings)
    assert [f.code for f in s.findings] == list(findings(story_5000))
    back = pickle.loads(pickle.dumps(s)).findings
    assert back == s.findings and [f.to_dict() for f in back] == [f.to_dict() for f in s.findings]


def test_story_never_raises_a_false_divergence():
    t = Trainer(TrainConfig(), story_problem())
    for n in range(0, 8001, 400):
        t.run(n - t.step_count)
        assert "diverging" not in findings(t), n


# ---- healthy runs: silence ---------------------------------------------------------------

@pytest.mark.parametrize("act", ["relu", "tanh", "leaky_relu", "swish", "sigmoid"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_healthy_runs_show_nothing(act, seed):
    for dev in (0.0, 0.2):
        t = Trainer(healthy(act, seed, dev), story_problem())
        for n in (0, 10, 50, 200, 1000, 4000):
            t.run(n - t.step_count)
            assert findings(t) == {}, (act, seed, dev, n)


# ---- each code on a constructed case -------------------------------------------------------

def test_dead_output_silent_when_only_zero_targets_are_dead():
    # At init the story's x = 0 gives Z^[L] = 0 (zero biases): dead, but its target is 0 too.
    t = run(TrainConfig(), 0)
    ev = evaluate(t)
    assert ev.dead_samples.tolist() == [0]
    assert "dead_output" not in findings(t)


def test_dead_hidden_needs_a_real_share_of_the_layer():
    t = run(healthy("relu", seed=0), 5000)
    assert evaluate(t).dead_hidden == [1]  # one of ten: normal for ReLU, the rest carry the fit
    assert "dead_hidden" not in findings(t)


def test_diverging_cites_the_stability_limit():
    t = Trainer(healthy("tanh"), story_problem())
    limit = curvature(t).stability_limit
    t.set_lr(3 * limit)
    t.run(2000)
    assert t.status == "diverged"
    f = findings(t)["diverging"]
    assert "2/λmax" in f.message and f.evidence["lr"] > f.evidence["stability_limit"]
    assert "-" in f.keys


def test_diverging_fires_while_the_loss_is_still_finite():
    t = Trainer(healthy("tanh"), story_problem())
    t.run(200)
    limit = curvature(t).stability_limit
    t.set_lr(1.5 * limit)
    for _ in range(200):
        t.run(1)
        if t.history.last()[2] > 50 * t.history.recent(50)[:, 2].min():
            break
    assert t.status == "ok" and math.isfinite(evaluate(t).loss)
    f = findings(t)["diverging"]
    assert "grew" in f.message and "2/λmax" in f.message and f.evidence["growth"] >= 10


def test_unscaled_data_silent_when_normalised_or_unit_scale():
    assert "unscaled_data" not in findings(run(TrainConfig(normalize=True), 0))
    x = np.linspace(-1, 1, 20)
    data = Dataset(x.reshape(1, -1), (x**2).reshape(1, -1))
    assert "unscaled_data" not in findings(run(TrainConfig(output_activation="linear"), 0, data))
    tiny = Dataset((x * 1e-3).reshape(1, -1), (x**2).reshape(1, -1))
    f = findings(run(TrainConfig(output_activation="linear"), 0, tiny))["unscaled_data"]
    assert "x (mean 0, spread 0.000607)" in f.message


def test_high_bias_on_a_linear_model_of_a_parabola():
    # hidden (1,) with linear activations is a straight line: it cannot fit 3x^2 + 3x.
    t = run(healthy("linear", lr=0.1).with_(hidden=(1,)), 3000)
    f = findings(t)
    assert set(f) == {"high_bias"}
    ev = f["high_bias"].evidence
    assert ev["baseline_degree"] == 2 and ev["baseline_loss"] < 1e-20
    assert ev["train_loss"] == pytest.approx(3950.1 / 127600.2, rel=1e-3)  # the degree-1 fit's J / Var(Y)
    assert "degree-2 polynomial" in f["high_bias"].message


def noise_data(m=12):
    x = np.linspace(-1, 1, m)
    return Dataset(x.reshape(1, -1), np.random.default_rng(0).standard_normal(m).reshape(1, -1))


def test_high_variance_when_a_big_net_memorises_noise():
    t = run(TrainConfig(hidden=(50,), normalize=True, output_activation="linear", hidden_activation="tanh",
                        lr=0.1, seed=1, dev_fraction=0.5), 10000, noise_data())
    f = findings(t)["high_variance"]
    assert f.evidence["dev_loss"] > 100 * f.evidence["train_loss"]
    assert "dev loss" in f.message


def test_high_variance_silent_before_training():
    t = run(TrainConfig(hidden=(50,), normalize=True, output_activation="linear", hidden_activation="tanh",
                        lr=0.1, seed=1, dev_fraction=0.5), 0, noise_data())
    assert "high_variance" not in findings(t)


def test_loss_mismatch_for_cross_entropy_on_a_relu_output_and_on_regression_targets():
    x = np.linspace(-2, 2, 20)
    labels = Dataset(x.reshape(1, -1), (x > 0).astype(float).reshape(1, -1))
    f = findings(run(TrainConfig(loss="bce", output_activation="relu", normalize=False), 0, labels))
    assert "relu, not a probability" in f["loss_mismatch"].message
    assert "loss_mismatch" not in findings(run(TrainConfig(loss="bce", output_activation="sigmoid"), 50, labels))
    f = findings(run(TrainConfig(loss="bce", output_activation="sigmoid"), 0))
    assert "outside [0, 1]" in f["loss_mismatch"].message and "--loss mse" in f["loss_mismatch"].cure


def test_output_range_for_sigmoid_on_the_story_and_relu_on_normalised_targets():
    f = findings(run(TrainConfig(output_activation="sigmoid"), 500))
    assert "19 of 20 targets" in f["output_range"].message
    assert "lr_too_low" not in f and "high_bias" not in f  # the range explains the stall
    f = findings(run(TrainConfig(normalize=True), 0))
    assert f["output_range"].evidence["samples"] == list(range(12))  # the negative standardised targets


def test_lr_too_low_plateau():
    t = run(healthy(lr=1e-5), 300)
    f = findings(t)
    assert set(f) == {"lr_too_low"}
    ev = f["lr_too_low"].evidence
    assert ev["lr"] < 0.01 * ev["stability_limit"]
    assert "+" in f["lr_too_low"].keys


def test_findings_after_a_change_ignore_the_jump_it_caused(story_5000):
    t = story_5000.clone()
    t.set_output_activation("sigmoid")  # the loss jumps ~180x: a change, not a divergence
    t.run(20)
    assert "diverging" not in findings(t)


def deep(act: str, init: str) -> TrainConfig:
    return TrainConfig(hidden=(10,) * 6, hidden_activation=act, init=init, normalize=True,
                       output_activation="linear", lr=0.05)


@pytest.mark.parametrize("act, init", [("sigmoid", "xavier"), ("tanh", "small")])
def test_vanishing_gradients_in_a_deep_saturating_or_tiny_init_net(act, init):
    f = findings(run(deep(act, init), 3000))
    assert set(f) == {"vanishing_gradients"}  # replaces the symptom high_bias
    ev = f["vanishing_gradients"].evidence
    assert len(ev["relative_grad_norms"]) == 7 and max(ev["relative_grad_norms"]) < 1e-3
    assert ev["output_spread"] < 1e-2 * ev["target_spread"]
    v = f["vanishing_gradients"]
    assert f"6 {act} layer(s)" in v.message
    helped = {c["cure"] for c in v.evidence["cure_checks"] if c["helped"]}
    # what helped a copy: a relu hidden layer for saturating sigmoids, He init for a tiny init
    assert ("--hidden-activation relu" in helped) if act == "sigmoid" else (helped == {"--init he"})
    assert v.cure_cli.split("; or ")[0] in helped


def test_no_vanishing_gradients_in_a_deep_tanh_net_that_learns():
    assert findings(run(deep("tanh", "xavier"), 3000)) == {}
