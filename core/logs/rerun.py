"""Rerun: re-execute a logged run and check that every logged number comes out the same.

A log holds the run's first config and data (the `run` record), every change made between
steps (`event` records) and the steps it kept (`step`, optionally `params`). Each record
carries `tick`, the trainer's monotonic count of step attempts, so replaying the events at
their tick and stepping to each logged tick re-executes the session exactly, even across a
reset or a divergence rollback (step numbers repeat there; ticks never do). Floats in the
log are shortest-repr, so a logged loss is compared to the rerun's bit for bit.

No file I/O here: the caller opens the log (core.logs.reader.open_log) and passes its records.
"""
from __future__ import annotations

import math
import struct
from dataclasses import dataclass, field
from typing import Callable, Iterable

import numpy as np

from ..engine.trainer import DIVERGED, OK, StepRecord, Trainer

from .order import InTickOrder, RerunError, in_tick_order

__all__ = ["InTickOrder", "Mismatch", "RerunError", "RerunResult", "count_steps", "in_tick_order", "rerun",
           "same_float", "ulps"]
MAX_LISTED = 10


@dataclass(frozen=True)
class Mismatch:
    tick: int
    step: int
    what: str            # "loss", "dev_loss", "step", "params W1", "divergence", "end"
    logged: object
    rerun: object

    def describe(self) -> str:
        head = f"step {self.step} (tick {self.tick})"
        if self.what in ("loss", "dev_loss") and _is_num(self.logged) and _is_num(self.rerun):
            d = self.rerun - self.logged
            return (f"{head}: logged {self.what} {self.logged!r}, rerun {self.rerun!r} "
                    f"(differs by {d:.3g}, {ulps(self.logged, self.rerun)} ulp)")
        return f"{head}: logged {self.what} {_show(self.logged)}, rerun {_show(self.rerun)}"

    def to_dict(self) -> dict:
        d = {"step": self.step, "tick": self.tick, "what": self.what,
             "logged": _jsonable(self.logged), "rerun": _jsonable(self.rerun)}
        if self.what in ("loss", "dev_loss") and _is_num(self.logged) and _is_num(self.rerun):
            d["difference"] = self.rerun - self.logged
            d["ulps"] = ulps(self.logged, self.rerun)
        return d


@dataclass
class RerunResult:
    steps_compared: int = 0
    params_compared: int = 0
    events_applied: int = 0
    differences: int = 0
    mismatches: list[Mismatch] = field(default_factory=list)  # the first MAX_LISTED
    stopped: str = ""        # why the rerun could not go on, if it stopped early
    complete: bool = False   # the log had an end record and the rerun reached it
    steps: int = 0
    status: str = OK

    @property
    def identical(self) -> bool:
        return self.differences == 0 and not self.stopped

    def add(self, m: Mismatch) -> None:
        self.differences += 1
        if len(self.mismatches) < MAX_LISTED:
            self.mismatches.append(m)


def ulps(a: float, b: float) -> int:
    """How many representable doubles apart a and b are."""
    def key(x: float) -> int:
        i = struct.unpack("<q", struct.pack("<d", x))[0]
        return i if i >= 0 else -(i & 0x7FFFFFFFFFFFFFFF)
    return abs(key(a) - key(b))


def same_float(logged, value) -> bool:
    """Bit-for-bit equality, where a logged null stands for any non-finite value."""
    if logged is None or value is None:
        return (logged is None or not math.isfinite(logged)) and (value is None or not math.isfinite(value))
    if not math.isfinite(value):
        return False
    return struct.pack("<d", float(logged)) == struct.pack("<d", float(value))


def _is_num(x) -> bool:
    return isinstance(x, float) and math.isfinite(x)


def _show(x) -> str:
    if x is None:
        return "null"
    return repr(x)


def _jsonable(x):
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def count_steps(records: Iterable[tuple[int, dict]]) -> int:
    """Step records among (line number, record) pairs: a log without any has nothing to
    compare, which a caller says at once instead of re-executing up to its end tick."""
    return sum(1 for _, rec in records if rec.get("type") == "step")


# ---- the rerun ---------------------------------------------------------------------------------

def rerun(trainer: Trainer, records: Iterable[tuple[int, dict]],
          on_step: Callable[[StepRecord, dict | None], None] | None = None) -> RerunResult:
    """Re-execute the logged session on `trainer` (fresh, from core.logs.restore.trainer_from_log).

    `records` are (line number, record) pairs after the run record. `on_step(record, params)`
    sees every step the log held (params too when the log had them there), e.g. to write the
    rerun's own log. Raises RerunError for a record the rerun cannot use."""
    res = RerunResult()
    pending_params: dict | None = None
    for lineno, rec in in_tick_order(records):
        kind, tick = rec["type"], rec["tick"]
        if not _advance(trainer, tick, res):
            break
        if kind == "event":
            _event(trainer, lineno, rec, res)
        elif kind == "params":
            pending_params = _params(trainer, lineno, rec, res)
        elif kind == "step":
            _step(trainer, lineno, rec, res, on_step, pending_params)
            pending_params = None
        elif kind == "end":
            _end(trainer, rec, res)
        if res.stopped:
            break
    res.steps, res.status = trainer.step_count, trainer.status
    return res


