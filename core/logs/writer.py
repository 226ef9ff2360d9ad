"""Writing run logs: streamed as training goes (RunLogWriter), or a whole session in one go
(export_lines, and save_session on quit, atomic through core.files.write_atomic)."""
from __future__ import annotations

import time
from pathlib import Path
from typing import IO, Iterable

import numpy as np

from ..files import open_for_writing, unique_path, write_atomic
from ..engine.trainer import StepRecord, Trainer
from .record import dumps, end_record, event_record, params_record, run_record, step_record


class RunLogWriter:
    """Streams a run log as training goes, so an interrupted run keeps what it did."""

    def __init__(self, path: str | Path, trainer: Trainer, with_params: bool = False):
        self.path = Path(path)
        self.with_params = with_params
        self._f: IO[str] = open_for_writing(self.path)
        self.write(run_record(trainer))
        for e in trainer.events:
            self.write(event_record(e))
        self._listener = lambda e: self.write(event_record(e))
        trainer.listeners.append(self._listener)
        self._trainer = trainer

    def write(self, record: dict) -> None:
        try:
            self._f.write(dumps(record) + "\n")
        except OSError as e:
            raise OSError(f"{self.path}: cannot write ({e.strerror or e})") from None

    def step(self, r: StepRecord, params: dict[str, np.ndarray] | None = None) -> None:
        if self.with_params and params is not None:
            self.write(params_record(r.step, r.tick, params))
        self.write(step_record(r))

    def close(self, reason: str = "") -> None:
        if self._f.closed:
            return
        try:
            self.write(end_record(self._trainer, reason))
        finally:
            self._detach()
            try:
                self._f.close()  # flushes: a full disk may only show up here
            except OSError as e:
                raise OSError(f"{self.path}: cannot write ({e.strerror or e})") from None

    def abandon(self) -> None:
        """Stop logging after a write failed: detach from the trainer and close without an
        `end` record, so the file reads as incomplete rather than as a finished run."""
        self._detach()
        try:
            self._f.close()
        except OSError:
            pass

    def _detach(self) -> None:
        if self._listener in self._trainer.listeners:
            self._trainer.listeners.remove(self._listener)


def export_lines(trainer: Trainer, with_params: bool = False,
                 earlier_steps: Iterable[StepRecord] = ()) -> list[str]:
    """The whole session as a run log: all events, and the step records the bounded history
    still holds (every step of a short run; an even thinning of a long one). A reset starts
    the history afresh, so a session passes the steps it kept from before its resets as
    `earlier_steps`: the log then holds every part of the session."""
    recs: list[tuple[int, int, dict]] = []
    for e in trainer.events:
        recs.append((e.tick, 0, event_record(e)))
    for r in (*earlier_steps, *map(trainer.record_from_row, trainer.history.rows())):
        recs.append((r.tick, 1, step_record(r)))
    recs.sort(key=lambda x: (x[0], x[1]))  # events before the step of the same tick
    lines = [dumps(run_record(trainer))]
    lines += [dumps(r) for _, _, r in recs]
    if with_params:
        lines.append(dumps(params_record(trainer.step_count, trainer.tick, trainer.parameters())))
    lines.append(dumps(end_record(trainer)))
    return lines


def save_session(trainer: Trainer, folder: str | Path = "runs", stem: str | None = None) -> Path:
    """Save the whole session (export_lines) atomically under `folder`; returns the path."""
    if stem is None:
        stem = "run-" + time.strftime("%Y%m%d-%H%M%S")
    return write_atomic(unique_path(folder, stem), export_lines(trainer))
