"""Replay: a saved run log as arrays a screen can scrub through, without training.

`ReplayLoader(head, records)` reads a log (core.logs.reader.open_log: checked records in session
order) into one row per logged step: loss, dev loss, lr, activations, dead counts, status and
the normalisation in force, plus the events, and θ_t from the log's `params` records (`run
--log-params`). It reads in slices (`feed(seconds)`), so a screen can open on the first part of
a huge log while the rest loads, and `replay()` gives what is loaded so far. Memory is bounded
whatever the log's size: rows and θ are thinned evenly past their limits (core.logs.replay_rows).
`load_replay(head, records)` reads it all at once.

What is built on a Replay lives beside it: the per-sample picture from logged θ
(core.logs.recompute), θ at any step by re-executing the session (core.logs.reexecute), and
where two logs differ (core.logs.compare). No file I/O here.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Iterable

import numpy as np

from .limits import MAX_EVENTS, MAX_ROWS
from .reader import RunLog
from .record import LogError
from .replay_rows import ACTIVATIONS, STATUSES, Names, ParamsKeeper, ParamsView, RowStore
from .order import in_tick_order

# θ kept in memory at most (floats); past this, every other params record is dropped, so a
# long --log-params log of a wide network replays in bounded memory (thinned evenly).
MAX_PARAM_FLOATS = 8_000_000


@dataclass
class Replay:
    path: str
    config: dict
    data: dict                      # the run record's data (prepared and raw)
    tick: np.ndarray                # (n,) int, one row per kept step, in session order
    step: np.ndarray                # (n,) int
    loss: np.ndarray                # (n,) float, nan where the log has null
    dev_loss: np.ndarray            # (n,) float, nan without a dev split
    lr: np.ndarray                  # (n,) float
    dead_output: np.ndarray         # (n,) int
    dead_hidden: np.ndarray         # (n, hidden layers) int
    hidden_activation: Names
    output_activation: Names
    status: Names
    normalize: np.ndarray           # (n,) bool, the normalisation in force at that step
    seed: np.ndarray                # (n,) int, the seed in force at that step
    events: list[dict]
    params: ParamsView | dict = field(default_factory=dict)  # row -> θ_t
    params_logged: int = 0          # params records in the log (more than kept if thinned)
    params_unmatched: int = 0       # params records with no step record at their tick
    end: dict | None = None
    steps_logged: int = 0           # step records read (more than n when rows were thinned)
    row_stride: int = 1             # rows kept: every row_stride-th step record (and those with θ)
    complete: bool = True           # False while the rest of the log is still loading
    # normalize -> Prepared, and the raw data, built once by core.logs.recompute
    _prepared: dict = field(default_factory=dict, repr=False)

    @property
    def n(self) -> int:
        return int(self.tick.shape[0])

    @property
    def param_rows(self) -> np.ndarray:
        """Rows that carry per-sample data, in order."""
        if isinstance(self.params, ParamsView):
            return self.params.rows
        return np.array(sorted(self.params), dtype=int)

    @property
    def tick_is_step(self) -> bool:
        """True when no reset or divergence made step numbers repeat (then tick == step)."""
        return bool(np.array_equal(self.tick, self.step))

    def row_at_tick(self, tick: float) -> int:
        """The last row at or before `tick` (0 if `tick` is before the first)."""
        return max(int(np.searchsorted(self.tick, tick, side="right")) - 1, 0)

    def events_until(self, row: int) -> int:
        """How many events happened before or at the step in `row`."""
        if not self.n:
            return 0
        t = int(self.tick[row])
        ticks = np.fromiter((e["tick"] for e in self.events), dtype=np.int64, count=len(self.events))
        return int(np.searchsorted(ticks, t, side="right"))


def _num(v) -> float:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else np.nan


class ReplayLoader:
    """Reads a log's records into a Replay, a slice at a time. Not thread-safe: one thread
    feeds it; the Replays it hands out may be read from any thread."""

    def __init__(self, head: RunLog, records: Iterable[tuple[int, dict]]) -> None:
        cfg, data = head.header["config"], head.header["data"]
        self.path, self.config, self.data = head.path, cfg, data
        self._records = iter(in_tick_order(records))  # a no-op order for open_log's records
        dims = [int(d) for d in cfg.get("layer_dims", [1, 1, 1])]
        self.n_hidden = max(len(dims) - 2, 0)
        shapes = [(f"{p}{l}", (dims[l], dims[l - 1] if p == "W" else 1))
                  for l in range(1, len(dims)) for p in ("W", "b")]
        self.keeper = ParamsKeeper(shapes, MAX_PARAM_FLOATS)
        self.rows = RowStore(self.n_hidden, MAX_ROWS, lambda: self.keeper.by_ordinal.keys())
        self.normalize = bool(data.get("normalize", cfg.get("normalize", False)))
        self.seed = int(cfg.get("seed", 0))
        self.events: list[dict] = []
        self.end: dict | None = None
        self.pending: dict | None = None   # params record waiting for its step record
        self.ordinal = 0                   # step records read
        self.last: tuple | None = None     # the newest step record when it was not kept
        self.done = False
        self._prepared: dict = {}          # shared by every Replay handed out (core.logs.recompute)

    def feed(self, seconds: float | None = None) -> bool:
        """Read records for about `seconds` (all of them for None); True once the log is read.
        Raises LogError (one line naming the file and line) for a record it cannot place."""
        deadline = None if seconds is None else time.perf_counter() + seconds
        try:
            for count, (lineno, rec) in enumerate(self._records, start=1):
                self._take(lineno, rec)
                if deadline is not None and not count % 256 and time.perf_counter() > deadline:
                    return False
        except LogError:
            raise
        except (TypeError, ValueError, KeyError, IndexError) as e:  # records that skipped open_log's checks
            raise LogError(f"{self.path}: a record replay cannot read ({e})") from None
        self._finish()
        return True

    def replay(self) -> Replay:
        """What is loaded so far, as a Replay (views: cheap, and valid while loading goes on)."""
        self.rows.flush()
        v = self.rows.views()
        return Replay(
            path=self.path, config=self.config, data=self.data, tick=v["tick"], step=v["step"],
            loss=v["loss"], dev_loss=v["dev_loss"], lr=v["lr"], dead_output=v["dead_output"],
            dead_hidden=v["dead_hidden"], hidden_activation=Names(v["hidden"], ACTIVATIONS),
            output_activation=Names(v["output"], ACTIVATIONS), status=Names(v["status"], STATUSES),
            normalize=v["normalize"], seed=v["seed"], events=list(self.events),
            params=self.keeper.by_row(v["ordinal"]), params_logged=self.keeper.seen,
            params_unmatched=self.keeper.unmatched, end=self.end, steps_logged=self.ordinal,
            row_stride=self.rows.stride, complete=self.done, _prepared=self._prepared)

    # ---- one record --------------------------------------------------------------------------
    def _take(self, lineno: int, rec: dict) -> None:
        kind = rec["type"]
        if kind == "step":
            self._step(rec)
        elif kind == "params":
            if self.pending is not None:
                self.keeper.unmatched += 1
            self.pending = rec
        elif kind == "event":
            if len(self.events) >= MAX_EVENTS:
                raise LogError(f"{self.path}: line {lineno}: more than {MAX_EVENTS:,} events, "
                               "more than a replay keeps")
            self.events.append(rec)
            if rec.get("name") == "normalize":
                self.normalize = bool(rec.get("value"))
            elif rec.get("name") == "seed":
                self.seed = int(rec["value"])
        elif kind == "end":
            self.end = rec

    def _step(self, rec: dict) -> None:
        o = self.ordinal
        self.ordinal += 1
        with_theta = False
        if self.pending is not None:
            if self.pending["tick"] == rec["tick"]:
                flat = self._flat(self.pending) if self.keeper.wants_next() else None
                with_theta = self.keeper.add(o, flat)
            else:
                self.keeper.unmatched += 1
            self.pending = None
        row = (o, rec["tick"], rec["step"], _num(rec.get("loss")), _num(rec.get("dev_loss")),
               _num(rec.get("lr")), rec.get("dead_output") or 0, _code(ACTIVATIONS, rec.get("hidden_activation")),
               _code(ACTIVATIONS, rec.get("output_activation")), _code(STATUSES, rec.get("status", "ok")),
               self.normalize, self.seed)
        dead = rec.get("dead_hidden") or [0] * self.n_hidden
        if with_theta or self.rows.wanted(o):
            self.rows.add(row, dead)
            self.last = None
        else:
            self.last = (row, dead)

    def _flat(self, rec: dict) -> np.ndarray:
        return np.concatenate([np.asarray(rec[k], dtype=float).ravel() for k, _ in self.keeper.shapes])

    def _finish(self) -> None:
        if self.pending is not None:
            self.keeper.unmatched += 1  # e.g. the TUI export's end-of-session θ: no logged loss with it
            self.pending = None
        if self.last is not None:
            self.rows.add(*self.last)   # the last step is always shown, whatever the thinning
            self.last = None
        self.rows.flush()
        self.done = True


def _code(names: tuple[str, ...], name) -> int:
    try:
        return names.index(name)
    except ValueError:
        return len(names) - 1  # "?"


def load_replay(head: RunLog, records: Iterable[tuple[int, dict]]) -> Replay:
    """Read a whole log (records from core.logs.reader.open_log) into a Replay. Raises LogError
    (one line) for a record a replay cannot place or read."""
    loader = ReplayLoader(head, records)
    loader.feed()
    return loader.replay()
