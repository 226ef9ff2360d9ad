"""The diagnosis a live session shows, computed by whoever owns the trainer.

The TUI never calls the trainer: its keys become session commands, and the session's thread
(or, later, process) runs the checks here and hands back frozen, picklable results inside each
frame. `LiveDiagnostics` decides what to recompute and when:
- curvature (λmax, 2/λmax) after each change while paused, at most every CURVATURE_INTERVAL
  seconds while running, never per step;
- loss at init once per configuration and seed; the bias/variance verdict and the polynomial
  baseline with the findings (a few times a second at most);
- the chain rule of the inspected sample with every frame (one forward pass);
- gradient check, LR range test and tiny-batch overfit once, when asked.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

import numpy as np

from ..engine.chunks import give_way
from .baseline_overlay import BaselineOverlay, baseline_overlay, next_degree
from .bias_variance import BiasVariance, bias_variance
from .chain_rule import ChainRule, inspect_sample
from .curvature import Curvature, curvature
from .evaluation import evaluate
from .gradcheck import TensorCheck, gradient_check, nothing_to_check, why_zero
from .loss_at_init import LossAtInit, loss_at_init
from .lr_finder import LRRangeTest, lr_range_test
from .overfit import overfit_tiny_batch
from .sample_bins import SHOWN_SAMPLES as QUICK_SAMPLES  # where the session's large-data ways begin

CURVATURE_INTERVAL = 3.0  # seconds between λmax estimates while training runs
BANDS_ORDER = ("zero", "good", "acceptable", "suspicious", "wrong")  # "zero": nothing compared

# One-shot checks, by the command that asks for them.
GRADCHECK, LR_FIND, OVERFIT = "gradcheck", "lr_find", "overfit"
CHECKS = (GRADCHECK, LR_FIND, OVERFIT)


@dataclass(frozen=True)
class GradCheck:
    """Centred differences against the gradient the engine itself trains with."""
    tensors: tuple[TensorCheck, ...]
    why_zero: str = ""  # when every tensor's gradient is exactly 0: the dead path that stops it
    source: str = "the engine"  # whose gradient trains: with --model, the learner's L_model_backward

    @property
    def worst(self) -> str:
        return max((t.band for t in self.tensors), key=BANDS_ORDER.index, default="good")

    @property
    def nothing_to_check(self) -> bool:
        return nothing_to_check(list(self.tensors))


@dataclass(frozen=True)
class LRFind:
    test: LRRangeTest
    lr: float                    # the run's rate when the test ran
    curvature: Curvature | None  # at the same parameters: the sweep's edge should sit near 2/λmax


@dataclass(frozen=True, eq=False)
class CheckResult:
    kind: str       # GRADCHECK | LR_FIND | OVERFIT
    request: int    # number of the command that asked (the UI waits for its own)
    step: int       # the run's step when it ran
    value: object   # GradCheck | LRFind | OverfitResult; None when it failed
    error: str = ""
    seconds: float = 0.0


@dataclass(frozen=True, eq=False)
class Diagnostics:
    """Everything the diagnosis panels draw; every field may be None (not computed yet / off)."""
    curvature: Curvature | None = None
    loss_at_init: LossAtInit | None = None
    bias_variance: BiasVariance | None = None
    baseline: BaselineOverlay | None = None
    chain: ChainRule | None = None
    gradcheck: CheckResult | None = None
    lr_find: CheckResult | None = None
    overfit: CheckResult | None = None

    def result(self, kind: str) -> CheckResult | None:
        return getattr(self, kind)


def engine_gradient_check(trainer) -> GradCheck:
    """The engine's own gradient (the fast path that trains) at the current parameters, on a
    copy, against centred differences of J: proves the backprop that is actually used."""
    c, d = trainer.config, trainer.data
    params = trainer.parameters()
    own = getattr(trainer, "own_gradient", None)  # --model: the learner's L_model_backward is what trains
    if own is not None:
        grads = own()
    else:
        copy = trainer.clone(batch_size=0)  # the whole training set, as the centred differences see it
        copy.run(1)  # computes m·∇J at `params` into copy.grads, then updates the copy only
        grads = {k: v / trainer.m for k, v in copy.grads.items()}
    with np.errstate(all="ignore"):
        checks = gradient_check(d.X, d.Y, params, c.hidden_activation, c.output_activation, c.loss,
                                c.leaky_slope, grads=grads, l2=c.l2, l1=c.l1)
        why = why_zero(d.X, params, c.hidden_activation, c.output_activation, c.leaky_slope) \
            if nothing_to_check(checks) else ""
    return GradCheck(tuple(checks), why, "your L_model_backward" if own is not None else "the engine")


def lr_find(trainer) -> LRFind:
    test = lr_range_test(trainer)
    with np.errstate(all="ignore"):
        curv = curvature(trainer, iters=50, tol=1e-4)
    return LRFind(test, trainer.config.lr, curv)


def run_check(trainer, kind: str, request: int) -> CheckResult:
    """Run one check; a failure comes back as an error to show, never as an exception."""
    fn = {GRADCHECK: engine_gradient_check, LR_FIND: lr_find, OVERFIT: overfit_tiny_batch}[kind]
    t0 = time.perf_counter()
    try:
        value, error = fn(trainer), ""
    except Exception as e:  # shown in the check's screen; the session goes on
        value, error = None, f"{e.__class__.__name__}: {e}"
    return CheckResult(kind, request, trainer.step_count, value, error, time.perf_counter() - t0)


def _state_key(trainer) -> tuple:
    c = trainer.config
    # len(events): a reset (0) keeps tick and seed but not θ, so λmax must be estimated again
    return (trainer.tick, len(trainer.events), trainer.seed, c.lr, c.hidden_activation, c.output_activation,
            c.normalize)


class LiveDiagnostics:
    """What the session keeps between frames. Not thread-safe: the trainer's owner calls it."""

    def __init__(self, curvature_interval: float = CURVATURE_INTERVAL):
        self.curvature_interval = curvature_interval
        self.baseline_degree: int | None = None   # None: overlay off
        self.inspected: int | None = None         # position in the training split
        self._diag = Diagnostics()
        self._curv_key: tuple | None = None
        self._curv_at = -math.inf
        self._init_key: tuple | None = None

    # ---- commands --------------------------------------------------------------------
    def check(self, trainer, kind: str, request: int) -> CheckResult:
        result = run_check(trainer, kind, request)
        self._diag = replace(self._diag, **{kind: result})
        return result

    def cycle_baseline(self, trainer) -> BaselineOverlay | None:
        """off → 1 → 2 → 3 → 4 → off; returns the new overlay (None: off, or not an MSE run)."""
        d = self.baseline_degree
        self.baseline_degree = 1 if d is None else (None if d == 4 else next_degree(d))
        base = None
        if self.baseline_degree is not None and trainer.config.loss == "mse":
            with np.errstate(all="ignore"):
                base = baseline_overlay(trainer, self.baseline_degree)
        self._diag = replace(self._diag, baseline=base)
        return base

    def inspect(self, position: int | None) -> None:
        self.inspected = None if position is None else int(position)
        if position is None:
            self._diag = replace(self._diag, chain=None)

    # ---- every frame -------------------------------------------------------------------
    def refresh(self, trainer, full: bool, running: bool, now: float | None = None,
                light: bool = False, stop=None) -> Diagnostics:
        """The diagnostics for the frame about to be published. `full` is the findings'
        rate (costly parts); `running` allows λmax only every curvature_interval seconds;
        `light` (a key's frame) keeps the last λmax: the frame with the findings, which
        follows, brings the new one (a power iteration is 7 ms on the story, 45 ms at 1M rows).
        On large data (over QUICK_SAMPLES) a light frame computes none of the costly parts: at
        1M samples λmax, the loss at init and the baseline took 43, 109 and 178 ms, and the
        first key after the app opened waited for all three. stop(): checked between the
        costly parts, raises Abandoned (a key came); what was computed before it is kept."""
        now = time.monotonic() if now is None else now
        quick = light and trainer.m > QUICK_SAMPLES
        changes = {}
        try:
            with np.errstate(all="ignore"):
                if not quick:
                    self._costly_parts(trainer, full, running, now, light, changes, stop)
                base = self._diag.baseline
                if self.baseline_degree is None or trainer.config.loss != "mse":
                    changes["baseline"] = None  # the polynomial's J is a squared error: MSE runs only
                elif (full or base is None or base.degree != self.baseline_degree) and not quick:
                    changes["baseline"] = baseline_overlay(trainer, self.baseline_degree)
                if self.inspected is not None:
                    changes["chain"] = self._chain(trainer)
        finally:
            if changes:
                self._diag = replace(self._diag, **changes)
        return self._diag

    def _costly_parts(self, trainer, full: bool, running: bool, now: float, light: bool,
                      changes: dict, stop) -> None:
        """λmax, the loss at init and the bias/variance verdict, each when due, into changes."""
        key = _state_key(trainer)
        due = (now - self._curv_at >= self.curvature_interval) if running else True
        due = due and not (light and self._diag.curvature is not None)
        if key != self._curv_key and due:
            give_way(stop)
            changes["curvature"] = curvature(trainer, iters=50, tol=1e-4, stop=stop)
            self._curv_key, self._curv_at = key, now
        c = trainer.config  # what step 0 depends on: not the rate, λ or the batch (keys change those)
        init_key = (tuple(trainer.layer_dims), c.hidden_activation, c.output_activation, c.leaky_slope,
                    c.init, c.seed, c.loss, c.normalize, id(trainer.data))
        if init_key != self._init_key:
            give_way(stop)
            changes["loss_at_init"] = loss_at_init(trainer, stop)
            self._init_key = init_key
        if full or self._diag.bias_variance is None:
            give_way(stop)
            changes["bias_variance"] = bias_variance(trainer, evaluate(trainer), stop=stop)

    def _chain(self, trainer) -> ChainRule | None:
        idx = trainer.split.train_idx
        if not 0 <= self.inspected < len(idx):
            return None
        return inspect_sample(trainer, int(idx[self.inspected]))
