"""Replay and compare screens: a saved run log, scrubbed from the keyboard, no training.

ReplayScreen: one log. A cursor walks the logged steps (← → one, PgUp/PgDn a tenth, Home/End);
the loss curve marks it, the status line gives that step's numbers, and where the log holds
θ for that step the training screen's own widgets (fit, samples, Z^[L] signs, hidden units)
show the per-sample picture recomputed by core.logs.recompute.snapshot_at. [ and ] jump to the
previous / next step that has one. `c` turns on re-execution: steps without θ in the log get it
by re-executing the run up to them (core.logs.reexecute.Reexecution, in a thread worker so the
keys never wait; a newer cursor position cancels an older computation).

CompareScreen (replay_compare) shows two logs; the scrub keys and labels both use are in
replay_scrub, this screen's text panes in replay_text."""
from __future__ import annotations

import threading

import numpy as np
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Footer, Static
from textual.worker import get_current_worker

from core.logs.recompute import snapshot_at
from core.logs.reexecute import Reexecution
from core.logs.replay import Replay

from ..widgets.findings_panel import FindingsPanel
from ..widgets.fit_plot import FitPlot
from ..widgets.replay_plot import Curve, ReplayPlot
from ..widgets.sample_table import SampleTable
from ..widgets.sign_strip import SignStrip
from ..widgets.unit_grid import UnitGrid
from .replay_compare import CompareScreen
from .replay_scrub import SCRUB_BINDINGS, ScrubScreen, log_name, x_label
from .replay_text import events_text, no_samples_text, note_text, status_text

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

    def __init__(self, replay: Replay) -> None:
        super().__init__()
        self.replay = replay
        self.param_rows = replay.param_rows
        self.snapshot = None
        self.source = ""             # where self.snapshot came from: "logged" or "re-executed"
        self.reexecute = False       # `c`: re-execute steps the log holds no θ for
        self._reexecution = Reexecution(replay)
        self._reexecution_lock = threading.Lock()  # a cancelled worker may still be finishing

    @property
    def positions(self) -> int:
        return self.replay.n

    def compose(self) -> ComposeResult:
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
        r = self.replay
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
        self._show(self.pos)

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
    def _show(self, row: int) -> None:
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
        snap = snapshot_at(r, row)
        if snap is None and self.reexecute:
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
        with self._reexecution_lock:
            if worker.is_cancelled:
                return
            snap = self._reexecution.snapshot(row, lambda: worker.is_cancelled)
        if not worker.is_cancelled:
            self.app.call_from_thread(self._reexecuted, row, snap)

    def _reexecuted(self, row: int, snap) -> None:
        if row == self.pos and self.reexecute and row not in self.replay.params:
            self._samples(snap, row, "re-executed" if snap is not None else "failed")

    def _samples(self, snap, row: int, source: str) -> None:
        self.snapshot, self.source = snap, source if snap is not None else ""
        self.set_class(snap is None, "-no-samples")
        self.query_one("#sample-note", Static).update(note_text(self.replay, self.param_rows, row, source))
        if snap is None:
            self.query_one("#no-samples", Static).update(no_samples_text(self.replay, row))
            self.query_one(FindingsPanel).display = False
            return
        for w in self.query("FitPlot, SampleTable, SignStrip, UnitGrid, FindingsPanel"):
            w.snapshot = snap
        self.query_one(FindingsPanel).display = True
