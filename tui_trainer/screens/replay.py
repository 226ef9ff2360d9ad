"""Replay and compare screens: a saved run log, scrubbed from the keyboard, no training.

ReplayScreen: one log. A cursor walks the logged steps (← → one, PgUp/PgDn a tenth, Home/End);
the loss curve marks it, the status line gives that step's numbers, and where the log holds
θ for that step the training screen's own widgets (fit, samples, Z^[L] signs, hidden units)
show the per-sample picture recomputed by core.logs.recompute.snapshot_at. [ and ] jump to the
previous / next step that has one. `c` turns on re-execution: steps without θ in the log get it
by re-executing the run up to them (core.logs.reexecute.Reexecution, in a thread worker so the
keys never wait; a newer cursor position cancels an older computation); an error there is
shown in the note line. A long log opens on its first part and loads the rest in another
thread worker (ReplayLoader), the screen following as rows arrive; a bad record found there
stops loading and is shown (the app then exits with status 2).

CompareScreen (replay_compare) shows two logs; the scrub keys and labels both use are in
replay_scrub, this screen's text panes in replay_text."""
from __future__ import annotations

import threading
import time

import numpy as np
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Footer, Static
from textual.worker import get_current_worker

from core.logs.recompute import snapshot_at
from core.logs.record import LogError
from core.logs.reexecute import Reexecution
from core.logs.replay import Replay, ReplayLoader

from ..widgets.findings_panel import FindingsPanel
from ..widgets.fit_plot import FitPlot
from ..widgets.replay_plot import Curve, ReplayPlot
from ..widgets.sample_table import SampleTable
from ..widgets.sign_strip import SignStrip
from ..widgets.unit_grid import UnitGrid
from .replay_compare import CompareScreen
from .replay_scrub import SCRUB_BINDINGS, ScrubScreen, log_name, x_label
from .replay_text import events_text, load_text, no_samples_text, note_text, status_text

__all__ = ["CompareScreen", "ReplayScreen"]


