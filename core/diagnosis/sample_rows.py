"""The per-sample table's rows, chosen where the trainer lives: train and dev samples, filtered
(dead only) and ordered (worst |ŷ − y| first) over all of them, and then only a window of
them, so what crosses to the screen stays the same size whatever m is.

The screen asks for a `TableView` (which rows, which filter, which order); `sample_rows`
answers with that many rows and the table's full length (for its scrollbar). A row is numbered
by its dataset row, as `run --json` and the findings' evidence number samples; its position in
its split travels with it for what the engine indexes (the chain rule, pause on trouble).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..engine.trainer import Trainer
from .evaluation import Evaluation

MAX_ROWS = 1000  # a window larger than any screen, small enough to pickle in well under a millisecond


@dataclass(frozen=True)
class TableView:
    """Which rows the table shows: `count` rows from `start` of the filtered, ordered table."""
    start: int = 0
    count: int = 200
    dead_only: bool = False
    worst_first: bool = False   # by |ŷ − y|, largest first (not finite last)

    def clamped(self) -> TableView:
        count = min(max(int(self.count), 1), MAX_ROWS)
        return TableView(max(int(self.start), 0), count, bool(self.dead_only), bool(self.worst_first))


@dataclass(frozen=True, eq=False)
class SampleRows:
    view: TableView
    total: int                 # rows of the whole table under view's filter (≥ start + len)
    m_train: int
    m_dev: int
    dead_total: int            # dead samples, train and dev
    index: np.ndarray          # (k,) dataset row of each sample (0-based, CSV header excluded): the `#` a human reads
    position: np.ndarray       # (k,) its column in its split's matrix (train or dev): what the engine indexes
    dev: np.ndarray            # (k,) bool: a dev sample
    x: np.ndarray              # (k,) first feature, data units
    y: np.ndarray              # (k,) target, data units
    y_hat: np.ndarray          # (k,) prediction, data units
    Z_L: np.ndarray            # (k,) output pre-activation, training units
    dead: np.ndarray           # (k,) bool: ReLU output with Z^[L] <= 0
    normalized: bool           # Y standardised for training: training units are not data units
    dead_y_hat: float | None   # what a dead ReLU output (A = 0) is in data units (ȳ when normalised)

    @property
    def start(self) -> int:
        return self.view.start

    def __len__(self) -> int:
        return int(self.index.shape[0])


def _dev_outputs(trainer: Trainer, ev: Evaluation) -> tuple[np.ndarray, np.ndarray]:
    """(Z^[L], ŷ in data units) of the dev samples' first output unit, from the evaluation (a
    second forward pass over the dev set cost a large dataset's frame)."""
    d = trainer.data
    if ev.dev_Z_L is None:  # no dev set
        return np.zeros(0), np.zeros(0)
    return ev.dev_Z_L[0].copy(), np.asarray(d.y_to_original(ev.dev_A_L)[0], dtype=float)


class Gathered:
    """A dataset row's values at the samples `rows`, gathered only where read: a window of the
    table reads 40 of 1M (gathering all of them cost ~15 ms a frame). Whole on np.asarray."""

    def __init__(self, values: np.ndarray, rows: np.ndarray) -> None:
        self.values, self.rows = values, rows

    def __getitem__(self, pick) -> np.ndarray:
        return self.values[self.rows[pick]].astype(float)

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        return self.values[self.rows].astype(dtype or float)


class SplitPositions:
    """Of n rows, train rows then dev rows: each row's column in its split (`position`) and
    whether it is a dev row (`dev`), made only for the rows read (the two arrays of all rows
    cost ~2 ms a frame at 1M samples). `dev` answers sum() and shape as its array would."""

    def __init__(self, m_train: int, n: int) -> None:
        self.m_train, self.n = m_train, n
        self.position = _Lazy(lambda p: np.where(p < m_train, p, p - m_train))
        self.dev = _Lazy(lambda p: p >= m_train, total=n - m_train, shape=(n,))


