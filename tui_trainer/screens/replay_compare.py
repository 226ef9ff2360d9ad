"""CompareScreen: two logs. Both loss curves overlaid, a cursor over both, and the list of what
differs between them (core.logs.compare)."""
from __future__ import annotations

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Footer, Static

from core.logs.compare import Difference, compare
from core.logs.replay import Replay

from ..widgets.fmt import num
from ..widgets.replay_plot import Curve, ReplayPlot
from .replay_scrub import SCRUB_BINDINGS, ScrubScreen, log_name, step_text, x_label


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
