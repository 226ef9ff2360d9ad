"""The columns a replay keeps per logged step, in bounded memory.

Rows arrive one step record at a time and are appended to NumPy columns in batches (a Python
object per number would cost ten times the memory). Past limits.MAX_ROWS rows the stride doubles
and every other row goes, evenly, as the trainer's History thins; rows that carry θ are kept.
θ itself is kept within MAX_PARAM_FLOATS floats the same way. Both are keyed by the step's
ordinal (its place among the log's step records) so that thinning one does not renumber the
other. Columns are never written below their published length, so a Replay holding views of
them stays valid while loading goes on (from another thread)."""
from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

import numpy as np

from ..engine.activations import ACTIVATION_NAMES

ACTIVATIONS = (*ACTIVATION_NAMES, "?")     # "?" for a step record that does not say
STATUSES = ("ok", "diverged", "?")
_FLOAT, _INT, _SMALL = np.float64, np.int64, np.int32  # ticks and counts fit 32 bits (limits.MAX_TICK)
COLUMNS = {"ordinal": _INT, "tick": _SMALL, "step": _SMALL, "loss": _FLOAT, "dev_loss": _FLOAT, "lr": _FLOAT,
           "dead_output": _SMALL, "hidden": np.uint8, "output": np.uint8, "status": np.uint8,
           "normalize": np.bool_, "seed": _INT}
BATCH = 4096


class Names(Sequence):
    """A column of names stored as one byte per row (activations, statuses)."""

    def __init__(self, codes: np.ndarray, names: tuple[str, ...]) -> None:
        self.codes, self.names = codes, names

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self.names[c] for c in self.codes[i]]
        return self.names[self.codes[i]]

    def distinct(self) -> list[str]:
        """The names that occur, in order of first occurrence."""
        codes, first = np.unique(self.codes, return_index=True)
        return [self.names[c] for _, c in sorted(zip(first, codes))]


class RowStore:
    """Columns of kept rows; add() a row as a tuple in COLUMNS order plus its dead_hidden."""

    def __init__(self, n_hidden: int, max_rows: int, protected=lambda: ()) -> None:
        self.n_hidden, self.max_rows = n_hidden, max_rows
        self.protected = protected  # ordinals thinning must keep (the rows with θ)
        self.n, self.stride = 0, 1
        self.cols = {k: np.empty(BATCH, dtype=t) for k, t in COLUMNS.items()}
        self.dead = np.empty((BATCH, n_hidden), dtype=_SMALL)
        self._rows: list[tuple] = []
        self._dead: list[list[int]] = []

    def wanted(self, ordinal: int) -> bool:
        return ordinal % self.stride == 0

    def add(self, row: tuple, dead_hidden: list[int]) -> None:
        self._rows.append(row)
        self._dead.append(dead_hidden)
        if len(self._rows) >= BATCH:
            self.flush()

    def flush(self) -> None:
        k = len(self._rows)
        if not k:
            return
        if self.n + k > len(self.dead):
            self._resize(max(2 * len(self.dead), self.n + k), np.arange(self.n))
        for col, values in zip(self.cols.values(), zip(*self._rows)):
            col[self.n:self.n + k] = values
        self.dead[self.n:self.n + k] = np.array(self._dead, dtype=_SMALL).reshape(k, self.n_hidden)
        self.n += k
        self._rows, self._dead = [], []
        while self.n > self.max_rows:
            self._thin(list(self.protected()))

    def views(self) -> dict[str, np.ndarray]:
        out = {k: c[:self.n] for k, c in self.cols.items()}
        out["dead_hidden"] = self.dead[:self.n]
        return out

    def _thin(self, protected: Sequence[int]) -> None:
        self.stride *= 2
        ordinal = self.cols["ordinal"][:self.n]
        keep = (ordinal % self.stride == 0) | np.isin(ordinal, np.asarray(protected, dtype=_INT))
        keep[self.n - 1] = True  # the newest row: the end of the run so far
        self._resize(len(self.dead), np.flatnonzero(keep))

    def _resize(self, capacity: int, rows: np.ndarray) -> None:
        """Fresh arrays holding `rows` (never written in place: published views stay valid)."""
        n = len(rows)
        for k, c in self.cols.items():
            new = np.empty(capacity, dtype=c.dtype)
            new[:n] = c[rows]
            self.cols[k] = new
        dead = np.empty((capacity, self.n_hidden), dtype=_SMALL)
        dead[:n] = self.dead[rows]
        self.dead, self.n = dead, n


class ParamsKeeper:
    """θ per step ordinal (one flat vector each), thinned by doubling a stride whenever the
    kept floats pass the budget. A small network's θ costs more in array headers than in
    numbers, so each counts OVERHEAD floats extra."""

    OVERHEAD = 32

    def __init__(self, shapes: list[tuple[str, tuple[int, int]]], budget: int) -> None:
        self.shapes = shapes
        self.size = sum(r * c for _, (r, c) in shapes) + self.OVERHEAD
        self.budget, self.stride, self.seen, self.unmatched = budget, 1, 0, 0
        self.by_ordinal: dict[int, np.ndarray] = {}
        self._k: dict[int, int] = {}

    def wants_next(self) -> bool:
        """Whether the next θ offered would be kept (so a dropped one is never converted)."""
        return self.seen % self.stride == 0

    def add(self, ordinal: int, flat: np.ndarray | None) -> bool:
        """Count a θ (None: one not wanted) and keep it if its turn; whether it is kept."""
        k = self.seen
        self.seen += 1
        if flat is None or k % self.stride:
            return False
        self.by_ordinal[ordinal], self._k[ordinal] = flat, k
        while len(self.by_ordinal) * self.size > self.budget and len(self.by_ordinal) > 2:
            self.stride *= 2
            for o in [o for o, kk in self._k.items() if kk % self.stride]:
                del self.by_ordinal[o], self._k[o]
        return ordinal in self.by_ordinal

    def by_row(self, ordinals: np.ndarray) -> "ParamsView":
        """θ keyed by row, for the rows whose ordinal is among `ordinals` (sorted)."""
        ords = np.array(sorted(self.by_ordinal), dtype=np.int64)
        rows = np.searchsorted(ordinals, ords)
        ok = rows < len(ordinals)
        ok[ok] = ordinals[rows[ok]] == ords[ok]
        return ParamsView(rows[ok], [self.by_ordinal[o] for o in ords[ok].tolist()], self.shapes)


class ParamsView(Mapping):
    """row -> θ as the course's dict of W[l], b[l], unflattened when asked for."""

    def __init__(self, rows: np.ndarray, flats: list[np.ndarray], shapes) -> None:
        self.rows, self._flats, self._shapes = rows, flats, shapes

    def __getitem__(self, row: int) -> dict[str, np.ndarray]:
        i = int(np.searchsorted(self.rows, row))
        if i >= len(self.rows) or self.rows[i] != row:
            raise KeyError(row)
        out, at, flat = {}, 0, self._flats[i]
        for name, (r, c) in self._shapes:
            out[name] = flat[at:at + r * c].reshape(r, c)
            at += r * c
        return out

    def __iter__(self) -> Iterator[int]:
        return iter(self.rows.tolist())

    def __len__(self) -> int:
        return len(self.rows)