class _Lazy:
    def __init__(self, at, total: int = 0, shape: tuple = ()) -> None:
        self._at, self._total, self.shape = at, total, shape

    def __getitem__(self, pick) -> np.ndarray:
        return self._at(np.asarray(pick))

    def sum(self) -> int:
        return self._total


def _order(keep: np.ndarray | None, err: np.ndarray | None, worst_first: bool, upto: int, n: int) -> np.ndarray:
    """Row numbers kept of n, worst first when asked; only the first `upto` need to be in order."""
    rows = np.flatnonzero(keep) if keep is not None else np.arange(n)
    if not worst_first or rows.shape[0] == 0:
        return rows
    key = -err[rows]
    key[~np.isfinite(key)] = math.inf          # not finite: last
    if upto < rows.shape[0]:                   # a window near the top: no full sort of m rows
        top = np.argpartition(key, upto - 1)[:upto]
        return rows[top[np.argsort(key[top], kind="stable")]]
    return rows[np.argsort(key, kind="stable")]


def select(view: TableView, index: np.ndarray, position: np.ndarray, dev: np.ndarray, x: np.ndarray,
           y: np.ndarray, y_hat: np.ndarray, Z_L: np.ndarray, dead: np.ndarray, normalized: bool,
           dead_y_hat: float | None) -> SampleRows:
    """The window `view` asks for out of whole per-sample arrays (train rows, then dev rows);
    `index` is each sample's dataset row, `position` its column in its split."""
    view = view.clamped()
    err = None
    if view.worst_first:
        with np.errstate(invalid="ignore", over="ignore"):
            err = np.abs(y_hat - np.asarray(y))
    n = index.shape[0]
    if view.dead_only or view.worst_first:
        order = _order(dead if view.dead_only else None, err, view.worst_first, view.start + view.count, n)
        total = int(order.shape[0])
        start = min(view.start, max(total - 1, 0))
        pick = order[start:start + view.count]
    else:  # every row in its order: the window is a range (no array of all m row numbers)
        total, start = n, min(view.start, max(n - 1, 0))
        pick = np.arange(start, min(start + view.count, n))
    m_dev = int(dev.sum())
    return SampleRows(
        view=TableView(start, view.count, view.dead_only, view.worst_first), total=total,
        m_train=int(dev.shape[0]) - m_dev, m_dev=m_dev, dead_total=int(dead.sum()),
        index=index[pick], position=position[pick], dev=dev[pick], x=x[pick], y=y[pick], y_hat=y_hat[pick], Z_L=Z_L[pick],
        dead=dead[pick], normalized=normalized, dead_y_hat=dead_y_hat)


def sample_rows(trainer: Trainer, ev: Evaluation, view: TableView | None = None) -> SampleRows:
    """The rows `view` asks for, train and dev, from an evaluation of the trainer."""
    ds, d, split = trainer.dataset, trainer.data, trainer.split
    z_dev, y_hat_dev = _dev_outputs(trainer, ev)
    m_train, m_dev = int(split.train_idx.shape[0]), int(z_dev.shape[0])
    # Train rows then dev rows; without a dev set the train arrays themselves (no 1M copies).
    join = (lambda a, b: np.concatenate([a, b])) if m_dev else (lambda a, b: a)
    rows_of = join(split.train_idx, split.dev_idx[:m_dev])
    z = join(ev.Z_L[0], z_dev)
    relu_out = ev.output_can_die
    split_at = SplitPositions(m_train, m_train + m_dev)
    return select(
        view or TableView(), rows_of, split_at.position, split_at.dev,
        Gathered(ds.X[0], rows_of), Gathered(ds.Y[0], rows_of),
        join(np.asarray(ev.y_hat, dtype=float), y_hat_dev), z,
        (z <= 0) if relu_out else np.zeros(z.shape[0], dtype=bool), bool(d.normalize),
        float(d.y_to_original(np.zeros((1, 1)))[0, 0]) if relu_out else None)
