"""Replay and compare screens: a saved run log, scrubbed from the keyboard, no training.

ReplayScreen: one log. A cursor walks the logged steps (← → one, PgUp/PgDn a tenth, Home/End);
the loss curve marks it, the status line gives that step's numbers, and where the log holds
θ for that step the training screen's own widgets (fit, samples, Z^[L] signs, hidden units)
show the per-sample picture recomputed by core.logs.replay.snapshot_at. [ and ] jump to the
previous / next step that has one. `c` turns on re-execution: steps without θ in the log get it
by re-executing the run up to them (core.logs.replay.Reexecution, in a thread worker so the keys
never wait; a newer cursor position cancels an older computation).

CompareScreen: two logs. Both loss curves overlaid, a cursor over both, and the list of what
differs between them (core.logs.replay.compare)."""
from __future__ import annotations

import math
import threading
from pathlib import Path

import numpy as np
from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static
from textual.worker import get_current_worker

from core.logs.replay import Difference, Reexecution, Replay, compare, snapshot_at

from ..widgets.findings_panel import FindingsPanel
from ..widgets.fit_plot import FitPlot
from ..widgets.fmt import num
from ..widgets.replay_plot import Curve, ReplayPlot
from ..widgets.sample_table import SampleTable
from ..widgets.sign_strip import SignStrip
from ..widgets.unit_grid import UnitGrid

NARROW_BELOW = 100  # columns, as the training screen
PAGES = 10          # PgUp/PgDn move a tenth of the log

SCRUB_BINDINGS = [
    Binding("left", "move(-1)", "◀ step", key_display="←", priority=True),
    Binding("right", "move(1)", "step ▶", key_display="→", priority=True),
    Binding("pageup", "page(-1)", "◀◀", key_display="PgUp", priority=True),
    Binding("pagedown", "page(1)", "▶▶", key_display="PgDn", priority=True),
    Binding("home", "jump(0)", "first", key_display="Home", priority=True),
    Binding("end", "jump(-1)", "last", key_display="End", priority=True),
]


def log_name(replay: Replay) -> str:
    return Path(replay.path).name


def x_label(*replays: Replay) -> str:
    if all(r.tick_is_step for r in replays):
        return "step"
    return "tick (step attempts in the session; steps restart after a reset)"


def step_text(replay: Replay, row: int) -> str:
    s, t = int(replay.step[row]), int(replay.tick[row])
    return f"{s}" if s == t else f"{s} (tick {t})"


def event_line(e: dict) -> str:
    return f"step {e.get('step')} (tick {e.get('tick')}): {e.get('name')} = {e.get('value')}"


