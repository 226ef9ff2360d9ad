"""What the app keeps of the training process's state, so a killed training process (kill -9,
out of memory) loses no more than it trained after its last frame.

With each frame the training process first sends a `Checkpoint`: the trainer's state as it
pickles (Trainer.__getstate__: θ, settings, events, counters) without the dataset and split,
which the app already has. The bounded history (about 1.4 MB) and the session's steps from
before resets come along after each command, while paused, and every HISTORY_SECONDS while
running. With every frame it cost training 10–20 % of its speed (the child waits on the pipe
for the app to read 1.4 MB ten times a second), so a kill loses the step records of up to
the last second, never θ: `Keeper.records_step` says where the records end, and the quit line
says which records are gone (a kill in the first second after `r` left none at all, and the
saved "run up to step N" said nothing of it). The app's `Keeper` holds the newest
one and, if the process dies, rebuilds a Trainer from it: to save the run on quit, to export it,
and to start a new training process at the last θ the screen showed.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from core.engine.history import History
from core.engine.records import StepRecord
from core.engine.trainer import Trainer

HISTORY_SECONDS = 1.0
_KEPT_BY_APP = ("dataset", "split")   # the app's copy serves: never sent again


@dataclass(frozen=True)
class Checkpoint:
    state: dict                              # Trainer.__getstate__() without the data and history
    step: int
    saved_mark: tuple[int, int]              # what the last export covered (Session._saved_mark)
    history: History | None = None           # None: the last one sent still stands
    earlier: tuple[StepRecord, ...] | None = None   # Session._earlier, sent with the history


def take(session, with_history: bool) -> Checkpoint:
    """A checkpoint of the session's trainer; call it in the thread that owns the trainer."""
    t = session._trainer
    return Checkpoint(_without_data(t), t.step_count, session._saved_mark,
                      t.history if with_history else None,
                      tuple(session._earlier) if with_history else None)


class Sender:
    """The training process's side: a checkpoint for each frame, the history only when due."""

    def __init__(self) -> None:
        self._applied = -1
        self._history_at = -HISTORY_SECONDS

    def checkpoint(self, session, frame) -> Checkpoint:
        now = time.monotonic()
        full = (frame.applied != self._applied or not frame.running
                or now - self._history_at >= HISTORY_SECONDS)
        self._applied = frame.applied
        if full:
            self._history_at = now
        return take(session, with_history=full)


class Keeper:
    """The app's side: the newest checkpoint, and the trainer rebuilt from it on demand."""

    def __init__(self, trainer: Trainer) -> None:
        self._data = {key: getattr(trainer, key) for key in _KEPT_BY_APP}
        self._last = Checkpoint(_without_data(trainer), trainer.step_count, (trainer.tick, len(trainer.events)),
                                trainer.history, ())
        self._history, self._earlier = trainer.history, ()
        self._trainer: Trainer | None = None

    def keep(self, checkpoint: Checkpoint) -> None:
        self._last = checkpoint
        if checkpoint.history is not None:
            self._history, self._earlier = checkpoint.history, checkpoint.earlier
        self._trainer = None

    @property
    def step(self) -> int:
        return self._last.step

    @property
    def records_step(self) -> int | None:
        """The step of the newest step record kept (None: none), at most `step`: the records
        of the steps between the two went with a killed training process."""
        row = self._history.last()
        return None if row is None else int(row[self._history.col["step"]])

    def trainer(self) -> Trainer:
        """A trainer at the newest checkpoint (the same object until the next one arrives)."""
        if self._trainer is None:
            t = Trainer.__new__(Trainer)
            t.__setstate__({**self._last.state, **self._data, "history": self._history})
            self._trainer = t
        return self._trainer

    def resume(self) -> dict:
        """What a Session needs besides the trainer to go on as the lost one would have."""
        return {"earlier": list(self._earlier), "saved_mark": self._last.saved_mark}


def resume_session(session, resume: dict | None) -> None:
    """Give a new Session the steps from before resets and the export mark of the lost one."""
    if resume:
        session._earlier = list(resume["earlier"])
        session._saved_mark = tuple(resume["saved_mark"])


def _without_data(trainer: Trainer) -> dict:
    state = trainer.__getstate__()
    for key in (*_KEPT_BY_APP, "history"):
        state.pop(key)
    return state
