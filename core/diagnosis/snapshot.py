"""A frozen picture of a trainer for a screen to draw: everything a frame shows, computed once
by whoever owns the trainer and handed to the UI, which never touches the trainer itself.

Plain NumPy arrays, built-in types and frozen findings only, so a snapshot pickles and can
cross a thread or a process boundary unchanged.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .evaluation import evaluate
from .findings import Finding, diagnose
from .problem_view import ProblemView, problem_view
from .sample_bins import SampleSummary, shown_index, summary
from .sample_rows import SampleRows, TableView, sample_rows
from ..engine.trainer import Trainer

HISTORY_POINTS = 1000


@dataclass(frozen=True, eq=False)
class Snapshot:
    step: int
    tick: int
    status: str                  # 'ok' | 'diverged'
    diverged_reason: str
    lr: float
    hidden_activation: str
    output_activation: str
    normalize: bool
    seed: int
    loss_name: str
    layer_dims: tuple[int, ...]
    loss: float                  # J at the current parameters (nan if it overflows)
    dev_loss: float | None
    rmse: float                  # in Y's original units
    dev_rmse: float | None
    feature_names: tuple[str, ...]
    target_name: str
    # Per train sample; past sample_bins.SHOWN_SAMPLES, an evenly spaced subset (see `samples`).
    x: np.ndarray                # (m,) first feature of each train sample, original units
    y: np.ndarray                # (m,) target, original units
    y_hat: np.ndarray            # (m,) prediction, original units
    Z_L: np.ndarray              # (m,) output pre-activation (first output unit)
    dead: np.ndarray             # (m,) bool: ReLU output with Z^[L] <= 0
    hidden_active: tuple[np.ndarray, ...]  # per hidden layer: (n_l, m) bool, Z > 0
    dead_units: tuple[np.ndarray, ...]     # per hidden layer: indices dead on every sample
    hidden_can_die: bool
    output_can_die: bool
    # Loss curve: the engine's bounded history thinned to at most HISTORY_POINTS rows.
    hist_step: np.ndarray
    hist_loss: np.ndarray
    hist_dev_loss: np.ndarray    # nan where there is no dev split
    findings: tuple[Finding, ...] = field(default=())  # diagnose()'s, most urgent first
    # The per-sample table: a window of train and dev rows (its size does not grow with m).
    table: SampleRows | None = None
    # Playground's controls: accuracy, L2 / L1, batch and epoch, the 2-D view (problem_view.py).
    problem: ProblemView | None = None
    # Past SHOWN_SAMPLES train samples: which ones the arrays above hold, and the counts and
    # bins of all of them (sample_bins.py). None: the arrays hold every train sample.
    samples: SampleSummary | None = None
    # The dataset row (0-based, CSV header excluded) of each entry of the per-sample arrays: how
    # samples are numbered on screen. None: rows and training positions are the same.
    rows: np.ndarray | None = None

    @property
    def m(self) -> int:
        """Train samples in all (the per-sample arrays may hold a subset: `samples`)."""
        return self.samples.m if self.samples is not None else int(self.x.shape[0])

    @property
    def dead_y_hat(self) -> float | None:
        """ŷ of a dead sample in y's units (ReLU's 0 mapped back), None when none is dead."""
        if self.samples is not None:
            return self.samples.dead_y_hat
        return float(self.y_hat[np.argmax(self.dead)]) if self.dead.any() else None

    @property
    def n_features(self) -> int:
        return len(self.feature_names)

    @property
    def dead_output(self) -> int:
        return self.samples.dead_total if self.samples is not None else int(self.dead.sum())

    @property
    def dead_hidden(self) -> tuple[int, ...]:
        return tuple(int(len(u)) for u in self.dead_units)

    @property
    def diverged(self) -> bool:
        return self.status != "ok"

    def __repr__(self) -> str:
        return (f"Snapshot(step={self.step}, loss={self.loss:.6g}, lr={self.lr:g}, "
                f"{self.hidden_activation}/{self.output_activation}, dead_output={self.dead_output})")


def take_snapshot(trainer: Trainer, *, with_findings: bool = True,
                  previous_findings: tuple[Finding, ...] = (),
                  history_points: int = HISTORY_POINTS, table_view: TableView | None = None,
                  interrupted: Callable[[], bool] | None = None) -> Snapshot:
    """Build a snapshot. Diagnosis can cost more than a frame, so a caller drawing many frames
    a second passes with_findings=False on most of them and carries the last findings over.
    table_view: the rows of the per-sample table the screen shows (sample_rows.py).
    interrupted: the snapshot gives up when it says so (engine.chunks.Abandoned; in the
    findings cures.Interrupted, see diagnose()): between chunks of samples on large data, and
    before each copy the findings train."""
    c, d = trainer.config, trainer.data
    ev = evaluate(trainer, stop=interrupted)
    dead = np.zeros(trainer.m, dtype=bool)
    dead[ev.dead_samples] = True
    shown = shown_index(trainer.m)
    y_hat, Z_L, active = np.asarray(ev.y_hat, dtype=float), ev.Z_L[0], ev.hidden_active
    samples = None if shown is None else summary(shown, Z_L, dead, active, y_hat, trainer.split.train_idx)
    pick = slice(None) if shown is None else shown
    train_idx = trainer.split.train_idx[pick]
    x = trainer.dataset.X[0, train_idx].astype(float)
    y = trainer.dataset.Y[0, train_idx].astype(float)
    hist = trainer.history.thinned(history_points)
    col = trainer.history.col
    findings = tuple(diagnose(trainer, ev, interrupted=interrupted)) if with_findings else tuple(previous_findings)
    return Snapshot(
        step=trainer.step_count, tick=trainer.tick, status=trainer.status,
        diverged_reason=trainer.diverged_reason, lr=c.lr,
        hidden_activation=c.hidden_activation, output_activation=c.output_activation,
        normalize=d.normalize, seed=trainer.seed, loss_name=c.loss,
        layer_dims=tuple(trainer.layer_dims),
        loss=_finite_or_nan(ev.loss), dev_loss=None if ev.dev_loss is None else _finite_or_nan(ev.dev_loss),
        rmse=_finite_or_nan(ev.rmse), dev_rmse=None if ev.dev_rmse is None else _finite_or_nan(ev.dev_rmse),
        feature_names=tuple(trainer.dataset.feature_names), target_name=trainer.dataset.target_name,
        x=x, y=y, y_hat=y_hat[pick].copy(), Z_L=Z_L[pick].copy(), dead=dead[pick].copy(),
        hidden_active=tuple(a[:, pick].copy() for a in active), samples=samples,
        dead_units=tuple(np.asarray(u, dtype=int) for u in ev.dead_units),
        hidden_can_die=ev.hidden_can_die, output_can_die=ev.output_can_die,
        hist_step=hist[:, col["step"]].copy(), hist_loss=hist[:, col["loss"]].copy(),
        hist_dev_loss=hist[:, col["dev_loss"]].copy(),
        findings=findings, table=sample_rows(trainer, ev, table_view), rows=train_idx.copy(),
        problem=problem_view(trainer, hist, dead, ev.dead_units),
    )


def _finite_or_nan(v: float) -> float:
    v = float(v)
    return v if math.isfinite(v) else math.nan
