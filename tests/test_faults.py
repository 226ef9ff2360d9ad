"""Export and log faults, and interrupts of `run`.

An unwritable directory, a path that is a directory, a full disk (/dev/full, or a file-size
limit that makes writes fail part-way) -> an OSError whose one-line message names the path;
no partial file that looks complete (write_atomic leaves no temporary files either); and the
trainer keeps working afterwards. SIGINT / SIGTERM during `run` -> exit 130 / 143 with a log
that a strict JSON parser reads (tests/test_runlog.py checks the log's content in detail).
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from core.engine.config import TrainConfig
from core.engine.data import story_problem
from core.logs.runlog import LogError, RunLogWriter, export_lines, loads_strict, read_log, write_atomic
from core.engine.trainer import Trainer

ROOT = Path(__file__).resolve().parents[1]
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


@pytest.fixture
def trainer() -> Trainer:
    t = Trainer(TrainConfig(), story_problem())
    t.run(20)
    return t


@pytest.fixture
def unwritable_dir(tmp_path) -> Path:
    """A folder nobody may create files in: chmod 0o555 for a normal user; root ignores file
    modes, so for root the read-only /sys (EACCES even for root)."""
    if IS_ROOT:
        if not os.path.isdir("/sys") or _can_create("/sys"):
            pytest.skip("no unwritable directory available to root here")
        yield Path("/sys")
        return
    d = tmp_path / "ro"
    d.mkdir()
    d.chmod(0o555)
    yield d
    d.chmod(0o755)


def _can_create(folder: str) -> bool:
    try:
        fd = os.open(os.path.join(folder, ".tui-trainer-probe"), os.O_CREAT | os.O_WRONLY)
    except OSError:
        return False
    os.close(fd)
    os.unlink(os.path.join(folder, ".tui-trainer-probe"))
    return True


def still_trains(t: Trainer) -> None:
    """After a fault, the trainer has no dead listener and carries on."""
    step = t.step_count
    t.set_lr(t.config.lr * 0.5)
    r = t.step()
    assert r.step == step and t.step_count == step + 1 and np.isfinite(r.loss)
    t.run(10)
    assert t.step_count == step + 11 and t.status == "ok"


def one_line(e: BaseException, *needles: str) -> str:
    msg = str(e)
    assert "\n" not in msg, msg
    for n in needles:
        assert n.lower() in msg.lower(), f"{n!r} not in {msg!r}"
    return msg


def leftovers(folder: Path, name: str) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(f".{name}.") and p.name.endswith(".tmp"))


# ---- RunLogWriter ----------------------------------------------------------------------------

def test_log_into_a_directory(trainer, tmp_path):
    with pytest.raises(OSError) as e:
        RunLogWriter(tmp_path, trainer)
    one_line(e.value, str(tmp_path), "directory")
    assert trainer.listeners == []
    still_trains(trainer)


def test_log_in_a_missing_folder(trainer, tmp_path):
    path = tmp_path / "nope" / "run.jsonl"
    with pytest.raises(OSError) as e:
        RunLogWriter(path, trainer)
    one_line(e.value, str(path), "no such file")
    assert not path.parent.exists() and trainer.listeners == []
    still_trains(trainer)


def test_log_in_an_unwritable_folder(trainer, unwritable_dir):
    path = unwritable_dir / "run.jsonl"
    with pytest.raises(OSError) as e:
        RunLogWriter(path, trainer)
    one_line(e.value, str(path), "permission denied")
    assert not path.exists() and trainer.listeners == []
    still_trains(trainer)


def _log_to_dev_full(trainer):
    w = RunLogWriter("/dev/full", trainer)
    try:
        for _ in range(200):  # enough records to overflow the write buffer
            w.step(trainer.step())
    finally:
        w.close()


def test_log_to_a_full_disk_fails_and_the_trainer_carries_on(trainer):
    with pytest.raises(OSError):
        _log_to_dev_full(trainer)
    assert trainer.listeners == []  # close() unhooked the writer despite the failure
    still_trains(trainer)


def test_log_to_a_full_disk_names_the_path(trainer):
    with pytest.raises(OSError) as e:
        _log_to_dev_full(trainer)
    one_line(e.value, "/dev/full", "no space")


# ---- write_atomic ----------------------------------------------------------------------------

def test_atomic_write_into_a_directory(trainer, tmp_path):
    with pytest.raises(OSError) as e:
        write_atomic(tmp_path, export_lines(trainer))
    one_line(e.value, str(tmp_path), "directory")
    assert leftovers(tmp_path.parent, tmp_path.name) == []
    still_trains(trainer)


def test_atomic_write_in_a_missing_folder(trainer, tmp_path):
    path = tmp_path / "nope" / "x.jsonl"
    with pytest.raises(OSError) as e:
        write_atomic(path, export_lines(trainer))
    one_line(e.value, str(path), "no such file")
    still_trains(trainer)


def test_atomic_write_in_an_unwritable_folder(trainer, unwritable_dir):
    path = unwritable_dir / "x.jsonl"
    with pytest.raises(OSError) as e:
        write_atomic(path, export_lines(trainer))
    one_line(e.value, str(path), "permission denied")
    assert not path.exists()
    still_trains(trainer)


def test_atomic_write_keeps_the_old_file_when_the_disk_fills(tmp_path):
    """A file-size limit makes the write fail part-way (EFBIG, as a full disk would with
    ENOSPC): the old file stays as it was, no temporary file is left, the message names the
    path, and the same trainer then exports fine."""
    target = tmp_path / "session.jsonl"
    target.write_text("old\n")
    code = textwrap.dedent(f"""
        import resource, signal, sys
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        from core.engine.config import TrainConfig
        from core.engine.data import story_problem
        from core.logs.runlog import export_lines, loads_strict, write_atomic
        from core.engine.trainer import Trainer
        t = Trainer(TrainConfig(), story_problem())
        t.run(3000)
        lines = export_lines(t)
        assert sum(len(s) + 1 for s in lines) > 65536
        resource.setrlimit(resource.RLIMIT_FSIZE, (65536, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
        try:
            write_atomic({str(target)!r}, lines)
        except OSError as e:
            print("ERR", e)
        resource.setrlimit(resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
        t.run(10)
        write_atomic({str(target)!r} + ".2", export_lines(t))
        print("OK", t.step_count)
    """)
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    out = r.stdout.splitlines()
    assert out[0].startswith("ERR ") and str(target) in out[0] and "too large" in out[0].lower(), out
    assert out[1] == "OK 3010"
    assert target.read_text() == "old\n"
    assert leftovers(tmp_path, target.name) == []
    second = Path(str(target) + ".2")
    recs = [loads_strict(line) for line in second.read_text().splitlines()]
    assert recs[-1]["type"] == "end" and recs[-1]["step"] == 3010


@pytest.mark.parametrize("exc", [ValueError, KeyboardInterrupt])
def test_atomic_write_leaves_no_temp_file_when_the_lines_fail(tmp_path, exc):
    target = tmp_path / "x.jsonl"

    def lines():
        yield '{"type": "run"}'
        raise exc("stop")

    with pytest.raises(exc):
        write_atomic(target, lines())
    assert not target.exists()
    assert leftovers(tmp_path, target.name) == []


def test_atomic_write_to_dev_full_is_refused(trainer, monkeypatch):
    calls = []

    def guarded_replace(src, dst):
        calls.append(str(dst))
        if os.path.realpath(dst) == "/dev/full":
            raise OSError(28, "test guard: refused to replace /dev/full")
        return os.rename(src, dst)

    monkeypatch.setattr(os, "replace", guarded_replace)
    try:
        with pytest.raises(OSError) as e:
            write_atomic("/dev/full", export_lines(trainer))
    finally:
        assert leftovers(Path("/dev"), "full") == []
    assert "/dev/full" not in calls, "write_atomic tried to replace the /dev/full device node"
    one_line(e.value, "/dev/full")
    still_trains(trainer)


# ---- a log that fails part-way through `run` --------------------------------------------------

def test_run_whose_log_fills_the_disk(tmp_path):
    """`run --log` hits a file-size limit part-way: no traceback, one line naming the log and
    the problem, training goes on to the end without the log, and the partial log does not
    look complete (no `end` record, or cut off)."""
    log = tmp_path / "run.jsonl"
    code = ("import resource, signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
            "resource.setrlimit(resource.RLIMIT_FSIZE, (32768, resource.getrlimit(resource.RLIMIT_FSIZE)[1])); "
            "from tui_trainer.cli import main; sys.exit(main(sys.argv[1:]))")
    r = subprocess.run([sys.executable, "-c", code, "run", "--steps", "3000", "--log", str(log), "--log-params"],
                       cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert "Traceback" not in r.stderr, r.stderr
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("tui-trainer: error: "), r.stderr
    assert str(log) in lines[0] and "too large" in lines[0].lower()
    assert r.returncode == 2
    assert r.stdout.startswith("steps 3000  status ok"), r.stdout
    assert log.stat().st_size <= 32768
    try:
        assert read_log(log).end is None, "a partial log must not end with an end record"
    except LogError as e:
        one_line(e, "cut off")


# ---- interrupts --------------------------------------------------------------------------------

def start_run(tmp_path, *extra):
    log = tmp_path / "run.jsonl"
    proc = subprocess.Popen([sys.executable, "-m", "tui_trainer", "run", "--steps", "100000000", "--log", str(log),
                             "--json", *extra], cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # wait until steps are being logged
        if log.exists() and log.stat().st_size > 20000:
            return proc, log
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.kill()
    out, err = proc.communicate()
    pytest.fail(f"run did not start logging: {err}")


@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_interrupted_run_exit_status_and_strict_log(tmp_path, signum, code):
    proc, log = start_run(tmp_path)
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == code, err
    assert "Traceback" not in err, err
    assert err.splitlines()[-1].startswith("tui-trainer: interrupted after "), err
    summary = loads_strict(out)
    recs = [loads_strict(line) for line in log.read_text().splitlines()]
    assert recs[0]["type"] == "run" and recs[-1]["type"] == "end"
    steps = [r for r in recs if r["type"] == "step"]
    assert len(steps) >= 10 and recs[-1]["step"] == summary["steps"] >= steps[-1]["step"]


def _log_closed(log: Path) -> bool:
    with open(log, "rb") as f:
        f.seek(max(0, log.stat().st_size - 400))
        return b'"type": "end"' in f.read()


@pytest.mark.parametrize("first, second, code", [(signal.SIGINT, signal.SIGINT, 130),
                                                 (signal.SIGTERM, signal.SIGINT, 143)])
def test_impatient_second_signal_after_the_run_stopped(tmp_path, first, second, code):
    proc, log = start_run(tmp_path)
    proc.send_signal(first)
    deadline = time.monotonic() + 20
    while proc.poll() is None and not _log_closed(log) and time.monotonic() < deadline:
        time.sleep(0.002)
    if proc.poll() is not None:
        proc.communicate()
        pytest.skip("the run exited before the second signal could arrive")
    proc.send_signal(second)
    out, err = proc.communicate(timeout=30)
    assert "Traceback" not in err, err
    assert proc.returncode == code, err
    recs = [loads_strict(line) for line in log.read_text().splitlines()]
    assert recs[-1]["type"] == "end"


# ---- soak ----------------------------------------------------------------------------------------

def _run_child(args: list[str], cwd: Path) -> tuple[int, float, str, str]:
    """Run the console script; return (exit status, peak RSS in MiB of that child alone, out, err)."""
    out_path, err_path = cwd / "soak.out", cwd / "soak.err"
    with open(out_path, "w") as out, open(err_path, "w") as err:
        proc = subprocess.Popen([sys.executable, "-m", "tui_trainer", *args], cwd=ROOT, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, usage.ru_maxrss / 1024, out_path.read_text(), err_path.read_text()


def test_soak_one_million_steps_cli(tmp_path):
    """The issue's soak: a 1,000,000-step headless run (about 15-30 s here) ends cleanly, its
    log stays strict, and its peak memory is within 16 MiB of a 10,000-step run's."""
    n = int(os.environ.get("TUI_TRAINER_SOAK_STEPS", "1000000"))
    rc0, rss0, out0, err0 = _run_child(["run", "--steps", "10000", "--json"], tmp_path)
    assert rc0 == 0, err0
    log = tmp_path / "soak.jsonl"
    rc, rss, out, err = _run_child(["run", "--steps", str(n), "--json", "--log", str(log),
                                    "--log-every", str(max(1, n // 20))], tmp_path)
    assert rc == 0 and err == "", err
    s = loads_strict(out)
    assert s["steps"] == n and s["status"] == "ok"
    recs = [loads_strict(line) for line in log.read_text().splitlines()]
    assert recs[-1]["type"] == "end" and recs[-1]["step"] == n
    assert 20 <= sum(r["type"] == "step" for r in recs) <= 22
    assert rss - rss0 <= 16, f"peak RSS grew {rss - rss0:.1f} MiB from 10k to {n} steps ({rss0:.1f} -> {rss:.1f})"


def test_soak_history_stays_bounded():
    """The trainer's history costs the same memory at 200,000 steps as at 1,000 and still
    spans the whole run evenly (the CLI soak above covers 1,000,000 steps end to end)."""
    t = Trainer(TrainConfig(), story_problem())
    t.run(1000)
    nbytes, cap = t.history.nbytes, t._window + t._archive
    while t.step_count < 200_000:
        t.run(min(10_000, 200_000 - t.step_count))  # chunks, as the TUI's worker drives it
    assert t.status == "ok" and t.step_count == 200_000
    assert t.history.nbytes == nbytes
    rows = t.history.rows()
    assert len(rows) <= cap
    steps = rows[:, t.history.col["step"]]
    assert steps[0] == 0 and steps[-1] == 199_999 and (np.diff(steps) > 0).all()
    thin = t.history.thinned(500)
    assert len(thin) <= 500 and thin[0][1] == 0 and thin[-1][1] == 199_999
    recs = [loads_strict(line) for line in export_lines(t)]
    assert len(recs) <= cap + 3 and recs[-1]["step"] == 200_000
