"""Rerun re-executes a logged session (events at their ticks) and reproduces it bit for bit."""
from __future__ import annotations

import json
import math

import pytest

from core.engine.config import TrainConfig
from core.engine.data import story_problem
from core.logs.rerun import RerunError, in_tick_order, rerun, same_float, ulps
from core.files import write_atomic
from core.logs.reader import open_log
from core.logs.record import loads_strict
from core.logs.restore import trainer_from_log
from core.logs.writer import RunLogWriter, export_lines
from core.engine.trainer import Trainer
from tui_trainer.cli import main

EVENT_NAMES = ["lr", "output_activation", "hidden_activation", "reset", "seed", "normalize",
               "lr", "diverged", "lr"]


def drive(trainer: Trainer, log_step, every: int = 1) -> None:
    """A session a learner might have in the TUI: every kind of change, a divergence and a
    recovery. Every `every`-th step goes through step() and log_step; the rest run fast."""

    def steps(n: int) -> None:
        for i in range(n):
            if trainer.status != "ok":
                return
            if (trainer.tick + 1) % every == 0:
                log_step(trainer)
            else:
                trainer.run(1)

    steps(150)
    trainer.set_lr(1e-4)
    steps(100)
    trainer.set_output_activation("linear")
    steps(100)
    trainer.set_hidden_activation("tanh")
    steps(50)
    trainer.reset()
    steps(50)
    trainer.reset(seed=11)
    steps(50)
    trainer.set_normalize(True)
    steps(50)
    trainer.set_lr(5.0)  # far too high for normalised data with a linear output: diverges
    steps(200)
    assert trainer.status == "diverged"
    trainer.set_lr(0.01)
    steps(100)


def streamed_log(path, every=1, with_params=False):
    trainer = Trainer(TrainConfig(), story_problem())
    writer = RunLogWriter(path, trainer, with_params)

    def log_step(t):
        params = t.parameters() if with_params else None
        writer.step(t.step(), params)

    drive(trainer, log_step, every)
    writer.close()
    return trainer


def records(path):
    log, recs = open_log(path)
    return trainer_from_log(log), recs


def test_streamed_session_with_every_kind_of_event_reruns_bit_for_bit(tmp_path):
    path = tmp_path / "a.jsonl"
    original = streamed_log(path, with_params=True)
    assert [e.name for e in original.events] == EVENT_NAMES
    trainer, recs = records(path)
    res = rerun(trainer, recs)
    assert res.identical, [m.describe() for m in res.mismatches]
    assert res.complete
    assert res.events_applied == len(EVENT_NAMES) - 1  # the engine's `diverged` is checked, not applied
    n_steps = sum(1 for line in path.read_text().splitlines() if loads_strict(line)["type"] == "step")
    assert res.steps_compared == n_steps > 600
    assert res.params_compared == n_steps
    assert (trainer.step_count, trainer.tick, trainer.status) == (original.step_count, original.tick, "ok")
    for k, v in original.params.items():
        assert trainer.params[k].tobytes() == v.tobytes()


def test_thinned_log_compares_only_the_steps_it_holds(tmp_path):
    path = tmp_path / "thin.jsonl"
    original = streamed_log(path, every=7)
    trainer, recs = records(path)
    res = rerun(trainer, recs)
    assert res.identical, [m.describe() for m in res.mismatches]
    assert 90 < res.steps_compared < 130
    assert trainer.tick == original.tick


def test_tui_export_reruns_bit_for_bit(tmp_path):
    original = Trainer(TrainConfig(), story_problem(), window=64, archive=32)  # long runs get thinned
    drive(original, lambda t: t.step())
    path = write_atomic(tmp_path / "export.jsonl", export_lines(original, with_params=True))
    trainer, recs = records(path)
    res = rerun(trainer, recs)
    assert res.identical, [m.describe() for m in res.mismatches]
    assert res.complete and res.params_compared == 1
    assert 0 < res.steps_compared < original.tick
    assert trainer.params["W1"].tobytes() == original.params["W1"].tobytes()


def tamper(path, line_no, key, fn):
    lines = path.read_text().splitlines()
    rec = json.loads(lines[line_no])
    rec[key] = fn(rec[key])
    lines[line_no] = json.dumps(rec)
    path.write_text("\n".join(lines) + "\n")
    return rec


def nth_step_line(path, n):
    lines = path.read_text().splitlines()
    return [i for i, line in enumerate(lines) if json.loads(line)["type"] == "step"][n]