class ScrubScreen(Screen):
    """A cursor over positions 0..n-1 moved by the scrub keys; subclasses draw position `pos`."""

    pos: reactive[int] = reactive(0)

    @property
    def positions(self) -> int:
        raise NotImplementedError

    def action_move(self, delta: int) -> None:
        self._go(self.pos + delta)

    def action_page(self, direction: int) -> None:
        self._go(self.pos + direction * max(1, self.positions // PAGES))

    def action_jump(self, where: int) -> None:
        self._go(where if where >= 0 else self.positions - 1)

    def _go(self, p: int) -> None:
        if self.positions:
            self.pos = min(max(p, 0), self.positions - 1)

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.width < NARROW_BELOW, "-narrow")


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
            self.query_one("#events", Static).update(self._events_text(-1))
            return
        self.query_one(ReplayPlot).cursor = float(r.tick[row])
        status.update(self._status_text(row))
        self.query_one("#events", Static).update(self._events_text(row))
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
        self.query_one("#sample-note", Static).update(self._note_text(row, source))
        if snap is None:
            self.query_one("#no-samples", Static).update(self._no_samples_text(row))
            self.query_one(FindingsPanel).display = False
            return
        for w in self.query("FitPlot, SampleTable, SignStrip, UnitGrid, FindingsPanel"):
            w.snapshot = snap
        self.query_one(FindingsPanel).display = True

    def _status_text(self, row: int) -> Text:
        r, t = self.replay, Text()

        def item(label: str, value: str, style: str = "bold") -> None:
            if t:
                t.append("  ")
            t.append(f"{label} ", style="dim")
            t.append(value, style=style)

        item("step", step_text(r, row))
        item("logged", f"{row + 1}/{r.n}")
        item("loss", num(r.loss[row]))
        if not math.isnan(r.dev_loss[row]):
            item("dev", num(r.dev_loss[row]))
        item("lr", f"{r.lr[row]:g}")
        item("hidden", r.hidden_activation[row])
        out = r.output_activation[row]
        item("output", out, "bold red" if out == "relu" else "bold green")
        item("norm", "on" if r.normalize[row] else "off")
        item("dead", f"{r.dead_output[row]} samples, {int(r.dead_hidden[row].sum())} units",
             "bold red" if r.dead_output[row] else "bold")
        if r.status[row] != "ok":
            item("state", r.status[row], "bold white on red")
        return t

    def _note_text(self, row: int, source: str) -> Text:
        r = self.replay
        k = len(self.param_rows)
        at = f"step {step_text(r, row)}"
        if r.n == 0:
            return Text("")
        if source == "logged":
            thinned = f" (kept {k} of {r.params_logged} to bound memory)" if k < r.params_logged else ""
            return Text(f"per-sample data at {at}: Z^[L] and ŷ from the logged θ "
                        f"(L_model_forward) · θ at {k} logged steps{thinned} · [ ] jump", style="cyan")
        if source == "re-executed":
            return Text(f"per-sample data at {at}: θ re-executed from the log (bit for bit, as rerun) "
                        "· c: off", style="cyan")
        if source == "pending":
            return Text(f"no per-sample data logged at {at}: re-executing the run up to it…", style="yellow")
        if source == "failed":
            return Text(f"no per-sample data at {at}: the re-executed run diverged before reaching it",
                        style="bold yellow")
        if k == 0:
            return Text(f"no per-sample data at {at}: this log has no θ (params records) · "
                        "c: re-execute the run up to it", style="bold yellow")
        return Text(f"no per-sample data at {at}: θ is logged at {k} of {r.n} steps "
                    f"({self._nearest(row)}) · [ ] jump · c: re-execute", style="bold yellow")

    def _nearest(self, row: int) -> str:
        r, rows = self.replay, self.param_rows
        before, after = rows[rows < row], rows[rows > row]
        parts = []
        if len(before):
            parts.append(f"previous: step {step_text(r, int(before[-1]))}")
        if len(after):
            parts.append(f"next: step {step_text(r, int(after[0]))}")
        return ", ".join(parts)

    def _no_samples_text(self, row: int) -> Text:
        r = self.replay
        t = Text("No per-sample data at this step.\n\n", style="bold yellow")
        t.append("The log has the loss and dead counts of every logged step, but ŷ and Z^[L] per "
                 "sample need the parameters θ, which only `params` records carry "
                 "(`tui-trainer run --log-params`).\n\n")
        t.append("Press c to get θ by re-executing the run up to this step instead "
                 "(the log's config, data and events reproduce it bit for bit).\n\n")
        if r.n:
            t.append(f"Logged here: {r.dead_output[row]} dead samples (Z^[L] ≤ 0), "
                     f"{int(r.dead_hidden[row].sum())} dead hidden units.\n", style="bold")
        if r.params_unmatched:
            t.append(f"\n{r.params_unmatched} params record(s) have no step record at their tick "
                     "(e.g. θ after the last step of an export) and are not shown.", style="dim")
        return t

    def _events_text(self, row: int) -> Text:
        r = self.replay
        if not r.events:
            return Text("No events: the run kept its configuration throughout.", style="dim")
        done = r.events_until(row) if row >= 0 else 0
        t = Text()
        for i, e in enumerate(r.events):
            if t:
                t.append("\n")
            t.append(("▸ " if i < done else "  ") + event_line(e), style="" if i < done else "dim")
        return t


class CompareScreen(ScrubScreen):
    """Two logs: loss curves overlaid (A cyan, B orange) and where the runs differ."""

    COLORS = ("cyan", "orange")        # plotext names
    STYLES = ("cyan", "dark_orange")   # the same colours for rich text

    def __init__(self, a: Replay, b: Replay) -> None:
        super().__init__()
        self.runs = (a, b)
        self.differences: list[Difference] = compare(a, b)
        self.xs = np.union1d(a.tick, b.tick)  # the cursor walks every tick either log holds

    @property
    def positions(self) -> int:
        return len(self.xs)

    BINDINGS = SCRUB_BINDINGS

    def compose(self) -> ComposeResult:
        yield Static(id="compare-status")
        yield Static(id="compare-cursor")
        with VerticalScroll(id="body"):
            yield ReplayPlot(id="compare-plot")
            with Horizontal(id="compare-lower"):
                yield DataTable(id="diffs", cursor_type="row", zebra_stripes=True)
                with VerticalScroll(id="compare-side"):
                    yield Static(id="compare-summary")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        a, b = self.runs
        plot = self.query_one(ReplayPlot)
        plot.border_title = "Loss J (log scale): A and B"
        plot.curves = tuple(Curve(self.label(i), r.tick.astype(float), r.loss, self.COLORS[i])
                            for i, r in enumerate(self.runs))
        plot.xlabel = x_label(a, b)
        table = self.query_one("#diffs", DataTable)
        table.border_title = f"Where they differ ({len(self.differences)})"
        table.add_column("what", key="section", width=7)
        table.add_column("key", key="key", width=28)
        table.add_column("A", key="a", width=16)
        table.add_column("B", key="b", width=16)
        for i, d in enumerate(self.differences):
            table.add_row(d.section, d.key, d.a, d.b, key=str(i))
        if not self.differences:
            table.add_row("", "no differences", "", "")
        self.query_one("#compare-side").border_title = "Runs"
        self.query_one("#compare-status", Static).update(self._header())
        self.query_one("#compare-summary", Static).update(self._summary())
        self._show(self.pos)

    def label(self, i: int) -> str:
        """'A: relu/relu', or 'B: relu/relu→linear' when the run switched activation midway."""
        r = self.runs[i]

        def path(first: str, seen: list[str]) -> str:
            names = list(dict.fromkeys([first, *seen]))
            return "→".join(names)
        return (f"{'AB'[i]}: {path(r.config.get('hidden_activation'), r.hidden_activation)}"
                f"/{path(r.config.get('output_activation'), r.output_activation)}")

    def watch_pos(self, pos: int) -> None:
        if self.is_mounted:
            self._show(pos)

    def _show(self, pos: int) -> None:
        cursor = self.query_one("#compare-cursor", Static)
        if not self.positions:
            cursor.update(Text("neither log holds step records", style="bold yellow"))
            return
        x = float(self.xs[pos])
        self.query_one(ReplayPlot).cursor = x
        t = Text()
        t.append(f"{'step' if x_label(*self.runs) == 'step' else 'tick'} {int(x)}", style="bold")
        for i, r in enumerate(self.runs):
            t.append("   ")
            t.append(f"{'AB'[i]} ", style=f"bold {self.STYLES[i]}")
            if r.n == 0 or x < r.tick[0]:
                t.append("not logged yet", style="dim")
                continue
            row = r.row_at_tick(x)
            t.append("loss ", style="dim")
            t.append(num(r.loss[row]), style="bold")
            t.append(f"  {r.output_activation[row]} out, ", style="dim")
            t.append(f"{r.dead_output[row]} dead", style="bold red" if r.dead_output[row] else "bold")
            if int(r.tick[row]) != int(x):
                t.append(f" (logged at {int(r.tick[row])})", style="dim")
        cursor.update(t)

    def _header(self) -> Text:
        t = Text()
        for i, r in enumerate(self.runs):
            if t:
                t.append("   vs   ", style="dim")
            t.append(f"{'AB'[i]}: ", style=f"bold {self.STYLES[i]}")
            t.append(log_name(r), style="bold")
            t.append(f" ({r.config.get('hidden_activation')}/{r.config.get('output_activation')}, "
                     f"seed {r.config.get('seed')}, lr {r.config.get('lr')})", style="dim")
        return t

    def _summary(self) -> Text:
        t = Text()
        for i, r in enumerate(self.runs):
            if t:
                t.append("\n\n")
            t.append(f"{'AB'[i]}  {log_name(r)}\n", style=f"bold {self.STYLES[i]}")
            if r.n == 0:
                t.append("no step records", style="dim")
                continue
            end = r.end
            t.append(f"{r.n} logged steps, last step {step_text(r, r.n - 1)}\n")
            t.append(f"last loss {num(r.loss[-1])}, dead {r.dead_output[-1]} samples, "
                     f"{int(r.dead_hidden[-1].sum())} units\n")
            t.append(f"{len(r.events)} events; end: "
                     + ("none (cut short)" if end is None else f"{end.get('status')} at step {end.get('step')}"))
        return t
