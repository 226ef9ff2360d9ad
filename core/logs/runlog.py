"""The run log: JSON Lines, a public contract (documented in README.md).

Every line is one JSON object with a `type`: `run` (first line: version, config, data),
`step`, `params`, `event`, and `end` (status when the log was closed). Floats are written
with Python's shortest round-trip repr; NaN and Infinity never appear (they become null), so
a strict JSON parser reads every line.
"""
from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Iterator

import numpy as np

from ..files import clean, open_for_writing, unique_path, write_atomic
from ..engine.config import TrainConfig
from ..engine.data import Dataset, Split, prepare
from ..engine.trainer import Event, StepRecord, Trainer

VERSION = 1


class LogError(ValueError):
    """A file that is not a readable run log; the message is one line."""


def dumps(obj) -> str:
    return json.dumps(clean(obj), allow_nan=False, separators=(", ", ": "))


def _reject_constant(name: str):
    raise ValueError(f"non-standard JSON constant {name}")


def loads_strict(line: str):
    return json.loads(line, parse_constant=_reject_constant)


# ---- records ---------------------------------------------------------------------------

def run_record(trainer: Trainer) -> dict:
    """The session as it began: the first config and the data it trained on. Changes since
    then are `event` records, so replaying them on this header reproduces the run."""
    c, raw, split = trainer.initial_config, trainer.dataset, trainer.split
    d = prepare(raw, split, c.normalize)
    cfg = c.to_dict(raw.n_x)
    return {
        "type": "run", "version": VERSION, "config": cfg,
        "data": {
            "X": d.X, "Y": d.Y, "X_dev": d.X_dev, "Y_dev": d.Y_dev,
            "normalize": d.normalize, "x_mean": d.x_mean, "x_std": d.x_std,
            "y_mean": d.y_mean, "y_std": d.y_std,
            "train_idx": split.train_idx, "dev_idx": split.dev_idx,
            "raw": {"X": raw.X, "Y": raw.Y, "feature_names": list(raw.feature_names),
                    "target_name": raw.target_name, "source": raw.source},
        },
    }


def step_record(r: StepRecord) -> dict:
    return {"type": "step", "step": r.step, "tick": r.tick, "loss": r.loss, "dev_loss": r.dev_loss,
            "lr": r.lr, "hidden_activation": r.hidden_activation, "output_activation": r.output_activation,
            "dead_output": r.dead_output, "dead_hidden": list(r.dead_hidden),
            "grad_norms": r.grad_norms, "update_ratios": r.update_ratios, "status": r.status}


def params_record(step: int, tick: int, params: dict[str, np.ndarray]) -> dict:
    return {"type": "params", "step": step, "tick": tick, **params}


def event_record(e: Event) -> dict:
    return {"type": "event", "step": e.step, "tick": e.tick, "name": e.name, "value": e.value}


def end_record(trainer: Trainer, reason: str = "") -> dict:
    return {"type": "end", "step": trainer.step_count, "tick": trainer.tick, "status": trainer.status,
            "reason": trainer.diverged_reason or reason}


# ---- writing -------------------------------------------------------------------------------

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
            if self._listener in self._trainer.listeners:
                self._trainer.listeners.remove(self._listener)
            try:
                self._f.close()  # flushes: a full disk may only show up here
            except OSError as e:
                raise OSError(f"{self.path}: cannot write ({e.strerror or e})") from None

    def abandon(self) -> None:
        """Stop logging after a write failed: detach from the trainer and close without an
        `end` record, so the file reads as incomplete rather than as a finished run."""
        if self._listener in self._trainer.listeners:
            self._trainer.listeners.remove(self._listener)
        try:
            self._f.close()
        except OSError:
            pass


def export_lines(trainer: Trainer, with_params: bool = False) -> list[str]:
    """The whole session as a run log: all events, and the step records the bounded history
    still holds (every step of a short run; an even thinning of a long one)."""
    recs: list[tuple[int, int, dict]] = []
    for e in trainer.events:
        recs.append((e.tick, 0, event_record(e)))
    for row in trainer.history.rows():
        r = trainer.record_from_row(row)
        recs.append((r.tick, 1, step_record(r)))
    recs.sort(key=lambda x: (x[0], x[1]))
    lines = [dumps(run_record(trainer))]
    lines += [dumps(r) for _, _, r in recs]
    if with_params:
        lines.append(dumps(params_record(trainer.step_count, trainer.tick, trainer.parameters())))
    lines.append(dumps(end_record(trainer)))
    return lines


# ---- reading -------------------------------------------------------------------------------

@dataclass
class RunLog:
    path: str
    header: dict
    records: list[dict] = field(default_factory=list)

    @property
    def steps(self) -> list[dict]:
        return [r for r in self.records if r.get("type") == "step"]

    @property
    def events(self) -> list[dict]:
        return [r for r in self.records if r.get("type") == "event"]

    @property
    def end(self) -> dict | None:
        ends = [r for r in self.records if r.get("type") == "end"]
        return ends[-1] if ends else None


def read_log(path: str | Path) -> RunLog:
    p = Path(path)
    if not p.exists():
        raise LogError(f"{p}: no such file")
    if p.is_dir():
        raise LogError(f"{p}: is a directory, not a run log")
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise LogError(f"{p}: not a readable run log ({e.__class__.__name__})") from None
    lines = text.splitlines()
    if not lines:
        raise LogError(f"{p}: empty file, not a run log")
    records = []
    for i, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            rec = loads_strict(line)
        except ValueError:
            if i == len(lines) and not text.endswith("\n"):
                raise LogError(f"{p}: line {i} is cut off (truncated log)") from None
            raise LogError(f"{p}: line {i} is not valid JSON, not a run log") from None
        if not isinstance(rec, dict) or "type" not in rec:
            raise LogError(f"{p}: line {i} has no record type, not a run log")
        records.append(rec)
    head = records[0]
    check_header(p, head)
    return RunLog(str(p), head, records[1:])


