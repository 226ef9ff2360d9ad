"""A plotext plot that draws a Snapshot at the widget's own size, from the UI thread only.

Each widget owns a private plotext figure (textual-plotext's Plot), so plots never share
plotext's global state. Drawing happens in render(), so it follows resizes for free."""
from __future__ import annotations

from rich.text import Text
from textual.app import RenderResult
from textual.reactive import reactive
from textual_plotext import PlotextPlot

from core.diagnosis.snapshot import Snapshot

MIN_WIDTH, MIN_HEIGHT = 16, 5  # below this plotext draws nothing readable


class SnapshotPlot(PlotextPlot):
    snapshot: reactive[Snapshot | None] = reactive(None)
    """The snapshot to draw; None until the first frame."""

    def draw(self, snapshot: Snapshot, width: int) -> None:
        """Put the snapshot's data on self.plt (data cleared already)."""
        raise NotImplementedError

    def render(self) -> RenderResult:
        w, h = self.size
        if w < MIN_WIDTH or h < MIN_HEIGHT:
            return Text("(too small to plot)", style="dim")
        if self.snapshot is None:
            return Text("waiting for the first frame…", style="dim")
        self.plt.clear_data()
        self.draw(self.snapshot, w)
        try:
            return super().render()
        except Exception as e:  # plotext has edge cases (odd sizes, degenerate ranges): never crash
            return Text(f"(plot unavailable: {e.__class__.__name__})", style="dim")