def _advance(trainer: Trainer, tick: int, res: RerunResult) -> bool:
    """Step (fast path, no records) until `tick` step attempts have been made."""
    while trainer.tick < tick and trainer.status == OK:
        trainer.run(tick - trainer.tick)
    if trainer.tick == tick:
        return True
    if trainer.tick > tick:
        res.stopped = f"the log goes back to tick {tick} after tick {trainer.tick}: records out of order"
    else:
        res.stopped = (f"the rerun diverged at step {trainer.step_count} (tick {trainer.tick}) "
                       f"where the logged run went on to tick {tick}: {trainer.diverged_reason}")
    res.add(Mismatch(trainer.tick, trainer.step_count, "divergence", "ok", trainer.status))
    return False


def _event(trainer: Trainer, lineno: int, rec: dict, res: RerunResult) -> None:
    name, value, step = rec.get("name"), rec.get("value"), rec.get("step")
    if name == "diverged":
        # The engine's own report, not a user change: check it happened here too.
        if trainer.status != DIVERGED or trainer.step_count != step:
            res.add(Mismatch(rec["tick"], step if isinstance(step, int) else -1, "divergence",
                             "diverged", trainer.status if trainer.status != DIVERGED
                             else f"diverged at step {trainer.step_count}"))
            res.stopped = f"the logged run diverged at step {step}; the rerun did not"
        return
    try:
        trainer.apply_event(name, value)
    except (ValueError, TypeError) as e:
        raise RerunError(f"line {lineno}: cannot re-apply event {name!r} = {value!r} ({e})") from None
    res.events_applied += 1
    if step != trainer.step_count:  # an event's step is the one after the change (0 after a reset)
        res.add(Mismatch(rec["tick"], trainer.step_count, "step", step, trainer.step_count))


def _params(trainer: Trainer, lineno: int, rec: dict, res: RerunResult) -> dict:
    logged = {}
    for k, mine in trainer.params.items():
        if k not in rec:
            raise RerunError(f"line {lineno}: params record has no {k}")
        try:
            a = np.array(rec[k], dtype=float)  # null (non-finite) reads as nan
        except (TypeError, ValueError):
            raise RerunError(f"line {lineno}: params record has a malformed {k}") from None
        logged[k] = a
        if a.shape != mine.shape or not _same_array(a, mine):
            res.add(Mismatch(rec["tick"], trainer.step_count, f"params {k}",
                             _first_diff(a, mine)[0], _first_diff(a, mine)[1]))
    res.params_compared += 1
    return {k: v.copy() for k, v in trainer.params.items()}


def _same_array(a: np.ndarray, b: np.ndarray) -> bool:
    fa, fb = np.isfinite(a), np.isfinite(b)
    if not np.array_equal(fa, fb):
        return False
    return bool(np.array_equal(a[fa], b[fb]) and np.array_equal(np.signbit(a[fa]), np.signbit(b[fb])))


def _first_diff(a: np.ndarray, b: np.ndarray) -> tuple[object, object]:
    if a.shape != b.shape:
        return f"shape {a.shape}", f"shape {b.shape}"
    fa, fb = np.isfinite(a), np.isfinite(b)
    bad = (fa != fb) | (fa & fb & (a != b))
    i = tuple(int(j) for j in np.argwhere(bad)[0]) if bad.any() else (0,) * a.ndim
    return (float(a[i]) if fa[i] else None), (float(b[i]) if fb[i] else None)


def _step(trainer: Trainer, lineno: int, rec: dict, res: RerunResult, on_step, params) -> None:
    if "loss" not in rec or not isinstance(rec.get("step"), int):
        raise RerunError(f"line {lineno}: step record has no step number or loss")
    if trainer.status != OK:
        res.add(Mismatch(rec["tick"], rec["step"], "divergence", "ok", trainer.status))
        res.stopped = f"the rerun had diverged before logged step {rec['step']}: {trainer.diverged_reason}"
        return
    if rec["step"] != trainer.step_count:
        res.add(Mismatch(rec["tick"], rec["step"], "step", rec["step"], trainer.step_count))
    r = trainer.step()
    res.steps_compared += 1
    if not same_float(rec["loss"], r.loss):
        res.add(Mismatch(r.tick, rec["step"], "loss", rec["loss"], r.loss))
    elif "dev_loss" in rec and not same_float(rec["dev_loss"], r.dev_loss):
        res.add(Mismatch(r.tick, rec["step"], "dev_loss", rec["dev_loss"], r.dev_loss))
    if on_step is not None:
        on_step(r, params)


def _end(trainer: Trainer, rec: dict, res: RerunResult) -> None:
    status = rec.get("status")
    if status != trainer.status or rec.get("step") != trainer.step_count:
        res.add(Mismatch(rec["tick"], trainer.step_count, "end",
                         f"{status} at step {rec.get('step')}", f"{trainer.status} at step {trainer.step_count}"))
    res.complete = True
