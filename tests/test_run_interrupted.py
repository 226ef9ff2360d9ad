"""Headless `run` when its output cannot go where it should: Ctrl+C with runs/ unwritable or the
working folder deleted still prints the summary and "interrupted after N steps", saving the
session under the temporary folder instead (and saying so); a log that failed (full disk) is
never named in the summary as if it were whole."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from core.engine.config import TrainConfig
from core.engine.data import story_problem
from core.engine.trainer import Trainer
from core.logs.reader import read_log
from proc_wait import wait_until_busy
from tui_trainer.cli import main
from tui_trainer.commands.run import save_on_stop

ROOT = Path(__file__).resolve().parents[1]


def interrupted_run(cwd: Path, tmpdir: Path, before_signal=None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(tmpdir)}
    proc = subprocess.Popen([sys.executable, "-m", "tui_trainer", "run", "--steps", "100000000"], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_until_busy(proc, cpu=1.5)
    if before_signal is not None:
        before_signal()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def check_saved_elsewhere(p, tmpdir: Path, capsys) -> None:
    assert p.returncode == 130, p.stderr
    assert p.stdout.startswith("steps ") and "train loss J" in p.stdout  # the summary
    assert "Traceback" not in p.stderr
    saved = list((tmpdir / "tui-trainer-runs").glob("run-*.jsonl"))
    assert len(saved) == 1
    lines = p.stderr.splitlines()
    assert lines[0].startswith("tui-trainer: runs: cannot create folder") and lines[0].endswith(
        f"saved under {tmpdir / 'tui-trainer-runs'} instead")
    steps = read_log(saved[0]).end["step"]
    assert lines[1] == f"tui-trainer: interrupted after {steps} steps; log saved to {saved[0]}"
    assert main(["rerun", str(saved[0])]) == 0
    capsys.readouterr()


def test_ctrl_c_with_runs_unwritable_saves_under_the_temporary_folder(tmp_path, capsys):
    work, tmpdir = tmp_path / "work", tmp_path / "tmp"
    work.mkdir()
    tmpdir.mkdir()
    (work / "runs").write_text("a file where the folder should be\n")  # unwritable even for root
    check_saved_elsewhere(interrupted_run(work, tmpdir), tmpdir, capsys)


def test_ctrl_c_after_the_working_folder_was_deleted(tmp_path, capsys):
    work, tmpdir = tmp_path / "work", tmp_path / "tmp"
    work.mkdir()
    tmpdir.mkdir()
    check_saved_elsewhere(interrupted_run(work, tmpdir, lambda: shutil.rmtree(work)), tmpdir, capsys)


def test_when_nowhere_can_be_written_the_message_says_why(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "runs").write_text("")
    (tmp_path / "blocked").write_text("")
    monkeypatch.setattr("tempfile.gettempdir", lambda: str(tmp_path / "blocked"))
    trainer = Trainer(TrainConfig(), story_problem())
    trainer.run(5)
    path, why = save_on_stop(trainer)
    assert path is None
    assert why.startswith("runs: cannot create folder") and "blocked/tui-trainer-runs: cannot create folder" in why


def test_a_log_that_filled_the_disk_is_not_named_as_whole(tmp_path):
    log = tmp_path / "run.jsonl"
    code = ("import resource, signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
            "resource.setrlimit(resource.RLIMIT_FSIZE, (32768, resource.getrlimit(resource.RLIMIT_FSIZE)[1])); "
            "from tui_trainer.cli import main; sys.exit(main(sys.argv[1:]))")
    p = subprocess.run([sys.executable, "-c", code, "run", "--steps", "3000", "--log", str(log)],
                       cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert p.stdout.startswith("steps 3000  status ok")
    assert f"log: {log} (incomplete: writing it failed, see above)" in p.stdout
    assert f"log: {log}\n" not in p.stdout
