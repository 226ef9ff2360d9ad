"""Hyperparameters in one validated dataclass (in the spirit of nanoGPT's GPTConfig)."""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace

from .activations import ACTIVATION_NAMES, DEFAULT_LEAKY_SLOPE
from .losses import LOSS_NAMES
from .network import INIT_NAMES

# The story's defaults: with these, training visibly leaves several of the 20 samples stuck at
# exactly 0 while the others fit (see tests/test_story.py).
DEFAULT_LR = 5e-5
DEFAULT_SEED = 4


@dataclass(frozen=True)
class TrainConfig:
    hidden: tuple[int, ...] = (10,)
    hidden_activation: str = "relu"
    output_activation: str = "relu"
    leaky_slope: float = DEFAULT_LEAKY_SLOPE
    loss: str = "mse"
    lr: float = DEFAULT_LR
    init: str = "he"
    seed: int = DEFAULT_SEED
    normalize: bool = False
    dev_fraction: float = 0.0
    # Regularisation (penalty.py): J += l2/(2m)·Σ||W||² + l1/m·Σ|W|, biases not penalised.
    l2: float = 0.0
    l1: float = 0.0
    # Samples per update (minibatch.py); 0, or any size of at least the training set, is full batch.
    batch_size: int = 0

    def __post_init__(self):
        validate(self)

    def layer_dims(self, n_x: int, n_y: int = 1) -> list[int]:
        return [n_x, *self.hidden, n_y]

    def with_(self, **changes) -> "TrainConfig":
        return replace(self, **changes)

    def to_dict(self, n_x: int = 1) -> dict:
        d = asdict(self)
        d["hidden"] = list(self.hidden)
        d["layer_dims"] = self.layer_dims(n_x)
        return d


def validate(c: TrainConfig) -> None:
    """Raise ValueError with one line naming the bad value."""
    if not c.hidden or any((not isinstance(n, int)) or n < 1 for n in c.hidden):
        raise ValueError(f"hidden layer sizes must be positive integers, got {list(c.hidden)}")
    for what, name in (("hidden activation", c.hidden_activation), ("output activation", c.output_activation)):
        if name not in ACTIVATION_NAMES:
            raise ValueError(f"unknown {what} {name!r} (choose from {', '.join(ACTIVATION_NAMES)})")
    if c.loss not in LOSS_NAMES:
        raise ValueError(f"unknown loss {c.loss!r} (choose from {', '.join(LOSS_NAMES)})")
    if c.init not in INIT_NAMES:
        raise ValueError(f"unknown init {c.init!r} (choose from {', '.join(INIT_NAMES)})")
    check_lr(c.lr)
    if not (math.isfinite(c.leaky_slope) and 0 <= c.leaky_slope < 1):
        raise ValueError(f"leaky slope must be in [0, 1), got {c.leaky_slope}")
    if not (isinstance(c.seed, int) and 0 <= c.seed < 2**63):
        raise ValueError(f"seed must be a non-negative integer, got {c.seed}")
    if not (math.isfinite(c.dev_fraction) and 0 <= c.dev_fraction < 1):
        raise ValueError(f"dev fraction must be in [0, 1), got {c.dev_fraction}")
    for name in ("l2", "l1"):
        check_penalty(name, getattr(c, name))
    if isinstance(c.batch_size, bool) or not (isinstance(c.batch_size, int) and 0 <= c.batch_size <= MAX_BATCH):
        raise ValueError(f"batch size must be a whole number from 0 (full batch) to {MAX_BATCH}, got {c.batch_size}")


# A rate λ above this only ever pins every weight at 0 (Playground's largest is 10).
MAX_PENALTY = 1e3
MAX_BATCH = 10**7


def check_penalty(name: str, value: float) -> float:
    """A regularisation rate: finite, 0 (off) to MAX_PENALTY; ValueError names the option."""
    if isinstance(value, bool) or not (isinstance(value, (int, float)) and math.isfinite(value)
                                       and 0 <= value <= MAX_PENALTY):
        raise ValueError(f"{name} rate must be a number from 0 to {MAX_PENALTY:g}, got {value}")
    return float(value)


def check_lr(lr: float) -> float:
    """A rate the engine can run: any positive finite number. Nothing narrower, because a rate
    that blows a step up is caught as divergence (the engine is tested from 1e-8 to 1e4), and
    checks such as overfit pick their own rate from the curvature."""
    if not (isinstance(lr, (int, float)) and math.isfinite(lr) and lr > 0):
        raise ValueError(f"learning rate must be a positive finite number, got {lr}")
    return float(lr)


# The range of rates a person may set (the TUI's keys and rate box, the command line), kept
# here so every front end refuses the same values. It is a guard against typos and runaway
# key presses, not a limit of the maths: the engine runs any rate check_lr accepts.
LR_MIN, LR_MAX = 1e-12, 1e3


def check_lr_in_range(lr: float) -> float:
    """check_lr, and within [LR_MIN, LR_MAX]; ValueError names the range otherwise."""
    lr = check_lr(lr)
    if not LR_MIN <= lr <= LR_MAX:
        raise ValueError(f"learning rate must be in [{LR_MIN:g}, {LR_MAX:g}], got {lr:g}")
    return lr
