"""The `run` record checked whole before anything is built from it: every config key and every
part of the data by type, range and size, and against each other (layer_dims[0] is the number
of features, the split indexes the samples). Returns the LogShape the other records are
checked against. Raises FieldError naming the field (core.logs.fields)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..engine.activations import ACTIVATION_NAMES
from ..engine.config import MAX_BATCH, MAX_PENALTY, TrainConfig
from ..engine.csv_data import MAX_ABS
from ..engine.features import FEATURE_NAMES
from ..engine.playground import DATASET_NAMES, MAX_NOISE, MAX_SAMPLES, MIN_SAMPLES
from ..engine.losses import LOSS_NAMES
from ..engine.network import INIT_NAMES
from .fields import FieldError, boolean, int_list, integer, matrix, need, number, obj, text
from .limits import MAX_ACTIVATIONS, MAX_HIDDEN_LAYERS, MAX_PARAMS, MAX_UNITS

MAX_SEED = 2**63 - 1


@dataclass(frozen=True)
class LogShape:
    """What the rest of a log is checked against: the network and the data's size."""
    layer_dims: tuple[int, ...]
    m: int                    # samples in the raw data
    m_train: int

    @property
    def L(self) -> int:
        return len(self.layer_dims) - 1


def check_run_record(head: dict) -> LogShape:
    cfg = obj(need(head, "config", ""), "config")
    data = obj(need(head, "data", ""), "data")
    dims = _layer_dims(cfg)
    _config_values(cfg, dims)
    n_x, m, m_train = _data(data)
    if dims[0] != n_x:
        raise FieldError("config.layer_dims[0]", f"is {dims[0]}, but data.raw.X has {n_x} feature rows")
    n_params = sum(dims[l] * dims[l - 1] + dims[l] for l in range(1, len(dims)))
    if n_params > MAX_PARAMS:
        raise FieldError("config.layer_dims", f"makes {n_params:,} parameters, over the limit of {MAX_PARAMS:,}")
    acts = m * sum(dims[1:])
    if acts > MAX_ACTIVATIONS:
        raise FieldError("config.layer_dims", f"with {m:,} samples needs {acts:,} activations, "
                                              f"over the limit of {MAX_ACTIVATIONS:,}")
    return LogShape(tuple(dims), m, m_train)


def _layer_dims(cfg: dict) -> list[int]:
    dims = need(cfg, "layer_dims", "config.")
    int_list(dims, "config.layer_dims", 1, 10**9)
    if not 3 <= len(dims) <= MAX_HIDDEN_LAYERS + 2:
        raise FieldError("config.layer_dims", f"has {len(dims)} sizes; a network here has 1 to "
                                              f"{MAX_HIDDEN_LAYERS} hidden layers (3 to {MAX_HIDDEN_LAYERS + 2} sizes)")
    for l, n in enumerate(dims[1:-1], start=1):
        if n > MAX_UNITS:
            raise FieldError(f"config.layer_dims[{l}]", f"{n} units is over the limit of {MAX_UNITS}")
    if dims[-1] != 1:
        raise FieldError(f"config.layer_dims[{len(dims) - 1}]", f"is {dims[-1]}; the output layer has 1 unit")
    if "hidden" in cfg and cfg["hidden"] != dims[1:-1]:
        raise FieldError("config.hidden", f"is {cfg['hidden']!r:.60}, but layer_dims says {dims[1:-1]}")
    return dims


