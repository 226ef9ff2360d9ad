"""The per-sample picture at a logged step, recomputed from the θ_t its `params` record holds
(θ before step t's update, `run --log-params`) with the reference network,
core.engine.network.L_model_forward: Z^[L], ŷ, dead samples and units. Steps without θ have
none, and say so (core.logs.reexecute gets θ there by re-running the session)."""
from __future__ import annotations

import math

import numpy as np

from ..diagnosis.snapshot import Snapshot
from ..engine.data import Dataset, Prepared, Split, prepare
from ..engine.network import L_model_cost, L_model_forward
from .replay import Replay
from .restore import dataset_from_header


def raw_dataset(replay: Replay) -> tuple[Dataset, Split]:
    """The raw data and split, built once per log (not on every move of the cursor)."""
    if "raw" not in replay._prepared:
        replay._prepared["raw"] = dataset_from_header(replay.data)
    return replay._prepared["raw"]


def prepared_data(replay: Replay, normalize: bool) -> Prepared:
    """What the network trained on with this normalisation, prepared from the raw data exactly
    as the trainer does (a normalisation toggle mid-session re-prepares it the same way)."""
    if normalize not in replay._prepared:
        ds, split = raw_dataset(replay)
        replay._prepared[normalize] = prepare(ds, split, normalize, replay.config.get("loss", "mse"))
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
        output_can_die=output_can_die, hist_step=empty, hist_loss=empty, hist_dev_loss=empty,
        rows=np.asarray(split.train_idx, dtype=np.int64))


def recomputed_loss(replay: Replay, row: int) -> float | None:
    """J at the logged θ of `row` by the reference network (None without params), to check the
    log against the course's maths."""
    theta = replay.params.get(row)
    if theta is None:
        return None
    d = prepared_data(replay, bool(replay.normalize[row]))
    AL, caches = L_model_forward(d.X, theta, replay.hidden_activation[row], replay.output_activation[row],
                                 float(replay.config.get("leaky_slope", 0.01)))
    return L_model_cost(AL, caches, d.Y, replay.config.get("loss", "mse"), replay.output_activation[row])


def _finite_or_nan(v: float) -> float:
    return v if math.isfinite(v) else math.nan
