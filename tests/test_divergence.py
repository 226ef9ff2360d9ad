"""Divergence: any learning rate from 1e-8 to 1e4, with any hidden x output activation and
either loss, never crashes the engine. A run that blows up stops in the `diverged` state with
its cause, its parameters stay finite, its summary and run log stay strict JSON, and lowering
the rate carries on from the last finite parameters. NumPy only, in-process, a few steps each.
"""
from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pytest

from core.engine.activations import ACTIVATION_NAMES
from core.engine.config import TrainConfig
from core.engine.data import Dataset, story_problem
from core.engine.network import cost_and_grads
from core.logs.runlog import RunLogWriter, dumps, export_lines, loads_strict, read_log
from core.engine.trainer import DIVERGED, OK, Trainer
from tui_trainer.commands.common import summarize

LRS = [float(f"1e{k}") for k in range(-8, 5)]  # 1e-8 .. 1e4, one per decade
PAIRS = list(itertools.product(ACTIVATION_NAMES, ACTIVATION_NAMES))
STEPS = 30
# The grid (about 900 short runs, ~5 s) is a module fixture: on one xdist worker it is built once.
pytestmark = pytest.mark.xdist_group("divergence_grid")


def binary_problem() -> Dataset:
    """0/1 targets for cross-entropy: x = 0..19, y = 1 from x = 10 on."""
    x = np.arange(20, dtype=float)
    return Dataset(x.reshape(1, -1), (x >= 10).astype(float).reshape(1, -1), ("x",), "y", "binary")


DATA = {"mse": story_problem(), "bce": binary_problem()}


def independent_cost(t: Trainer, params) -> float:
    c = t.config
    with np.errstate(all="ignore"):
        J, _ = cost_and_grads(t.data.X, t.data.Y, params, c.hidden_activation, c.output_activation,
                              c.loss, c.leaky_slope)
    return J


def train(hidden: str, output: str, loss: str, lr: float, steps: int = STEPS):
    """One update at a time (the fast path), keeping θ before the last two updates, until
    done or diverged. Returns the trainer and {step: θ_step} for those last steps."""
    t = Trainer(TrainConfig(hidden=(6,), hidden_activation=hidden, output_activation=output, loss=loss,
                            lr=lr, seed=3), DATA[loss])
    snapshots = {}
    while t.step_count < steps and t.status == OK:
        snapshots[t.step_count] = t.parameters()
        snapshots.pop(t.step_count - 2, None)
        t.run(1)
    return t, snapshots


def check_state(t: Trainer) -> None:
    assert t.status in (OK, DIVERGED)
    assert t.params_finite(), "parameters must stay finite"
    rows = t.history.rows()
    assert np.isfinite(rows[:, t.history.col["loss"]]).all(), "a non-finite loss reached the history"
    if t.status == DIVERGED:
        r = t.diverged_reason
        assert ("non-finite" in r or "starting value" in r) and f"lr={t.config.lr:g}" in r and f"kept from step {t.step_count}" in r, r
        assert any(e.name == "diverged" and e.value == r for e in t.events)
    else:
        assert t.diverged_reason == ""


@pytest.fixture(scope="module")
def grid():
    """Every lr x activation pair x loss, trained once (about 900 short runs)."""
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow warning from the step would be a bug too
        for loss, (hidden, output), lr in itertools.product(("mse", "bce"), PAIRS, LRS):
            out[(loss, hidden, output, lr)] = train(hidden, output, loss, lr)
    return out


def test_grid_never_crashes_and_stays_finite(grid):
    for key, (t, _) in grid.items():
        try:
            check_state(t)
        except AssertionError as e:
            raise AssertionError(f"{key}: {e}") from None


def test_grid_really_diverges_where_it_must(grid):
    """Not vacuous: large rates blow up. A linear network on the unscaled story data is
    unstable above 2/λmax ≈ 6e-4 (at init), so every rate from 1e-3 diverges within 30 steps."""
    diverged = [k for k, (t, _) in grid.items() if t.status == DIVERGED]
    assert len(diverged) > 60
    for lr in LRS:
        t, _ = grid[("mse", "linear", "linear", lr)]
        assert (t.status == DIVERGED) == (lr >= 1e-3), (lr, t.status)
    # with mse the smallest rate never diverges, whatever the activations (with bce a relu
    # output at 0 meets the clipped -Y/AL = -1e12, which can blow up at any rate)
    assert all(grid[("mse", h, o, 1e-8)][0].status == OK for h, o in PAIRS)


def test_grid_summaries_and_logs_are_strict_json(grid):
    """The --json summary and the exported run log of every diverged run (and of the others at
    the largest rate, where units die or saturate) parse with a strict parser; the loss, when it
    overflows, is null, not NaN. (Each summary runs the findings, which try cures on copies:
    ~30 ms a run, so not all 936.)"""
    checked = 0
    for (loss, hidden, output, lr), (t, _) in grid.items():
        if t.status != DIVERGED and lr != LRS[-1]:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # see test_summary_of_a_blown_up_run_is_silent
            s = loads_strict(dumps(summarize(t)))
        assert s["status"] == t.status and s["steps"] == t.step_count
        assert s["reason"] == t.diverged_reason
        lines = export_lines(t, with_params=True)
        recs = [loads_strict(line) for line in lines]
        assert recs[0]["type"] == "run" and recs[-1]["type"] == "end"
        assert recs[-1]["status"] == t.status and recs[-1]["reason"] == t.diverged_reason
        checked += 1
    assert checked > 100


