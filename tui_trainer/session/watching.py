"""What the session watches for while training runs: trouble to pause at, the pace, the next
cure, and the rate that follows the data's scale.

A mixin of Session (loop.py) beside Handlers; it uses the same state (`_trainer`, `_running`,
`_notice`). Pausing on trouble is on by default: a class pressing `r` on the story sees training
stop at the step the first sample dies, that row highlighted (core/diagnosis/trouble.py says how
the step is found exactly). `r` goes on; `p` switches pausing off.
"""
from __future__ import annotations

import time

from core.diagnosis.cure_chain import NextStep, next_step
from core.diagnosis.evaluation import evaluate
from core.diagnosis.safe_rate import distance_text, safe_rate
from core.diagnosis.trouble import Trouble, TroubleWatch
from core.engine.chunks import Abandoned

from .. import protocol as P
from .step_pace import StepPace, pace_text

RESTARTS = (P.TOGGLE_NORMALIZE, P.NEW_SEED, P.RESET)   # a fresh network: samples start afresh
MOVES_ON = (P.RUN, P.STEP, *RESTARTS)                   # the last trouble is no longer the news


class Watching:
    def _init_watching(self, pause_on_trouble: bool, lr_given: bool) -> None:
        self._pause_on_trouble = pause_on_trouble
        self._lr_given = lr_given          # a rate given with --lr is kept when the scale changes
        self._watch = TroubleWatch()
        self._trouble: Trouble | None = None
        self._pace = StepPace()
        self._next: NextStep | None = None

    # ---- commands ------------------------------------------------------------------------
    def _toggle_trouble(self, _=None) -> None:
        self._pause_on_trouble = not self._pause_on_trouble
        self._notice("Pause on trouble " + ("on: training stops at the step something new goes wrong"
                                            if self._pause_on_trouble else "off"))

    def _cycle_pace(self, _=None) -> None:
        pace = self._pace.cycle(time.monotonic())
        self._trainer.note("pace", pace)  # the run log keeps it (an event; null: as fast as possible)
        self._notice(f"Pace {pace_text(pace)}" + ("" if pace is None else " steps a second"))

    def _after_command(self, name: str, was_running: bool) -> None:
        """Every command may change what is dead for reasons that are not news."""
        self._watch.rebase()
        if name in RESTARTS:
            self._watch.forget()
        if name in MOVES_ON and (name != P.RUN or self._running):
            self._trouble = None
        if self._running and not was_running:
            self._pace.restart(time.monotonic())

    def _rate_for_scale(self) -> str:
        """After `z`: the rate from the new scale's stability limit, or a rate given with --lr
        kept; says which, and how far the rate is from the limit."""
        t = self._trainer
        rate = safe_rate(t)
        if self._lr_given:
            return f"learning rate {t.config.lr:g} kept (given with --lr): {distance_text(t.config.lr, rate.limit)}"
        t.set_lr(rate.lr)
        return f"learning rate → {rate.lr:.3g}, {rate.why}"

    # ---- training ------------------------------------------------------------------------
    def _steps_due(self, chunk: int) -> int:
        return self._pace.allowance(time.monotonic(), chunk)

    def _pace_wait(self) -> float:
        return self._pace.wait(time.monotonic())

    def _run_watched(self, n: int) -> int:
        """Up to n steps; with pausing on, stop at the step of any new trouble and say what it is."""
        t = self._trainer
        # On large data a key is also seen between a step's chunks (chunked_step.py).
        if not self._pause_on_trouble:
            done = t.run(n, interrupt=self._key_waiting)
        else:
            try:
                trouble = self._watch.begin(t, stop=self._key_waiting)
            except Abandoned:  # a key came during its pass over a large dataset: it goes first
                return 0
            done = 0
            if trouble is None:
                done = t.run(n, self._watch.stopper(t), interrupt=self._key_waiting)
                trouble = self._watch.after_run(t)
            if trouble is not None:
                self._stop_for(trouble)
        self._pace.took(done)
        return done

    def _stop_for(self, trouble: Trouble) -> None:
        self._running = False
        self._trouble = trouble
        if trouble.kind != "diverged":  # the loop says that one itself
            self._notice(f"Paused: {trouble.text}. r goes on, p stops pausing", "warning")

    # ---- what the frame carries ------------------------------------------------------------
    def _next_step(self, refresh: bool, diag, light: bool) -> NextStep | None:
        # A light frame (a key's, on large data) does not start the chain: ~40 ms at 1M
        # samples that the key would wait for. Until the findings' frame brings it, the screen
        # shows no next step, as on the preview.
        if refresh or (self._next is None and not light):
            self._next = next_step(self._trainer, evaluate(self._trainer), diag.curvature)
        return self._next

    def _watch_fields(self, refresh: bool, diag, light: bool = False) -> dict:
        return {"trouble": self._trouble, "pause_on_trouble": self._pause_on_trouble,
                "pace": self._pace.pace, "next_step": self._next_step(refresh, diag, light)}
