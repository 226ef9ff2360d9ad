"""Every squared norm of a history row, and its setting columns, in as few NumPy calls as the
network's size allows.

Small networks: one matmul [θ², G², 1] @ M writes the whole row bar what the step measures
itself (each tensor's ||θ_k||² and ||G_k||², both totals and, through the trailing 1, the
setting columns). Large ones: M would have (2P + 1) x columns entries (6 GB for hidden
4096,4096), so each squared norm is summed from a view of [θ², G²] instead.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np

from .layout import FlatParams


def const_row(col: dict[str, int], lr: float, hcode: float, ocode: float, has_dev: bool) -> np.ndarray:
    """The history columns that only change with a setting: lr, activation codes, and
    dev_loss = NaN without a dev set, the accuracies NaN (written by the step for 0/1
    targets: row_extras.py), zero elsewhere."""
    c = np.zeros(len(col))
    c[col["lr"]], c[col["hidden_code"]], c[col["output_code"]] = lr, hcode, ocode
    c[col["accuracy"]] = c[col["dev_accuracy"]] = math.nan
    if not has_dev:
        c[col["dev_loss"]] = math.nan
    return c


def row_matrix(flat: FlatParams, col: dict[str, int], const: np.ndarray, max_bytes: int) -> np.ndarray | None:
    """M such that [θ², G², 1] @ M is a whole history row, bar the columns the step writes
    itself (tick, step, loss, dev_loss with a dev set, dead counts); its last row is `const`.
    None when M would exceed max_bytes (then see norm_writer)."""
    P = flat.n_params
    if (2 * P + 1) * len(col) * 8 > max_bytes:
        return None
    M = np.zeros((2 * P + 1, len(col)))
    for k, idx in flat.tensor_idx.items():
        M[idx, col[f"wsq_{k}"]] = 1.0
        M[P + idx, col[f"gsq_{k}"]] = 1.0
    M[:P, col["wsq_total"]] = 1.0
    M[P:2 * P, col["gsq_total"]] = 1.0
    M[2 * P] = const
    return M


def norm_writer(flat: FlatParams, col: dict[str, int], settings: slice,
                const: np.ndarray) -> Callable[[np.ndarray], None]:
    """For networks too large for the row matrix: write(row) fills a row's squared norms from
    views of [θ², G²] (each tensor's, then the totals) and its setting columns from const."""
    P, sq = flat.n_params, flat.tgsq[:-1]
    views = []
    a = 0
    for l, shape in enumerate(flat.shapes, start=1):
        size = shape[0] * shape[1]
        for half, prefix in ((sq[:P], "wsq_"), (sq[P:], "gsq_")):
            block = half[a:a + size].reshape(shape)
            views += [(col[f"{prefix}W{l}"], block[:, :-1]), (col[f"{prefix}b{l}"], block[:, -1])]
        a += size
    views += [(col["wsq_total"], sq[:P]), (col["gsq_total"], sq[P:])]
    const_settings = const[settings]
    add = np.add.reduce

    def write(row: np.ndarray) -> None:
        for k, v in views:
            row[k] = add(v, axis=None)
        row[settings] = const_settings
    return write
