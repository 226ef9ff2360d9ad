"""TensorFlow Playground's controls on the command line: the problem (`--dataset`, `--noise`,
`--samples`, `--features`) and the training options it adds (`--l2`, `--l1`, `--batch-size`).

The problems themselves are core.engine.playground and core.engine.features; this module only
reads the options, with one line naming a bad value (options.py's convention)."""
from __future__ import annotations

import argparse
from typing import Callable

from core.engine.config import MAX_BATCH, MAX_PENALTY, TrainConfig, check_penalty
from core.engine.csv_data import DataError
from core.engine.data import Dataset
from core.engine.features import FEATURE_NAMES, apply_features, parse_features
from core.engine.playground import DATASET_NAMES, MAX_NOISE, SAMPLES_CLASSIFY, SAMPLES_REGRESS, make_dataset

from .protocol import Notice


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None


def noise(text: str) -> float:
    v = _number(text)
    if not 0 <= v <= MAX_NOISE:  # also refuses nan
        raise argparse.ArgumentTypeError(f"must be a percentage from 0 to {MAX_NOISE:g}, got {text}")
    return v


def penalty_rate(text: str) -> float:
    try:
        return check_penalty("the", _number(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number from 0 (off) to {MAX_PENALTY:g}, got {text}") from None


def batch_size(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 0 <= v <= MAX_BATCH:
        raise argparse.ArgumentTypeError(f"must be from 0 (full batch) to {MAX_BATCH}, got {text}")
    return v


def features(text: str) -> tuple[str, ...]:
    try:
        return parse_features(text)
    except DataError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def samples(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def add_problem_options(g) -> None:
    g.add_argument("--dataset", choices=DATASET_NAMES, default=None, metavar="NAME",
                   help=f"a generated problem: {', '.join(DATASET_NAMES)} (default: story, the forum thread's "
                        "data); seeded by --seed, split by --dev-fraction")
    g.add_argument("--noise", type=noise, default=None, metavar="PCT",
                   help=f"noise of a generated dataset in percent, 0 to {MAX_NOISE:g} (default: 0)")
    g.add_argument("--samples", type=samples, default=None, metavar="N",
                   help=f"points in a generated dataset (default: {SAMPLES_CLASSIFY} to classify, "
                        f"{SAMPLES_REGRESS} to regress)")
    g.add_argument("--features", type=features, default=None, metavar="LIST",
                   help=f"input features from two inputs x1, x2, comma-separated: {','.join(FEATURE_NAMES)} "
                        "(default: x1,x2 as given)")
    g.add_argument("--l2", type=penalty_rate, default=0.0, metavar="λ",
                   help="L2 regularisation: J += λ/(2m)·Σ||W||² (default: 0, off)")
    g.add_argument("--l1", type=penalty_rate, default=0.0, metavar="λ",
                   help="L1 regularisation: J += λ/m·Σ|W| (default: 0, off)")
    g.add_argument("--batch-size", type=batch_size, default=0, metavar="B",
                   help="samples per update (mini-batch gradient descent, reshuffled each epoch); "
                        "0 or at least the training set is full batch (default: 0)")


def generated(args) -> bool:
    """A Playground problem rather than the story or a CSV file."""
    return getattr(args, "dataset", None) not in (None, "story")


def problem_dataset(args, load: Callable[[], Dataset]) -> Dataset:
    """The dataset of --dataset, or load() (the story or --data's CSV file), with --features."""
    name, path = getattr(args, "dataset", None), getattr(args, "data", None)
    noise_, samples_ = getattr(args, "noise", None), getattr(args, "samples", None)
    if name is not None and path is not None:
        raise DataError("give either --data PATH or --dataset NAME, not both")
    if generated(args):
        if getattr(args, "target", None) is not None:
            raise DataError(f"--target {args.target!r}: a generated dataset has one target "
                            "(give --data PATH to train on a CSV file)")
        data = make_dataset(name, noise_ or 0.0, samples_, args.seed)
    else:
        if noise_ is not None or samples_ is not None:
            what = "a CSV file" if path is not None else "the story's fixed data"
            raise DataError(f"--noise and --samples apply to a generated --dataset "
                            f"({', '.join(DATASET_NAMES[1:])}), not to {what}")
        data = load()
    names = getattr(args, "features", None)
    return apply_features(data, names) if names else data


def with_view_hint(options: dict, data: Dataset) -> dict:
    """The TUI's first notice, for data with two inputs, ends by naming the 2-D view's key."""
    if data.n_x != 2 and data.plane is None:
        return options
    first = options.get("start_notice")
    hint = "v: the 2-D view (the output over the plane, the units, the weights)"
    text = f"Two inputs, x1 and x2 · {hint}" if first is None else f"{first.text} · {hint}"
    return {**options, "start_notice": Notice(text, "information")}


def with_training_options(config: TrainConfig, args) -> TrainConfig:
    """`config` with --l2, --l1 and --batch-size."""
    return config.with_(l2=args.l2, l1=args.l1, batch_size=args.batch_size)
