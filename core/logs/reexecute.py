"""θ at any step of a logged session, by re-executing it: the run record and the events at
their ticks reproduce the session bit for bit (as `rerun` checks), so a step the log holds no
θ for still gets its exact parameters and the training screen's own snapshot."""
from __future__ import annotations

from ..diagnosis.snapshot import Snapshot, take_snapshot
from ..engine.trainer import OK, Trainer
from .reader import RunLog
from .replay import Replay
from .restore import trainer_from_log


class Reexecution:
    """Re-executes a logged session up to a tick, as core.logs.rerun does (events at their ticks, the
    fast path in between), to get θ where the log holds none. Moving forward continues from
    where it stands; moving back starts again from the run record. Not thread-safe: one caller
    at a time."""

    def __init__(self, replay: Replay) -> None:
        self.update(replay)
        self.trainer: Trainer | None = None
        self.applied = 0  # changes applied to self.trainer

    def update(self, replay: Replay) -> None:
        """More of the same log has loaded: its events so far extend the ones known (each list
        is replaced whole, so a worker thread reading the old one is not disturbed)."""
        self.replay = replay
        self.changes = [e for e in replay.events if e.get("name") != "diverged"]  # the engine's own

    def to_tick(self, tick: int, should_stop=None) -> Trainer | None:
        """The trainer with θ as it was before the step attempt at `tick`, or None when
        should_stop() turned true or the run diverged before reaching `tick`."""
        if self.trainer is None or self.trainer.tick > tick:
            r = self.replay
            self.trainer = trainer_from_log(RunLog(r.path, {"config": r.config, "data": r.data}))
            self.applied = 0
        changes = self.changes
        while True:
            nxt = changes[self.applied] if self.applied < len(changes) else None
            if nxt is not None and nxt["tick"] > tick:
                nxt = None
            if not self._advance(nxt["tick"] if nxt else tick, should_stop):
                return None
            if nxt is None:
                return self.trainer
            self.trainer.apply_event(nxt["name"], nxt["value"])
            self.applied += 1

    def _advance(self, tick: int, should_stop) -> bool:
        t = self.trainer
        while t.tick < tick and t.status == OK:
            t.run(tick - t.tick, should_stop)
            if should_stop is not None and should_stop():
                return False
        return t.tick == tick

    def snapshot(self, row: int, should_stop=None) -> Snapshot | None:
        """The training screen's own snapshot (findings included) at `row`, re-executed."""
        return self.snapshot_at_tick(int(self.replay.tick[row]), should_stop)

    def snapshot_at_tick(self, tick: int, should_stop=None) -> Snapshot | None:
        t = self.to_tick(tick, should_stop)
        return None if t is None else take_snapshot(t)
