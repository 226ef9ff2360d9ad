"""What a step leaves behind: its history row (columns named here), the `StepRecord` read back
from a row, and the `Event`s that change a setting between steps."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

OK, DIVERGED = "ok", "diverged"
# An activation is stored in a float row as its index here (hidden_code, output_code).
ACT_CODES = ("relu", "leaky_relu", "tanh", "sigmoid", "swish", "linear")

# The row's leading columns, in order. The compiled step writes tick/step once per block,
# loss (and dev_loss with a dev set) and the dead counts itself; the rest of the row, from
# dev_loss on, comes out of the squared-norm matmul (see row_norms.py).
HEAD_COLUMNS = ("tick", "step", "loss", "dev_loss", "lr", "hidden_code", "output_code", "dead_output")


def history_columns(L: int, tensor_names: list[str]) -> list[str]:
    """Every column of a history row for an L-layer network: the head, the dead units of each
    hidden layer, the regularisation penalty and the accuracies (in the setting span, see
    setting_columns), then ||θ_k||² and ||m·dθ_k||² per tensor and their totals."""
    cols = list(HEAD_COLUMNS)
    cols += [f"dead_hidden{l}" for l in range(1, L)]
    cols += ["penalty", "accuracy", "dev_accuracy"]  # row_extras.py; accuracies NaN unless 0/1 targets
    cols += [f"wsq_{k}" for k in tensor_names] + [f"gsq_{k}" for k in tensor_names]
    return cols + ["wsq_total", "gsq_total"]


def setting_columns(col: dict[str, int], tensor_names: list[str]) -> slice:
    """The span from dev_loss to the penalty: the columns the norm matmul fills from
    its trailing 1 (settings, dev_loss = NaN without a dev set, zeros the step overwrites)."""
    return slice(col["dev_loss"], col["wsq_" + tensor_names[0]])


@dataclass(frozen=True)
class Event:
    """A change made between steps: at `step`, after `tick` step calls in this session."""
    tick: int
    step: int
    name: str
    value: object


@dataclass(frozen=True)
class StepRecord:
    tick: int
    step: int
    loss: float            # J(θ_t), before this step's update; nan if it overflowed
    dev_loss: float | None
    lr: float              # the rate used for θ_t -> θ_{t+1}
    hidden_activation: str
    output_activation: str
    dead_output: int
    dead_hidden: tuple[int, ...]
    grad_norms: dict[str, float]
    update_ratios: dict[str, float]
    Z_L: np.ndarray = field(repr=False)
    A_L: np.ndarray = field(repr=False)
    status: str = OK
    penalty: float = 0.0   # l2/l1 term of J (penalty.py); J = loss + penalty. loss is the data's
    accuracy: float | None = None      # share of the step's samples right, for 0/1 targets
    dev_accuracy: float | None = None


def record_from_row(row: np.ndarray, col: dict[str, int], tensor_names: list[str], m: int, L: int,
                    ZL: np.ndarray | None = None, AL: np.ndarray | None = None) -> StepRecord:
    """The StepRecord a history row stands for. Gradient norms are of dJ/dθ: the row holds
    ||m·dθ||² (m: the step's samples, its batch), so its root is divided by m."""
    gn = {f"d{k}": math.sqrt(row[col[f"gsq_{k}"]]) / m for k in tensor_names}
    lr = float(row[col["lr"]])
    ratios = {}
    for k in tensor_names:
        if k.startswith("W"):
            w = math.sqrt(row[col[f"wsq_{k}"]])
            ratios[k] = lr * gn["d" + k] / w if w > 0 else math.inf
    dev = float(row[col["dev_loss"]])
    return StepRecord(
        tick=int(row[col["tick"]]), step=int(row[col["step"]]), loss=float(row[col["loss"]]),
        dev_loss=None if math.isnan(dev) else dev, lr=lr,
        hidden_activation=ACT_CODES[int(row[col["hidden_code"]])],
        output_activation=ACT_CODES[int(row[col["output_code"]])],
        dead_output=int(row[col["dead_output"]]),
        dead_hidden=tuple(int(row[col[f"dead_hidden{l}"]]) for l in range(1, L)),
        grad_norms=gn, update_ratios=ratios,
        Z_L=ZL if ZL is not None else np.empty((0, 0)), A_L=AL if AL is not None else np.empty((0, 0)),
        penalty=float(row[col["penalty"]]),
        accuracy=_or_none(row[col["accuracy"]]), dev_accuracy=_or_none(row[col["dev_accuracy"]]),
    )


def _or_none(v: float) -> float | None:
    return None if math.isnan(v) else float(v)
