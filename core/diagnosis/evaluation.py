"""What the network does at its current parameters: per-sample Z^[L] and A^[L], the dead
samples and units, losses and RMSE in Y's original units. Computed on demand (for a screen
refresh or a summary), never inside the training step."""
from __future__ import annotations

import math
import threading
import weakref
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..engine.chunks import output_in_chunks
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


def _loss_and_rmse(ZL: np.ndarray, AL: np.ndarray, Y: np.ndarray, c, y_std: float) -> tuple[float, float]:
    """output_cost and _rmse. For MSE both are the one sum of squared errors (compute_cost's
    Σ/(2m), np.mean's Σ/size), summed once: at 1M samples each pass was ~3 ms of a key's frame."""
    if c.loss != "mse":
        return output_cost(ZL, AL, Y, c.loss, c.output_activation), _rmse(AL, Y, y_std)
    err = np.subtract(AL, Y)
    sq = np.sum(np.multiply(err, err, out=err))
    return float(sq / (2 * Y.shape[1])), float(math.sqrt(sq / err.size) * y_std)


def outputs(trainer: Trainer, X: np.ndarray, chunk: int | None = None, stop=None) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """Z^[L], A^[L] and each hidden layer's Z > 0 for the samples X, a chunk of samples at a
    time on large data (engine/chunks.py: 1M samples, 10 hidden units: 91 -> 40 ms, and no
    80 MB Z or A)."""
    m = X.shape[1]
    active = [np.empty((n, m), dtype=bool) for n in trainer.config.hidden]

    def hidden_activity(a: int, b: int, Zs: list[np.ndarray]) -> None:
        for on, Z in zip(active, Zs[:-1]):
            np.greater(Z, 0, out=on[:, a:b])
    if chunk is None:
        ZL, AL = trainer.output(X, each=hidden_activity, stop=stop)
    else:
        ZL, AL = output_in_chunks(trainer.forward, X, chunk, hidden_activity)
    return ZL, AL, active


# The last evaluation of each live trainer, with what it was computed from. A frame with
# findings asked for the same θ up to three times (the snapshot, the live diagnostics, the next
# step), and at 1M samples each pass is ~40 ms.
_recent: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_recent_lock = threading.Lock()


def evaluate(trainer: Trainer, stop: Callable[[], bool] | None = None) -> Evaluation:
    """What the network does at trainer's current θ: computed once per θ, settings and data
    (the arrays are shared between callers: read them, never write). On large data, stop()
    true between two chunks of samples gives up (engine.chunks.Abandoned)."""
    with _recent_lock:
        seen = _recent.get(trainer)
    state = (trainer.data, trainer.config, trainer.step_count)
    if seen is not None and _same_state(seen[0], state) and np.array_equal(seen[1], trainer.flat.theta):
        return seen[2]
    ev = _evaluate(trainer, stop)
    with _recent_lock:
        _recent[trainer] = (state, trainer.flat.theta.copy(), ev)
    return ev


def forget(trainer: Trainer) -> None:
    """Drop trainer's kept evaluation (~30 MB at 1M samples): for a trainer that lives on but
    will not be evaluated again here (the app's, once training moved to its own process)."""
    with _recent_lock:
        _recent.pop(trainer, None)


def _same_state(a: tuple, b: tuple) -> bool:
    # The prepared data by identity: a reset or normalising makes a new one.
    return a[0] is b[0] and a[1] == b[1] and a[2] == b[2]


def _evaluate(trainer: Trainer, stop=None) -> Evaluation:
    c, d = trainer.config, trainer.data
    ZL, AL, active = outputs(trainer, d.X, stop=stop)
    y_std = d.y_std if d.normalize else 1.0
    with np.errstate(all="ignore"):
        loss, rmse = _loss_and_rmse(ZL, AL, d.Y, c, y_std)
        dev_loss = dev_rmse = Z_dev = A_dev = None
        if d.has_dev:
            Z_dev, A_dev, _ = outputs(trainer, d.X_dev, stop=stop)
            dev_loss, dev_rmse = _loss_and_rmse(Z_dev, A_dev, d.Y_dev, c, y_std)  # J as cost_on
    output_relu = c.output_activation == "relu"
    hidden_relu = c.hidden_activation == "relu"
    dead_samples = np.flatnonzero((ZL <= 0).any(axis=0)) if output_relu else np.array([], dtype=int)
    dead_units = [np.flatnonzero(~a.any(axis=1)) if hidden_relu else np.array([], dtype=int) for a in active]
    return Evaluation(trainer.step_count, loss, dev_loss, rmse, dev_rmse, ZL, AL,
                      d.y_to_original(AL).ravel(), dead_samples, active, dead_units,
                      hidden_relu, output_relu, Z_dev, A_dev)