def test_lowering_lr_continues_from_the_kept_parameters(grid):
    """After divergence, a lower rate clears the state and the next step starts from the
    parameters the trainer kept (its record's loss is J at those parameters)."""
    resumed = 0
    for key, (t, _) in grid.items():
        if t.status != DIVERGED:
            continue
        kept = t.parameters()
        at = t.step_count
        t2 = t.clone()  # leave the grid's trainer as it was for the other tests
        t2.status, t2.diverged_reason = t.status, t.diverged_reason
        t2.set_lr(t.config.lr * 1e-6)
        assert t2.status == OK and t2.diverged_reason == ""
        rec = t2.step()
        assert rec.step == at, key
        J = independent_cost(t2, kept)
        if math.isfinite(J) and rec.status == OK:
            assert rec.loss == pytest.approx(J, rel=1e-9), key
            resumed += 1
        check_state(t2)
    assert resumed > 50


def test_kept_parameters_are_exactly_the_last_finite_ones(grid):
    bad = []
    for key, (t, snaps) in grid.items():
        if t.status != DIVERGED:
            continue
        ref = snaps[t.step_count]
        for k, v in t.parameters().items():
            if not np.allclose(v, ref[k], rtol=1e-9, atol=0):
                bad.append((key, k))
                break
    assert not bad, f"{len(bad)} diverged runs kept other parameters than θ at step_count, e.g. {bad[:3]}"


def test_lower_lr_after_divergence_then_trains_normally():
    t, _ = train("linear", "linear", "mse", 1e-3, steps=400)
    assert t.status == DIVERGED
    at = t.step_count
    events_before = len(t.events)
    t.set_lr(1e-7)  # below 2/λmax ≈ 2.3e-7 at the kept parameters (core.diagnosis.curvature)
    assert [e.name for e in t.events[events_before:]] == ["lr"]
    t.run(300)
    assert t.status == OK and t.step_count == at + 300
    losses = t.history.recent(300)[:, t.history.col["loss"]]
    assert np.isfinite(losses).all() and losses[-1] < losses[0]
    check_state(t)


def test_step_after_divergence_says_what_to_do():
    t, _ = train("linear", "linear", "mse", 1.0)
    assert t.status == DIVERGED
    with pytest.raises(RuntimeError, match="diverged.*learning rate"):
        t.step()
    assert t.run(10) == 0  # the fast path does nothing either
    check_state(t)


@pytest.mark.parametrize("change", ["lr", "output_activation", "hidden_activation"])
def test_any_change_clears_the_diverged_state(change):
    t, _ = train("linear", "linear", "mse", 1.0)
    assert t.status == DIVERGED
    {"lr": lambda: t.set_lr(1e-9), "output_activation": lambda: t.set_output_activation("relu"),
     "hidden_activation": lambda: t.set_hidden_activation("tanh")}[change]()
    assert t.status == OK
    t.step()
    check_state(t)


def test_streamed_log_of_a_diverging_run_is_strict(tmp_path):
    """The --log a diverging run streams: every line strict JSON, the cause at the end, and
    it reads back; lowering the rate continues in the same log."""
    path = tmp_path / "div.jsonl"
    t = Trainer(TrainConfig(lr=10.0, hidden_activation="linear", output_activation="linear"), story_problem())
    w = RunLogWriter(path, t, with_params=True)
    while t.status == OK:
        p = t.parameters()
        w.step(t.step(), p)
    t.set_lr(1e-7)
    for _ in range(5):
        p = t.parameters()
        w.step(t.step(), p)
    w.close()
    lines = path.read_text().splitlines()
    recs = [loads_strict(line) for line in lines]
    assert "NaN" not in path.read_text() and "Infinity" not in path.read_text()
    steps = [r for r in recs if r["type"] == "step"]
    assert any(r["status"] == DIVERGED and (r["loss"] is None or r["loss"] > 1e6 * steps[0]["loss"]) for r in steps)
    names = [r["name"] for r in recs if r["type"] == "event"]
    assert names == ["diverged", "lr"]
    assert recs[-1]["type"] == "end" and recs[-1]["status"] == OK
    log = read_log(path)
    assert log.end["step"] == t.step_count


def test_cli_run_that_diverges_exits_0_with_cause(capsys):
    from tui_trainer.cli import main
    rc = main(["run", "--steps", "50", "--lr", "1", "--hidden-activation", "linear",
               "--output-activation", "linear", "--json"])
    out, err = capsys.readouterr()
    assert rc == 0 and err == ""
    s = loads_strict(out)
    assert s["status"] == "diverged" and ("non-finite" in s["reason"] or "starting value" in s["reason"]) and s["steps"] < 50
    assert any(f["code"] == "diverging" for f in s["findings"]) or s["findings"] == []


def test_summary_of_a_blown_up_run_is_silent():
    t = Trainer(TrainConfig(lr=1e308), story_problem())
    t.run(3)
    assert t.status == DIVERGED
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        summarize(t)
