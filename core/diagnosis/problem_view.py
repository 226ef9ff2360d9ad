"""What a frame shows of Playground's controls: accuracy for 0/1 targets, the L2 / L1 penalty
and its curve, the batch size and epoch, and the 2-D view (plane.py). One field of the
Snapshot, computed by take_snapshot where the trainer lives."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..engine.penalty import penalty_cost
from ..engine.trainer import Trainer
from .accuracy import accuracy
from .plane import PlaneView, plane_view


@dataclass(frozen=True, eq=False)
class ProblemView:
    accuracy: float | None       # share of training samples right, for 0/1 targets
    dev_accuracy: float | None
    l2: float
    l1: float
    penalty: float               # the penalty term of J at the current parameters
    batch: int                   # samples per update
    m: int                       # training samples
    epoch: float                 # epochs completed
    hist_penalty: np.ndarray     # the penalty at each of the snapshot's history rows
    plane: PlaneView | None

    @property
    def mini_batch(self) -> bool:
        return self.batch < self.m

    @property
    def regularized(self) -> bool:
        return bool(self.l2 or self.l1)


def problem_view(trainer: Trainer, hist: np.ndarray, dead: np.ndarray, dead_units) -> ProblemView:
    """`hist`: the snapshot's history rows; `dead`, `dead_units`: the evaluation's."""
    c = trainer.config
    acc = accuracy(trainer)
    with np.errstate(all="ignore"):
        pen = penalty_cost(trainer.params, trainer.m, c.l2, c.l1)
    return ProblemView(
        accuracy=None if acc is None else acc.train, dev_accuracy=None if acc is None else acc.dev,
        l2=c.l2, l1=c.l1, penalty=float(pen), batch=trainer.batch, m=trainer.m, epoch=float(trainer.epoch),
        hist_penalty=hist[:, trainer.history.col["penalty"]].copy(),
        plane=plane_view(trainer, dead, dead_units))
