"""A trainer rebuilt from a run log's `run` record: the raw data, its split and the config the
session started with. rerun and replay's re-execution start from here."""
from __future__ import annotations

import numpy as np

from ..engine.config import TrainConfig
from ..engine.data import Dataset, Split
from ..engine.trainer import Trainer
from .reader import RunLog
from .record import RECIPE_KEYS, LogError


def dataset_from_header(data: dict, recipe: dict | None = None) -> tuple[Dataset, Split]:
    """The raw data in original units and its train/dev split, from the run record's `data`
    (`recipe`: how it was made, from the config's RECIPE_KEYS, kept for a log written again).
    Raises KeyError/TypeError/ValueError for a record that lacks or garbles them."""
    raw = data["raw"]
    ds = Dataset(np.array(raw["X"], dtype=float), np.array(raw["Y"], dtype=float),
                 tuple(raw.get("feature_names", ["x"])), raw.get("target_name", "y"), raw.get("source", "log"),
                 dict(recipe or {}))
    return ds, Split(np.array(data["train_idx"], dtype=int), np.array(data["dev_idx"], dtype=int))


def config_from_header(cfg: dict) -> TrainConfig:
    """The configuration the session started with (later changes are `event` records)."""
    return TrainConfig(
        hidden=tuple(int(n) for n in cfg["layer_dims"][1:-1]),
        hidden_activation=cfg["hidden_activation"], output_activation=cfg["output_activation"],
        leaky_slope=float(cfg.get("leaky_slope", 0.01)), loss=cfg["loss"], lr=float(cfg["lr"]),
        init=cfg["init"], seed=int(cfg["seed"]), normalize=bool(cfg["normalize"]),
        dev_fraction=float(cfg.get("dev_fraction", 0.0)), l2=float(cfg.get("l2", 0.0)),
        l1=float(cfg.get("l1", 0.0)), batch_size=int(cfg.get("batch_size", 0)))


def trainer_from_log(log: RunLog) -> Trainer:
    """A trainer in the state the logged run started from."""
    try:
        cfg = dict(log.header["config"])
        ds, split = dataset_from_header(log.header["data"], {k: cfg[k] for k in RECIPE_KEYS if k in cfg})
        config = config_from_header(cfg)
    except (KeyError, TypeError, ValueError, IndexError) as e:
        raise LogError(f"{log.path}: run record is incomplete or invalid ({e})") from None
    return Trainer(config, ds, split)
