"""The run log: strict JSON on every line, streamed and atomic writes, clear refusals, and a
valid log after Ctrl+C or SIGTERM."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.engine.config import TrainConfig
from core.engine.data import story_problem
from core.files import write_atomic
from core.logs.reader import open_log, read_log
from core.logs.record import VERSION, LogError, loads_strict
from core.logs.writer import RunLogWriter, export_lines, save_session
from core.engine.trainer import Trainer
from proc_wait import wait_until_busy
from tui_trainer.cli import main

ROOT = Path(__file__).resolve().parents[1]
RUN_CONFIG_KEYS = {"layer_dims", "hidden_activation", "output_activation", "leaky_slope", "loss",
                   "lr", "init", "seed", "normalize", "dev_fraction"}
STEP_KEYS = {"type", "step", "tick", "loss", "dev_loss", "lr", "hidden_activation", "output_activation",
             "dead_output", "dead_hidden", "grad_norms", "update_ratios", "status"}


def session_log(path) -> Trainer:
    """A streamed log with params, events, a divergence (non-finite numbers) and a recovery."""
    t = Trainer(TrainConfig(output_activation="linear", normalize=True, dev_fraction=0.25), story_problem())
    w = RunLogWriter(path, t, with_params=True)
    for lr in (0.01, 5.0, 0.01):
        t.set_lr(lr)
        for _ in range(60):
            if t.status != "ok":
                break
            w.step(t.step(), t.parameters())
    w.close()
    return t


def test_every_line_parses_strictly_and_has_the_contract_keys(tmp_path):
    path = tmp_path / "a.jsonl"
    t = session_log(path)
    lines = path.read_text().splitlines()
    recs = [loads_strict(line) for line in lines]  # raises on NaN/Infinity
    for line in lines:
        assert "NaN" not in line and "Infinity" not in line
    assert recs[0]["type"] == "run" and recs[0]["version"] == VERSION
    assert RUN_CONFIG_KEYS <= set(recs[0]["config"])
    kinds = {r["type"] for r in recs}
    assert kinds == {"run", "step", "params", "event", "end"}
    steps = [r for r in recs if r["type"] == "step"]
    assert all(STEP_KEYS <= set(s) for s in steps)
    assert any(s["status"] == "diverged" and (s["loss"] is None or s["loss"] > 1e6) for s in steps)
    assert [e["name"] for e in recs if e["type"] == "event"] == ["lr", "lr", "diverged", "lr"]
    assert recs[-1] == {"type": "end", "step": t.step_count, "tick": t.tick, "status": "ok", "reason": ""}
    params = [r for r in recs if r["type"] == "params"]
    assert len(params) == len(steps) and set(params[0]) == {"type", "step", "tick", "W1", "b1", "W2", "b2"}


def test_export_lines_are_strict_and_in_tick_order(tmp_path):
    path = tmp_path / "a.jsonl"
    t = session_log(path)
    recs = [loads_strict(line) for line in export_lines(t, with_params=True)]
    ticks = [r["tick"] for r in recs[1:]]
    assert ticks == sorted(ticks)
    assert recs[-1]["type"] == "end" and recs[-2]["type"] == "params"


def write(path, text):
    path.write_text(text)
    return str(path)


def good_log(tmp_path) -> Path:
    path = tmp_path / "good.jsonl"
    t = Trainer(TrainConfig(), story_problem())
    w = RunLogWriter(path, t)
    for _ in range(5):
        w.step(t.step())
    w.close()
    return path


def bad_files(tmp_path):
    good = good_log(tmp_path).read_text()
    head = json.loads(good.splitlines()[0])
    newer = json.dumps({**head, "version": VERSION + 1}) + "\n"
    return {
        "truncated": (write(tmp_path / "cut.jsonl", good[: len(good) - 30]), "cut off (truncated log)"),
        "csv": (write(tmp_path / "data.csv", "x,y\n0,0\n1,6\n"), "not valid JSON, not a run log"),
        "foreign json": (write(tmp_path / "other.jsonl", '{"name": "x"}\n'), "no record type"),
        "other records": (write(tmp_path / "steps.jsonl", '{"type": "step", "step": 0}\n'), "first line is not a run record"),
        "newer": (write(tmp_path / "newer.jsonl", newer), f"version {VERSION + 1} is newer"),
        "empty": (write(tmp_path / "empty.jsonl", ""), "empty file"),
        "missing": (str(tmp_path / "nope.jsonl"), "no such file"),
        "folder": (str(tmp_path), "is a directory"),
    }


@pytest.mark.parametrize("kind", ["truncated", "csv", "foreign json", "other records", "newer", "empty", "missing", "folder"])
def test_bad_files_are_refused_with_one_clear_line(tmp_path, capsys, kind):
    path, why = bad_files(tmp_path)[kind]
    with pytest.raises(LogError, match=why.replace("(", r"\(").replace(")", r"\)")):
        open_log(path)
    with pytest.raises(LogError, match=why.replace("(", r"\(").replace(")", r"\)")):
        read_log(path)
    assert main(["rerun", path]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and why in err and "Traceback" not in err


def test_binary_file_is_refused(tmp_path, capsys):
    path = tmp_path / "x.bin"
    path.write_bytes(bytes(range(256)) * 4 + b"\n")
    assert main(["rerun", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "run log" in err


def test_write_atomic_keeps_the_old_file_when_writing_fails(tmp_path):
    path = tmp_path / "log.jsonl"
    path.write_text("old\n")

    def lines():
        yield "new"
        raise OSError("disk full")

    with pytest.raises(OSError):
        write_atomic(path, lines())
    assert path.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["log.jsonl"]


def test_save_session_never_overwrites(tmp_path):
    t = Trainer(TrainConfig(), story_problem())
    t.run(10)
    a = save_session(t, tmp_path / "runs", stem="run-x")
    b = save_session(t, tmp_path / "runs", stem="run-x")
    assert (a.name, b.name) == ("run-x.jsonl", "run-x-2.jsonl")
    assert len(read_log(b).steps) == 10


def start_run(tmp_path, *extra):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "tui_trainer", "run", "--steps", "100000000", *extra],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for_lines(path: Path, n: int, proc) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().count("\n") >= n:
            return
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    raise AssertionError("the run did not start logging")


@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_an_interrupted_run_leaves_a_valid_log_of_the_steps_done(tmp_path, capsys, signum, code):
    log, table = tmp_path / "run.jsonl", tmp_path / "run.csv"
    proc = start_run(tmp_path, "--log", str(log), "--csv", str(table), "--log-every", "3")
    wait_for_lines(log, 200, proc)
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err
    assert f"log saved to {log}" in err and "Traceback" not in err
    recs = [loads_strict(line) for line in log.read_text().splitlines()]
    end = recs[-1]
    assert end["type"] == "end" and end["reason"] == "interrupted" and end["status"] == "ok"
    steps = [r for r in recs if r["type"] == "step"]
    assert [s["step"] for s in steps] == list(range(0, 3 * len(steps), 3))
    assert end["step"] == end["tick"] >= steps[-1]["step"] + 1
    assert table.read_text().count("\n") == len(steps) + 1  # header + one row per logged step
    assert main(["rerun", str(log)]) == 0  # the steps done, bit for bit
    assert "identical" in capsys.readouterr().out


def test_ctrl_c_without_log_saves_the_session_under_runs(tmp_path, capsys):
    proc = start_run(tmp_path)
    wait_until_busy(proc, cpu=0.6)  # 0.25 s is the import: ~40k steps, so the rerun below is short
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    saved = list((tmp_path / "runs").glob("*.jsonl"))
    assert len(saved) == 1 and f"log saved to runs/{saved[0].name}" in err
    assert main(["rerun", str(saved[0])]) == 0
