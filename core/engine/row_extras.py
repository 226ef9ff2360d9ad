"""What a step adds to its history row beyond the course's step, only when it applies: the
L2 / L1 penalty (penalty.py) and, for 0/1 targets, the accuracy of the step's samples and of
the dev set. Each is a wrapper around the row writer, so a step without them (the story) runs
exactly as before, with no extra call.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable

import numpy as np

from .chunked_step import step_output
from .data import binary_targets
from .penalty import make_regularizer, with_penalty

if TYPE_CHECKING:
    from .trainer import Trainer

# ŷ is read as the probability of a 1 (a sigmoid's, or any output fitted to 0/1 targets).
THRESHOLD = 0.5

WriteRow = Callable[[np.ndarray, float], bool]


def extend_row_writer(t: Trainer, write_row: WriteRow) -> WriteRow:
    c = t.config
    regularize = make_regularizer(t.flat, c.l2, c.l1, t.m, t.batch)
    if regularize is not None:  # its gradient joins G before the row's norms and the update
        write_row = with_penalty(write_row, regularize, t.history.col["penalty"])
    if binary_targets(t.data.Y):
        write_row = with_accuracy(write_row, t)
    return write_row


def with_accuracy(write_row: WriteRow, t: Trainer) -> WriteRow:
    """Writes the share of the step's samples with (A^[L] >= 0.5) == Y, from the output the
    forward pass left (θ_t, as the row's loss), and the dev set's, from the dev output that
    the row's dev loss computed (Trainer.dev_cost keeps it)."""
    col = t.history.col
    k_acc, k_dev = col["accuracy"], col["dev_accuracy"]
    AL, Y = step_output(t)[1], t.Y_step   # Y_step: the batch's targets, refilled each step
    pred, right = np.empty(AL.shape, dtype=bool), np.empty(AL.shape, dtype=bool)
    inv = 1.0 / AL.size
    has_dev = t.data.has_dev
    greater_equal, equal, count = np.greater_equal, np.equal, np.count_nonzero

    def write_row_accuracy(row: np.ndarray, loss: float) -> bool:
        ok = write_row(row, loss)
        greater_equal(AL, THRESHOLD, pred)
        equal(pred, Y, right)
        row[k_acc] = count(right) * inv
        if has_dev:
            row[k_dev] = share_right(t.dev_output, t.data.Y_dev)
        return ok
    return write_row_accuracy


def share_right(AL: np.ndarray, Y: np.ndarray) -> float:
    """The share of samples with (AL >= 0.5) == Y."""
    return float(np.count_nonzero((AL >= THRESHOLD) == Y) / Y.size)
