"""The separate-process training backend: same commands, frames and saving as the thread
Session, and it never leaves the app hanging (errors, a dead parent, close)."""
from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from core.engine.config import TrainConfig
from core.engine.data import story_problem
from core.logs.runlog import loads_strict, read_log
from core.engine.trainer import Trainer
from tui_trainer import session as S
from tui_trainer.session import ProcessSession, TrainingError, backend_name, make_session


class Broken(Trainer):
    """Fails on its first training chunk (importable by the child, so it crosses over)."""

    def run(self, n, should_stop=None):
        raise ZeroDivisionError("broken on purpose")


class Recorder:
    def __init__(self):
        self.frames, self.notices = [], []
        self.ack = None  # the session's frame_drawn, as a UI acknowledges each frame it drew

    def frame(self, f):
        self.frames.append(f)
        if self.ack is not None:
            self.ack()

    def notice(self, n):
        self.notices.append(n)


def start(trainer):
    rec = Recorder()
    ps = ProcessSession(trainer, rec.frame, rec.notice)
    rec.ack = ps.frame_drawn
    errors = []

    def loop():
        try:
            ps.run_loop()
        except Exception as e:
            errors.append(e)
    th = threading.Thread(target=loop, daemon=True)
    th.start()
    return ps, rec, th, errors


def wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_a_trainer_pickles_with_its_run_and_trains_on_identically():
    t = Trainer(TrainConfig(dev_fraction=0.2), story_problem())
    t.run(3000)
    t.set_lr(1e-4)
    t.run(9000)  # past the window: the archive has been thinned
    u = pickle.loads(pickle.dumps(t))
    assert u.events == t.events and u.tick == t.tick and u.step_count == t.step_count
    t.run(500)
    u.run(500)
    # NaN marks columns that do not apply (accuracy on a regression): equal when both are NaN
    assert np.array_equal(t.history.rows(), u.history.rows(), equal_nan=True)
    for k in t.params:
        assert np.array_equal(t.params[k], u.params[k])


def test_every_command_goes_through_and_the_run_is_saved_where_the_trainer_lives(tmp_path):
    ps, rec, th, errors = start(Trainer(TrainConfig(), story_problem()))
    wait_for(lambda: rec.frames)
    sent = 0
    for cmd in (S.Command(S.STEP, 25), S.Command(S.SCALE_LR, 2.0), S.Command(S.GRADCHECK),
                S.Command(S.BASELINE), S.Command(S.INSPECT, 3), S.Command(S.SET_LR, 2e-5),
                S.Command(S.RUN)):
        ps.send(cmd)
        sent += 1
    wait_for(lambda: rec.frames[-1].running and rec.frames[-1].snapshot.step > 1000)
    ps.send(S.Command(S.PAUSE))
    ps.send(S.Command(S.EXPORT, str(tmp_path / "runs")))
    sent += 2
    wait_for(lambda: rec.frames[-1].applied == sent and not rec.frames[-1].running)
    wait_for(lambda: any(n.path for n in rec.notices))
    assert rec.frames[-1].snapshot.lr == pytest.approx(2e-5)
    assert Path(next(n.path for n in rec.notices if n.path)).exists()
    ps.send(S.Command(S.STEP, 10))  # unsaved again
    wait_for(lambda: rec.frames[-1].applied == sent + 1)
    ps.close()
    th.join(10)
    assert not th.is_alive() and not errors
    path = ps.save_unsaved(tmp_path / "runs")
    assert path is not None and path.exists()
    wait_for(lambda: ps._process.exitcode is not None, 5)
    assert ps._process.exitcode == 0


def test_frames_wait_for_the_ui_to_draw_the_last_one():
    rec = Recorder()  # never acknowledges: at most one frame a second gets through
    arrived = []
    record = rec.frame
    rec.frame = lambda f: (arrived.append(time.monotonic()), record(f))
    ps = ProcessSession(Trainer(TrainConfig(), story_problem()), rec.frame, rec.notice)
    th = threading.Thread(target=ps.run_loop, daemon=True)
    th.start()
    wait_for(lambda: rec.frames)
    # the first: a preview built on this side while the training process starts, no findings yet
    assert rec.frames[0].snapshot.step == 0 and not rec.frames[0].fresh
    ps.send(S.Command(S.RUN))
    wait_for(lambda: any(f.running for f in rec.frames))  # the key's frame comes at once
    t0 = time.monotonic()
    time.sleep(2.5)
    # Unacknowledged, ~1 a second (ACK_TIMEOUT) instead of the 10 a second of a drawing UI:
    # counted over 2.5 s after the key's frame, whenever the machine's load lets them arrive.
    assert len([t for t in arrived if t > t0]) <= 4
    n = len(rec.frames)
    ps.frame_drawn()  # the newest one held back comes at once (or the next, if none was held)
    wait_for(lambda: len(rec.frames) > n)
    assert rec.frames[-1].snapshot.step >= rec.frames[n - 1].snapshot.step
    ps.close()
    th.join(10)


def test_frames_collapse_to_the_newest():
    ps, rec, th, errors = start(Trainer(TrainConfig(), story_problem()))
    wait_for(lambda: rec.frames)
    ps.send(S.Command(S.RUN))
    time.sleep(1.5)
    ps.send(S.Command(S.PAUSE))
    wait_for(lambda: not rec.frames[-1].running)
    steps = [f.snapshot.step for f in rec.frames]
    assert steps == sorted(steps) and len(rec.frames) <= 1.5 * 10 + 5  # ~10 frames a second
    ps.close()
    th.join(10)


