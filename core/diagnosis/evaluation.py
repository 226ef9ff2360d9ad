"""What the network does at its current parameters: per-sample Z^[L] and A^[L], the dead
samples and units, losses and RMSE in Y's original units. Computed on demand (for a screen
refresh or a summary), never inside the training step."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..engine.losses import output_cost
from ..engine.trainer import Trainer


@dataclass(frozen=True)
class Evaluation:
    step: int
    loss: float
    dev_loss: float | None
    rmse: float              # train RMSE in Y's original units
    dev_rmse: float | None
    Z_L: np.ndarray          # (n_y, m) pre-activation of the output layer, train samples
    A_L: np.ndarray          # (n_y, m) network output in training units
    y_hat: np.ndarray        # (m,) prediction in original units
    dead_samples: np.ndarray  # indices of train samples with a dead ReLU output
    hidden_active: list[np.ndarray]  # per hidden layer: (n_l, m) bool, Z > 0
    dead_units: list[np.ndarray]     # per hidden layer: indices of units dead on every sample
    hidden_can_die: bool
    output_can_die: bool
    dev_Z_L: np.ndarray | None = None  # (n_y, m_dev): the dev samples' Z^[L] and A^[L], when there are any
    dev_A_L: np.ndarray | None = None

    @property
    def dead_output(self) -> int:
        return int(len(self.dead_samples))

    @property
    def dead_hidden(self) -> list[int]:
        return [int(len(u)) for u in self.dead_units]


def _rmse(A: np.ndarray, Y: np.ndarray, y_std: float) -> float:
    return float(math.sqrt(np.mean((A - Y) ** 2)) * y_std)


# Samples per chunk of the forward pass on large data: a hidden layer's Z and A for a chunk
# (10 units: 2.5 MB each) stay in cache, and the float arrays of all m samples are never held
# at once (10 × 1M floats are 80 MB each: the app's peak came from them). 1M samples, one
# hidden layer of 10: 91 -> 40 ms here, bit-identical (each sample's column is the same sums).
CHUNK = 1 << 15


def outputs(trainer: Trainer, X: np.ndarray, chunk: int = CHUNK) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """Z^[L], A^[L] and each hidden layer's Z > 0 for the samples X, chunk by chunk."""
    m = X.shape[1]
    if m <= chunk:
        Zs, As = trainer.forward(X)
        return Zs[-1], As[-1], [Z > 0 for Z in Zs[:-1]]
    ZL = AL = None
    active = [np.empty((n, m), dtype=bool) for n in trainer.config.hidden]
    for a in range(0, m, chunk):
        Zs, As = trainer.forward(X[:, a:a + chunk])
        if ZL is None:
            ZL, AL = np.empty((Zs[-1].shape[0], m), Zs[-1].dtype), np.empty((As[-1].shape[0], m), As[-1].dtype)
        ZL[:, a:a + chunk], AL[:, a:a + chunk] = Zs[-1], As[-1]
        for on, Z in zip(active, Zs[:-1]):
            np.greater(Z, 0, out=on[:, a:a + chunk])
    return ZL, AL, active


def evaluate(trainer: Trainer) -> Evaluation:
    c, d = trainer.config, trainer.data
    ZL, AL, active = outputs(trainer, d.X)
    y_std = d.y_std if d.normalize else 1.0
    with np.errstate(all="ignore"):
        loss = output_cost(ZL, AL, d.Y, c.loss, c.output_activation)
        rmse = _rmse(AL, d.Y, y_std)
        dev_loss = dev_rmse = Z_dev = A_dev = None
        if d.has_dev:
            Z_dev, A_dev, _ = outputs(trainer, d.X_dev)
            dev_loss = output_cost(Z_dev, A_dev, d.Y_dev, c.loss, c.output_activation)  # as cost_on
            dev_rmse = _rmse(A_dev, d.Y_dev, y_std)
    output_relu = c.output_activation == "relu"
    hidden_relu = c.hidden_activation == "relu"
    dead_samples = np.flatnonzero((ZL <= 0).any(axis=0)) if output_relu else np.array([], dtype=int)
    dead_units = [np.flatnonzero(~a.any(axis=1)) if hidden_relu else np.array([], dtype=int) for a in active]
    return Evaluation(trainer.step_count, loss, dev_loss, rmse, dev_rmse, ZL, AL,
                      d.y_to_original(AL).ravel(), dead_samples, active, dead_units,
                      hidden_relu, output_relu, Z_dev, A_dev)
