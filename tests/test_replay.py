"""Replay and compare: a log read into arrays (core.logs.replay), the per-sample picture from logged
θ, the diff of two logs, the screens driven by keys (Pilot) and refusal of bad files."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

import core.logs.replay as R
from core.engine.config import TrainConfig
from core.engine.data import story_problem
import time

from core.logs.compare import compare
from core.logs.reader import open_log
from core.logs.recompute import recomputed_loss, snapshot_at
from core.logs.record import LogError, dumps
from core.logs.reexecute import Reexecution
from core.logs.replay import load_replay
from core.logs.replay_rows import ParamsKeeper
from core.logs.writer import RunLogWriter
from core.engine.trainer import Trainer
from tui_trainer.replay_app import ReplayApp
from tui_trainer.screens.replay import CompareScreen, ReplayScreen
from tui_trainer.widgets.findings_panel import FindingsPanel
from tui_trainer.widgets.replay_plot import ReplayPlot
from tui_trainer.widgets.sample_table import SampleTable

SIZE = (120, 40)


def write_log(path, steps=200, every=1, params_every=None, session=None, **config):
    """A streamed log of a run on the story problem: a step record every `every` steps, θ at
    every `params_every`-th logged step; `session(trainer, step)` may change things midway."""
    trainer = Trainer(TrainConfig(**config), story_problem())
    w = RunLogWriter(path, trainer, with_params=params_every is not None)
    logged = 0
    for _ in range(steps):
        if trainer.status != "ok":
            break
        if session is not None:
            session(trainer, trainer.tick)
        if trainer.tick % every == 0:
            params = trainer.parameters() if params_every and logged % params_every == 0 else None
            w.step(trainer.step(), params)
            logged += 1
        else:
            trainer.run(1)
    w.close()
    return path


def load(path):
    head, records = open_log(path)
    return load_replay(head, records)


def changes(trainer, tick):
    """The story told with keys: lr up, output to linear, normalisation on (restart), a reset."""
    if tick == 40:
        trainer.set_lr(1e-4)
    elif tick == 80:
        trainer.set_output_activation("linear")
    elif tick == 120:
        trainer.set_normalize(True)
        trainer.set_lr(0.01)
    elif tick == 160:
        trainer.reset()


@pytest.fixture
def relu_log(tmp_path):
    return write_log(tmp_path / "relu.jsonl", steps=300, params_every=10)


@pytest.fixture
def linear_log(tmp_path):
    return write_log(tmp_path / "linear.jsonl", steps=300, params_every=10, output_activation="linear")


@pytest.fixture
def session_log(tmp_path):
    return write_log(tmp_path / "session.jsonl", steps=200, params_every=5, session=changes)


# ---- core.logs.replay ---------------------------------------------------------------------------------

def test_rows_are_the_logged_steps_exactly(relu_log):
    r = load(relu_log)
    lines = [json.loads(l) for l in open(relu_log)]
    steps = [l for l in lines if l["type"] == "step"]
    assert r.n == len(steps) == 300
    assert r.step.tolist() == [s["step"] for s in steps]
    assert r.loss.tolist() == [s["loss"] for s in steps]  # floats read back bit for bit
    assert r.dead_output.tolist() == [s["dead_output"] for s in steps]
    assert r.dead_hidden[:, 0].tolist() == [s["dead_hidden"][0] for s in steps]
    assert r.tick_is_step and r.end["status"] == "ok"
    assert r.param_rows.tolist() == list(range(0, 300, 10)) and r.params_logged == 30


def test_per_sample_picture_matches_the_logged_counts(session_log):
    """Every step with θ, across an activation switch, a normalisation restart and a reset:
    the recomputed dead counts are the logged ones and J(θ) is the logged loss."""
    r = load(session_log)
    assert len(r.param_rows) == 40
    assert {e["name"] for e in r.events} == {"lr", "output_activation", "normalize", "reset"}
    assert r.normalize[r.row_at_tick(119)] == False and r.normalize[r.row_at_tick(121)] == True  # noqa: E712
    for row in r.param_rows:
        s = snapshot_at(r, int(row))
        assert s.step == r.step[row] and s.output_activation == r.output_activation[row]
        assert s.dead_output == r.dead_output[row], f"row {row}"
        assert s.dead_hidden == tuple(r.dead_hidden[row])
        assert recomputed_loss(r, int(row)) == pytest.approx(r.loss[row], rel=1e-12)
    assert not r.tick_is_step  # the normalisation restart and the reset repeat step numbers


def test_story_dead_samples_show_as_zero_outputs(tmp_path):
    r = load(write_log(tmp_path / "story.jsonl", steps=5000, every=500, params_every=1))
    s = snapshot_at(r, r.n - 1)
    assert s.dead_output == r.dead_output[-1] > 0
    assert np.all(s.y_hat[s.dead] == 0) and np.all(s.Z_L[s.dead] <= 0)


def test_steps_without_params_have_no_picture(tmp_path):
    r = load(write_log(tmp_path / "plain.jsonl", steps=30))
    assert r.n == 30 and len(r.param_rows) == 0
    assert snapshot_at(r, 5) is None and recomputed_loss(r, 5) is None


def test_reexecution_reproduces_the_logged_params_bit_for_bit(session_log):
    """Backwards (a fresh start each time) then forwards (continuing) over a session with an
    activation switch, a normalisation restart and a reset: θ equals every params record."""
    r = load(session_log)
    rx = Reexecution(r)
    rows = [int(i) for i in r.param_rows]
    for row in rows[::-1] + rows:
        snap = rx.snapshot(row)
        for k, logged in r.params[row].items():
            assert np.array_equal(rx.trainer.params[k], logged), f"row {row} {k}"
        assert snap.step == r.step[row] and snap.dead_output == r.dead_output[row]
        assert snap.output_activation == r.output_activation[row] and snap.normalize == r.normalize[row]


def test_reexecution_stops_when_asked(relu_log):
    rx = Reexecution(load(relu_log))
    assert rx.to_tick(250, should_stop=lambda: True) is None
    assert rx.to_tick(250).tick == 250


def test_params_are_thinned_to_a_bounded_memory(tmp_path, monkeypatch):
    path = write_log(tmp_path / "many.jsonl", steps=200, params_every=1)
    size = 31 + ParamsKeeper.OVERHEAD  # [1, 10, 1], and what a kept θ costs beyond its numbers
    monkeypatch.setattr(R, "MAX_PARAM_FLOATS", 40 * size)
    r = load(path)
    assert r.params_logged == 200
    assert 20 < len(r.param_rows) <= 40
    gaps = np.diff(r.param_rows)
    assert gaps.min() == gaps.max()  # thinned evenly
    assert r.param_rows[0] == 0


def test_a_record_without_tick_is_refused(tmp_path):
    path = write_log(tmp_path / "old.jsonl", steps=5)
    lines = open(path).read().splitlines()
    rec = json.loads(lines[2])
    del rec["tick"]
    lines[2] = dumps(rec)
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(LogError, match=r"old\.jsonl: line 3: step record has no tick"):
        load(path)


def test_compare_lists_the_differing_keys(relu_log, linear_log, session_log):
    a, b = load(relu_log), load(linear_log)
    diffs = compare(a, b)
    assert [(d.section, d.key, d.a, d.b) for d in diffs] == [("config", "output_activation", "relu", "linear")]
    assert compare(a, load(relu_log)) == []
    s = compare(a, load(session_log))
    events = [d for d in s if d.section == "events"]
    assert len(events) == 5 and all(d.a == "—" for d in events)
    assert ("step 80 output_activation", "—", "linear") in {(d.key, d.a, d.b) for d in events}
    assert ("step 0 (tick 160) reset", "—", "4") in {(d.key, d.a, d.b) for d in events}
    assert ("end", "status") in {(d.section, d.key) for d in s}  # 300 steps against 200


# ---- the screens, from the keyboard ------------------------------------------------------------

def status(screen) -> str:
    return str(screen.query_one("#replay-status").render())


def note(screen) -> str:
    return str(screen.query_one("#sample-note").render())


async def test_replay_scrubs_with_the_keys(relu_log):
    app = ReplayApp(load(relu_log))
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, ReplayScreen)
        plot = screen.query_one(ReplayPlot)
        assert screen.pos == 0 and plot.cursor == 0.0 and "step 0 " in status(screen)
        await pilot.press("right", "right")
        assert screen.pos == 2 and plot.cursor == 2.0 and "step 2 " in status(screen)
        await pilot.press("left")
        assert screen.pos == 1
        await pilot.press("end")
        assert screen.pos == 299 and plot.cursor == 299.0 and "step 299 " in status(screen)
        await pilot.press("right")
        assert screen.pos == 299  # stays on the last step
        await pilot.press("pageup")
        assert screen.pos == 269
        await pilot.press("home")
        assert screen.pos == 0 and plot.cursor == 0.0
        await pilot.press("pagedown")
        assert screen.pos == 30
        await pilot.press("q")
    assert app.return_code == 0


async def test_replay_per_sample_view_follows_the_cursor(relu_log):
    r = load(relu_log)
    app = ReplayApp(r)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        table = screen.query_one(SampleTable)
        assert not screen.has_class("-no-samples") and table.display
        assert "per-sample data at step 0" in note(screen)
        await pilot.press("right")  # step 1: no θ in this log
        assert screen.has_class("-no-samples")
        assert "no per-sample data at step 1" in note(screen)
        assert "previous: step 0, next: step 10" in note(screen)
        assert not table.display and screen.query_one("#no-samples").display
        await pilot.press("right_square_bracket")
        assert screen.pos == 10 and not screen.has_class("-no-samples")
        assert table.snapshot.step == 10
        assert table.snapshot.dead_output == r.dead_output[10]
        await pilot.press("end", "left_square_bracket")
        assert screen.pos == 290 and table.snapshot.step == 290
        await pilot.pause()
        y_hat = snapshot_at(r, 290).y_hat
        shown = dict(zip(table.rows.index.tolist(), table.rows.y_hat.tolist()))
        for i in (0, 10):  # the table's rows hold this step's ŷ per sample
            assert shown[i] == y_hat[i]


async def test_replay_of_a_log_without_params_says_so(tmp_path):
    app = ReplayApp(load(write_log(tmp_path / "plain.jsonl", steps=20)))
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert screen.has_class("-no-samples")
        assert "this log has no θ (params records)" in note(screen)
        await pilot.press("right_square_bracket", "end")
        assert screen.pos == 19 and "no per-sample data at step 19" in note(screen)


async def test_replay_of_a_log_without_steps_says_so(tmp_path):
    """A log cut short before its first step record: the screen says so, and no key breaks it."""
    r = load(write_log(tmp_path / "empty.jsonl", steps=0))
    assert r.n == 0
    app = ReplayApp(r)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert "this log holds no step records" in status(screen) and note(screen) == ""
        await pilot.press("right", "end", "pageup", "left_square_bracket", "c")
        await pilot.pause()
        assert screen.pos == 0 and screen.has_class("-no-samples") and screen.snapshot is None
        assert "this log holds no step records" in status(screen)
        await pilot.press("q")
    assert app.return_code == 0


async def wait_for(pilot, predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await pilot.pause(0.01)


async def test_c_reexecutes_steps_without_params(tmp_path):
    """A TUI export has no θ: `c` re-executes the run up to the cursor, which then follows it."""
    path = write_log(tmp_path / "export.jsonl", steps=140, session=changes)
    r = load(path)
    app = ReplayApp(r)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        table = screen.query_one(SampleTable)
        await pilot.press("pagedown", "pagedown")
        row = screen.pos
        assert screen.has_class("-no-samples") and "c: re-execute" in note(screen)
        await pilot.press("c")
        await wait_for(pilot, lambda: screen.source == "re-executed")
        assert not screen.has_class("-no-samples") and "re-executed" in note(screen)
        assert table.snapshot.tick == r.tick[row] and table.snapshot.dead_output == r.dead_output[row]
        await pilot.press("end")  # past the output switch to linear and the normalisation restart
        await wait_for(pilot, lambda: screen.source == "re-executed" and screen.snapshot.tick == 139)
        assert table.snapshot.output_activation == "linear" and table.snapshot.normalize
        assert table.snapshot.step == 19  # restarted at tick 120
        await pilot.press("home")
        await wait_for(pilot, lambda: screen.source == "re-executed" and screen.snapshot.tick == 0)
        await pilot.press("c")
        assert screen.has_class("-no-samples") and screen.snapshot is None


async def test_replay_of_a_diverged_run(tmp_path):
    path = write_log(tmp_path / "div.jsonl", steps=300, params_every=1, lr=1.0,
                     hidden_activation="tanh", output_activation="linear")
    r = load(path)
    # The failed attempt's loss is recorded as it was: over the ceiling, or null once non-finite.
    assert r.status[-1] == "diverged" and r.end["status"] == "diverged"
    assert np.isnan(r.loss[-1]) or r.loss[-1] > 1e6 * r.loss[0]
    app = ReplayApp(r)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await pilot.press("end")
        await pilot.pause()
        assert "state diverged" in status(screen)
        assert screen.query_one(FindingsPanel).display
        assert "Diverged" in str(screen.query_one(FindingsPanel).render())
        plot = str(screen.query_one(ReplayPlot).render())
        assert "unavailable" not in plot and "no finite" not in plot


async def test_replay_lists_events_up_to_the_cursor(session_log):
    r = load(session_log)
    app = ReplayApp(r)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        text = lambda: str(screen.query_one("#events").render())
        assert "▸" not in text()
        assert "output_activation = linear" in text()
        screen.pos = r.row_at_tick(100)
        await pilot.pause()
        assert text().count("▸") == 2  # lr, then output_activation
        await pilot.press("end")
        assert text().count("▸") == 5
        assert "(tick 199)" in status(screen)  # steps repeat after the reset: tick shown too


async def test_compare_overlays_and_lists_differences(relu_log, linear_log):
    a, b = load(relu_log), load(linear_log)
    app = ReplayApp(a, b)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        plot = screen.query_one(ReplayPlot)
        assert [c.label for c in plot.curves] == ["A: relu/relu", "B: relu/linear"]
        table = screen.query_one("#diffs")
        assert table.row_count == 1
        assert [str(c) for c in table.get_row("0")] == ["config", "output_activation", "relu", "linear"]
        cursor = lambda: str(screen.query_one("#compare-cursor").render())
        assert plot.cursor == 0.0 and cursor().startswith("step 0 ")
        await pilot.press("right")
        assert plot.cursor == 1.0 and "step 1 " in cursor()
        await pilot.press("end")
        assert plot.cursor == 299.0
        assert f"A loss {a.loss[-1]:.4g}" in cursor() and f"B loss {b.loss[-1]:.4g}" in cursor()
        await pilot.press("home")
        assert plot.cursor == 0.0
        await pilot.press("pagedown")
        assert plot.cursor == 30.0


async def test_compare_labels_say_when_a_run_switched_activation(relu_log, session_log):
    app = ReplayApp(load(relu_log), load(session_log))
    async with app.run_test(size=SIZE) as pilot:
        plot = app.screen.query_one(ReplayPlot)
        assert [c.label for c in plot.curves] == ["A: relu/relu", "B: relu/relu→linear"]
        keys = [str(app.screen.query_one("#diffs").get_row(str(i))[1]) for i in range(6)]
        assert keys[:3] == ["step 40 lr", "step 80 output_activation", "step 0 (tick 120) normalize"]
        await pilot.press("end")
        assert "B loss" in str(app.screen.query_one("#compare-cursor").render())


async def test_compare_cursor_walks_both_logs_steps(tmp_path):
    a = load(write_log(tmp_path / "a.jsonl", steps=100, every=10))
    b = load(write_log(tmp_path / "b.jsonl", steps=100, every=25, lr=1e-4))
    app = ReplayApp(a, b)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert screen.positions == len(set(range(0, 100, 10)) | set(range(0, 100, 25))) 
        await pilot.press("right", "right", "right")  # 0, 10, 20, 25
        cursor = str(screen.query_one("#compare-cursor").render())
        assert cursor.startswith("step 25") and "(logged at 20)" in cursor
        keys = [str(c) for c in screen.query_one("#diffs").get_row("0")]
        assert keys[:2] == ["config", "lr"]


# ---- refusals, from the command line -----------------------------------------------------------

def cli(*args):
    return subprocess.run([sys.executable, "-m", "tui_trainer", *args], capture_output=True, text=True,
                          timeout=60)


@pytest.mark.parametrize("make, message", [
    (lambda p, good: p.write_text('{"hello": "world"}\n'), "has no record type, not a run log"),
    (lambda p, good: p.write_text("x,y\n1,2\n"), "line 1 is not valid JSON, not a run log"),
    (lambda p, good: p.write_text(good.read_text().replace('"version": 1', '"version": 99', 1)),
     "log format version 99 is newer than this tui-trainer reads (1)"),
    (lambda p, good: p.write_text(good.read_text()[:-40]), "is cut off (truncated log)"),
    (lambda p, good: p.write_bytes(b"\x00\xff\xfe binary\n"), "not a readable run log"),
])
def test_bad_files_are_refused_in_one_line(tmp_path, relu_log, make, message):
    bad = tmp_path / "bad.jsonl"
    make(bad, relu_log)
    for args in (["replay", str(bad)], ["replay", str(relu_log), str(bad)]):
        p = cli(*args)
        assert p.returncode == 2
        assert p.stdout == ""
        lines = p.stderr.splitlines()
        assert len(lines) == 1 and "bad.jsonl" in lines[0] and message in lines[0], p.stderr


def test_three_logs_are_refused(relu_log):
    p = cli("replay", str(relu_log), str(relu_log), str(relu_log))
    assert p.returncode == 2 and p.stderr.strip() == \
        "tui-trainer: error: replay takes one log, or two to compare; got 3"
