"""Replay: a saved run log as arrays a screen can scrub through, without training.

`load_replay(head, records)` turns a log (core.runlog.open_log) into one row per logged step:
loss, dev loss, lr, activations, dead counts, status and the normalisation in force, plus the
events. Where the log has a `params` record (θ_t before step t's update, `run --log-params`),
`snapshot_at` recomputes that step's per-sample picture (Z^[L], ŷ, dead samples and units) with
the reference network, core.network.L_model_forward; other steps have none, and say so.
Steps without θ can be re-executed instead (`Reexecution`): the run record and the events at
their ticks reproduce the session bit for bit, as `rerun` checks, so θ at any tick is exact.
`compare` lists where two logs differ: configuration, data, events and how they ended.

No file I/O here: the caller opens the log and passes its records.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Iterable

import numpy as np

from ..engine.data import Dataset, Prepared, Split, prepare
from ..engine.losses import compute_cost
from ..engine.network import L_model_forward
from .rerun import in_tick_order
from .runlog import LogError, RunLog, trainer_from_log
from ..diagnosis.snapshot import Snapshot, take_snapshot
from ..engine.trainer import OK, Trainer

# θ kept in memory at most (floats); past this, every other params record is dropped, so a
# long --log-params log of a wide network replays in bounded memory (thinned evenly).
MAX_PARAM_FLOATS = 8_000_000
CONFIG_ORDER = ("layer_dims", "hidden", "hidden_activation", "output_activation", "leaky_slope",
                "loss", "lr", "init", "seed", "normalize", "dev_fraction")


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
    _prepared: dict = field(default_factory=dict, repr=False)  # normalize -> Prepared, built once

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


# ---- the per-sample picture at a logged step ----------------------------------------------

def raw_dataset(replay: Replay) -> tuple[Dataset, Split]:
    raw, d = replay.data["raw"], replay.data
    ds = Dataset(np.array(raw["X"], dtype=float), np.array(raw["Y"], dtype=float),
                 tuple(raw.get("feature_names", ["x"])), raw.get("target_name", "y"), raw.get("source", "log"))
    return ds, Split(np.array(d["train_idx"], dtype=int), np.array(d["dev_idx"], dtype=int))


def prepared_data(replay: Replay, normalize: bool) -> Prepared:
    """What the network trained on with this normalisation, prepared from the raw data exactly
    as the trainer does (a normalisation toggle mid-session re-prepares it the same way)."""
    if normalize not in replay._prepared:
        ds, split = raw_dataset(replay)
        replay._prepared[normalize] = prepare(ds, split, normalize)
    return replay._prepared[normalize]


def snapshot_at(replay: Replay, row: int) -> Snapshot | None:
    """The per-sample picture at `row` from its logged θ, or None when the log has no params
    record for that step."""
    theta = replay.params.get(row)
    if theta is None:
        return None
    cfg = replay.config
    hidden, output = replay.hidden_activation[row], replay.output_activation[row]
    slope = float(cfg.get("leaky_slope", 0.01))
    ds, split = raw_dataset(replay)
    d = prepared_data(replay, bool(replay.normalize[row]))
    with np.errstate(all="ignore"):
        AL, caches = L_model_forward(d.X, theta, hidden, output, slope)
        Zs = [c[1] for c in caches]
        y_std = d.y_std if d.normalize else 1.0
        rmse = float(math.sqrt(np.mean((AL - d.Y) ** 2)) * y_std)
        dev_rmse = None
        if d.has_dev:
            A_dev, _ = L_model_forward(d.X_dev, theta, hidden, output, slope)
            dev_rmse = float(math.sqrt(np.mean((A_dev - d.Y_dev) ** 2)) * y_std)
    ZL = Zs[-1]
    output_can_die, hidden_can_die = output == "relu", hidden == "relu"
    dead = (ZL <= 0).any(axis=0) if output_can_die else np.zeros(ZL.shape[1], dtype=bool)
    active = tuple(Z > 0 for Z in Zs[:-1])
    dead_units = tuple(np.flatnonzero(~a.any(axis=1)) if hidden_can_die else np.array([], dtype=int)
                       for a in active)
    status = replay.status[row]
    dev = replay.dev_loss[row]
    empty = np.array([], dtype=float)
    return Snapshot(
        step=int(replay.step[row]), tick=int(replay.tick[row]), status=status,
        diverged_reason="" if status == "ok" else "this step's loss or gradient was not finite",
        lr=float(replay.lr[row]), hidden_activation=hidden, output_activation=output,
        normalize=bool(replay.normalize[row]), seed=int(replay.seed[row]), loss_name=cfg.get("loss", "mse"),
        layer_dims=tuple(int(v) for v in cfg["layer_dims"]), loss=float(replay.loss[row]),
        dev_loss=None if math.isnan(dev) else float(dev), rmse=_finite_or_nan(rmse),
        dev_rmse=None if dev_rmse is None else _finite_or_nan(dev_rmse),
        feature_names=ds.feature_names, target_name=ds.target_name,
        x=ds.X[0, split.train_idx].astype(float), y=ds.Y[0, split.train_idx].astype(float),
        y_hat=np.asarray(d.y_to_original(AL), dtype=float).ravel(), Z_L=ZL[0].copy(), dead=dead,
        hidden_active=active, dead_units=dead_units, hidden_can_die=hidden_can_die,
        output_can_die=output_can_die, hist_step=empty, hist_loss=empty, hist_dev_loss=empty)


def recomputed_loss(replay: Replay, row: int) -> float | None:
    """J at the logged θ of `row` by the reference network (None without params), to check the
    log against the course's maths."""
    theta = replay.params.get(row)
    if theta is None:
        return None
    d = prepared_data(replay, bool(replay.normalize[row]))
    AL, _ = L_model_forward(d.X, theta, replay.hidden_activation[row], replay.output_activation[row],
                            float(replay.config.get("leaky_slope", 0.01)))
    return compute_cost(AL, d.Y, replay.config.get("loss", "mse"))


