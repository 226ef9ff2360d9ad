"""Helpers shared by the subcommands: building a trainer from options, and the summary."""
from __future__ import annotations

from ..options import check_loss_fits, config_from_args, dataset_from_args


def make_trainer(args):
    from core.engine.trainer import Trainer
    config = config_from_args(args)
    data = dataset_from_args(args)
    check_loss_fits(config, data)
    if config.dev_fraction > 0 and data.m < 2:
        raise ValueError(f"--dev-fraction needs at least 2 samples, the data has {data.m}")
    return Trainer(config, data)


def summarize(trainer) -> dict:
    from core.diagnosis.evaluation import evaluate
    from core.logs.runlog import clean

    ev = evaluate(trainer)
    return clean({
        "steps": trainer.step_count,
        "status": trainer.status,
        "reason": trainer.diverged_reason,
        "loss": ev.loss,
        "dev_loss": ev.dev_loss,
        "rmse": ev.rmse,
        "dev_rmse": ev.dev_rmse,
        "dead_output": ev.dead_output,
        "dead_samples": ev.dead_samples.tolist(),
        "dead_hidden": ev.dead_hidden,
        "lr": trainer.config.lr,
        "hidden_activation": trainer.config.hidden_activation,
        "output_activation": trainer.config.output_activation,
        "findings": findings_for(trainer, ev),
    })


def findings_for(trainer, ev) -> list[dict]:
    """The diagnosis engine's findings in their JSON form (Finding.to_dict)."""
    from core.diagnosis.findings import diagnose
    return [f.to_dict() for f in diagnose(trainer, ev)]


def fmt(v) -> str:
    return "n/a" if v is None else f"{v:.6g}"
