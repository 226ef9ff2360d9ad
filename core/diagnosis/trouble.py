"""Pause on trouble: find the step at which something new goes wrong while training runs.

Trouble is news, not a state: an output sample that dies (alive at step t−1, Z^[L] ≤ 0 at step
t) and was not reported before, if its target is above ReLU's 0; a hidden layer whose dead share passes another quarter (a few
dead ReLU units are normal, as core/diagnosis/findings.py says; a layer that was already 60 %
dead when training started is not news when a seventh unit goes); the loss diverging, or
stalling short of a good fit. Each is reported once.

The step is exact. The engine writes each step's dead counts into its history row, and the
watcher's `should_stop`, which `Trainer.run` calls before every step, compares the newest row
with the one before. When a count changes the run stops and steps back to the θ that row
describes (core.engine.rewind): the screen then shows the very step a sample died, and going on
recomputes exactly the same steps. A count that changes for no news (a sample already reported
flickering, a unit coming back to life) costs a stop and a forward pass, then training resumes.
Divergence and stalls are read from the loss trend after each run.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from operator import itemgetter

import numpy as np

from ..engine.rewind import step_back
from .evaluation import evaluate
from .findings_problem import batch_noise_only
from .own_code.own_finding import divergence_text
from .trend import last_change_tick, loss_trend

QUARTERS = 4            # a hidden layer is reported as its dead share passes 1/4, 2/4, 3/4, all
GROWTH = 10.0           # the loss at 10x its recent low and rising: diverging (as findings.py)
STALL_SPAN = 200        # a stall is judged on at least this many steps since the last change


@dataclass(frozen=True)
class Trouble:
    """What went wrong, at which step. A sample has two numbers: its position in the training
    split (the column of X the engine trains on; the TUI marks the table's row by it) and its
    dataset row (0-based, CSV header excluded), which `text` names, as the table's `#` does."""
    kind: str                         # dead_output | dead_hidden | diverged | diverging | stalled | own_code
    step: int
    text: str
    samples: tuple[int, ...] = ()     # newly dead output samples: positions in the training split
    units: tuple[tuple[int, int], ...] = ()  # newly dead hidden units: (layer, unit), both from 1
    rows: tuple[int, ...] = ()        # the same samples' dataset rows


@dataclass(frozen=True)
class DeadSets:
    samples: frozenset[int]
    units: tuple[frozenset[int], ...]   # per hidden layer (0-based unit numbers)
    sizes: tuple[int, ...]              # units per hidden layer


def dead_sets(trainer, stop=None) -> DeadSets:
    """Dead output samples and hidden units at the current θ (ReLU only: nothing else dies).
    From the evaluation (evaluation.py), computed once per θ and a chunk of samples at a time:
    a forward pass of its own at every run's `begin` cost a 1M-sample session ~90 ms and
    160 MB per run of one step, which a key waited behind. stop(): as evaluate's."""
    ev = evaluate(trainer, stop=stop)
    samples = ev.dead_samples if ev.output_can_die else ()
    units = tuple(frozenset(u.tolist()) for u in ev.dead_units)
    return DeadSets(frozenset(int(i) for i in samples), units, tuple(a.shape[0] for a in ev.hidden_active))


def quarter(dead: int, size: int) -> int:
    return (QUARTERS * dead) // size if size else 0


def _values(v: np.ndarray) -> str:
    """One number, or every feature's in brackets: x = 1.2, x = (1.2, 3.4)."""
    text = ", ".join(f"{a:.4g}" for a in v)
    return text if v.shape[0] == 1 else f"({text})"


def _samples_text(trainer, new: list[int], rows: tuple[int, ...]) -> str:
    """'#7 (x = 1.2, y = 3.4), …': each sample by its dataset row, with its inputs and target
    in data units (`new` are the same samples' positions in the training split)."""
    d = trainer.data
    X, Y = d.x_to_original(d.X[:, new]), d.y_to_original(d.Y[:, new])
    return ", ".join(f"#{r} (x = {_values(X[:, k])}, y = {_values(Y[:, k])})" for k, r in enumerate(rows))


class TroubleWatch:
    """What has been reported, kept while the session lives. Before each run call `begin`
    (it may already find news), pass `stopper()` to Trainer.run, then call `after_run`."""

    def __init__(self) -> None:
        self.reported: set[int] = set()
        self.levels: dict[int, int] = {}    # hidden layer -> highest quarter seen
        self._before: DeadSets | None = None
        self._news_key: set[tuple[str, int]] = set()   # (kind, change tick) reported once
        self._stopped = False
        self._should_stop = None            # the last run's stopper, asked once more after it

    def forget(self) -> None:
        """A restart (new seed, reset, normalisation): the samples and units start afresh."""
        self.reported.clear()
        self.levels.clear()
        self._before = None

    def rebase(self) -> None:
        """After any command: a change of setting (or steps by hand) moves the dead sets for
        reasons that are not news; the next `begin` takes them as they are."""
        self._before = None

    def begin(self, trainer, stop=None) -> Trouble | None:
        """Before a run. The last update of the previous run has no row yet, so its news (a
        sample dead at the step about to be recorded) is found here, by comparison. On large
        data stop() true gives up (engine.chunks.Abandoned): a key came, and goes first."""
        now = dead_sets(trainer, stop)
        if self._before is None:
            self._before = now
            for l, (units, size) in enumerate(zip(now.units, now.sizes), start=1):
                self.levels[l] = max(self.levels.get(l, 0), quarter(len(units), size))
            return None
        return self._dead_news(trainer, now) if now != self._before else None

    def stopper(self, trainer):
        """should_stop for Trainer.run: true once the newest row's dead counts differ from the
        row before. Trainer.run calls it before every step, so after k calls this run has
        committed k − 1 rows (the step loop, core/engine/step_loop.py make_loop)."""
        if trainer.batch < trainer.m:
            # A mini-batch's dead counts change with its samples from step to step: not news.
            # The whole set's dead samples are compared after the run instead (begin).
            self._stopped = False
            self._should_stop = None
            return None
        hist, col = trainer.history, trainer.history.col
        # itemgetter: the dead counts of a row in one C call (this runs before every step)
        counts = itemgetter(col["dead_output"], *(col[f"dead_hidden{l}"] for l in range(1, trainer.L)))
        rows, n, seq0 = hist.row_views, len(hist.row_views), hist.seq - 2  # call k: row seq + k − 2
        calls, last = 0, None
        self._stopped = False

        def should_stop() -> bool:
            nonlocal calls, last
            calls += 1
            if calls == 1:
                return False
            now = counts(rows[(seq0 + calls) % n])   # the row committed last
            if now != last and last is not None:
                self._stopped = True
                return True
            last = now
            return False
        self._should_stop = should_stop
        return should_stop

    def after_run(self, trainer) -> Trouble | None:
        """The trouble this run ran into, if any; after a stop, θ is back at the step whose row
        changed (the step a sample died)."""
        if trainer.status != "ok":
            return self._once(trainer, "diverged", f"training diverged: {trainer.diverged_reason}")
        if not self._stopped and self._should_stop is not None:
            # The run's last row was committed after its last call: compare it too. Without
            # this, a death in that row (every other step at a slow pace, where runs are 1–2
            # steps) is found by the next `begin` one step late.
            self._should_stop()
        self._should_stop = None
        if self._stopped:
            self._stopped = False
            step_back(trainer)
            return self._dead_news(trainer, dead_sets(trainer))
        own = getattr(trainer, "divergence", None)  # --model: the run stopped where the learner's code
        if own is not None and own.step == trainer.step_count:
            return self._once(trainer, "own_code", divergence_text(own))
        return self._trend_news(trainer)

    # ---- samples and units ---------------------------------------------------------------
    def _dead_news(self, trainer, now: DeadSets) -> Trouble | None:
        before, self._before = self._before, now
        new = sorted(now.samples - before.samples - self.reported) if before else []
        # A target ≤ 0 is what ReLU's 0 already gives (or all it can give): not trouble, as
        # findings' dead_output says. The story's sample 0 (y = 0) dies at step 59 unnoticed.
        new = [i for i in new if (trainer.data.Y[:, i] > 0).any()]
        self.reported.update(new)
        units, texts = [], []
        for l, (dead, size) in enumerate(zip(now.units, now.sizes), start=1):
            level = quarter(len(dead), size)
            if level > self.levels.get(l, 0):
                self.levels[l] = level
                died = sorted(dead - (before.units[l - 1] if before else frozenset()))
                units += [(l, u + 1) for u in died]
                texts.append(f"hidden layer {l}: {len(dead)} of {size} units now dead "
                             f"(unit{'s' * (len(died) != 1)} {', '.join(str(u + 1) for u in died)} "
                             "just died: Z ≤ 0 on every sample)")
        rows = tuple(int(r) for r in np.asarray(trainer.split.train_idx)[new])
        if new:
            texts.insert(0, f"sample{'s' * (len(new) != 1)} {_samples_text(trainer, new, rows)} died: Z^[L] ≤ 0, "
                            "so ŷ = ReLU(Z^[L]) = 0 and relu'(Z) = 0 passes back no gradient")
        if not texts:
            return None
        kind = "dead_output" if new else "dead_hidden"
        return Trouble(kind, trainer.step_count, f"Step {trainer.step_count}: " + "; ".join(texts),
                       tuple(new), tuple(units), rows)

    # ---- the loss ------------------------------------------------------------------------
    def _trend_news(self, trainer) -> Trouble | None:
        from .cure_chain import good_fit  # the chain says what a good fit is
        trend = loss_trend(trainer)
        if trend is None:
            return None
        # With mini-batches the step losses jump with their batch: ask the whole set (findings_problem).
        if trend.growth >= GROWTH and trend.rising_steps >= 3 and not batch_noise_only(trainer):
            return self._once(trainer, "diverging", f"the loss grew {trend.growth:.3g}x from its recent low "
                                                    f"{trend.min_loss:.4g} to {trend.last_loss:.4g}")
        if trend.steps >= STALL_SPAN and trend.settled and math.isfinite(trend.last_loss) and not good_fit(trainer):
            return self._once(trainer, "stalled", f"the loss has stalled at {trend.last_loss:.4g} "
                                                  f"({-trend.rel_drop * 100:+.2g} % over {trend.steps} steps) "
                                                  "short of a good fit")
        return None

    def _once(self, trainer, kind: str, text: str) -> Trouble | None:
        key = (kind, last_change_tick(trainer))
        if key in self._news_key:
            return None
        self._news_key.add(key)
        return Trouble(kind, trainer.step_count, f"Step {trainer.step_count}: {text}")