def test_a_tampered_loss_is_reported_with_its_step_and_exit_1(tmp_path, capsys):
    path = tmp_path / "a.jsonl"
    streamed_log(path)
    rec = tamper(path, nth_step_line(path, 123), "loss", lambda v: math.nextafter(v, math.inf))
    assert main(["rerun", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"differs at step {rec['step']} (tick {rec['tick']})" in out
    assert "1 ulp" in out
    assert main(["rerun", str(path), "--json"]) == 1
    result = json.loads(capsys.readouterr().out)
    assert result["identical"] is False and result["differences"] == 1
    first = result["first_difference"]
    assert (first["step"], first["what"], first["ulps"]) == (rec["step"], "loss", 1)
    assert first["logged"] == rec["loss"]


def test_a_tampered_event_changes_every_later_step(tmp_path, capsys):
    path = tmp_path / "a.jsonl"
    streamed_log(path)
    lines = path.read_text().splitlines()
    i = next(i for i, line in enumerate(lines) if json.loads(line).get("name") == "lr")
    tamper(path, i, "value", lambda v: v * 1.5)
    assert main(["rerun", str(path), "--json"]) == 1
    result = json.loads(capsys.readouterr().out)
    assert result["differences"] > 10
    assert result["first_difference"]["step"] == json.loads(lines[i])["step"] + 1


def test_rerun_writes_its_own_log_which_matches_and_reruns(tmp_path, capsys):
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    streamed_log(a, with_params=True)
    assert main(["rerun", str(a), "--log", str(b)]) == 0
    assert "identical" in capsys.readouterr().out
    assert a.read_text() == b.read_text()
    assert main(["rerun", str(b), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["identical"] is True


def test_rerun_refuses_to_overwrite_its_input(tmp_path, capsys):
    a = tmp_path / "a.jsonl"
    streamed_log(a, every=50)
    before = a.read_text()
    assert main(["rerun", str(a), "--log", str(a)]) == 2
    assert "overwrite" in capsys.readouterr().err
    assert a.read_text() == before


def test_a_log_cut_short_without_end_is_rerun_as_far_as_it_goes(tmp_path, capsys):
    a = tmp_path / "a.jsonl"
    streamed_log(a)
    lines = a.read_text().splitlines()
    a.write_text("\n".join(lines[:300]) + "\n")
    assert main(["rerun", str(a)]) == 0
    out = capsys.readouterr().out
    assert "identical" in out and "no end record" in out


def test_a_divergence_the_rerun_does_not_reproduce_is_reported(tmp_path, capsys):
    a = tmp_path / "a.jsonl"
    streamed_log(a)
    lines = a.read_text().splitlines()
    i = next(i for i, line in enumerate(lines) if json.loads(line).get("value") == 5.0)
    tamper(a, i, "value", lambda v: 1e-6)
    assert main(["rerun", str(a), "--json"]) == 1
    result = json.loads(capsys.readouterr().out)
    assert result["stopped"] and "diverged" in result["stopped"]


def test_records_without_tick_are_refused(tmp_path, capsys):
    a = tmp_path / "a.jsonl"
    streamed_log(a, every=50)
    lines = a.read_text().splitlines()
    rec = json.loads(lines[3])
    del rec["tick"]
    lines[3] = json.dumps(rec)
    a.write_text("\n".join(lines) + "\n")
    assert main(["rerun", str(a)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "line 4" in err and "tick" in err


def test_same_float_is_bit_exact_and_null_means_non_finite():
    assert same_float(0.1, 0.1)
    assert not same_float(0.1, math.nextafter(0.1, 1))
    assert same_float(None, math.nan) and same_float(None, math.inf)
    assert not same_float(None, 1.0) and not same_float(1.0, math.nan)
    assert ulps(1.0, math.nextafter(1.0, 2)) == 1 and ulps(-0.0, 0.0) == 0


def test_tick_order_puts_a_late_step_before_the_divergence_it_caused():
    # A streamed log writes the `diverged` event (tick 6) before the failed step (tick 5).
    recs = [(2, {"type": "step", "tick": 4}), (3, {"type": "event", "tick": 6, "name": "diverged"}),
            (4, {"type": "step", "tick": 5}), (5, {"type": "event", "tick": 6, "name": "lr"}),
            (6, {"type": "step", "tick": 6}), (7, {"type": "end", "tick": 7})]
    assert [n for n, _ in in_tick_order(recs)] == [2, 4, 3, 5, 6, 7]
    with pytest.raises(RerunError):
        list(in_tick_order([(2, {"type": "step"})]))
