"""The training process killed (kill -9) under the TUI (issue 17): the app keeps the state the
screen showed (session/checkpoint.py), says what each key can and cannot do, exports it, saves
it on quit saying what was lost, and restarts training from it."""
from __future__ import annotations

import os
import signal
import time

from core.logs.reader import open_log
from core.logs.rerun import rerun
from core.logs.restore import trainer_from_log
from core.logs.runlog import read_log
from tui_trainer.screens.checks import CheckScreen
from tui_trainer.widgets.notice_line import NoticeLine
from tui_trainer.widgets.status_line import StatusLine

SIZE = (120, 40)


def notice_text(app) -> str:
    return app.main.query_one(NoticeLine).render().plain


def step(app) -> int:
    return app.frame.snapshot.step


def reruns_identically(path) -> bool:
    head, records = open_log(path)
    return rerun(trainer_from_log(head), records).identical


async def kill_while_running(app, pilot, wait_until, steps: int = 500) -> int:
    """Train at 1,000 steps a second (`t`: a core's worth of steps for the second the records
    take is CPU the suite does not have), kill the training process; returns the step the
    screen showed last. The kill comes once the app holds step records past `steps` (they
    come once a second: a kill before that keeps θ without them, which the quit line says;
    test_the_records_lost_...)."""
    await pilot.press("t", "r")
    await wait_until(pilot, lambda: app.frame.running and (app.session.records_step or 0) > steps,
                     timeout=60, what="training")
    os.kill(app.session.pid, signal.SIGKILL)
    await wait_until(pilot, lambda: app.lost is not None, timeout=20, what="the loss to show")
    return step(app)


async def test_keys_after_the_training_process_is_killed(tui_app, settle, wait_until, tmp_path):
    runs = tmp_path / "runs"
    app = tui_app(runs_dir=runs, backend="process")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        shown = await kill_while_running(app, pilot, wait_until)
        kept = app.lost_step
        assert kept >= shown > 500
        assert "killed (SIGKILL)" in app.lost
        text = notice_text(app)
        assert f"at step {kept}" in text and "r restarts training" in text and "q saves" in text
        assert "state error" in app.main.query_one(StatusLine).render().plain
        assert not app.frame.running  # not "running…" any more: the keys for paused work
        # keys that need training say so instead of doing nothing
        for key, what in (("space", "Step"), ("n", "Step"), ("plus", "Changing the rate"),
                          ("a", "Out act"), ("g", "Gradient check"), ("l", "LR range test")):
            await pilot.press(key)
            await pilot.pause(0.05)
            assert notice_text(app).startswith(f"{what} needs training"), (key, notice_text(app))
            assert f"r restarts it from step {kept}" in notice_text(app)
            assert not isinstance(app.screen, CheckScreen)  # nothing opened that would wait forever
        # e exports the kept state from this side
        await pilot.press("e")
        await wait_until(pilot, lambda: len(list(runs.glob("*.jsonl"))) == 1 and len(list(runs.glob("*.csv"))) == 1,
                         what="the export (the CSV comes after the log)")
        (exported,) = runs.glob("*.jsonl")
        assert exported.with_suffix(".csv").exists()
        assert read_log(exported).end["step"] == kept and reruns_identically(exported)
        await wait_until(pilot, lambda: "Exported run log" in notice_text(app), what="the export's notice")
        # r starts a new training process at the kept state, paused
        old_pid = app.session.pid
        await pilot.press("r")
        await settle(pilot)
        assert app.lost is None and not app.main.error
        assert app.session.pid != old_pid and step(app) == kept
        assert "restarted from step" in notice_text(app)
        await pilot.press("n")
        await settle(pilot)
        assert step(app) == kept + 10
        await pilot.press("q")
        await wait_until(pilot, lambda: not app.is_running, what="the app to exit")
    assert app.return_code == 0
    (saved,) = set(runs.glob("*.jsonl")) - {exported}
    assert app.quit_report == [(False, f"unsaved training saved to {saved}")]
    log = read_log(saved)
    assert log.end["step"] == kept + 10 and reruns_identically(saved)
    assert log.steps[0]["step"] == 0  # the whole session: the steps before the kill too


async def test_q_after_the_kill_saves_the_state_shown_and_says_what_was_lost(tui_app, settle, wait_until,
                                                                             tmp_path):
    runs = tmp_path / "runs"
    app = tui_app(runs_dir=runs, backend="process")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("plus")   # an event before the kill, kept too
        shown = await kill_while_running(app, pilot, wait_until)
        kept = app.lost_step
        t0 = time.monotonic()
        await pilot.press("q")
        await wait_until(pilot, lambda: not app.is_running, what="the app to exit")
        assert time.monotonic() - t0 < 5
    assert app.return_code == 0
    (saved,) = runs.glob("*.jsonl")
    ((is_error, line),) = app.quit_report
    assert not is_error
    # (the records of the last second may be gone with the process: _records_lost says so;
    # its wording is test_the_records_lost_with_a_killed_process_are_named's)
    assert line == (f"the training process was killed (SIGKILL); the run up to step {kept}, the last state "
                    f"it reported, saved to {saved}; any steps it took after that are lost"
                    + app._records_lost(kept))
    log = read_log(saved)
    assert log.end["step"] == kept >= shown
    # the step records too, not θ alone: a kill in the first second used to leave none, and the
    # rerun below compared nothing
    assert log.steps and log.steps[0]["step"] == 0 and log.steps[-1]["step"] == app.session.records_step > 500
    assert [e["name"] for e in log.events] == ["lr", "pace"]
    assert reruns_identically(saved)


def test_the_records_lost_with_a_killed_process_are_named():
    """θ at the last frame is kept; the step records come once a second (checkpoint.py), so
    a kill can take the last second's with it: the quit line says which."""
    from types import SimpleNamespace

    from tui_trainer.lost_training import LostTraining

    def line(records_step, step=5000, path="runs/r.jsonl"):
        app = LostTraining()
        app.lost, app.frame = "the training process was killed (SIGKILL)", None
        app.session = SimpleNamespace(killed=True, recovered_step=step, records_step=records_step)
        return app.lost_report(path)

    whole = ("the training process was killed (SIGKILL); the run up to step 5000, the last state it "
             "reported, saved to runs/r.jsonl; any steps it took after that are lost")
    assert line(4999) == whole
    assert line(4200) == whole + (", and so are the records of the steps after step 4200 "
                                  "(the log has θ at step 5000 without them)")
    assert line(None).endswith(", and so are the records of any step (the log has θ at step 5000 without them)")
    assert line(None, step=0, path=None).endswith("any steps it took after that are lost")
