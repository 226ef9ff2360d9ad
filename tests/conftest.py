"""Shared fixtures, and the list of slow tests. Keep this small: helpers used by one test file
live in that file."""
from __future__ import annotations

import compileall
import time
from pathlib import Path

import pytest

# Tests that take many seconds of CPU or of a running TUI get the `slow` marker here (a test
# may also carry @pytest.mark.slow itself). The default run deselects them (pyproject's
# addopts: -m "not slow"); `.ci/run` runs them after the README's command with
# `python3 -m pytest -m slow`. The key is file::function (every parameter set of it) or
# file::function[id] (that one); tests/test_suite_rules.py checks that each entry still names a
# test. The default run keeps one test of each guarantee; the variants and stress tests of a
# guarantee it already covers come here.
SLOW = {
    "test_faults.py::test_soak_one_million_steps_cli": "1,000,000 headless steps and a 10,000-step reference run",
    "test_faults.py::test_soak_history_stays_bounded": "200,000 steps to show the history's memory is fixed",
    "test_tui_reliability.py::test_long_run_keeps_memory_bounded": "100,000 steps through the TUI (soak)",
    "test_tui_reliability.py::test_resizing_while_training_runs": "six resizes, each waiting for training to go on",
    "test_tui_reliability.py::test_plus_while_running_until_it_diverges": "doubles the rate every 2,000 steps until it diverges",
    "test_app.py::test_small_terminals_and_resizes_never_crash": "resizes while training runs",
    "test_tui_reliability.py::test_every_size_draws_and_trains":
        "six sizes, each trained and drawn (tests/test_screen_sizes.py covers 80x24, 120x40 and 200x60 by default)",
    "test_tui_reliability.py::test_divergence_is_shown_with_its_cause_and_minus_continues":
        "runs until it diverges, then 24 rate halvings (test_app.py's divergence test is the default's)",
    "test_tui_reliability_ii.py::test_the_palette_under_fast_keys": "a storm of keys with the palette open",
    "test_key_fuzz.py::test_random_keys_then_close[12-q]":
        "the small fuzz's second ending (its SIGHUP ending runs by default; bench/fuzz_keys.py is the long run)",
    "test_tui_reliability_ii.py::test_working_folder_deleted_while_running":
        "a fault while running (the default's quit-save tests cover saving)",
    "test_tui_reliability.py::test_quit_while_running_saves_the_run_log[ctrl+c]":
        "Ctrl+C is the same quit as q in Pilot (the real terminal's Ctrl+C runs by default)",
    "test_training_process_lost.py::test_keys_after_the_training_process_is_killed":
        "every key after a kill, an export and a restart (the quit after a kill runs by default)",
    "test_run_interrupted.py::test_ctrl_c_with_runs_unwritable_saves_under_the_temporary_folder":
        "a headless run that must use CPU time before its Ctrl+C (test_runlog.py's runs by default)",
    "test_run_interrupted.py::test_ctrl_c_after_the_working_folder_was_deleted":
        "a headless run that must use CPU time before its Ctrl+C (test_runlog.py's runs by default)",
}


def pytest_configure(config):
    # Compile the package once, here in the main process, before xdist starts its workers.
    # Without it, where PYTHONDONTWRITEBYTECODE is set (or on a fresh clone, where all four
    # workers start at once) every worker, and every CLI a test starts in a subprocess
    # (~150 of them), compiled all of core/ and tui_trainer/ again: ~8% of the suite's CPU.
    if not hasattr(config, "workerinput"):
        root = Path(__file__).resolve().parent.parent
        for package in ("core", "tui_trainer"):
            compileall.compile_dir(root / package, quiet=1)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if {f"{item.path.name}::{item.originalname}", f"{item.path.name}::{item.name}"} & SLOW.keys():
            item.add_marker(pytest.mark.slow)


async def _wait_until(pilot, predicate, timeout: float = 20.0, what: str = "condition") -> None:
    """Let the app run until predicate() holds (the TUI trains in a thread, so tests wait for
    the frame that reflects their keys instead of sleeping a fixed time)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.01)
    await pilot.pause()


# Textual's Pilot waits, after each key and in pause(), for the process to look idle: CPU time
# advancing slower than the clock, for up to a second. With training running in the test's own
# process (the thread backend) it never is, so every key pressed while training waited two
# whole seconds (`r`, then `space` and `n`: 6 of a test's 8 s) and the training thread ran on
# meanwhile. The tests wait for what they need by predicate (settle, wait_until): the idle
# heuristic gets a tenth of a second at most.
IDLE_WAIT_MOST = 0.1


@pytest.fixture(autouse=True)
def short_idle_wait(monkeypatch):
    import textual.app
    import textual.pilot
    from textual._wait import wait_for_idle

    async def wait_for_idle_briefly(min_sleep: float = 0.02, max_sleep: float = 1) -> None:
        await wait_for_idle(min_sleep, min(max_sleep, IDLE_WAIT_MOST))
    monkeypatch.setattr(textual.app, "wait_for_idle", wait_for_idle_briefly)
    monkeypatch.setattr(textual.pilot, "wait_for_idle", wait_for_idle_briefly)


@pytest.fixture(autouse=True)
def runs_fallback(tmp_path, monkeypatch):
    """Where the TUI saves when runs/ cannot be written (tui_trainer/runs_folder.py): a folder of
    the test's own instead of the system's temporary folder."""
    from tui_trainer import runs_folder
    folder = tmp_path / "fallback-runs"
    monkeypatch.setattr(runs_folder, "fallback_folder", lambda: folder)
    return folder


@pytest.fixture
def tui_app(tmp_path):
    """Factory for the TUI on the story problem (optionally with TrainConfig changes); exports
    go to a temporary runs/ folder. Training runs in a thread, where tests may reach into the
    trainer; backend="process" gives the separate training process users get
    (tests/test_process_backend.py)."""
    from core.engine.config import TrainConfig
    from core.engine.data import story_problem
    from core.engine.trainer import Trainer
    from tui_trainer.app import TrainerApp

    def make(runs_dir=None, backend="thread", pause_on_trouble=False, pace=None, **config):
        # Pausing on trouble (the app's default) stops `r` at step 430 of the story: off here, so
        # tests of running are not about it (tests/test_pause_on_trouble*.py are).
        # pace: steps a second (the `t` key's paces, without its log event), for tests about
        # what running does to quitting or saving: at full speed training takes a whole core
        # for as long as the test waits, and a suite of them no longer fits in 2 minutes.
        trainer = Trainer(TrainConfig(**config), story_problem())
        app = TrainerApp(trainer, runs_dir=runs_dir or tmp_path / "runs", backend=backend,
                         pause_on_trouble=pause_on_trouble)
        if pace is not None:
            assert backend == "thread", "the process backend's pace is set with the t key"
            app.session._pace.pace = pace
        return app
    return make


@pytest.fixture
def settle():
    """`await settle(pilot)`: wait until every key sent has been applied and training is paused."""
    async def settle_(pilot, timeout: float = 20.0) -> None:
        await _wait_until(pilot, lambda: pilot.app.settled, timeout, "the session to settle")
    return settle_


@pytest.fixture
def wait_until():
    """`await wait_until(pilot, predicate)`: wait for a frame or notice that satisfies predicate."""
    return _wait_until
