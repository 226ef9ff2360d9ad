"""Step records as CSV, in the spirit of Keras' CSVLogger: one row per (logged) step under a
header, readable by csv.DictReader, pandas and spreadsheets without our code.

Columns: step, loss, dev_loss, lr, hidden_activation, output_activation, dead_output,
dead_hidden (total over hidden layers; with several hidden layers dead_hidden1, ... follow),
then grad_norm_dW1, grad_norm_db1, ... (‖∂J/∂θ‖ per tensor), update_ratio_W1, ... (lr·‖dW‖/‖W‖),
tick, status, penalty (the L2 / L1 term: J = loss + penalty) and, for 0/1 targets, accuracy
(of the step's samples) and dev_accuracy. Floats use the shortest repr that reads back exactly; a non-finite value is
an empty cell (never the text NaN, which not every reader accepts).
"""
from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import IO, Iterable

from ..files import open_for_writing, write_atomic
from ..engine.data import binary_targets
from ..engine.trainer import StepRecord, Trainer


def columns(trainer: Trainer) -> list[str]:
    n_hidden = trainer.L - 1
    cols = ["step", "loss", "dev_loss", "lr", "hidden_activation", "output_activation",
            "dead_output", "dead_hidden"]
    if n_hidden > 1:
        cols += [f"dead_hidden{l}" for l in range(1, n_hidden + 1)]
    cols += [f"grad_norm_d{k}" for k in trainer.tensor_names]
    cols += [f"update_ratio_{k}" for k in trainer.tensor_names if k.startswith("W")]
    cols += ["tick", "status", "penalty"]
    return cols + (["accuracy", "dev_accuracy"] if binary_targets(trainer.dataset.Y) else [])


def cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return repr(v) if math.isfinite(v) else ""
    return str(v)


def row(r: StepRecord, n_hidden: int, accuracy: bool = False) -> list[str]:
    vals = [r.step, r.loss, r.dev_loss, r.lr, r.hidden_activation, r.output_activation,
            r.dead_output, sum(r.dead_hidden)]
    if n_hidden > 1:
        vals += list(r.dead_hidden)
    vals += list(r.grad_norms.values()) + list(r.update_ratios.values())
    vals += [r.tick, r.status, r.penalty] + ([r.accuracy, r.dev_accuracy] if accuracy else [])
    return [cell(v) for v in vals]


class CsvLogWriter:
    """Streams one CSV row per logged step, so an interrupted run keeps its rows."""

    def __init__(self, path: str | Path, trainer: Trainer):
        self.path = Path(path)
        self._cols = columns(trainer)
        self._n_hidden = trainer.L - 1
        self._accuracy = "accuracy" in self._cols
        self._f: IO[str] = open_for_writing(self.path, newline="")
        self._w = csv.writer(self._f, lineterminator="\n")
        self._w.writerow(self._cols)

    def step(self, r: StepRecord) -> None:
        if not r.grad_norms:  # a failed (diverged) attempt measured nothing but its loss
            self._w.writerow(_sparse(r, self._cols))
        else:
            self._w.writerow(row(r, self._n_hidden, self._accuracy))

    def close(self) -> None:
        if not self._f.closed:
            self._f.close()


def _sparse(r: StepRecord, cols: list[str]) -> list[str]:
    known = {"step": r.step, "loss": r.loss, "dev_loss": r.dev_loss, "lr": r.lr,
             "hidden_activation": r.hidden_activation, "output_activation": r.output_activation,
             "tick": r.tick, "status": r.status}
    return [cell(known.get(c)) for c in cols]


def csv_lines(trainer: Trainer, earlier_steps: Iterable[StepRecord] = ()) -> list[str]:
    """The steps the trainer's bounded history holds (every step of a short run), after
    `earlier_steps` (a session's steps from before its resets), as CSV lines."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    cols = columns(trainer)
    w.writerow(cols)
    n_hidden, accuracy = trainer.L - 1, "accuracy" in cols
    for r in (*earlier_steps, *map(trainer.record_from_row, trainer.history.rows())):
        w.writerow(row(r, n_hidden, accuracy))
    return buf.getvalue().splitlines()


def export_csv(path: str | Path, trainer: Trainer, earlier_steps: Iterable[StepRecord] = ()) -> Path:
    """Write the session's steps to `path` in one go (atomically), e.g. next to a TUI export."""
    return write_atomic(path, csv_lines(trainer, earlier_steps))
