"""The run log's format: JSON Lines, a public contract (docs/LOGS.md).

Every line is one JSON object with a `type`: `run` (first line: version, config, data),
`step`, `params`, `event`, and `end` (status when the log was closed). Floats are written
with Python's shortest round-trip repr; NaN and Infinity never appear (they become null), so
a strict JSON parser reads every line. This module builds the records and turns them into
lines and back; writing and reading files is core.logs.writer and core.logs.reader.
"""
from __future__ import annotations

import json

import numpy as np

from ..files import clean
from ..engine.data import prepare
from ..engine.trainer import Event, StepRecord, Trainer

VERSION = 1
# How the data was made (Dataset.recipe): extra config keys, present only for generated data or
# input features; the data itself is in the run record, so a rerun never regenerates it.
RECIPE_KEYS = ("dataset", "noise", "samples", "data_seed", "features")


class LogError(ValueError):
    """A file that is not a readable run log; the message is one line."""


def dumps(obj) -> str:
    return json.dumps(clean(obj), allow_nan=False, separators=(", ", ": "))


def _reject_constant(name: str):
    raise ValueError(f"non-standard JSON constant {name}")


_DECODER = json.JSONDecoder(parse_constant=_reject_constant)  # one, not one per line


def loads_strict(line: str):
    return _DECODER.decode(line)


def run_record(trainer: Trainer) -> dict:
    """The session as it began: the first config and the data it trained on. Changes since
    then are `event` records, so replaying them on this header reproduces the run."""
    c, raw, split = trainer.initial_config, trainer.dataset, trainer.split
    d = prepare(raw, split, c.normalize, c.loss)
    cfg = c.to_dict(raw.n_x)
    cfg.update({k: raw.recipe[k] for k in RECIPE_KEYS if k in raw.recipe})
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
    rec = {"type": "step", "step": r.step, "tick": r.tick, "loss": r.loss, "dev_loss": r.dev_loss,
           "lr": r.lr, "hidden_activation": r.hidden_activation, "output_activation": r.output_activation,
           "dead_output": r.dead_output, "dead_hidden": list(r.dead_hidden),
           "grad_norms": r.grad_norms, "update_ratios": r.update_ratios, "status": r.status,
           "penalty": r.penalty}  # loss is the data's; J = loss + penalty
    if r.accuracy is not None:  # 0/1 targets: the step's samples, and the dev set
        rec.update(accuracy=r.accuracy, dev_accuracy=r.dev_accuracy)
    return rec


def params_record(step: int, tick: int, params: dict[str, np.ndarray]) -> dict:
    return {"type": "params", "step": step, "tick": tick, **params}


def event_record(e: Event) -> dict:
    return {"type": "event", "step": e.step, "tick": e.tick, "name": e.name, "value": e.value}


def end_record(trainer: Trainer, reason: str = "") -> dict:
    return {"type": "end", "step": trainer.step_count, "tick": trainer.tick, "status": trainer.status,
            "reason": trainer.diverged_reason or reason}
