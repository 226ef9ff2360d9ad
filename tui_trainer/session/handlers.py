"""What each command does to the trainer: one method per command, found through one dict.

A mixin of Session (loop.py), which owns the state these methods use: `_trainer`, `_running`,
`_diag` (live diagnosis), `_applied`, `_notice` and `_keep_steps` (called before a reset, so an
export still holds the steps it clears). Every handler takes the command's value.
"""
from __future__ import annotations

import os
from functools import partial
from pathlib import Path
from typing import Callable

from core.diagnosis.diagnostics import CHECKS
from core.diagnosis.own_code.own_trainer import FixedByFile
from core.diagnosis.sample_rows import TableView
from core.engine.config import LR_MAX, LR_MIN, check_lr_in_range
from core.logs.csv_log import export_csv

from .. import protocol as P
from .problem_keys import ProblemKeys

# The orders the `a` and `h` keys cycle through.
OUTPUT_CYCLE = ("relu", "leaky_relu", "swish", "linear", "sigmoid")
HIDDEN_CYCLE = ("relu", "leaky_relu", "tanh", "swish", "linear", "sigmoid")


def shown(path: Path | str) -> str:
    """A path as a notice shows it: relative to the working directory when it is inside it,
    so a long absolute path does not push the rest of the notice off a narrow screen."""
    try:
        rel = os.path.relpath(path)
    except (ValueError, OSError):  # another drive (Windows), or the working folder was deleted
        return str(path)
    return str(path) if rel.startswith("..") else rel


def stopped_text(t) -> str:
    """Why training stopped by itself: it diverged, or (--model) the learner's code failed."""
    if t.status == "diverged":
        return f"Training diverged: {t.diverged_reason}. Lower the learning rate (-) or reset (0)."
    return f"Training stopped: {t.diverged_reason}"


def next_in(cycle: tuple[str, ...], current: str) -> str:
    """The entry after `current`, or the first one when `current` is not in the cycle."""
    if current not in cycle:
        return cycle[0]
    return cycle[(cycle.index(current) + 1) % len(cycle)]


