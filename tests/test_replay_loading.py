"""Replay of long logs: the screen opens on the first part and loads the rest behind it, rows and θ
stay within their limits (thinned evenly, the rows with θ and the last step kept), a bad record
found while loading is shown and makes the exit status 2, and a re-execution that fails says so
instead of "re-executing…" forever."""
from __future__ import annotations

import json

import numpy as np
import pytest

import core.logs.replay as R
from core.engine.config import TrainConfig
from core.engine.data import story_problem
from core.engine.trainer import Trainer
from core.logs.reexecute import Reexecution
from core.logs.recompute import snapshot_at
from core.logs.writer import RunLogWriter
from tui_trainer.commands.logs import load_replay, start_replay
from tui_trainer.replay_app import ReplayApp

SIZE = (120, 40)


def write_log(path, steps: int, params_every: int = 0):
    t = Trainer(TrainConfig(), story_problem())
    w = RunLogWriter(path, t, with_params=bool(params_every))
    for i in range(steps):
        w.step(t.step(), t.parameters() if params_every and i % params_every == 0 else None)
    w.close()
    return path


@pytest.fixture(scope="module")
def long_log(tmp_path_factory):
    return write_log(tmp_path_factory.mktemp("long") / "long.jsonl", 3000, params_every=500)


def text(screen, selector: str) -> str:
    return str(screen.query_one(selector).render())


async def wait_for(pilot, predicate, seconds: float = 30.0) -> None:
    for _ in range(int(seconds / 0.02)):
        if predicate():
            return
        await pilot.pause(0.02)
    raise AssertionError("timed out")


def test_rows_are_thinned_evenly_keeping_theta_and_the_last_step(tmp_path, monkeypatch):
    path = write_log(tmp_path / "thin.jsonl", 1000, params_every=50)
    monkeypatch.setattr(R, "MAX_ROWS", 100)
    r = load_replay(str(path))
    assert r.steps_logged == 1000 and r.row_stride > 1 and r.n <= 100 + 20 + 1
    kept, theta = set(r.step.tolist()), r.step[r.param_rows].tolist()
    assert set(range(0, 1000, r.row_stride)) <= kept       # evenly: every row_stride-th step
    assert theta == list(range(0, 1000, 50))               # every θ kept, with its row
    assert kept - set(range(0, 1000, r.row_stride)) <= set(theta) | {999}  # and the last step
    assert snapshot_at(r, int(r.param_rows[3])).step == 150


def test_a_loader_fed_in_slices_gives_the_same_replay(long_log):
    whole = load_replay(str(long_log))
    loader = start_replay(str(long_log), 0.0)
    parts = [loader.replay().n]
    while not loader.feed(0.0):
        parts.append(loader.replay().n)
    r = loader.replay()
    assert len(parts) > 3 and parts == sorted(parts) and parts[0] < 3000
    assert r.complete and r.n == whole.n == 3000
    assert np.array_equal(r.loss, whole.loss, equal_nan=True) and r.param_rows.tolist() == whole.param_rows.tolist()


async def test_the_screen_opens_before_the_log_is_loaded_and_follows_it(long_log):
    loader = start_replay(str(long_log), 0.0)
    first = loader.replay().n
    assert first < 3000
    app = ReplayApp(loader)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert screen.replay.n == first or "loading the log" in text(screen, "#replay-load") or screen.replay.complete
        await wait_for(pilot, lambda: screen.replay.complete)
        await pilot.pause()
        assert screen.replay.n == 3000 and not screen.query_one("#replay-load").display
        await pilot.press("end")
        assert "logged 3000/3000" in text(screen, "#replay-status")
    assert app.return_code in (0, None) and app.load_error == ""


async def test_a_bad_record_found_while_loading_is_shown_and_exits_2(tmp_path, long_log):
    lines = long_log.read_text().splitlines()
    i = len(lines) - 40
    rec = json.loads(lines[i])
    assert rec["type"] == "step"
    rec["loss"] = [1.0]
    lines[i] = json.dumps(rec)
    bad = tmp_path / "late.jsonl"
    bad.write_text("\n".join(lines) + "\n")
    loader = start_replay(str(bad), 0.0)  # the start of the file is fine
    app = ReplayApp(loader)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await wait_for(pilot, lambda: app.load_error)
        await pilot.pause()
        shown = text(screen, "#replay-load")
        assert f"late.jsonl: line {i + 1}: step record's loss must be a number or null" in shown
        assert "exit status 2" in shown and screen.replay.complete
        assert app.load_error.count("late.jsonl") == 1 and "\n" not in app.load_error


async def test_a_failing_reexecution_is_shown_not_left_pending(long_log, monkeypatch):
    def boom(self, tick, should_stop=None):
        raise ValueError("cannot re-apply event 'lr'")
    monkeypatch.setattr(Reexecution, "snapshot_at_tick", boom)
    app = ReplayApp(load_replay(str(long_log)))
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await pilot.press("right", "c")
        await wait_for(pilot, lambda: "re-executing the run up to it" not in text(screen, "#sample-note"))
        note = text(screen, "#sample-note")
        assert "re-executing the run failed: ValueError: cannot re-apply event 'lr'" in note


async def test_events_far_from_the_cursor_are_summarised(tmp_path):
    t = Trainer(TrainConfig(), story_problem())
    w = RunLogWriter(tmp_path / "events.jsonl", t)
    for i in range(300):
        t.set_lr(1e-5 if i % 2 else 2e-5)
        w.step(t.step())
    w.close()
    app = ReplayApp(load_replay(str(tmp_path / "events.jsonl")))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("pagedown", "pagedown", "pagedown", "pagedown")
        events = text(app.screen, "#events")
        assert "earlier events" in events and "later events" in events
        assert events.count("\n") < 100
