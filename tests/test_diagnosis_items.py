"""Issue 11's reproductions, one test each (items 1, 2 and 9 are in test_cross_entropy.py; the
labelled runs in test_diagnosis_eval.py cover the verdicts on whole runs)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from rich.text import Text

from core.diagnosis.bias_variance import bias_variance
from core.diagnosis.chain_rule import inspect_sample
from core.diagnosis.evaluate import train
from core.diagnosis.evaluation import evaluate
from core.diagnosis.findings import diagnose
from core.diagnosis.findings_setup import column_scales, unscaled_data
from core.diagnosis.findings_training import _vanishing_cures
from core.diagnosis.labelled_runs import RUNS
from core.diagnosis.overfit import ZERO_FRACTION, overfit_tiny_batch
from core.engine.config import TrainConfig
from core.engine.data import Dataset, story_problem
from core.engine.trainer import Trainer
from core.logs.runlog import loads_strict
from tui_trainer.cli import main
from tui_trainer.widgets.check_views import chain_text, overfit_text

DATA = Path(__file__).parent / "data"
RUN = {r.name: r for r in RUNS}


def found(t: Trainer) -> dict:
    return {f.code: f for f in diagnose(t, evaluate(t))}


def test_item3_a_risen_dev_loss_is_high_variance_with_the_early_stopping_step():
    t = train(RUN["diabetes_overfit"])
    bv = bias_variance(t, evaluate(t))
    assert bv.verdict == "high_variance" and bv.dev_rose
    assert 500 < bv.dev_curve.best_step < 1500 and bv.dev_loss > 1.25 * bv.dev_curve.best_loss
    f = found(t)["high_variance"]
    assert f.evidence["best_dev_step"] == bv.dev_curve.best_step
    assert f"at step {bv.dev_curve.best_step}" in f.message
    assert f"--steps {bv.dev_curve.best_step}" in f.cure_cli  # early stopping, checked on a copy


@pytest.mark.parametrize("name", ["diabetes_relu_8_short", "diabetes_linear_unit"])
def test_item4_matching_least_squares_on_held_out_data_is_not_high_bias(name):
    t = train(RUN[name])
    bv = bias_variance(t, evaluate(t))
    b = bv.baseline
    assert bv.verdict == "neither" and not bv.high_bias
    assert b.kind == "polynomial" and b.terms * 5 <= t.m  # never more terms than the samples support
    assert b.train_loss > 0.2  # not a memorising fit (degree 4 would score ~1e-28 here)
    assert bv.dev_loss <= b.dev_loss + 0.02 * bv.mean_loss


def test_item5_units_killed_by_a_rate_rise_are_blamed_on_the_rate():
    t = train(RUN["story_rate_killed"])
    f = found(t)
    assert "high_bias" not in f and "lr_too_low" not in f
    dead = f["dead_hidden"]
    assert "right after the learning rate rose from 5e-05 to 0.0064 at step 0" in dead.message
    layer = dead.evidence["layers"][0]
    assert layer["lr_before"] == 5e-05 and layer["lr_after"] == 0.0064 and layer["loss_spike"] > 100
    assert "--lr 5e-05" in dead.cure_cli and "press - 7 times" in dead.cure
    assert "tiny learning rate" not in f["unscaled_data"].message


def test_item5_an_all_dead_network_has_no_stability_limit_to_be_below(capsys):
    assert main(["diagnose", "--lr", "0.01", "--steps", "2000"]) == 0
    text = capsys.readouterr().out
    line = next(ln for ln in text.splitlines() if ln.startswith("curvature:"))
    assert "nothing moves it" in line and "is below it" not in line


def test_item6_saturated_by_unscaled_inputs_is_not_a_low_rate(capsys):
    t = train(RUN["breast_cancer_unnormalised"])
    f = found(t)
    assert "lr_too_low" not in f and "saturated" in f["vanishing_gradients"].message
    assert f["vanishing_gradients"].cure_cli.startswith("--normalize")
    args = ["lr-find", "--json", "--data", str(DATA / "breast_cancer.csv"), "--no-normalize", "--loss", "bce",
            "--output-activation", "sigmoid", "--hidden-activation", "tanh", "--lr", "0.01", "--steps", "1000"]
    assert main(args) == 0
    out = loads_strict(capsys.readouterr().out)
    assert out["saturated"] is True and "no rate brings them back" in out["note"]


def test_item7_scale_is_judged_by_mean_and_spread_not_the_largest_value():
    t = train(RUN["heavy_tailed_standardised"])
    assert np.abs(t.dataset.X).max() > 10  # a heavy tail...
    mean, std, rms = column_scales(t.dataset.X)
    assert np.allclose(rms, 1.0)  # ...of standardised columns
    assert unscaled_data(t, evaluate(t)) is None


def test_item8_a_cure_never_proposes_the_current_hidden_activation():
    t = Trainer(TrainConfig(hidden=(10,) * 3, normalize=True, output_activation="linear", init="small"),
                story_problem())
    cures = _vanishing_cures(t, [1.0])
    assert all(c.value != "relu" for c in cures if c.action == "hidden_activation")
    assert any(c.value == "leaky_relu" for c in cures)


def test_item10_the_overfit_check_reports_reaching_zero_and_keeps_its_rate_in_check():
    t = Trainer(TrainConfig(seed=6), story_problem())
    o = overfit_tiny_batch(t)
    assert o.reached_zero and o.final_loss <= ZERO_FRACTION * o.zero_loss  # no longer killed by its own rate
    assert "dead output" not in o.verdict
    assert f"below {ZERO_FRACTION:.0%}" in overfit_text(o).plain  # the TUI states core's threshold
    from core.diagnosis.overfit import OverfitResult
    jumped = OverfitResult((0, 1), 2000, 580.0, 3.3, 9.0, 9.0, True, "ok", (0, 1), (3.3, 1e-5, 9.0), False,
                           8.4e-6, 310)
    assert jumped.jumped and "by step 310, then jumped to 9" in jumped.verdict and "dead output" not in jumped.verdict


def test_item11_samples_are_numbered_by_dataset_row(capsys):
    assert main(["run", "--json", "--steps", "300", "--dev-fraction", "0.2", "--no-normalize",
                 "--output-activation", "relu", "--lr", "5e-5"]) == 0
    out = loads_strict(capsys.readouterr().out)
    t = Trainer(TrainConfig(dev_fraction=0.2), story_problem())
    assert out["dev_rows"] == t.split.dev_idx.tolist() == [3, 5, 7, 13]
    assert set(out["dead_samples"]) <= set(t.split.train_idx.tolist())
    rng = np.random.default_rng(0)
    two = Dataset(rng.standard_normal((2, 20)), rng.random((1, 20)) + 1, ("age", "bmi"), "y")
    t = Trainer(TrainConfig(dev_fraction=0.3), two)
    p = t.parameters()
    p["W2"][:], p["b2"][:] = 0.0, -1.0  # Z^[L] = -1 on every sample: every output dead
    t.set_parameters(p)
    f = found(t)["dead_output"]
    assert "x = " not in f.message and "inputs in the evidence" in f.message
    assert f.evidence["samples"] == t.split.train_idx.tolist()  # dataset rows, not positions
    assert f.evidence["feature_names"] == ["age", "bmi"]
    assert f.evidence["inputs"][0] == two.X[:, t.split.train_idx[0]].tolist()


def test_item12_the_command_line_names_flags_and_the_tui_names_keys(capsys):
    assert main(["run", "--steps", "3000"]) == 0
    text = capsys.readouterr().out
    assert "cure: --normalize" in text and "press" not in text and "z to" not in text
    for r in ("story", "story_line", "story_rate_killed"):
        for f in diagnose(*(lambda t: (t, evaluate(t)))(train(RUN[r]))):
            for cure in filter(None, f.cure.split("; or ")):
                assert "--" not in cure or "restart with --" in cure, cure  # keys, or a restart said so
            assert "press" not in f.cure_cli and "--" in (f.cure_cli or "--")


def test_item13_no_text_says_a_dead_sample_can_never_move_back():
    t = Trainer(TrainConfig(), story_problem())
    t.run(5000)
    c = inspect_sample(t, 1)
    assert c.dead
    text = chain_text(c).plain
    assert "never" not in text and "can lift its Z^[L] above 0 again" in text
    f = found(t)["dead_output"]
    assert "stay stuck" not in f.message and "lift Z^[L] above 0 again" in f.message
    assert isinstance(chain_text(c), Text)


def test_diagnose_json_on_a_healthy_real_data_run_says_neither_and_names_the_baseline(capsys):
    args = ["diagnose", "--json", "--data", str(DATA / "diabetes.csv"), "--normalize", "--hidden", "8",
            "--output-activation", "linear", "--lr", "0.02", "--dev-fraction", "0.2", "--steps", "3000"]
    assert main(args) == 0
    out = loads_strict(capsys.readouterr().out)
    bv = out["bias_variance"]
    assert out["findings"] == [] and bv["verdict"] == "neither"
    assert bv["baseline"]["name"] == "linear least squares (11 terms)" and "cross-validation" in bv["baseline"]["chosen_by"]
    assert "linear least squares" in bv["message"]
