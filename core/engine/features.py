"""Playground's input features: hand-made transforms of a two-column input (x1, x2).

A network with only x1 and x2 must build curved boundaries out of its hidden units; given x1^2
and x2^2 a single unit can draw a circle, and sin(x1), sin(x2) help with the spiral. Choosing
them is the learner's experiment, so a bad list is refused with one line, never guessed at.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from .csv_data import DataError
from .data import Dataset

# Applied to the raw coordinates, as Playground does; standardising comes later, in `prepare`.
_TRANSFORMS = {
    "x1": lambda x1, x2: x1,
    "x2": lambda x1, x2: x2,
    "x1^2": lambda x1, x2: x1 * x1,
    "x2^2": lambda x1, x2: x2 * x2,
    "x1*x2": lambda x1, x2: x1 * x2,
    "sin(x1)": lambda x1, x2: np.sin(x1),
    "sin(x2)": lambda x1, x2: np.sin(x2),
}
FEATURE_NAMES = tuple(_TRANSFORMS)
DEFAULT_FEATURES = ("x1", "x2")


def parse_features(text: str) -> tuple[str, ...]:
    """'x1, x2, x1^2' -> ('x1', 'x2', 'x1^2'). Spaces and letter case are ignored."""
    names = tuple("".join(part.split()).lower() for part in text.split(","))
    if not any(names):
        raise DataError(f"no features given (choose from {', '.join(FEATURE_NAMES)})")
    for name in names:
        if not name:
            raise DataError(f"empty feature name in {text!r} (a stray comma?)")
    check_features(names)
    return names


def check_features(names: Sequence[str]) -> None:
    if not names:
        raise DataError(f"no features given (choose from {', '.join(FEATURE_NAMES)})")
    for name in names:
        if name not in _TRANSFORMS:
            raise DataError(f"unknown feature {name!r} (choose from {', '.join(FEATURE_NAMES)})")
    seen = set()
    for name in names:
        if name in seen:
            raise DataError(f"feature {name!r} is listed twice")
        seen.add(name)


def apply_features(data: Dataset, names: Sequence[str]) -> Dataset:
    """`data` with its two input rows (x1, x2) replaced by one row per named feature, in order."""
    check_features(names)
    if data.n_x != 2:
        shown = ", ".join(data.feature_names)
        raise DataError(f"features need exactly two inputs (x1, x2); this dataset has {data.n_x} ({shown})")
    X = transform(data.X, names)
    return replace(data, X=X, feature_names=tuple(names), recipe={**data.recipe, "features": list(names)},
                   plane=data.X.copy())


def transform(points: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """The named features, one row each, of (2, n) points (x1, x2): e.g. a grid for the 2-D view."""
    x1, x2 = points[0], points[1]
    return np.vstack([np.broadcast_to(_TRANSFORMS[n](x1, x2), x1.shape) for n in names]).astype(float)
