"""Helpers shared by the subcommands: building a trainer from options, and the summary."""
from __future__ import annotations

from core.diagnosis.evaluation import evaluate
from core.diagnosis.findings import diagnose
from core.engine.trainer import Trainer
from core.files import clean

from ..options import config_and_data


def make_trainer(args) -> Trainer:
    config, data = config_and_data(args)  # settings not given: data_defaults.py
    if config.loss == "bce" and config.output_activation != "sigmoid":
        raise ValueError(f"--loss bce needs --output-activation sigmoid: cross-entropy reads the output as a "
                         f"probability in (0, 1), which a {config.output_activation} output is not "
                         "(use --loss mse to fit it as a regression)")
    if config.dev_fraction > 0 and data.m < 2:
        raise ValueError(f"--dev-fraction needs at least 2 samples, the data has {data.m}")
    return Trainer(config, data)


def summarize(trainer) -> dict:
    ev = evaluate(trainer)
    rows = trainer.split.train_idx  # samples are numbered by dataset row (0-based, header excluded)
    return clean({
        "steps": trainer.step_count,
        "status": trainer.status,
        "reason": trainer.diverged_reason,
        "loss": ev.loss,
        "dev_loss": ev.dev_loss,
        "rmse": ev.rmse,
        "dev_rmse": ev.dev_rmse,
        "dead_output": ev.dead_output,
        "dead_samples": [int(rows[i]) for i in ev.dead_samples],
        "dev_rows": [int(i) for i in trainer.split.dev_idx],
        "dead_hidden": ev.dead_hidden,
        "lr": trainer.config.lr,
        "hidden_activation": trainer.config.hidden_activation,
        "output_activation": trainer.config.output_activation,
        "findings": findings_for(trainer, ev),
    })


def findings_for(trainer, ev) -> list[dict]:
    """The diagnosis engine's findings in their JSON form (Finding.to_dict)."""
    return [f.to_dict() for f in diagnose(trainer, ev)]


def fmt(v) -> str:
    if v is None:
        return "n/a"
    return "0" if v == 0 else f"{v:.6g}"  # never "-0"
