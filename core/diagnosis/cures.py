"""Cures, worded for the front end that shows them and checked on a copy of the run.

A finding proposes candidate cures; each is applied to a copy of the run (the live run is
never touched) and offered only if the copy ends up better than the run left as it is:
- a cure that keeps the weights (another activation or rate) is applied to a clone, and both
  the clone and an untouched clone train CHECK_STEPS more steps;
- a cure that restarts (normalisation, another init, size or rate from step 0) trains a fresh
  network with the change for as many steps as the run has had (at most RESTART_STEPS), and is
  compared with the untouched clone after its CHECK_STEPS;
- "better" is the finding's own measure (train or dev J, as a fraction of the mean predictor's
  J in that copy's own units, so normalised and raw runs compare) at most IMPROVE of the
  untouched one's. A copy that diverges scores infinity.

Wording: in the TUI a cure names keys (a, h, + / -, z, s, 0) or says that a restart with a flag
is needed; on the command line it names flags. Both are kept, so either front end reads its own.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..engine.chunks import Abandoned
from .check_sample import sampled
from .loss_at_init import trivial_losses

CHECK_STEPS = 1000     # steps both copies train when the cure keeps the weights
MIN_CHECK_STEPS = 200  # ... at least, and the restart budget's floor
RESTART_STEPS = 5000   # a restarted copy trains as long as the run has, up to this
IMPROVE = 0.9          # the cured copy's measure at most 90 % of the untouched one's

# Cycle orders of the TUI keys, to say how many presses a setting is away.
OUTPUT_CYCLE = ("relu", "leaky_relu", "swish", "linear", "sigmoid")
HIDDEN_CYCLE = ("relu", "leaky_relu", "tanh", "sigmoid", "swish", "linear")


@dataclass(frozen=True)
class Cure:
    action: str      # output_activation | hidden_activation | lr | normalize | restart (config changes)
    value: object    # the new setting; for restart a tuple of (field, value) pairs
    keys_text: str   # TUI wording
    flags_text: str  # command-line wording
    keys: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    stop_at: int | None = None  # restart and stop at this step (early stopping)

    @property
    def keeps_weights(self) -> bool:
        return self.action in ("output_activation", "hidden_activation", "lr", "l2", "l1", "batch_size")


@dataclass(frozen=True)
class CureCheck:
    cure: Cure
    measure: str     # "train" or "dev"
    steps: int
    before: float    # the untouched copy's measure after its steps
    after: float     # the cured copy's
    helped: bool

    def to_dict(self) -> dict:
        return {"cure": self.cure.flags_text, "cure_keys": self.cure.keys_text, "measure": self.measure,
                "steps": self.steps, "without": self.before, "with": self.after, "helped": self.helped}


def _presses(cycle: tuple[str, ...], now: str, target: str) -> int:
    if now not in cycle or target not in cycle:
        return 1
    return (cycle.index(target) - cycle.index(now)) % len(cycle)


def output_cure(now: str, target: str, why: str = "") -> Cure:
    n = _presses(OUTPUT_CYCLE, now, target)
    times = "" if n == 1 else f" ({n} presses)"
    return Cure("output_activation", target, f"press a until the output is {target}{times}, keeping the weights{why}",
                f"--output-activation {target}{why}", ("a",), ("--output-activation",))


def hidden_cure(now: str, target: str, why: str = "") -> Cure:
    n = _presses(HIDDEN_CYCLE, now, target)
    times = "" if n == 1 else f" ({n} presses)"
    return Cure("hidden_activation", target, f"press h until the hidden layers are {target}{times}, keeping the weights{why}",
                f"--hidden-activation {target}{why}", ("h",), ("--hidden-activation",))


def lr_cure(now: float, target: float) -> Cure:
    k = round(math.log2(target / now))
    key = "+" if k > 0 else "-"
    target = now * 2.0 ** k
    return Cure("lr", target, f"press {key} {abs(k)} time{'s' if abs(k) != 1 else ''} (learning rate {target:.3g})",
                f"--lr {target:.3g}", (key,), ("--lr",))


def restart_cure(changes: dict, keys_text: str, flags_text: str, keys=(), flags=(), stop_at=None) -> Cure:
    return Cure("restart", tuple(sorted(changes.items())), keys_text, flags_text, tuple(keys), tuple(flags), stop_at)


# ---- applying a cure to a copy ---------------------------------------------------------------

def _fresh(trainer, **changes):
    """A new network from the run's seed with the run's settings and these changes, on the
    same split."""
    from ..engine.trainer import Trainer  # local, as loss_at_init: a trainer is built on demand
    return Trainer(trainer.config.with_(**{"seed": trainer.seed, **changes}), trainer.dataset, trainer.split,
                   window=256, archive=256)


def restart_budget(trainer) -> int:
    return int(min(max(trainer.step_count, MIN_CHECK_STEPS), RESTART_STEPS))


def apply_cure(trainer, cure: Cure, steps: int):
    """A trained copy with the cure applied (the live run is untouched)."""
    if cure.keeps_weights:
        t = trainer.clone()
        getattr(t, f"set_{cure.action}")(cure.value)
        t.run(steps)
        return t
    changes = {"normalize": True} if cure.action == "normalize" else dict(cure.value)
    t = _fresh(trainer, **changes)
    t.run(cure.stop_at if cure.stop_at is not None else restart_budget(trainer))
    return t


def measure(t, which: str, samples: tuple[int, ...] = ()) -> float:
    """J as a fraction of the mean predictor's J in the copy's own units; inf if it diverged.
    which: "train", "dev", "samples" (J on those training columns only, e.g. stuck ones) or
    "rmse" (train RMSE over the targets' spread, for cures that change the loss itself)."""
    if t.status != "ok":
        return math.inf
    d = t.data
    X, Y = (d.X_dev, d.Y_dev) if which == "dev" else (d.X, d.Y)
    if which == "samples":
        X, Y = d.X[:, list(samples)], d.Y[:, list(samples)]
    if X.shape[1] == 0:
        return math.nan
    if which == "rmse":  # in Y's original units, over its spread: the same scale whatever the loss
        with np.errstate(all="ignore"):
            err = d.y_to_original(t.predict(X)) - d.y_to_original(Y)
            spread = float(d.y_to_original(Y).std())
            r = float(np.sqrt(np.mean(err**2)))
        return r / spread if spread > 0 and math.isfinite(r) else (r if math.isfinite(r) else math.inf)
    with np.errstate(all="ignore"):
        j = t.cost_on(X, Y)
        j_mean = trivial_losses(d.Y if which == "samples" else Y, t.config.loss)[2]
    if not math.isfinite(j):
        return math.inf
    return j / j_mean if j_mean > 0 else j


class Interrupted(Abandoned):
    """A diagnosis given up before its next copy was trained: `interrupted()` said so (the
    session: a key is waiting, and its frame must not wait behind checks of ~100 ms)."""


class CureChecker:
    """Checks cures for one diagnosis; the untouched copy is trained once per measure.
    interrupted: asked before each copy is trained; True raises Interrupted."""

    def __init__(self, trainer, steps: int | None = None, interrupted: Callable[[], bool] | None = None):
        self.trainer = trainer
        self.interrupted = interrupted
        self.steps = steps if steps is not None else int(min(max(trainer.step_count, MIN_CHECK_STEPS), CHECK_STEPS))
        self._base: dict[tuple, float] = {}
        self._untouched = None
        self._done: dict[tuple, CureCheck] = {}
        self._sample = None   # (the trainer copies start from, positions): check_sample.py

    def _source(self, samples: tuple[int, ...]):
        """The run, or on a large dataset the same run on a sample of it (made once)."""
        if self._sample is None:
            self._sample = sampled(self.trainer, samples)
        return self._sample[0]

    def _local(self, samples: tuple[int, ...]) -> tuple[int, ...]:
        """Training positions in the run as positions in the copies' data (those in the sample)."""
        where = self._sample[1] if self._sample is not None else None
        return samples if where is None else tuple(where[p] for p in samples if p in where)

    def base(self, which: str, samples: tuple[int, ...] = ()) -> float:
        if (which, samples) not in self._base:
            if self.trainer.status != "ok":
                self._base[which, samples] = math.inf  # the run as it is cannot go on
            else:
                if self._untouched is None:
                    self._give_up_if_asked()
                    self._untouched = self._source(samples).clone()
                    with np.errstate(all="ignore"):
                        self._untouched.run(self.steps)
                self._base[which, samples] = measure(self._untouched, which, self._local(samples))
        return self._base[which, samples]

    def check(self, cure: Cure, which: str = "train", samples: tuple[int, ...] = ()) -> CureCheck:
        key = (cure, which, samples)  # two findings often share a cure (normalising): train it once
        if key not in self._done:
            self._done[key] = self._check(cure, which, samples)
        return self._done[key]

    def _check(self, cure: Cure, which: str, samples: tuple[int, ...]) -> CureCheck:
        before = self.base(which, samples)
        self._give_up_if_asked()
        try:
            with np.errstate(all="ignore"):
                after = measure(apply_cure(self._source(samples), cure, self.steps), which, self._local(samples))
        except ValueError:  # a setting the engine refuses here: not a cure
            after = math.inf
        helped = math.isfinite(after) and (after <= IMPROVE * before or not math.isfinite(before))
        return CureCheck(cure, which, self.steps, before, after, bool(helped))

    def _give_up_if_asked(self) -> None:
        if self.interrupted is not None and self.interrupted():
            raise Interrupted

    def offered(self, cures: list[Cure], which: str = "train", samples: tuple[int, ...] = ()) -> list[CureCheck]:
        """Every candidate checked (the cures a finding offers are those with helped True)."""
        seen, out = set(), []
        for c in cures:
            if (c.action, c.value, c.stop_at) in seen:
                continue
            seen.add((c.action, c.value, c.stop_at))
            out.append(self.check(c, which, samples))
        return out
