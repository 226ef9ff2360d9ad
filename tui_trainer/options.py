"""Command-line options shared by every mode, and turning them into a config and a dataset.

Each option is validated by its own `type=` function so a bad value gets one line that names
the option and the problem."""
from __future__ import annotations

import argparse
import math

from core.engine.activations import ACTIVATION_NAMES
from core.engine.config import DEFAULT_LR, DEFAULT_SEED, LR_MAX, LR_MIN, TrainConfig, check_lr_in_range
from core.engine.csv_data import load_csv
from core.engine.data import Dataset, story_problem
from core.engine.losses import LOSS_NAMES
from core.engine.network import INIT_NAMES
from core.text import printable

from .data_defaults import rate_for, resolve
from .problem_options import add_problem_options, generated, problem_dataset, with_training_options


def positive_float(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(v) or v <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive finite number, got {text}")
    return v


def learning_rate(text: str) -> float:
    """A rate the engine's config accepts from a person (core.engine.config: the one place its
    bounds live)."""
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    try:
        return check_lr_in_range(v)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def fraction(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not (math.isfinite(v) and 0 <= v < 1):
        raise argparse.ArgumentTypeError(f"must be in [0, 1), got {text}")
    return v


def slope(text: str) -> float:
    v = fraction(text)
    return v


def non_negative_int(text: str) -> int:
    v = _int(text)
    if v < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, got {text}")
    return v


def positive_int(text: str) -> int:
    v = non_negative_int(text)
    if v == 0:
        raise argparse.ArgumentTypeError("must be at least 1, got 0")
    return v


def seed_value(text: str) -> int:
    v = non_negative_int(text)
    if v >= 2**63:  # numpy's generators take seeds up to 2**63 - 1 here
        raise argparse.ArgumentTypeError(f"must be below 2**63, got {text}")
    return v


def int_in_range(lo: int, hi: int):
    """A `type=` for a whole number in lo..hi, e.g. the baseline's polynomial degree."""
    def parse(text: str) -> int:
        v = _int(text)
        if not lo <= v <= hi:
            raise argparse.ArgumentTypeError(f"must be between {lo} and {hi}, got {text}")
        return v
    return parse


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def hidden_sizes(text: str) -> tuple[int, ...]:
    parts = [p.strip() for p in text.split(",")]
    try:
        sizes = tuple(int(p) for p in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of layer sizes, e.g. 10 or 64,64") from None
    if not sizes or any(n < 1 for n in sizes):
        raise argparse.ArgumentTypeError(f"every hidden layer needs at least 1 unit, got {text}")
    if any(n > 4096 for n in sizes):
        raise argparse.ArgumentTypeError(f"hidden layers are limited to 4096 units, got {text}")
    return sizes


def add_shared_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("model and data")
    g.add_argument("--data", metavar="PATH", help="CSV file with a header row (default: the built-in story problem, X = 0..19, Y = 3X^2 + 3X)")
    g.add_argument("--target", metavar="COLUMN", help="target column name (default: the last column)")
    g.add_argument("--hidden", type=hidden_sizes, default=(10,), metavar="SIZES", help="hidden layer sizes, e.g. 10 or 64,64 (default: 10)")
    g.add_argument("--hidden-activation", choices=ACTIVATION_NAMES, default="relu", metavar="NAME", help=f"one of {', '.join(ACTIVATION_NAMES)} (default: relu)")
    g.add_argument("--output-activation", choices=ACTIVATION_NAMES, default=None, metavar="NAME", help="output layer activation (default: relu in the story; with --data, linear, or sigmoid for 0/1 targets)")
    g.add_argument("--leaky-slope", type=slope, default=0.01, metavar="A", help="slope of leaky_relu for Z < 0 (default: 0.01)")
    g.add_argument("--loss", choices=LOSS_NAMES, default=None, help="mse (J = sum((AL-Y)^2)/(2m)) or bce (default: mse; with --data, bce for 0/1 targets)")
    g.add_argument("--lr", type=learning_rate, default=None, metavar="RATE", help=f"learning rate in [{LR_MIN:g}, {LR_MAX:g}] (default: {DEFAULT_LR:g} in the story; with --data, half the stability limit 2/λmax at initialisation)")
    g.add_argument("--init", choices=INIT_NAMES, default="he", help="weight initialisation (default: he)")
    g.add_argument("--seed", type=seed_value, default=DEFAULT_SEED, help=f"random seed for init and the dev split (default: {DEFAULT_SEED})")
    g.add_argument("--normalize", action=argparse.BooleanOptionalAction, default=None, help="standardise X and Y with train-split statistics (default: off in the story, on with --data)")
    g.add_argument("--dev-fraction", type=fraction, default=0.0, metavar="F", help="fraction of samples held out as a dev set, in [0, 1) (default: 0)")
    add_problem_options(g)  # --dataset, --noise, --samples, --features, --l2, --l1, --batch-size


def config_and_data(args) -> tuple[TrainConfig, Dataset]:
    """The config and the dataset the options describe. Settings not given come from
    data_defaults.py (the story's, or chosen from the user's data); what was chosen, and why,
    is kept as `args.defaults_chosen` (a list of data_defaults.Chosen) for the summary and the TUI."""
    data = dataset_from_args(args)
    own_data = args.data is not None or generated(args)  # a generated problem gets own data's defaults
    config, chosen = resolve(args, data, own_data)
    config = with_training_options(config, args)
    check_loss_fits(config, data)
    if own_data:
        config = rate_for(args, config, data, chosen)
    args.defaults_chosen = chosen
    return config, data


def config_from_args(args) -> TrainConfig:
    return config_and_data(args)[0]


def dataset_from_args(args) -> Dataset:
    return problem_dataset(args, lambda: given_dataset(args))  # --dataset, --features


def given_dataset(args) -> Dataset:
    if args.data is None:
        if args.target is not None and args.target != "y":
            raise ValueError(f"--target {args.target!r}: the built-in story data's only target is y "
                             f"(give --data PATH to train on a CSV file)")
        return story_problem()
    return load_csv(args.data, args.target)


def check_loss_fits(config: TrainConfig, data: Dataset) -> None:
    """Cross-entropy takes log(AL) and log(1 - AL): it needs 0/1 targets and a sigmoid output."""
    if config.loss == "bce":
        Y = data.Y
        if ((Y < 0) | (Y > 1)).any():
            raise ValueError(f"--loss bce needs targets in [0, 1]; {printable(data.target_name)} ranges "
                             f"{Y.min():g}..{Y.max():g} (use --loss mse for regression)")
    if config.loss == "bce" and config.output_activation != "sigmoid":
        raise ValueError(f"--loss bce needs --output-activation sigmoid: cross-entropy reads the output as a "
                         f"probability in (0, 1), which a {config.output_activation} output is not "
                         "(use --loss mse to fit it as a regression)")
