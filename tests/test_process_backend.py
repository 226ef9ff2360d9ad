"""The TUI on the backend users run: `tui-trainer` trains in a separate process (unless
TUI_TRAINER_BACKEND=thread). The story end to end and quitting with unsaved training, driven
by keys; the tests read only what the app shows and writes, since the trainer lives in the
other process. (Most Pilot tests use the thread backend to look inside the trainer. Ctrl+C and
SIGTERM on this backend: the console script on a real terminal, tests/test_tui_reliability.py;
an export then a quit-save: tests/test_session_process.py.)"""
from __future__ import annotations

import multiprocessing
import os
import time
from pathlib import Path

import numpy as np

from core.logs.runlog import loads_strict, read_log

SIZE = (120, 40)


def screen_text(app) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def records(path: Path) -> list[dict]:
    return [loads_strict(line) for line in path.read_text(encoding="utf-8").splitlines()]


def training_process_ends(pid: int, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while pid in [p.pid for p in multiprocessing.active_children()]:  # (also reaps it)
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


async def test_the_story_end_to_end(tui_app, settle, tmp_path):
    """5,000 steps leave samples 0-4 stuck at exactly 0 and the findings say why; the output
    made linear keeps the weights and lets them move; the export holds it all."""
    runs = tmp_path / "runs"
    app = tui_app(runs_dir=runs, backend="process")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.session.pid is not None and app.session.pid != os.getpid()
        assert app.frame.snapshot.step == 0 and "state paused" in screen_text(app)
        await pilot.press("N", "N", *["n"] * 5)  # N: 10 -> 100 -> 1000, then five times N steps
        await settle(pilot)
        story = app.frame.snapshot
        assert story.step == 5000 and story.output_activation == "relu"
        assert story.dead.tolist() == [True] * 5 + [False] * 15
        assert np.all(story.y_hat[story.dead] == 0) and np.all(story.Z_L[story.dead] < 0)
        text = screen_text(app)
        assert "Dead outputs: 5 of 20 samples (#0–4)" in text and "7 of 10" in text
        await pilot.press("a", "a", "a")  # the third output activation after relu is linear
        await settle(pilot)
        linear = app.frame.snapshot
        assert linear.output_activation == "linear" and linear.step == 5000 and not linear.dead.any()
        np.testing.assert_allclose(linear.Z_L, story.Z_L)  # same weights, only g changed
        await pilot.press("n")
        await settle(pilot)
        moved = app.frame.snapshot
        assert np.all(moved.y_hat[story.dead] != 0) and moved.loss < story.loss
        await pilot.press("e")
        await settle(pilot)
        await pilot.pause(0.2)
        (exported,) = runs.glob("*.jsonl")
        assert str(exported) in screen_text(app)
        await pilot.press("q")
    assert app.return_code == 0 and app.quit_report == []  # everything was exported already
    log = read_log(exported)
    assert log.end["step"] == 6000
    changes = [(e["name"], e["value"]) for e in log.events]
    assert [name for name, _ in changes] == ["output_activation"] * 3 and changes[-1][1] == "linear"


async def test_quit_while_running_saves_the_run(tui_app, settle, wait_until, tmp_path):
    runs = tmp_path / "runs"
    app = tui_app(runs_dir=runs, backend="process")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("plus", "minus", "r")
        await wait_until(pilot, lambda: app.frame.running and app.frame.snapshot.step >= 200, what="training")
        seen, pid = app.frame.snapshot.step, app.session.pid
        await pilot.press("q")
        await wait_until(pilot, lambda: not app.is_running, what="the app to exit")
    assert app.return_code == 0
    (saved,) = runs.glob("*.jsonl")
    assert app.quit_report == [(False, f"unsaved training saved to {saved}")]
    recs = records(saved)
    assert recs[0]["type"] == "run" and recs[-1]["type"] == "end"
    assert [r["name"] for r in recs if r["type"] == "event"] == ["lr", "lr"]
    assert recs[-1]["step"] >= seen  # the training process saved where it stopped, after the last frame
    assert training_process_ends(pid)