def _finite_or_nan(v: float) -> float:
    return v if math.isfinite(v) else math.nan


# ---- θ at any step, by re-executing the log -------------------------------------------------

class Reexecution:
    """Re-executes a logged session up to a tick, as core.rerun does (events at their ticks, the
    fast path in between), to get θ where the log holds none. Moving forward continues from
    where it stands; moving back starts again from the run record. Not thread-safe: one caller
    at a time."""

    def __init__(self, replay: Replay) -> None:
        self.replay = replay
        self.changes = [e for e in replay.events if e.get("name") != "diverged"]  # the engine's own
        self.trainer: Trainer | None = None
        self.applied = 0  # changes applied to self.trainer

    def to_tick(self, tick: int, should_stop=None) -> Trainer | None:
        """The trainer with θ as it was before the step attempt at `tick`, or None when
        should_stop() turned true or the run diverged before reaching `tick`."""
        if self.trainer is None or self.trainer.tick > tick:
            r = self.replay
            self.trainer = trainer_from_log(RunLog(r.path, {"config": r.config, "data": r.data}))
            self.applied = 0
        while True:
            nxt = self.changes[self.applied] if self.applied < len(self.changes) else None
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
        t = self.to_tick(int(self.replay.tick[row]), should_stop)
        return None if t is None else take_snapshot(t)


# ---- comparing two logs ----------------------------------------------------------------------

@dataclass(frozen=True)
class Difference:
    section: str        # "config", "data", "events", "end"
    key: str
    a: str
    b: str


def _show(v) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, list):
        return "[" + ", ".join(_show(x) for x in v) + "]"
    return str(v)


def compare(a: Replay, b: Replay) -> list[Difference]:
    """Where two logs differ: each config key, the data, each event (by tick, name and value)
    and the end state. Empty when they would be the same run."""
    out: list[Difference] = []
    keys = [k for k in CONFIG_ORDER if k in a.config or k in b.config]
    keys += sorted((set(a.config) | set(b.config)) - set(keys))
    for k in keys:
        va, vb = a.config.get(k), b.config.get(k)
        if va != vb:
            out.append(Difference("config", k, _show(va), _show(vb)))
    out += _data_diff(a, b)
    out += _events_diff(a, b)
    out += _end_diff(a, b)
    return out


def _data_diff(a: Replay, b: Replay) -> list[Difference]:
    out = []
    ra, rb = a.data.get("raw", {}), b.data.get("raw", {})
    if ra.get("source") != rb.get("source"):
        out.append(Difference("data", "source", _show(ra.get("source")), _show(rb.get("source"))))
    for k in ("X", "Y"):
        xa, xb = np.array(ra.get(k, []), dtype=float), np.array(rb.get(k, []), dtype=float)
        if xa.shape != xb.shape:
            out.append(Difference("data", k, f"shape {xa.shape}", f"shape {xb.shape}"))
        elif not np.array_equal(xa, xb, equal_nan=True):
            out.append(Difference("data", k, "differs", "differs"))
    for k in ("train_idx", "dev_idx"):
        if a.data.get(k) != b.data.get(k):
            out.append(Difference("data", k, f"{len(a.data.get(k) or [])} samples",
                                  f"{len(b.data.get(k) or [])} samples"))
    return out


def _event_key(e: dict) -> tuple:
    return (e.get("tick"), e.get("name"), repr(e.get("value")))




def _events_diff(a: Replay, b: Replay) -> list[Difference]:
    """Events in one log and not the other, matched by tick, name and value."""
    ka = {_event_key(e): e for e in a.events}
    kb = {_event_key(e): e for e in b.events}
    out = []
    only = set(ka) ^ set(kb)
    in_order = list(ka) + [k for k in kb if k not in ka]  # session order, ties kept as logged
    for k in sorted((k for k in in_order if k in only), key=lambda k: k[0] if isinstance(k[0], int) else -1):
        e = ka.get(k) or kb.get(k)
        where = f"step {e.get('step')}" if e.get("step") == e.get("tick") else \
            f"step {e.get('step')} (tick {e.get('tick')})"
        value = _show(e.get("value"))
        out.append(Difference("events", f"{where} {e.get('name')}", value if k in ka else "—",
                              value if k in kb else "—"))
    return out


def _end_diff(a: Replay, b: Replay) -> list[Difference]:
    def end(r: Replay) -> str:
        if r.end is None:
            return "no end record (cut short)"
        return f"{r.end.get('status')} at step {r.end.get('step')}"
    ea, eb = end(a), end(b)
    return [] if ea == eb else [Difference("end", "status", ea, eb)]