class Stubborn(Trainer):
    """Runs of 1,000 steps or more hold the process 5 s first, deaf to any stop, as a check at
    1M samples is (~5 s); importable by the child."""

    def run(self, n, should_stop=None, interrupt=None):
        if n >= 1000:
            time.sleep(5)
        return super().run(n, should_stop, interrupt)


def test_quitting_while_the_training_process_is_busy_saves_the_state_it_reported(tmp_path):
    """A random-key run at 1M rows quit while checks were still running in the training process:
    it did not stop within the save's wait, and the run log was not saved at all. Now the
    process is ended and the state of its last checkpoint (the screen's) is saved, saying so."""
    ps, rec, th, errors = start(Stubborn(TrainConfig(), story_problem()))
    wait_for(lambda: rec.frames)
    ps.send(S.Command(S.STEP, 25))
    wait_for(lambda: rec.frames[-1].applied == 1 and ps.recovered_step == 25)
    ps.send(S.Command(S.STEP, 1000))
    time.sleep(0.3)   # inside it
    ps.close()
    t0 = time.monotonic()
    path = ps.save_unsaved(tmp_path / "runs", timeout=0.5)
    assert time.monotonic() - t0 < 3
    assert path is not None and read_log(path).end["step"] == 25
    assert ps.killed and "still busy 0.5 s after quitting" in ps.lost
    th.join(10)
    assert not th.is_alive()
    assert not ps._process.is_alive()


def test_an_error_in_the_training_process_is_raised_not_hung_and_saving_still_works(tmp_path):
    ps, rec, th, errors = start(Broken(TrainConfig(), story_problem()))
    wait_for(lambda: rec.frames)
    ps.send(S.Command(S.STEP, 5))  # Broken.run raises inside the child's Session
    th.join(20)
    assert not th.is_alive()
    assert isinstance(errors[0], TrainingError) and "ZeroDivisionError: broken on purpose" in str(errors[0])
    assert "Traceback" in errors[0].remote_traceback
    assert ps.save_unsaved(tmp_path / "runs") is None  # nothing trained: nothing to save


def test_the_training_process_exits_when_the_app_dies(tmp_path):
    script = textwrap.dedent("""
        import sys, threading, time
        from core.engine.config import TrainConfig
        from core.engine.data import story_problem
        from core.engine.trainer import Trainer
        from tui_trainer import session as S
        from tui_trainer.session import ProcessSession
        if __name__ == "__main__":
            got = threading.Event()
            ps = ProcessSession(Trainer(TrainConfig(), story_problem()), lambda f: got.set(), lambda n: None)
            threading.Thread(target=ps.run_loop, daemon=True).start()
            got.wait(30)  # the first frame is built on the app's side, before the child starts
            deadline = time.monotonic() + 30
            while ps.pid is None and time.monotonic() < deadline:
                time.sleep(0.01)
            ps.send(S.Command(S.RUN))
            print(ps.pid, flush=True)
            time.sleep(60)
    """)
    (tmp_path / "parent.py").write_text(script)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    parent = subprocess.Popen([sys.executable, str(tmp_path / "parent.py")], stdout=subprocess.PIPE,
                              env=env, text=True)
    try:
        child = int(parent.stdout.readline())
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(5)
        deadline = time.monotonic() + 10
        while _alive(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(child)
    finally:
        if parent.poll() is None:
            parent.kill()


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_backend_choice(monkeypatch):
    monkeypatch.delenv("TUI_TRAINER_BACKEND", raising=False)
    assert backend_name() == "process" and backend_name("thread") == "thread"
    monkeypatch.setenv("TUI_TRAINER_BACKEND", "thread")
    assert backend_name() == "thread"
    assert isinstance(make_session(Trainer(TrainConfig(), story_problem()), print, print), S.Session)
    monkeypatch.setenv("TUI_TRAINER_BACKEND", "fork")
    with pytest.raises(ValueError, match="TUI_TRAINER_BACKEND"):
        backend_name()


async def test_the_app_on_the_process_backend_trains_exports_and_saves_on_quit(tmp_path, settle, wait_until):
    from tui_trainer.app import TrainerApp
    runs = tmp_path / "runs"
    app = TrainerApp(Trainer(TrainConfig(), story_problem()), runs_dir=runs, backend="process",
                     pause_on_trouble=False)  # (pausing would stop r at step 430 of the story)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await wait_until(pilot, lambda: app.frame.running and app.frame.snapshot.step > 2000, what="training")
        await pilot.press("r", "e")
        await settle(pilot)
        await wait_until(pilot, lambda: len(list(runs.glob("*.jsonl"))) == 1, what="the export")
        (exported,) = runs.glob("*.jsonl")
        await pilot.press("space")
        await settle(pilot)
        step = app.frame.snapshot.step
        await pilot.press("q")
    # Told apart by when they appeared, not by name: in the same second the quit-save is
    # run-<time>-2.jsonl, which sorts before the export's run-<time>.jsonl.
    (quit_saved,) = set(runs.glob("*.jsonl")) - {exported}
    assert app.quit_report == [(False, f"unsaved training saved to {quit_saved}")]
    records = [loads_strict(line) for line in quit_saved.read_text().splitlines()]
    assert records[-1]["step"] == step  # the quit-save has the step taken after the export
