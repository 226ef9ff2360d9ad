"""The TUI keeps working and loses nothing (issues 5 and 7): quitting saves unsaved training,
exports write JSONL + CSV, failures are messages, signals restore the terminal, divergence is
shown and recoverable, every terminal size draws, and a long run keeps memory bounded."""
from __future__ import annotations

import csv
import errno
import gc
import math
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import fcntl
import numpy as np
import pytest

import core.files
from core.logs.runlog import loads_strict, read_log
from tui_trainer.session import handlers
from tui_trainer.widgets.notice_line import NoticeLine
from tui_trainer.widgets.status_line import StatusLine

SIZE = (120, 40)
ROOT = Path(__file__).resolve().parent.parent


def status_text(app) -> str:
    return app.main.query_one(StatusLine).render().plain


def notice_text(app) -> str:
    return app.main.query_one(NoticeLine).render().plain


def screen_text(app) -> str:
    """What the terminal shows right now, as plain text (one line per row)."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def step(app) -> int:
    return app.frame.snapshot.step


def strict_records(path: Path) -> list[dict]:
    return [loads_strict(line) for line in path.read_text(encoding="utf-8").splitlines()]


def files(folder: Path, pattern: str = "*") -> list[Path]:
    return sorted(folder.glob(pattern)) if folder.exists() else []


async def run_a_while(pilot, wait_until, steps: int = 200) -> None:
    await pilot.press("r")
    await wait_until(pilot, lambda: pilot.app.frame.running and step(pilot.app) >= steps, what="training to run")


async def quit_with(pilot, wait_until, key: str) -> None:
    await pilot.press(key)
    await wait_until(pilot, lambda: not pilot.app.is_running, what="the app to exit")


# ---- nothing is lost on quit (issue 5) --------------------------------------------------------

@pytest.mark.parametrize("key", ["q", "ctrl+c"])
async def test_quit_while_running_saves_the_run_log(tui_app, settle, wait_until, tmp_path, key):
    runs = tmp_path / "runs"
    app = tui_app(pace=1000, runs_dir=runs)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("plus", "minus")
        await run_a_while(pilot, wait_until)
        await quit_with(pilot, wait_until, key)
    assert app.return_code == 0
    saved = files(runs, "run-*.jsonl")
    assert len(saved) == 1
    records = strict_records(saved[0])
    assert records[0]["type"] == "run" and records[-1]["type"] == "end"
    assert [r["name"] for r in records if r["type"] == "event"] == ["lr", "lr"]
    # every step the session took is in the file: the log ends where the trainer stopped
    assert records[-1]["step"] == app.session._trainer.step_count >= 200
    assert app.quit_report == [(False, f"unsaved training saved to {saved[0]}")]


async def test_quit_at_step_0_with_no_events_saves_nothing(tui_app, settle, wait_until, tmp_path):
    runs = tmp_path / "runs"
    app = tui_app(runs_dir=runs)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await quit_with(pilot, wait_until, "q")
    assert app.return_code == 0 and app.quit_report == []
    assert files(runs) == []


async def test_a_change_alone_is_worth_saving(tui_app, settle, wait_until, tmp_path):
    runs = tmp_path / "runs"
    app = tui_app(runs_dir=runs)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        await quit_with(pilot, wait_until, "q")
    (saved,) = files(runs, "*.jsonl")
    assert [r["value"] for r in strict_records(saved) if r["type"] == "event"] == ["leaky_relu"]


async def test_quit_after_export_saves_only_what_is_new(tui_app, settle, wait_until, tmp_path):
    runs = tmp_path / "runs"
    app = tui_app(runs_dir=runs)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n", "e")
        await settle(pilot)
        await quit_with(pilot, wait_until, "q")
    assert len(files(runs, "*.jsonl")) == 1 and app.quit_report == []

    runs2 = tmp_path / "runs2"
    app = tui_app(runs_dir=runs2)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n", "e", "space")
        await settle(pilot)
        await quit_with(pilot, wait_until, "q")
    saved = files(runs2, "*.jsonl")
    assert len(saved) == 2
    assert sorted(read_log(p).end["step"] for p in saved) == [10, 11]


async def test_export_writes_the_csv_beside_the_jsonl(tui_app, settle, tmp_path):
    runs = tmp_path / "runs"
    app = tui_app(runs_dir=runs)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n", "a", "space", "e")
        await settle(pilot)
        (jsonl,) = files(runs, "*.jsonl")
        (csv_path,) = files(runs, "*.csv")
        assert csv_path == jsonl.with_suffix(".csv")
        text = notice_text(app)
        assert str(jsonl) in text and str(csv_path) in text
    with open(csv_path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 11 == sum(r["type"] == "step" for r in strict_records(jsonl))
    assert [int(r["step"]) for r in rows] == [r["step"] for r in strict_records(jsonl) if r["type"] == "step"]
    assert {"loss", "lr", "output_activation", "dead_output"} <= set(rows[0])
    assert rows[-1]["output_activation"] == "leaky_relu" and rows[0]["output_activation"] == "relu"


async def test_unwritable_runs_folder_on_quit_saves_in_the_temporary_folder(tui_app, settle, wait_until, tmp_path,
                                                                            runs_fallback):
    blocker = tmp_path / "runs"
    blocker.write_text("a file where the folder should be")
    app = tui_app(runs_dir=blocker)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        await quit_with(pilot, wait_until, "q")
    assert app.return_code == 0
    (saved,) = files(runs_fallback, "*.jsonl")
    assert app.quit_report == [(False, f"{blocker} could not be written; unsaved training saved to {saved} instead")]
    assert read_log(saved).end["step"] == 10


async def test_no_folder_writable_on_quit_is_one_line_and_status_1(tui_app, settle, wait_until, tmp_path,
                                                                   monkeypatch):
    blocker = tmp_path / "runs"
    blocker.write_text("a file where the folder should be")
    from tui_trainer import runs_folder
    monkeypatch.setattr(runs_folder, "fallback_folder", lambda: blocker / "tmp")
    app = tui_app(runs_dir=blocker)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        await quit_with(pilot, wait_until, "q")
    assert app.return_code == 1
    ((is_error, line),) = app.quit_report
    assert is_error and str(blocker) in line and "cannot create folder" in line and "\n" not in line
    assert "temporary folder failed too" in line


@pytest.fixture
def full_disk(monkeypatch):
    """Every atomic write fails as on a full disk (fsync is where a full disk shows with
    write-back caching); write_atomic's own clean-up runs as it would."""
    def no_space(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    monkeypatch.setattr(core.files.os, "fsync", no_space)


async def test_full_disk_export_is_a_notification_leaves_no_file_and_training_goes_on(
        tui_app, settle, wait_until, tmp_path, full_disk):
    runs = tmp_path / "runs"
    app = tui_app(pace=1000, runs_dir=runs)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n", "e")
        await settle(pilot)
        assert "Export failed" in notice_text(app) and "No space left on device" in notice_text(app)
        assert any("Export failed" in str(n.message) and n.severity == "error" for n in app._notifications)
        assert files(runs) == []  # no temporary file, nothing that looks complete
        await run_a_while(pilot, wait_until, steps=50)
        await quit_with(pilot, wait_until, "q")
    assert app.return_code == 1 and app.quit_report[0][0]
    assert "No space left on device" in app.quit_report[0][1]
    assert files(runs) == []


async def test_csv_failure_keeps_the_jsonl_and_says_so(tui_app, settle, tmp_path, monkeypatch):
    def fail(path, trainer, earlier_steps=()):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))
    monkeypatch.setattr(handlers, "export_csv", fail)
    runs = tmp_path / "runs"
    app = tui_app(runs_dir=runs)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n", "e")
        await settle(pilot)
        (jsonl,) = files(runs, "*.jsonl")
        # the reason first, where a 120-column line still shows it after long paths
        assert notice_text(app).startswith("CSV failed: No space left on device. ") and str(jsonl) in notice_text(app)
        assert read_log(jsonl).end["step"] == 10
        await pilot.press("space")
        await settle(pilot)
        assert step(app) == 11