def _config_values(cfg: dict, dims: list[int]) -> None:
    for key in ("hidden_activation", "output_activation"):
        text(need(cfg, key, "config."), f"config.{key}", ACTIVATION_NAMES)
    text(need(cfg, "loss", "config."), "config.loss", LOSS_NAMES)
    text(need(cfg, "init", "config."), "config.init", INIT_NAMES)
    number(need(cfg, "lr", "config."), "config.lr", positive=True)
    integer(need(cfg, "seed", "config."), "config.seed", 0, MAX_SEED)
    boolean(need(cfg, "normalize", "config."), "config.normalize")
    for key in ("leaky_slope", "dev_fraction"):
        if key in cfg:
            v = number(cfg[key], f"config.{key}")
            if not 0 <= v < 1:
                raise FieldError(f"config.{key}", f"{v:g} is out of range (0 to below 1)")
    for key in ("l2", "l1"):  # regularisation rates (absent from logs before them: 0)
        if key in cfg and not 0 <= number(cfg[key], f"config.{key}") <= MAX_PENALTY:
            raise FieldError(f"config.{key}", f"{cfg[key]:g} is out of range (0 to {MAX_PENALTY:g})")
    if "batch_size" in cfg:
        integer(cfg["batch_size"], "config.batch_size", 0, MAX_BATCH)
    _recipe(cfg)
    try:  # the engine's own checks, for anything the types above let through
        TrainConfig(hidden=tuple(dims[1:-1]), hidden_activation=cfg["hidden_activation"],
                    output_activation=cfg["output_activation"], leaky_slope=float(cfg.get("leaky_slope", 0.01)),
                    loss=cfg["loss"], lr=float(cfg["lr"]), init=cfg["init"], seed=cfg["seed"],
                    normalize=cfg["normalize"], dev_fraction=float(cfg.get("dev_fraction", 0.0)),
                    l2=float(cfg.get("l2", 0.0)), l1=float(cfg.get("l1", 0.0)), batch_size=cfg.get("batch_size", 0))
    except ValueError as e:
        raise FieldError("config", str(e)) from None


def _recipe(cfg: dict) -> None:
    """How the data was made (core.logs.record.RECIPE_KEYS), each key optional."""
    if "dataset" in cfg:
        text(cfg["dataset"], "config.dataset", DATASET_NAMES)
    if "noise" in cfg and not 0 <= number(cfg["noise"], "config.noise") <= MAX_NOISE:
        raise FieldError("config.noise", f"{cfg['noise']:g} is out of range (0 to {MAX_NOISE:g})")
    if "samples" in cfg:
        integer(cfg["samples"], "config.samples", MIN_SAMPLES, MAX_SAMPLES)
    if "data_seed" in cfg:
        integer(cfg["data_seed"], "config.data_seed", 0, MAX_SEED)
    if "features" in cfg:
        names = cfg["features"]
        if type(names) is not list or not 1 <= len(names) <= len(FEATURE_NAMES):
            raise FieldError("config.features", f"must be a list of 1 to {len(FEATURE_NAMES)} feature names")
        for i, name in enumerate(names):
            text(name, f"config.features[{i}]", FEATURE_NAMES)


def _data(data: dict) -> tuple[int, int, int]:
    """(features, samples, training samples) of the run record's data."""
    raw = obj(need(data, "raw", "data."), "data.raw")
    n_x, m = matrix(need(raw, "X", "data.raw."), "data.raw.X", None, max_abs=MAX_ABS)
    matrix(need(raw, "Y", "data.raw."), "data.raw.Y", (1, m), max_abs=MAX_ABS)
    if "feature_names" in raw:
        names = raw["feature_names"]
        if type(names) is not list or len(names) != n_x:
            raise FieldError("data.raw.feature_names", f"must be a list of {n_x} names (one per row of X)")
        for i, name in enumerate(names):
            text(name, f"data.raw.feature_names[{i}]")
    for key in ("target_name", "source"):
        if key in raw:
            text(raw[key], f"data.raw.{key}")
    if "normalize" in data:
        boolean(data["normalize"], "data.normalize")
    train = _indices(data, "train_idx", m)
    if not train:
        raise FieldError("data.train_idx", "is empty; training needs at least one sample")
    dev = _indices(data, "dev_idx", m)
    both = set(train) & set(dev)
    if both:
        raise FieldError("data.dev_idx", f"sample {min(both)} is in the training split too")
    return n_x, m, len(train)


def _indices(data: dict, key: str, m: int) -> list[int]:
    idx = int_list(need(data, key, "data."), f"data.{key}", 0, m - 1)
    back = np.flatnonzero(np.diff(np.array(idx, dtype=np.int64)) <= 0)
    if len(back):
        i = int(back[0]) + 1
        raise FieldError(f"data.{key}[{i}]", f"{idx[i]} is not after {idx[i - 1]} (sorted, each sample once)")
    return idx
