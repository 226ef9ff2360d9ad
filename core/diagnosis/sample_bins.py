"""Large datasets in a snapshot: what crosses to the screen stays the same size whatever m is.

Up to SHOWN_SAMPLES training samples, a snapshot carries every sample's x, y, ŷ, Z^[L] and
hidden activity. Past that it carries an evenly spaced subset of them (in order: enough for a
fit plot, which draws a few hundred points anyway) and this `SampleSummary` of all of them:
the counts, the first runs of dead sample numbers, and Z^[L] ≤ 0 and each hidden unit's
Z ≤ 0 counted in FINE_BINS bins of consecutive samples, which the sign strip and the unit grid
merge into their columns. At 1M samples a snapshot was 43 MB to pickle and draw; now ~0.3 MB.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SHOWN_SAMPLES = 4096   # up to this many training samples, every one crosses to the screen
FINE_BINS = 1024       # bins of consecutive samples counted for the sign strip and unit grid
MAX_RUNS = 16          # runs of dead sample numbers kept (the panel lists six)


@dataclass(frozen=True, eq=False)
class SampleSummary:
    m: int                        # training samples in all
    index: np.ndarray             # (S,) which of them the snapshot's per-sample arrays hold
    dead_total: int               # samples whose ReLU output is dead (Z^[L] ≤ 0)
    dead_runs: np.ndarray         # (k, 2) first and last dataset row of the first MAX_RUNS runs of them
    zero_total: int               # dead with Z^[L] = 0 exactly
    zero_runs: np.ndarray         # (k, 2) likewise
    dead_y_hat: float | None      # ŷ of a dead sample, in y's units (None: none is dead)
    per: int                      # samples in each fine bin (the last may have fewer)
    count: np.ndarray             # (B,) samples in each bin
    z_off: np.ndarray             # (B,) samples with Z^[L] ≤ 0 in each bin
    units_off: tuple[np.ndarray, ...]   # per hidden layer, (n_l, B): samples with Z ≤ 0


def shown_index(m: int) -> np.ndarray | None:
    """The samples a snapshot's per-sample arrays hold: None (all) up to SHOWN_SAMPLES."""
    if m <= SHOWN_SAMPLES:
        return None
    return np.unique(np.linspace(0, m - 1, SHOWN_SAMPLES).round().astype(np.int64))


def runs(flags: np.ndarray, limit: int = MAX_RUNS) -> np.ndarray:
    """(first, last) of the first `limit` runs of consecutive set flags."""
    f = np.concatenate([[False], np.asarray(flags, dtype=bool), [False]])
    edges = np.flatnonzero(f[1:] != f[:-1])[: 2 * limit]
    return edges.reshape(-1, 2) - np.array([0, 1])


def number_runs(numbers: np.ndarray, limit: int = MAX_RUNS) -> np.ndarray:
    """(first, last) of the first `limit` runs of consecutive numbers in a sorted array."""
    a = np.asarray(numbers, dtype=np.int64)
    if a.size == 0:
        return np.zeros((0, 2), dtype=np.int64)
    breaks = np.flatnonzero(np.diff(a) != 1)[:limit]
    first = np.concatenate([[0], breaks + 1])[:limit]
    last = np.concatenate([breaks, [a.size - 1]])[:limit]
    return np.stack([a[first], a[last]], axis=1)


def summary(index: np.ndarray, Z_L: np.ndarray, dead: np.ndarray, hidden_active, y_hat: np.ndarray,
            rows: np.ndarray | None = None) -> SampleSummary:
    """The summary of every training sample's Z^[L] (first output unit), dead flags, hidden
    activity ((n_l, m) bools per layer) and ŷ in y's units. `rows`: each training sample's
    dataset row, which the runs of dead samples are numbered by (None: by position)."""
    m = int(Z_L.shape[0])
    per = -(-m // FINE_BINS)
    starts = np.arange(0, m, per)
    count = np.minimum(per, m - starts)
    zero = dead & (Z_L == 0)
    first_dead = int(np.argmax(dead)) if dead.any() else -1
    return SampleSummary(
        m=m, index=index, dead_total=int(dead.sum()), dead_runs=_runs(dead, rows), zero_total=int(zero.sum()),
        zero_runs=_runs(zero, rows), dead_y_hat=None if first_dead < 0 else float(y_hat[first_dead]),
        per=per, count=count, z_off=binned_true(Z_L <= 0, per),
        units_off=tuple(count - binned_true(a, per) for a in hidden_active))


def binned_true(flags: np.ndarray, per: int) -> np.ndarray:
    """How many flags are True in each bin of `per` consecutive samples (the last bin may be
    shorter), along the last axis. Summed as bytes over a reshaped view: at 1M samples and 10
    units 3 ms, where reduceat over an int64 copy took 23-32 ms a frame; into uint16 (exact while
    a bin has fewer than 65,536 samples, m under 67M), whose add NumPy vectorises, 0.8 ms."""
    b = flags.view(np.uint8)
    m = b.shape[-1]
    k = m // per
    counts = np.uint16 if per < 1 << 16 else np.int64
    out = b[..., :k * per].reshape(*b.shape[:-1], k, per).sum(axis=-1, dtype=counts).astype(np.int64)
    if k * per < m:
        out = np.concatenate([out, b[..., k * per:].sum(axis=-1, dtype=np.int64)[..., None]], axis=-1)
    return out


def _runs(flags: np.ndarray, rows: np.ndarray | None) -> np.ndarray:
    if rows is None:
        return runs(flags)
    numbers = np.asarray(rows)[flags]
    if numbers.size > 1 and (np.diff(numbers) < 0).any():  # a split is kept sorted; a log's may not be
        numbers = np.sort(numbers)
    return number_runs(numbers)
