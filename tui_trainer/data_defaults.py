"""Settings nobody gave on the command line: the story's, or good ones for the user's own data.

The built-in story keeps the forum thread's settings (ReLU output, no normalisation, lr 5e-5),
because showing why they fail is the point. With `--data`, those settings would leave every
sample dead: raw inputs in the hundreds, a ReLU output that cannot go below 0, a rate tuned
for nothing. So for own data, each setting the user did not give is chosen from the data:
- normalisation on (gradients then have the same scale whatever the data's units);
- 0/1 targets: a sigmoid output with cross-entropy (the course's classifier); any other
  target: a linear output with MSE (a regression output must reach every real value);
- the rate: half the stability limit 2/λmax of the network at initialisation
  (core.diagnosis.safe_rate), so it suits this data, network and loss.

`resolve(args)` returns the config, the dataset and what was chosen with the reason (`Chosen`),
which `run --json` prints as `defaults` and the TUI says in its first notice.
"""
from __future__ import annotations

from dataclasses import dataclass

from core.diagnosis.accuracy import accuracy
from core.text import printable
from core.diagnosis.safe_rate import safe_rate
from core.engine.config import DEFAULT_LR, TrainConfig
from core.engine.data import Dataset, binary_targets
from core.engine.trainer import Trainer

from .protocol import Notice

STORY = {"normalize": False, "output_activation": "relu", "loss": "mse", "lr": DEFAULT_LR}
STORY_WHY = "the story's setting (the forum thread's network, kept so its failure can be seen)"


@dataclass(frozen=True)
class Chosen:
    """One setting the user did not give: its value and why."""
    option: str     # the config field ("normalize", "output_activation", "loss", "lr")
    value: object
    why: str

    def to_dict(self) -> dict:
        return {"value": self.value, "why": self.why}


def given(args, name: str) -> bool:
    return getattr(args, name, None) is not None


def own_data_defaults(args, data: Dataset) -> list[Chosen]:
    """Normalisation, output, loss: each one not given, chosen from the targets."""
    out = []
    binary = binary_targets(data.Y)
    if not given(args, "normalize"):
        out.append(Chosen("normalize", True, "own data: standardised X (and a real-valued Y) so the "
                                             "gradients' scale does not depend on the data's units"))
    loss = args.loss
    output = args.output_activation
    if loss is None:
        if binary and output in (None, "sigmoid"):
            loss = "bce"
            out.append(Chosen("loss", "bce", f"every target in {printable(data.target_name)} is 0 or 1: cross-entropy, "
                                             "the classifier's loss"))
        else:
            loss = "mse"
            out.append(Chosen("loss", "mse", f"{printable(data.target_name)} is real-valued: mean squared error"
                              if not binary else "the output given is not a sigmoid: mean squared error"))
    if output is None:
        output = "sigmoid" if loss == "bce" else "linear"
        why = ("cross-entropy reads the output as a probability in (0, 1)" if loss == "bce" else
               "a regression output must reach every real value (a ReLU output is stuck at 0 below 0)")
        out.append(Chosen("output_activation", output, why))
    return out


def story_defaults(args) -> list[Chosen]:
    return [Chosen(k, v, STORY_WHY) for k, v in STORY.items() if not given(args, k)]


def base_config(args, chosen: list[Chosen]) -> TrainConfig:
    """The config from the options, with the chosen values where an option was not given."""
    picked = {c.option: c.value for c in chosen}

    def value(name):
        return getattr(args, name) if given(args, name) else picked.get(name, STORY.get(name))

    return TrainConfig(hidden=tuple(args.hidden), hidden_activation=args.hidden_activation,
                       output_activation=value("output_activation"), leaky_slope=args.leaky_slope,
                       loss=value("loss"), lr=value("lr"), init=args.init, seed=args.seed,
                       normalize=bool(value("normalize")), dev_fraction=args.dev_fraction)


def resolve(args, data: Dataset, own_data: bool) -> tuple[TrainConfig, list[Chosen]]:
    """The config and the defaults chosen for it, but for the rate of own data (rate_for)."""
    chosen = own_data_defaults(args, data) if own_data else story_defaults(args)
    return base_config(args, chosen), chosen


def rate_for(args, config: TrainConfig, data: Dataset, chosen: list[Chosen]) -> TrainConfig:
    """For own data without --lr: the rate measured on the network the other settings make
    (call it once the config is known to fit the data). Appends its reason to `chosen`."""
    if given(args, "lr"):
        return config
    rate = safe_rate(Trainer(config, data, window=2, archive=2))
    chosen.append(Chosen("lr", rate.lr, f"{rate.why} of this network at initialisation"))
    return config.with_(lr=rate.lr)


def chosen_text(chosen: list[Chosen]) -> str:
    """One line for the TUI's first notice: 'Defaults for your data: normalise on (...), ...'."""
    parts = []
    for c in chosen:
        value = "on" if c.value is True else "off" if c.value is False else \
            f"{c.value:.3g}" if isinstance(c.value, float) else str(c.value)
        parts.append(f"{c.option.replace('_', ' ')} {value} ({c.why})")
    return "; ".join(parts)


def summary_keys(trainer, args) -> dict:
    """What `run --json` adds: `defaults` (each setting not given: value and why) and, for 0/1
    targets, `accuracy` and `dev_accuracy` (None without a dev split)."""
    out = {"defaults": {c.option: c.to_dict() for c in getattr(args, "defaults_chosen", [])}}
    acc = accuracy(trainer)
    if acc is not None:
        out.update(accuracy=acc.train, dev_accuracy=acc.dev)
    return out


def tui_options(args) -> dict:
    """What the TUI needs to know about the options: whether the rate was given (`z` keeps a
    given one), and, for own data, a first notice saying which defaults were chosen and why."""
    chosen = [c for c in getattr(args, "defaults_chosen", []) if c.why != STORY_WHY]
    notice = Notice(f"Defaults for your data: {chosen_text(chosen)}") if chosen else None
    return {"lr_given": given(args, "lr"), "start_notice": notice}