def check_header(p: Path, head: dict) -> None:
    """Raise LogError unless `head` is a run record this version can read."""
    if head.get("type") != "run":
        raise LogError(f"{p}: first line is not a run record, not a run log")
    v = head.get("version")
    if not isinstance(v, int) or isinstance(v, bool):
        raise LogError(f"{p}: run record has no format version")
    if v > VERSION:
        raise LogError(f"{p}: log format version {v} is newer than this tui-trainer reads ({VERSION})")
    for key in ("config", "data"):
        if not isinstance(head.get(key), dict):
            raise LogError(f"{p}: run record has no {key}")


def _parse_line(p: Path, i: int, line: str, last: bool) -> dict:
    try:
        rec = loads_strict(line)
    except ValueError:
        if last:
            raise LogError(f"{p}: line {i} is cut off (truncated log)") from None
        raise LogError(f"{p}: line {i} is not valid JSON, not a run log") from None
    if not isinstance(rec, dict) or "type" not in rec:
        raise LogError(f"{p}: line {i} has no record type, not a run log")
    return rec


def _check_tail(p: Path, f: IO[bytes]) -> None:
    """A log whose last line lacks its newline and does not parse was cut off mid-write."""
    f.seek(0, os.SEEK_END)
    size = f.tell()
    if size == 0:
        raise LogError(f"{p}: empty file, not a run log")
    f.seek(size - 1)
    if f.read(1) == b"\n":
        return
    chunk, pos = b"", size
    while pos > 0 and b"\n" not in chunk:
        step = min(65536, pos)
        pos -= step
        f.seek(pos)
        chunk = f.read(step) + chunk
    tail = chunk.rsplit(b"\n", 1)[-1]
    try:
        loads_strict(tail.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        n_lines = 1 + sum(block.count(b"\n") for block in _blocks(f, size - len(tail)))
        raise LogError(f"{p}: line {n_lines} is cut off (truncated log)") from None


def _blocks(f: IO[bytes], end: int):
    f.seek(0)
    left = end
    while left > 0:
        b = f.read(min(1 << 20, left))
        if not b:
            return
        left -= len(b)
        yield b


def open_log(path: str | Path) -> tuple[RunLog, Iterator[tuple[int, dict]]]:
    """A run log read line by line, for logs too long to hold in memory: the checked run
    record (as a RunLog with no records) and an iterator of (line number, record) for the
    rest. A truncated last line, a foreign file or a newer version is refused up front."""
    p = Path(path)
    if not p.exists():
        raise LogError(f"{p}: no such file")
    if p.is_dir():
        raise LogError(f"{p}: is a directory, not a run log")
    try:
        with open(p, "rb") as fb:
            _check_tail(p, fb)
        f = open(p, encoding="utf-8")
        first = f.readline()
    except (OSError, UnicodeDecodeError) as e:
        raise LogError(f"{p}: not a readable run log ({e.__class__.__name__})") from None
    head = _parse_line(p, 1, first, last=False)
    check_header(p, head)
    return RunLog(str(p), head), _iter_records(p, f)


def _iter_records(p: Path, f: IO[str]) -> Iterator[tuple[int, dict]]:
    with f:
        i = 1
        try:
            for line in f:
                i += 1
                if line.strip():
                    yield i, _parse_line(p, i, line, last=False)
        except UnicodeDecodeError:
            raise LogError(f"{p}: line {i} is not text, not a run log") from None


# ---- saving a session on quit ------------------------------------------------------------

def save_session(trainer: Trainer, folder: str | Path = "runs", stem: str | None = None) -> Path:
    """Save the whole session (export_lines) atomically under `folder`; returns the path."""
    if stem is None:
        stem = "run-" + time.strftime("%Y%m%d-%H%M%S")
    return write_atomic(unique_path(folder, stem), export_lines(trainer))


def trainer_from_log(log: RunLog) -> Trainer:
    """A trainer in the state the logged run started from."""
    cfg = dict(log.header["config"])
    data = log.header["data"]
    try:
        raw = data["raw"]
        ds = Dataset(np.array(raw["X"], dtype=float), np.array(raw["Y"], dtype=float),
                     tuple(raw.get("feature_names", ["x"])), raw.get("target_name", "y"), raw.get("source", "log"))
        split = Split(np.array(data["train_idx"], dtype=int), np.array(data["dev_idx"], dtype=int))
        config = TrainConfig(
            hidden=tuple(int(n) for n in cfg["layer_dims"][1:-1]),
            hidden_activation=cfg["hidden_activation"], output_activation=cfg["output_activation"],
            leaky_slope=float(cfg.get("leaky_slope", 0.01)), loss=cfg["loss"], lr=float(cfg["lr"]),
            init=cfg["init"], seed=int(cfg["seed"]), normalize=bool(cfg["normalize"]),
            dev_fraction=float(cfg.get("dev_fraction", 0.0)))
    except (KeyError, TypeError, ValueError, IndexError) as e:
        raise LogError(f"{log.path}: run record is incomplete or invalid ({e})") from None
    return Trainer(config, ds, split)
