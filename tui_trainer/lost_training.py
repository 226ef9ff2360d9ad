"""When training stops for good: the training process killed (kill -9, out of memory) or
training raising an error.

The screen says so once, with what each key can still do. The state the screen last showed is
kept on the app's side (session/checkpoint.py), so: `r` starts training again from it (a new
training process, paused), `e` exports it, `q` saves it and says exactly what was lost. Every
other key that needs training says so instead of doing nothing.
"""
from __future__ import annotations

import dataclasses
from functools import partial

from . import protocol as P
from .command_table import KEYS
from .protocol import Notice
from .screens.checks import ChainRuleScreen, CheckScreen

QUIET_WHILE_LOST = (P.TABLE_VIEW, P.PAUSE)   # no key of their own: nothing to say
# What a refused command is called: its key's label ("Step" for space and n alike).
LABELS = {**{k.sends[0]: k.label for k in reversed(KEYS) if k.sends},
          **{P.GRADCHECK: "Gradient check", P.LR_FIND: "LR range test", P.OVERFIT: "Overfit 2 samples",
             P.INSPECT: "The chain rule", P.SET_LR: "Setting the rate", P.EXPORT: "Export",
             P.SCALE_LR: "Changing the rate", P.STEP_L2: "The L2 rate", P.STEP_L1: "The L1 rate"}}


class LostTraining:
    """A mixin of TrainerApp: needs `session`, `frame`, `main`, `runs_dir`, `sent`, `own_trainer`."""

    lost: str | None = None   # why training stopped for good; None while it can run

    def training_stopped(self, error: BaseException) -> None:
        """The training worker ended with `error`: say what happened and what still works."""
        self.lost = getattr(self.session, "lost", None) or f"training stopped by an error: " \
                                                            f"{error.__class__.__name__}: {error}"
        step = self.lost_step
        if self.frame is not None and self.frame.running:  # it is not running any more
            self.frame = dataclasses.replace(self.frame, running=False)
            self.main.frame = self.frame
            self.refresh_bindings()
        while isinstance(self.screen, (CheckScreen, ChainRuleScreen)):
            self.pop_screen()  # its answer will not come
        self.main.error = self.lost
        self._say(f"{_capital(self.lost)} at step {step}. r restarts training from step {step}, the last "
                  f"state shown; e exports it; q saves it and quits. Other keys need training.", "error", 30)

    @property
    def lost_step(self) -> int:
        """The step of the newest state this side has: the training process's last checkpoint,
        else the last frame."""
        step = getattr(self.session, "recovered_step", None)
        if step is None:
            step = 0 if self.frame is None else self.frame.snapshot.step
        return step

    def refused_while_lost(self, name: str) -> bool:
        """True when training is gone (and, for a key, says what it cannot do and why)."""
        if self.lost is None:
            return False
        if name == P.RUN:
            self.restart_training()
        elif name not in QUIET_WHILE_LOST:
            what = LABELS.get(name, name.replace("_", " "))
            self._say(f"{what} needs training, which stopped ({self.lost}): r restarts it from step "
                      f"{self.lost_step}", "warning", 8)
        return True

    def restart_training(self) -> None:
        """A new training process at the kept state (the thread backend: the same session's
        loop again), paused."""
        step = self.lost_step
        if hasattr(self.session, "successor"):
            pause = True if self.frame is None else self.frame.pause_on_trouble
            self.session = self.session.successor(pause_on_trouble=pause)
            self.sent = 0
        self.lost = None
        self.main.error = ""
        self.own_trainer()
        self._say(f"Training restarted from step {step}, paused: r runs", "warning", 8)

    def export_while_lost(self) -> None:
        """`e` with training gone: the kept state written from this side, in a thread."""
        local = getattr(self.session, "local_session", None)
        session = local() if local is not None else self.session
        self.run_worker(partial(session._handlers[P.EXPORT], str(self.runs_dir)), thread=True,
                        group="export")

    def lost_report(self, path) -> str:
        """The quit line when training was lost: saved up to which step, and what is gone."""
        step = self.lost_step
        if not getattr(self.session, "killed", False):  # the trainer still answers: nothing lost
            where = f"saved to {path}" if path is not None else "nothing unsaved"
            return f"{self.lost} at step {step}; the run up to it {where}"
        lost = "any steps it took after that are lost" + self._records_lost(step)
        if path is None:
            return f"{self.lost}; nothing unsaved up to step {step}, the last state it reported; {lost}"
        return f"{self.lost}; the run up to step {step}, the last state it reported, saved to {path}; {lost}"

    def _records_lost(self, step: int) -> str:
        """θ at `step` is kept; the step records come once a second (session/checkpoint.py)."""
        records = getattr(self.session, "records_step", step - 1)
        if (records if records is not None else -1) >= step - 1:  # every step's record is here
            return ""
        since = "any step" if records is None else f"the steps after step {records}"
        return f", and so are the records of {since} (the log has θ at step {step} without them)"

    def _say(self, text: str, severity: str, timeout: float) -> None:
        self.main.notice = Notice(text, severity)
        self.notify(text, severity=severity, timeout=timeout, markup=False)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
