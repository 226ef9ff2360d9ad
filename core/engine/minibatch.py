"""Mini-batch gradient descent: which training samples each step sees.

With a batch size B below the training set's m, each epoch is a fresh seeded permutation of the
training samples cut into m // B batches of exactly B; the m % B samples left over sit that
epoch out (a different few each epoch), as PyTorch's `drop_last=True`. Every batch having the
same size is what lets the step run on one set of preallocated buffers.

The batch a step sees is a function of the seed, the batch size, the step at which that size
took effect (`base`) and the step number alone, so a rerun that replays the same events at
the same ticks sees the same batches, bit for bit, rollbacks included. `step` counts updates;
an epoch is m // B of them (one at full batch).
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .chunked_step import StepChunks
from .layout import alloc_buffers

# Joined to the seed so the shuffle's draws differ from the initialisation's and the split's.
SHUFFLE_STREAM = 11
# The batch sizes the TUI's key cycles through (0: full batch); a cure names one.
BATCH_STEPS = (0, 1, 4, 10, 32, 100)


def batch_columns(m: int, batch_size: int) -> int:
    """Samples per step: B, or all m for full batch (batch_size 0 or at least m)."""
    return m if batch_size <= 0 or batch_size >= m else int(batch_size)


class Feeder:
    """Copies each step's batch into the step's input buffers ([X; 1] and Y, B columns each)
    before the forward pass. Not thread-safe: it belongs to one trainer."""

    def __init__(self, X_aug_all: np.ndarray, Y_all: np.ndarray, X_aug: np.ndarray, Y: np.ndarray,
                 seed: int, base: int):
        self.X_all, self.Y_all, self.X, self.Y = X_aug_all, Y_all, X_aug, Y
        self.m, self.B = Y_all.shape[1], Y.shape[1]
        self.per_epoch = self.m // self.B
        self.seed, self.base = seed, base
        self.pos = 0            # updates since `base`: which batch the next forward pass sees
        self._epoch = -1
        self._perm = np.arange(self.m)

    def seek(self, step: int) -> None:
        """The next forward pass is step `step`'s (the trainer calls this before each run)."""
        self.pos = max(step - self.base, 0)  # a rollback to just before `base` re-takes its batch

    def permutation(self, epoch: int) -> np.ndarray:
        rng = np.random.default_rng([self.seed, SHUFFLE_STREAM, self.base, epoch])
        return rng.permutation(self.m)

    def load(self) -> None:
        epoch, j = divmod(self.pos, self.per_epoch)
        self.pos += 1
        if epoch != self._epoch:
            self._perm, self._epoch = self.permutation(epoch), epoch
        idx = self._perm[j * self.B:(j + 1) * self.B]
        np.take(self.X_all, idx, axis=1, out=self.X)
        np.take(self.Y_all, idx, axis=1, out=self.Y)

    def batch_at(self, step: int) -> np.ndarray:
        """The training-split positions step `step` sees (for tests and displays)."""
        epoch, j = divmod(max(step - self.base, 0), self.per_epoch)
        return self.permutation(epoch)[j * self.B:(j + 1) * self.B]


def batched(forward: Callable[[], float], feeder: Feeder | None) -> Callable[[], float]:
    """forward() that first loads its batch; `forward` itself at full batch (no extra call)."""
    if feeder is None:
        return forward
    load = feeder.load

    def forward_batch() -> float:
        load()
        return forward()
    return forward_batch


def setup_step_inputs(t) -> None:
    """Size trainer t's step buffers for its batch: t.batch (columns per step), t.X_aug and
    t.bufs (layout.alloc_buffers), t.Y_step (the Y the step reads), t.feeder (None at full
    batch, where the step reads the training data itself) and t.chunks (a full batch of more
    than t.STEP_CHUNK samples runs a chunk at a time: chunked_step.py; None otherwise)."""
    X, Y = t.data.X, t.data.Y
    t.batch = batch_columns(t.m, t.config.batch_size)
    t.chunks = None
    if t.batch == t.m and 0 < t.STEP_CHUNK < t.m:  # large data: chunked_step.py
        t.chunks = StepChunks(t, t.STEP_CHUNK)
        t.X_aug, t.bufs, t.Y_step, t.feeder = None, t.chunks.bufs, Y, None
        return
    if t.batch == t.m:
        t.X_aug, t.bufs = alloc_buffers(t.flat, t.layer_dims, X)
        t.Y_step, t.feeder = Y, None
        return
    t.X_aug, t.bufs = alloc_buffers(t.flat, t.layer_dims, X[:, :t.batch])
    t.Y_step = np.empty((Y.shape[0], t.batch))
    X_aug_all = np.vstack([X, np.ones((1, t.m))])
    t.feeder = Feeder(X_aug_all, Y, t.X_aug, t.Y_step, t.seed, t.batch_base)


def epochs_done(step: int, base: int, epochs_at_base: float, m: int, batch: int) -> float:
    """Epochs completed at `step`: those before the batch size last changed (at step `base`),
    plus the updates since then over the updates per epoch."""
    return epochs_at_base + max(step - base, 0) / (m // batch)