class ReplayScreen(ScrubScreen):
    BINDINGS = SCRUB_BINDINGS + [
        Binding("left_square_bracket", "sample_step(-1)", "◀ θ", key_display="[",
                tooltip="Previous step with per-sample data"),
        Binding("right_square_bracket", "sample_step(1)", "θ ▶", key_display="]",
                tooltip="Next step with per-sample data"),
        Binding("c", "toggle_reexecute", "Re-execute", id="reexecute",
                tooltip="Steps without θ in the log: re-execute the run up to them"),
    ]

    def __init__(self, replay: Replay, loader: ReplayLoader | None = None) -> None:
        super().__init__()
        self.replay = replay
        self.loader = loader if loader is not None and not loader.done else None
        self.load_error = ""
        self.param_rows = replay.param_rows
        self.snapshot = None
        self.source = ""             # where self.snapshot came from: "logged" or "re-executed"
        self.reexecute = False       # `c`: re-execute steps the log holds no θ for
        self._reexecution = Reexecution(replay)
        self._reexecution_lock = threading.Lock()  # a cancelled worker may still be finishing
        self.reexecute_error = ""    # why the last re-execution failed, one line

    @property
    def positions(self) -> int:
        return self.replay.n

    def compose(self) -> ComposeResult:
        yield Static(id="replay-load")
        yield Static(id="replay-status")
        yield Static(id="sample-note")
        with VerticalScroll(id="body"):
            with Horizontal(id="plots"):
                yield ReplayPlot(id="loss")
                yield FitPlot(id="fit")
            with Horizontal(id="lower"):
                yield Static(id="no-samples")
                yield SampleTable(id="samples")
                with Vertical(id="side"):
                    with Vertical(id="activity"):
                        yield SignStrip(id="signs")
                        yield UnitGrid(id="units")
                    with VerticalScroll(id="events-box"):
                        yield FindingsPanel(id="findings")
                        yield Static(id="events")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self._titles_and_curves()
        self._show(self.pos)
        if self.loader is not None:
            self._load_rest(self.loader)

    def _titles_and_curves(self) -> None:
        r = self.replay
        self.query_one("#replay-load", Static).update(load_text(r, self.load_error))
        self.query_one("#replay-load").display = bool(not r.complete or self.load_error)
        self.query_one("#loss").border_title = f"Loss J (log scale): {log_name(r)}"
        self.query_one("#fit").border_title = "Fit: y • and ŷ ─, dead ŷ in red"
        self.query_one("#samples").border_title = "Samples (red: dead, ŷ stuck at 0)"
        self.query_one("#no-samples").border_title = "Samples"
        self.query_one("#activity").border_title = r"Z^\[L] signs and hidden-unit activity"
        self.query_one("#events-box").border_title = f"Dead counts and events ({len(r.events)})"
        plot = self.query_one(ReplayPlot)
        curves = [Curve("train", r.tick.astype(float), r.loss, "cyan")]
        if np.isfinite(r.dev_loss).any():
            curves.append(Curve("dev", r.tick.astype(float), r.dev_loss, "orange"))
        plot.curves = tuple(curves)
        plot.xlabel = x_label(r)

    # ---- the rest of a long log ------------------------------------------------------------------
    @work(thread=True, exclusive=True, exit_on_error=False, group="load")
    def _load_rest(self, loader: ReplayLoader) -> None:
        worker = get_current_worker()
        every, shown = 0.3, time.monotonic()
        try:
            while not worker.is_cancelled:
                done = loader.feed(0.05)
                if done or time.monotonic() - shown > every:
                    self.app.call_from_thread(self._loaded, loader.replay(), "")
                    every, shown = min(every * 1.5, 2.0), time.monotonic()  # fewer redraws as it grows
                if done:
                    return
        except LogError as e:
            if not worker.is_cancelled:
                self.app.call_from_thread(self._loaded, loader.replay(), str(e))

    def _loaded(self, replay: Replay, error: str) -> None:
        """A newer part of the log (or where loading stopped): the cursor stays on its step."""
        old = self.replay
        tick = int(old.tick[self.pos]) if old.n else None
        if error:
            replay.complete = True  # nothing more will come
            self.load_error = self.app.load_error = error
        self.replay, self.param_rows = replay, replay.param_rows
        self._reexecution.update(replay)
        self._titles_and_curves()
        pos = replay.row_at_tick(tick) if tick is not None else 0
        if pos != self.pos:
            self.pos = pos  # watch_pos redraws
        else:
            self._show(pos, samples=old.n == 0)

    def watch_pos(self, pos: int) -> None:
        if self.is_mounted:
            self._show(pos)

    def action_sample_step(self, direction: int) -> None:
        rows = self.param_rows
        if not len(rows):
            return
        if direction > 0:
            after = rows[rows > self.pos]
            if len(after):
                self.pos = int(after[0])
        else:
            before = rows[rows < self.pos]
            if len(before):
                self.pos = int(before[-1])

    # ---- drawing -------------------------------------------------------------------------------
    def _show(self, row: int, samples: bool = True) -> None:
        """Draw the step in `row`; samples=False keeps the per-sample panes (more of the log
        arrived, the cursor's step is the same one)."""
        r = self.replay
        status = self.query_one("#replay-status", Static)
        if r.n == 0:
            status.update(Text(f"replay {log_name(r)}: this log holds no step records", style="bold yellow"))
            self._samples(None, row, "")
            self.query_one("#events", Static).update(events_text(r, -1))
            return
        self.query_one(ReplayPlot).cursor = float(r.tick[row])
        status.update(status_text(r, row))
        self.query_one("#events", Static).update(events_text(r, row))
        if not samples:
            return
        snap = snapshot_at(r, row)
        if snap is None and self.reexecute:
            self.reexecute_error = ""
            self._samples(None, row, "pending")
            self._reexecute(row)
        else:
            self._samples(snap, row, "logged" if snap is not None else "")

    def action_toggle_reexecute(self) -> None:
        self.reexecute = not self.reexecute
        self._show(self.pos)

    @work(thread=True, exclusive=True, exit_on_error=False, group="reexecute")
    def _reexecute(self, row: int) -> None:
        worker = get_current_worker()
        tick = int(self.replay.tick[row])  # rows may be renumbered by loading; ticks never are
        try:
            with self._reexecution_lock:
                if worker.is_cancelled:
                    return
                snap = self._reexecution.snapshot_at_tick(tick, lambda: worker.is_cancelled)
            error = ""
        except Exception as e:  # whatever stops it is shown in the note line, never "re-executing…" forever
            snap, error = None, f"{e.__class__.__name__}: {e}" if str(e) else e.__class__.__name__
        if not worker.is_cancelled:
            self.app.call_from_thread(self._reexecuted, tick, snap, error)

    def _reexecuted(self, tick: int, snap, error: str = "") -> None:
        r = self.replay
        if not (r.n and int(r.tick[self.pos]) == tick and self.reexecute and self.pos not in r.params):
            return
        self.reexecute_error = error.splitlines()[0] if error else ""
        self._samples(snap, self.pos, "re-executed" if snap is not None else ("error" if error else "failed"))

    def _samples(self, snap, row: int, source: str) -> None:
        self.snapshot, self.source = snap, source if snap is not None else ""
        self.set_class(snap is None, "-no-samples")
        self.query_one("#sample-note", Static).update(
            note_text(self.replay, self.param_rows, row, source, self.reexecute_error))
        if snap is None:
            self.query_one("#no-samples", Static).update(no_samples_text(self.replay, row))
            self.query_one(FindingsPanel).display = False
            return
        for w in self.query("FitPlot, SampleTable, SignStrip, UnitGrid, FindingsPanel"):
            w.snapshot = snap
        self.query_one(FindingsPanel).display = True
