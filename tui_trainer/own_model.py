"""`tui-trainer --model PATH`: the TUI trains with the learner's own functions.

The file's L_model_forward, compute_cost, L_model_backward and update_parameters make every
step (core/diagnosis/own_code/own_trainer.py), in a child process of their own; the project's
reference checks each step at the same θ. The file also decides what its code hard-codes: the
cost and the activations (core/diagnosis/own_code/probe.py reads them), so those options may
only repeat it. A cross-entropy file with no data given trains on the circle (0/1 targets).
"""
from __future__ import annotations

from core.diagnosis.own_code.own_step import OwnModel
from core.diagnosis.own_code.own_trainer import LOSS_OF_COST, STOPPED, OwnTrainer
from core.diagnosis.own_code.probe import Detected, detect
from core.text import printable

from .commands.check import readable_source
from .data_defaults import tui_options
from .options import config_and_data
from .protocol import Notice

CLASSIFY_DATASET = "circle"


def own_tui(args) -> tuple[OwnTrainer, dict]:
    """The trainer for `--model` and run_tui's options (the first notice says what trains)."""
    trainer, notice = make_own_trainer(args)
    options = tui_options(args)
    if options["start_notice"] is not None:
        notice = Notice(f"{notice.text}. {options['start_notice'].text}")
    return trainer, {**options, "start_notice": notice}


def make_own_trainer(args) -> tuple[OwnTrainer, Notice]:
    """The trainer for `--model`, and the first notice (what trains, and what was chosen)."""
    readable_source(args.model)
    model = OwnModel(args.model, display=args.model)
    proc = model.process()
    found = Detected(None, None, None) if isinstance(proc, str) else detect(proc, args.leaky_slope)
    model.close()  # the trainer starts its own child where it trains (the training process)
    notes = apply_detected(args, found, model.display)
    config, data = config_and_data(args)
    if config.dev_fraction > 0 and data.m < 2:
        raise ValueError(f"--dev-fraction needs at least 2 samples, the data has {data.m}")
    trainer = OwnTrainer(config, data, model)
    if isinstance(proc, str):  # it cannot run at all: said at once, in the app
        trainer.status, trainer.diverged_reason = STOPPED, f"your code cannot run: {proc}"
        return trainer, Notice(f"Your code cannot run: {proc}. Fix it, then 0 reads the file again", "error")
    return trainer, Notice(start_text(model.display, config, notes))


def apply_detected(args, found: Detected, display: str) -> list[str]:
    """Take the file's cost and activations as the options (one that says otherwise is refused);
    returns notes for the first notice."""
    notes = []
    given = {"loss": LOSS_OF_COST.get(found.cost), "output_activation": found.output,
             "hidden_activation": found.hidden}
    shown = {"loss": found.cost, "output_activation": found.output, "hidden_activation": found.hidden}
    where = {"loss": "compute_cost", "output_activation": "the output layer of L_model_forward",
             "hidden_activation": "the hidden layers of L_model_forward"}
    for option, value in given.items():
        if value is None:
            continue
        current = getattr(args, option)
        explicit = current is not None and not (option == "hidden_activation" and current == "relu")
        if explicit and current != value:
            flag = "--" + option.replace("_", "-")
            raise ValueError(f"{flag} {current}: {display} uses {shown[option]} in {where[option]} "
                             "(with --model your file decides it)")
        setattr(args, option, value)
    if found.cost == "cross-entropy" and found.output not in (None, "sigmoid"):
        raise ValueError(f"{display}: compute_cost is cross-entropy but L_model_forward's output layer uses "
                         f"{found.output}; cross-entropy needs a sigmoid there (AL must be a probability): "
                         f"tui-trainer check {display} says more")
    if found.cost == "cross-entropy" and args.data is None and getattr(args, "dataset", None) in (None, "story"):
        args.dataset = CLASSIFY_DATASET
        notes.append(f"your compute_cost is cross-entropy: training on --dataset {CLASSIFY_DATASET} (0/1 targets)")
    return notes


def start_text(display: str, config, notes: list[str]) -> str:
    cost = {"bce": "cross-entropy"}.get(config.loss, config.loss)
    text = (f"Training with your code: {printable(display)} (cost {cost}, {config.hidden_activation} "
            f"hidden, {config.output_activation} output); the reference checks each step at the same θ")
    return "; ".join([text, *notes])