# ---- signals (issue 7) -----------------------------------------------------------------------

async def test_sigterm_while_running_saves_and_exits_143(tui_app, settle, wait_until, tmp_path):
    runs = tmp_path / "runs"
    app = tui_app(pace=1000, runs_dir=runs)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await run_a_while(pilot, wait_until)
        os.kill(os.getpid(), signal.SIGTERM)
        await wait_until(pilot, lambda: not app.is_running, what="the app to exit on SIGTERM")
    assert app.return_code == 143
    (saved,) = files(runs, "*.jsonl")
    assert strict_records(saved)[-1]["step"] == app.session._trainer.step_count
    # the handler went with the app: the default is back for the rest of the process
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL


def _read_until(fd: int, needle: bytes, buf: bytearray, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while needle not in buf:
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        r, _, _ = select.select([fd], [], [], left)
        if r:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                return needle in buf
            if not chunk:
                return needle in buf
            buf += chunk
    return True


def _drain(fd: int, buf: bytearray, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                return
            if not chunk:
                return
            buf += chunk


@pytest.mark.parametrize("how", ["sigterm", "ctrl+c"])
def test_real_terminal_is_restored_and_the_log_saved(tmp_path, how):
    """The console script on a real pseudo-terminal: run, then SIGTERM (or the Ctrl+C key);
    the exit status, the terminal modes, the escape codes that undo the full-screen mode, and
    the line that says where the log went."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    before = termios.tcgetattr(slave)
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40"}
    env.pop("TEXTUAL", None)
    proc = subprocess.Popen([sys.executable, "-m", "tui_trainer"], cwd=tmp_path, env=env,
                            stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
    buf = bytearray()
    try:
        assert _read_until(master, b"state", buf, 30), buf[-2000:]
        _drain(master, buf, 1.0)
        # Pausing on trouble off first: the story pauses itself at step 430, tens of ms after r,
        # and under load that frame could be the first one painted ("running" never on screen).
        # Then 1,000 steps a second (t): a full core of training here is CPU the suite lacks.
        os.write(master, b"pt")
        _drain(master, buf, 0.5)
        os.write(master, b"r")
        assert _read_until(master, b"running", buf, 20), buf[-2000:]
        _drain(master, buf, 1.0)
        if how == "sigterm":
            proc.send_signal(signal.SIGTERM)
        else:
            os.write(master, b"\x03")
        start = len(buf)
        deadline = time.monotonic() + 20
        while proc.poll() is None and time.monotonic() < deadline:
            _drain(master, buf, 0.2)
        _drain(master, buf, 0.5)
        code = proc.wait(timeout=5)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    after = termios.tcgetattr(slave)
    os.close(slave)
    os.close(master)
    tail = bytes(buf[start:])
    assert code == (143 if how == "sigterm" else 0), tail[-500:]
    assert b"Traceback" not in buf
    # Textual leaves the alternate screen and shows the cursor again...
    assert b"\x1b[?1049l" in tail and b"\x1b[?25h" in tail
    # ...and puts the line discipline back (echo, canonical input), as it found it.
    assert after[3] == before[3] and after[0] == before[0] and after[1] == before[1]
    saved = files(tmp_path / "runs", "*.jsonl")
    assert len(saved) == 1
    assert f"unsaved training saved to {saved[0]}".encode() in tail.replace(b"\r\n", b"\n")
    assert strict_records(saved[0])[-1]["step"] > 0


# ---- divergence --------------------------------------------------------------------------

async def test_divergence_is_shown_with_its_cause_and_minus_continues(tui_app, settle, wait_until, tmp_path):
    runs = tmp_path / "runs"
    # (a ReLU output at lr 10 does not diverge: one step kills every unit and the loss sits still)
    app = tui_app(runs_dir=runs, lr=10.0, output_activation="linear")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await wait_until(pilot, lambda: app.frame.snapshot.diverged and not app.frame.running,
                         what="divergence")
        await settle(pilot)
        status, notice, screen = status_text(app), notice_text(app), screen_text(app)
        assert "state diverged" in status
        reason = app.session._trainer.diverged_reason
        assert reason and f"Training diverged: {reason}" in notice and "lr=10" in reason
        assert "lr=10" in screen and "diverged" in screen
        stuck_at = step(app)
        params = {k: v.copy() for k, v in app.session._trainer.parameters().items()}
        assert all(np.isfinite(v).all() for v in params.values())
        # r refuses to train while diverged, and says what to do
        await pilot.press("r")
        await settle(pilot)
        assert step(app) == stuck_at and "change the learning rate" in notice_text(app)
        # - lowers the rate and clears the state: training goes on from the last finite θ
        await pilot.press(*["minus"] * 24)
        await settle(pilot)
        assert "state paused" in status_text(app) and app.frame.snapshot.lr == pytest.approx(10 / 2**24)
        await pilot.press("n")
        await settle(pilot)
        assert step(app) == stuck_at + 10 and math.isfinite(app.frame.snapshot.loss)
        await pilot.press("e")
        await settle(pilot)
    (jsonl,) = files(runs, "*.jsonl")
    records = strict_records(jsonl)  # strict: no NaN or Infinity anywhere
    names = [r["name"] for r in records if r["type"] == "event"]
    assert names[0] == "diverged" and names.count("lr") == 24
    assert records[-1]["status"] == "ok"


async def test_plus_while_running_until_it_diverges(tui_app, settle, wait_until):
    # leaky hidden units never all die, so doubling the rate ends in divergence (with ReLU
    # everywhere, as in the story, a big rate kills every unit first and the loss sits still)
    app = tui_app(hidden_activation="leaky_relu", output_activation="linear", lr=4e-4)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await run_a_while(pilot, wait_until, steps=50)
        for _ in range(22):  # double the rate, let it train a little, until it diverges
            if app.frame.snapshot.diverged:
                break
            lr, at = app.frame.snapshot.lr, step(app)
            await pilot.press("plus")
            await wait_until(pilot, lambda: app.frame.applied >= app.sent and (
                app.frame.snapshot.diverged or not app.frame.running
                or (app.frame.snapshot.lr > lr and step(app) > at + 2000)), what="a faster rate")
            if not (app.frame.running or app.frame.snapshot.diverged):
                # It diverged just before the key came: the new rate ended the divergence and
                # left training paused ("No longer diverged ... r trains again").
                await pilot.press("r")
        await wait_until(pilot, lambda: app.frame.snapshot.diverged and not app.frame.running, what="divergence")
        assert "state diverged" in status_text(app)
        assert f"Training diverged: {app.session._trainer.diverged_reason}" in notice_text(app)
        lr = app.frame.snapshot.lr
        await pilot.press("minus", "minus", "minus", "minus", "minus", "minus", "minus", "minus")
        await settle(pilot)
        assert not app.frame.snapshot.diverged and app.frame.snapshot.lr == pytest.approx(lr / 256)
        await pilot.press("space")
        await settle(pilot)
        assert not app.main.error


# ---- terminal sizes ----------------------------------------------------------------------

SIZES = [(40, 12), (60, 20), (80, 24), (120, 40), (200, 60), (300, 100)]


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
async def test_every_size_draws_and_trains(tui_app, settle, wait_until, size):
    app = tui_app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("n", "N", "n", "a")  # 110 steps, the output activation changed
        await settle(pilot)
        await pilot.pause(0.3)
        text = screen_text(app)
        assert len(text.splitlines()) == size[1]
        assert "step 110" in text and "Traceback" not in text
        assert not app.main.error
        await pilot.press("question_mark")
        await pilot.pause(0.1)
        screen_text(app)
        await pilot.press("escape")
    assert app.return_code == 0 or app.return_code is None


async def test_80x24_is_readable(tui_app, settle):
    app = tui_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        await pilot.pause(0.3)
        text = screen_text(app)
        # the status line: one line at 80 columns, the least needed items left out whole
        first = text.splitlines()[0]
        for part in ("step 10", "loss", "lr 5e-05", "output", "state paused"):
            assert part in first, part
        # the first screen: the dead samples and the findings, then the sample table
        assert "Dead outputs" in text and "Samples" in text and "Z^[L]" in text
        # the plots are below the fold at 24 rows: the body scrolls to them
        body = app.main.query_one("#body")
        body.scroll_to_widget(app.main.query_one("#loss"), animate=False)
        await pilot.pause(0.2)
        text = screen_text(app)
        assert "Loss J" in text and "step" in text
        assert any(ch in text for ch in "⠁⠂⠄⡀⢀⠈⠐⠠⣀⠉⠒⠤")
        assert "step 10" in text  # the status line stays put while the body scrolls


async def test_resizing_while_training_runs(tui_app, settle, wait_until):
    app = tui_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await run_a_while(pilot, wait_until, steps=50)
        for size in [(40, 12), (300, 100), (80, 24), (99, 30), (100, 30), (60, 20)]:
            before = step(app)
            await pilot.resize_terminal(*size)
            await wait_until(pilot, lambda: step(app) > before, what=f"training at {size}")
            assert app.size == size
            assert len(screen_text(app).splitlines()) == size[1]
        assert app.frame.running and not app.main.error
        await pilot.press("r")
        await settle(pilot)


# ---- soak --------------------------------------------------------------------------------

SOAK_STEPS = int(os.environ.get("TUI_SOAK_STEPS", "100000"))


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def our_objects() -> int:
    """Live objects of this project's own types (frames, snapshots, records, notices...): the
    session must hand frames on and forget them, however long the run."""
    gc.collect()
    return sum(str(getattr(type(o), "__module__", "")).startswith(("core.", "tui_trainer."))
               for o in gc.get_objects())


async def test_long_run_keeps_memory_bounded(tui_app, settle, wait_until, tmp_path):
    """Train SOAK_STEPS steps (TUI_SOAK_STEPS=1000000 for the long soak) through the TUI, then
    quit. Our own objects do not pile up, the trainer's history keeps its fixed size, RSS
    grows by less than 40 MB after the warm-up (Textual's bounded render caches fill up over
    the first minutes of frames; the 1M-step soak plateaus at about 83 MB) and it ends cleanly."""
    runs = tmp_path / "runs"
    app = tui_app(runs_dir=runs)
    warm = min(20_000, SOAK_STEPS // 5)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await wait_until(pilot, lambda: step(app) >= warm, timeout=120, what="warm-up")
        # Counted paused and settled both times: while running, a frame or two in flight (each
        # some 20 objects with its findings) made the count differ by chance.
        await pilot.press("r")
        await settle(pilot)
        rss0, objs0, hist0 = rss_mb(), our_objects(), app.session._trainer.history.nbytes
        await pilot.press("r")
        await wait_until(pilot, lambda: step(app) >= SOAK_STEPS, timeout=max(300, SOAK_STEPS / 1000),
                         what=f"{SOAK_STEPS} steps")
        await pilot.press("r")
        await settle(pilot)
        rss1, objs1, hist1 = rss_mb(), our_objects(), app.session._trainer.history.nbytes
        print(f"\nsoak {step(app)} steps: RSS {rss0:.1f} -> {rss1:.1f} MB, own objects {objs0} -> {objs1}")
        assert objs1 - objs0 < 20  # one kept frame per draw would be ~2 objects a frame
        assert hist1 == hist0
        assert rss1 - rss0 < 40
        await quit_with(pilot, wait_until, "q")
    assert app.return_code == 0
    (saved,) = files(runs, "*.jsonl")
    log = read_log(saved)
    assert log.end["step"] >= SOAK_STEPS and len(log.steps) < 20_000  # the history stays bounded
