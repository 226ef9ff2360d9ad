"""Datasets in the course's layout (X is (n_x, m), Y is (1, m)), the train/dev split and
standardisation. No file I/O here: CSV parsing lives in `csv_data.py`."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np


@dataclass(frozen=True)
class Dataset:
    X: np.ndarray  # (n_x, m), original units
    Y: np.ndarray  # (1, m), original units
    feature_names: tuple[str, ...] = ("x",)
    target_name: str = "y"
    source: str = "story"
    # How a generated dataset was made and which features were computed (playground.py,
    # features.py: dataset, noise, samples, data_seed, features); the run log's config records it.
    recipe: dict = field(default_factory=dict)
    # The two inputs (x1, x2) the features were computed from: where the 2-D view places each
    # sample. None when X itself is those inputs or there are no features.
    plane: np.ndarray | None = None

    @property
    def m(self) -> int:
        return self.X.shape[1]

    @cached_property
    def binary(self) -> bool:
        """Every target 0 or 1 (binary_targets). Read with every frame (the accuracy), ~1.5 ms
        at 1M samples: once per dataset, whose arrays are never written after loading."""
        return binary_targets(self.Y)

    @property
    def n_x(self) -> int:
        return self.X.shape[0]


def story_problem() -> Dataset:
    """The forum thread's data: X = 0..19, Y = 3X^2 + 3X."""
    x = np.arange(0, 20, 1, dtype=float)
    return Dataset(x.reshape(1, -1), (3 * x**2 + 3 * x).reshape(1, -1), ("x",), "y", "story")


@dataclass(frozen=True)
class Split:
    train_idx: np.ndarray
    dev_idx: np.ndarray


def make_split(m: int, dev_fraction: float, seed: int) -> Split:
    """A dev split of round(m * dev_fraction) samples drawn from `seed`; both sides non-empty."""
    if not 0.0 <= dev_fraction < 1.0:
        raise ValueError(f"dev fraction must be in [0, 1), got {dev_fraction}")
    n_dev = int(round(m * dev_fraction))
    if dev_fraction > 0:
        n_dev = min(max(n_dev, 1), m - 1)
    if n_dev <= 0:
        return Split(np.arange(m), np.arange(0))
    perm = np.random.default_rng([seed, 7]).permutation(m)
    return Split(np.sort(perm[n_dev:]), np.sort(perm[:n_dev]))


@dataclass(frozen=True)
class Prepared:
    """Exactly what the network trains on, plus the constants to get back to original units."""
    X: np.ndarray
    Y: np.ndarray
    X_dev: np.ndarray
    Y_dev: np.ndarray
    normalize: bool
    x_mean: np.ndarray = field(default_factory=lambda: np.zeros((1, 1)))
    x_std: np.ndarray = field(default_factory=lambda: np.ones((1, 1)))
    y_mean: float = 0.0
    y_std: float = 1.0

    @property
    def has_dev(self) -> bool:
        return self.X_dev.shape[1] > 0

    def y_to_original(self, Y: np.ndarray) -> np.ndarray:
        return Y * self.y_std + self.y_mean if self.normalize else Y

    def x_to_original(self, X: np.ndarray) -> np.ndarray:
        return X * self.x_std + self.x_mean if self.normalize else X


def _safe_std(a: np.ndarray, axis: int) -> np.ndarray:
    s = a.std(axis=axis, keepdims=True)
    return np.where(s > 0, s, 1.0)  # a constant column would divide by zero


def binary_targets(Y: np.ndarray) -> bool:
    """Every target 0 or 1: a classification, where accuracy means something."""
    return Y.size > 0 and bool(((Y == 0.0) | (Y == 1.0)).all())


def standardises_target(Y: np.ndarray, loss: str = "mse") -> bool:
    """Whether --normalize standardises Y as well as X. Never for cross-entropy, whose targets
    are probabilities in [0, 1], nor for any 0/1 target: standardised it becomes −0.94/1.06
    (say), which no sigmoid reaches and no log of a probability accepts."""
    return loss != "bce" and not (Y.size == 0 or binary_targets(Y))


def prepare(data: Dataset, split: Split, normalize: bool, loss: str = "mse") -> Prepared:
    X, Y = data.X[:, split.train_idx], data.Y[:, split.train_idx]
    X_dev, Y_dev = data.X[:, split.dev_idx], data.Y[:, split.dev_idx]
    if not normalize:
        return Prepared(X.copy(), Y.copy(), X_dev.copy(), Y_dev.copy(), False,
                        np.zeros((data.n_x, 1)), np.ones((data.n_x, 1)))
    # Statistics from the train split only, so the dev set stays unseen.
    x_mean, x_std = X.mean(axis=1, keepdims=True), _safe_std(X, 1)
    y_mean, y_std = 0.0, 1.0
    if standardises_target(data.Y, loss):
        y_mean, y_std = float(Y.mean()), float(_safe_std(Y, 1)[0, 0])
    # In place on the copies the indexing made: at 1M samples each temporary is 8 MB a row.
    for A, mean, std in ((X, x_mean, x_std), (Y, y_mean, y_std), (X_dev, x_mean, x_std), (Y_dev, y_mean, y_std)):
        A -= mean
        A /= std
    return Prepared(X, Y, X_dev, Y_dev, True, x_mean, x_std, y_mean, y_std)
