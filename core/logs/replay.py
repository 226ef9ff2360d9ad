"""Replay: a saved run log as arrays a screen can scrub through, without training.

`load_replay(head, records)` turns a log (core.logs.reader.open_log) into one row per logged
step: loss, dev loss, lr, activations, dead counts, status and the normalisation in force, plus
the events, and θ_t from the log's `params` records (`run --log-params`), thinned to a memory
budget. What is built on a Replay lives beside it: the per-sample picture from logged θ
(core.logs.recompute), θ at any step by re-executing the session (core.logs.reexecute), and
where two logs differ (core.logs.compare).

No file I/O here: the caller opens the log and passes its records.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Iterable

import numpy as np

from .reader import RunLog
from .record import LogError
from .rerun import in_tick_order

# θ kept in memory at most (floats); past this, every other params record is dropped, so a
# long --log-params log of a wide network replays in bounded memory (thinned evenly).
MAX_PARAM_FLOATS = 8_000_000


@dataclass
class Replay:
    path: str
    config: dict
    data: dict                      # the run record's data (prepared and raw)
    tick: np.ndarray                # (n,) int, one row per logged step, in session order
    step: np.ndarray                # (n,) int
    loss: np.ndarray                # (n,) float, nan where the log has null
    dev_loss: np.ndarray            # (n,) float, nan without a dev split
    lr: np.ndarray                  # (n,) float
    dead_output: np.ndarray         # (n,) int
    dead_hidden: np.ndarray         # (n, hidden layers) int
    hidden_activation: list[str]
    output_activation: list[str]
    status: list[str]
    normalize: np.ndarray           # (n,) bool, the normalisation in force at that step
    seed: np.ndarray                # (n,) int, the seed in force at that step
    events: list[dict]
    params: dict[int, dict[str, np.ndarray]] = field(default_factory=dict)  # row -> θ_t
    params_logged: int = 0          # params records in the log (more than kept if thinned)
    params_unmatched: int = 0       # params records with no step record at their tick
    end: dict | None = None
    # normalize -> Prepared, built once by core.logs.recompute.prepared_data
    _prepared: dict = field(default_factory=dict, repr=False)

    @property
    def n(self) -> int:
        return int(self.tick.shape[0])

    @property
    def param_rows(self) -> np.ndarray:
        """Rows that carry per-sample data, in order."""
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
        t = int(self.tick[row]) if self.n else -1
        return sum(1 for e in self.events if e["tick"] <= t)


def _num(v) -> float:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else math.nan


def load_replay(head: RunLog, records: Iterable[tuple[int, dict]]) -> Replay:
    """Read a log's records (line number, record) into a Replay. Raises LogError (one line) for
    a record a replay cannot place or read."""
    cfg, data = head.header["config"], head.header["data"]
    n_hidden = max(len(cfg.get("layer_dims", [0, 0])) - 2, 0)
    rows: dict[str, list] = {k: [] for k in ("tick", "step", "loss", "dev_loss", "lr", "dead_output",
                                             "dead_hidden", "hidden_activation", "output_activation",
                                             "status", "normalize", "seed")}
    events, end = [], None
    normalize = bool(data.get("normalize", cfg.get("normalize", False)))
    seed = int(cfg.get("seed", 0))
    pending: tuple[int, dict] | None = None   # params record waiting for its step record
    kept = _ParamsKeeper(_param_size(cfg))
    try:
        for lineno, rec in in_tick_order(records):
            kind = rec["type"]
            if kind == "event":
                events.append(rec)
                if rec.get("name") == "normalize":
                    normalize = bool(rec.get("value"))
                elif rec.get("name") == "seed":
                    seed = int(rec.get("value"))
            elif kind == "params":
                if pending is not None:
                    kept.unmatched += 1
                pending = (lineno, rec)
            elif kind == "step":
                _add_step(rows, lineno, rec, n_hidden, normalize, seed)
                if pending is not None:
                    if pending[1]["tick"] == rec["tick"]:
                        kept.add(len(rows["tick"]) - 1, _read_params(pending, cfg))
                    else:
                        kept.unmatched += 1
                    pending = None
            elif kind == "end":
                end = rec
    except (TypeError, ValueError) as e:  # RerunError and our own "line N: ..." included
        raise LogError(f"{head.path}: {e}") from None
    if pending is not None:
        kept.unmatched += 1  # e.g. the TUI export's end-of-session θ: no logged loss goes with it
    ints = lambda k: np.array(rows[k], dtype=np.int64)
    floats = lambda k: np.array(rows[k], dtype=float)
    return Replay(
        path=head.path, config=cfg, data=data, tick=ints("tick"), step=ints("step"),
        loss=floats("loss"), dev_loss=floats("dev_loss"), lr=floats("lr"),
        dead_output=ints("dead_output"),
        dead_hidden=np.array(rows["dead_hidden"], dtype=np.int64).reshape(-1, n_hidden),
        hidden_activation=rows["hidden_activation"], output_activation=rows["output_activation"],
        status=rows["status"], normalize=np.array(rows["normalize"], dtype=bool), seed=ints("seed"),
        events=events, params=kept.rows, params_logged=kept.seen, params_unmatched=kept.unmatched, end=end)


def _add_step(rows: dict, lineno: int, rec: dict, n_hidden: int, normalize: bool, seed: int) -> None:
    if not isinstance(rec.get("step"), int):
        raise ValueError(f"line {lineno}: step record has no step number")
    dh = rec.get("dead_hidden") or [0] * n_hidden
    if len(dh) != n_hidden:
        raise ValueError(f"line {lineno}: dead_hidden has {len(dh)} layers, the network has {n_hidden}")
    rows["tick"].append(rec["tick"])
    rows["step"].append(rec["step"])
    rows["loss"].append(_num(rec.get("loss")))
    rows["dev_loss"].append(_num(rec.get("dev_loss")))
    rows["lr"].append(_num(rec.get("lr")))
    rows["dead_output"].append(int(rec.get("dead_output") or 0))
    rows["dead_hidden"].append([int(v or 0) for v in dh])
    rows["hidden_activation"].append(str(rec.get("hidden_activation", "?")))
    rows["output_activation"].append(str(rec.get("output_activation", "?")))
    rows["status"].append(str(rec.get("status", "ok")))
    rows["normalize"].append(normalize)
    rows["seed"].append(seed)


def _param_size(cfg: dict) -> int:
    dims = [int(d) for d in cfg.get("layer_dims", [])]
    return max(sum(dims[l] * dims[l - 1] + dims[l] for l in range(1, len(dims))), 1)


def _read_params(item: tuple[int, dict], cfg: dict) -> dict[str, np.ndarray]:
    lineno, rec = item
    dims = [int(d) for d in cfg["layer_dims"]]
    out = {}
    for l in range(1, len(dims)):
        for k, shape in ((f"W{l}", (dims[l], dims[l - 1])), (f"b{l}", (dims[l], 1))):
            try:
                a = np.array(rec[k], dtype=float)  # null (non-finite) reads as nan
            except (KeyError, TypeError, ValueError):
                raise ValueError(f"line {lineno}: params record has no readable {k}") from None
            if a.shape != shape:
                raise ValueError(f"line {lineno}: {k} has shape {a.shape}, the network needs {shape}")
            out[k] = a
    return out


class _ParamsKeeper:
    """θ per row, thinned by doubling a stride whenever the kept floats pass the budget."""

    def __init__(self, size: int) -> None:
        self.size, self.stride, self.seen, self.unmatched = size, 1, 0, 0
        self.rows: dict[int, dict[str, np.ndarray]] = {}
        self._ordinal: dict[int, int] = {}

    def add(self, row: int, params: dict[str, np.ndarray]) -> None:
        k = self.seen
        self.seen += 1
        if k % self.stride:
            return
        self.rows[row], self._ordinal[row] = params, k
        while len(self.rows) * self.size > MAX_PARAM_FLOATS and len(self.rows) > 2:
            self.stride *= 2
            for r in [r for r, o in self._ordinal.items() if o % self.stride]:
                del self.rows[r], self._ordinal[r]
