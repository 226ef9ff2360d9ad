"""Bounded per-step history: a full-detail window of recent steps plus an evenly decimated
archive of the whole run. Memory is fixed at construction, however long the run.

Rows are float64 vectors whose columns the trainer names. The archive keeps every `stride`-th
row; when it fills, it drops every other row and doubles the stride, so it always spans the
run from its first row at an even spacing.
"""
from __future__ import annotations

import numpy as np


class History:
    def __init__(self, columns: list[str], window: int = 4096, archive: int = 4096):
        if archive % 2:
            raise ValueError("archive size must be even")
        self.columns = list(columns)
        self.col = {name: i for i, name in enumerate(self.columns)}
        self._win = np.zeros((window, len(columns)))
        # One view per window row, so a writer indexes a list instead of the array.
        self.row_views = list(self._win)
        self._arc = np.zeros((archive, len(columns)))
        self._arc_seq = np.zeros(archive, dtype=np.int64)
        self.clear()

    # Pickling (a trainer handed to a training process): the row views would arrive as
    # separate copies, so they are rebuilt over the unpickled window instead.
    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        del state["row_views"]
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self.row_views = list(self._win)

    def clear(self) -> None:
        self.seq = 0  # rows committed since the last clear
        self.n_arc = 0
        self.stride = 1

    def __len__(self) -> int:
        return self.seq

    def __repr__(self) -> str:
        return f"History(rows={self.seq}, window={len(self._win)}, archived={self.n_arc}, stride={self.stride})"

    @property
    def nbytes(self) -> int:
        return self._win.nbytes + self._arc.nbytes + self._arc_seq.nbytes

    def archive(self, seq: int) -> None:
        """Copy window row `seq` into the archive (the caller checked seq % stride == 0).
        The writer (the compiled step) fills `row_views` itself, calls this when due, then
        sets `seq`."""
        if self.n_arc == len(self._arc):
            half = len(self._arc) // 2
            self._arc[:half] = self._arc[::2]
            self._arc_seq[:half] = self._arc_seq[::2]
            self.n_arc = half
            self.stride *= 2
            if seq % self.stride:
                return
        self._arc[self.n_arc] = self._win[seq % len(self._win)]
        self._arc_seq[self.n_arc] = seq
        self.n_arc += 1

    def fill_counter(self, col: int, first_seq: int, first_value: float) -> None:
        """Set column `col` of rows first_seq, first_seq+1, ... (those still in the window) to
        first_value, first_value+1, ...: a fast writer fills counters once per block of rows
        instead of once per row."""
        first = max(first_seq, self.seq - len(self._win))
        if first >= self.seq:
            return
        idx = np.arange(first, self.seq)
        self._win[idx % len(self._win), col] = first_value + (idx - first_seq)

    def pop(self) -> None:
        """Forget the last committed row (the trainer rolls back a diverged update)."""
        if self.seq == 0:
            return
        self.seq -= 1
        if self.n_arc and self._arc_seq[self.n_arc - 1] == self.seq:
            self.n_arc -= 1

    def last(self) -> np.ndarray | None:
        if self.seq == 0:
            return None
        return self._win[(self.seq - 1) % len(self._win)].copy()

    def rows(self) -> np.ndarray:
        """All kept rows in order: archived rows older than the window, then the window."""
        n_win = min(self.seq, len(self._win))
        first_win_seq = self.seq - n_win
        start = (self.seq - n_win) % len(self._win)
        idx = (start + np.arange(n_win)) % len(self._win)
        arc = self._arc[: self.n_arc][self._arc_seq[: self.n_arc] < first_win_seq]
        return np.concatenate([arc, self._win[idx]], axis=0)

    def recent(self, n: int) -> np.ndarray:
        """The last n rows at full detail (n at most the window size)."""
        n = min(n, self.seq, len(self._win))
        idx = (self.seq - n + np.arange(n)) % len(self._win)
        return self._win[idx]

    def thinned(self, max_points: int) -> np.ndarray:
        """At most `max_points` rows spread evenly over the run, always keeping the last."""
        rows = self.rows()
        if len(rows) <= max_points or max_points < 2:
            return rows
        idx = np.unique(np.linspace(0, len(rows) - 1, max_points).round().astype(int))
        return rows[idx]
