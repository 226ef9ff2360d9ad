"""Shared fixtures. Keep this small: helpers used by one test file live in that file."""
from __future__ import annotations

import time

import pytest


async def _wait_until(pilot, predicate, timeout: float = 20.0, what: str = "condition") -> None:
    """Let the app run until predicate() holds (the TUI trains in a thread, so tests wait for
    the frame that reflects their keys instead of sleeping a fixed time)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.01)
    await pilot.pause()


@pytest.fixture
def tui_app(tmp_path):
    """Factory for the TUI on the story problem (optionally with TrainConfig changes); exports
    go to a temporary runs/ folder."""
    from core.engine.config import TrainConfig
    from core.engine.data import story_problem
    from core.engine.trainer import Trainer
    from tui_trainer.app import TrainerApp

    def make(runs_dir=None, **config):
        trainer = Trainer(TrainConfig(**config), story_problem())
        return TrainerApp(trainer, runs_dir=runs_dir or tmp_path / "runs")
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