class Handlers(ProblemKeys):
    def handlers(self) -> dict[str, Callable[[object], None]]:
        """Command name -> the method that applies it; every command in protocol.COMMANDS."""
        table = {
            P.STEP: self._step,
            P.RUN: self._toggle_run,
            P.PAUSE: self._pause,
            P.SCALE_LR: self._scale_lr,
            P.SET_LR: self._set_lr,
            P.TABLE_VIEW: self._set_table_view,
            P.CYCLE_OUTPUT: self._cycle_output,
            P.CYCLE_HIDDEN: self._cycle_hidden,
            P.TOGGLE_NORMALIZE: self._toggle_normalize,
            P.NEW_SEED: self._new_seed,
            P.RESET: self._reset,
            P.EXPORT: self._export,
            P.BASELINE: self._cycle_baseline,
            P.INSPECT: self._inspect,
            P.TOGGLE_TROUBLE: self._toggle_trouble,   # these two: watching.py
            P.CYCLE_PACE: self._cycle_pace,
            P.STEP_L2: partial(self._step_penalty, "l2"),   # these three: problem_keys.py
            P.STEP_L1: partial(self._step_penalty, "l1"),
            P.CYCLE_BATCH: self._cycle_batch,
            **{kind: partial(self._check, kind) for kind in CHECKS},
        }
        if set(table) != set(P.COMMANDS):  # a new command needs its handler here
            raise RuntimeError(f"commands without a handler or unknown: {set(P.COMMANDS) ^ set(table)}")
        return {name: self._refusable(fn) for name, fn in table.items()}

    def _refusable(self, handler: Callable[[object], None]) -> Callable[[object], None]:
        """A setting the trainer cannot change (--model: the learner's file fixes it) becomes a
        notice saying where to change it, not an error that stops the session."""
        def apply(value) -> None:
            try:
                handler(value)
            except FixedByFile as e:
                self._notice(str(e), "warning")
        return apply

    # ---- running and stepping ------------------------------------------------------------
    def _toggle_run(self, _=None) -> None:
        self._running = not self._running and self._can_train()

    def _pause(self, _=None) -> None:
        self._running = False

    def _step(self, n) -> None:
        """Steps by hand: only while paused (the keys are greyed out while running)."""
        t = self._trainer
        if not self._running and self._can_train():
            t.run(int(n))
            if t.status != "ok":
                self._notice(stopped_text(t), "error")

    def _can_train(self) -> bool:
        t = self._trainer
        if t.status == "diverged":
            self._notice("Training has diverged: change the learning rate (- / +), an activation, or reset (0) first",
                         "warning")
        elif t.status != "ok":  # --model: the learner's code failed; 0 reads the file again
            self._notice(f"Training stopped: {t.diverged_reason}", "warning")
        return t.status == "ok"

    # ---- the learning rate: refused outside core.engine.config's [LR_MIN, LR_MAX] ----------
    def _scale_lr(self, factor) -> None:
        self._change_lr(self._trainer.config.lr * float(factor), announce=False)

    def _set_lr(self, lr) -> None:
        self._change_lr(float(lr), announce=True)

    def _change_lr(self, lr: float, announce: bool) -> None:
        t = self._trainer
        try:
            check_lr_in_range(lr)
        except ValueError:
            self._notice(f"Learning rate kept at {t.config.lr:g}: {lr:g} is outside [{LR_MIN:g}, {LR_MAX:g}]",
                         "warning")
            return
        t.set_lr(lr)
        if announce:  # the +/- keys show the rate in the status line; a set rate says so once
            self._notice(f"Learning rate → {lr:.3g}")

    # ---- the model ---------------------------------------------------------------------
    def _cycle_output(self, _=None) -> None:
        new = next_in(OUTPUT_CYCLE, self._trainer.config.output_activation)
        self._trainer.set_output_activation(new)
        self._notice(f"Output activation → {new} (weights kept)")

    def _cycle_hidden(self, _=None) -> None:
        new = next_in(HIDDEN_CYCLE, self._trainer.config.hidden_activation)
        self._trainer.set_hidden_activation(new)
        self._notice(f"Hidden activation → {new} (weights kept)")

    def _toggle_normalize(self, _=None) -> None:
        on = not self._trainer.config.normalize
        self._keep_steps()
        self._trainer.set_normalize(on)
        # The gradients scale with the data: the old rate would be ~10,000x off (watching.py).
        self._notice(f"Normalisation {'on' if on else 'off'}: training restarted from step 0; {self._rate_for_scale()}")

    def _new_seed(self, _=None) -> None:
        seed = (self._trainer.seed + 1) % 2**63
        self._keep_steps()
        self._trainer.reset(seed)
        self._notice(f"New seed {seed}: re-initialised at step 0")

    def _reset(self, _=None) -> None:
        self._keep_steps()
        self._trainer.reset()
        self._notice(f"Back to step 0 with seed {self._trainer.seed}")

    # ---- diagnosis -----------------------------------------------------------------------
    def _check(self, kind: str, _=None) -> None:
        """A one-shot check; its request number is this command's, so the UI knows its answer."""
        result = self._diag.check(self._trainer, kind, self._applied + 1)
        if result.error:
            self._notice(f"{kind} failed: {result.error}", "error")

    def _set_table_view(self, view) -> None:
        """The rows the sample table shows next (frames carry only those: sample_rows.py)."""
        self._table_view = view if isinstance(view, TableView) else None

    def _inspect(self, position) -> None:
        self._diag.inspect(position)

    def _cycle_baseline(self, _=None) -> None:
        base = self._diag.cycle_baseline(self._trainer)
        if base is None:
            degree = self._diag.baseline_degree
            self._notice("Baseline overlay off" if degree is None else
                         "Baseline overlay: only for the MSE loss (its J is a squared error)", "information")
            return
        dev = "" if base.dev_loss is None else f" (dev {base.dev_loss:.4g})"
        net_dev = "" if base.net_dev_loss is None else f" (dev {base.net_dev_loss:.4g})"
        self._notice(f"Baseline: degree-{base.degree} polynomial J {base.train_loss:.4g}{dev} vs the network's "
                     f"J {base.net_train_loss:.4g}{net_dev} (b: next degree)")

    # ---- the run log -------------------------------------------------------------------
    def _export(self, directory) -> None:
        """Write the run log and, beside it, the CSV of its steps; a failure is reported and
        training carries on."""
        try:
            path = self._write_log(Path(str(directory)))
        except OSError as e:
            self._notice(f"Export failed: {e}", "error")
            return
        try:
            csv_path = export_csv(path.with_suffix(".csv"), self._trainer, self._earlier)
        except OSError as e:
            # The reason first: after two long paths it was past the edge of a 120-column line.
            why = e.strerror or str(e)
            self._notice(f"CSV failed: {why}. The run log was exported to {shown(path)}", "error", path=str(path))
            return
        self._notice(f"Exported run log to {shown(path)} and CSV to {shown(csv_path)}", path=str(path))
