"""Loss curves of saved runs with a cursor at the step being looked at (replay and compare).

Like LossCurve it thins each curve to the widget's width and draws from the UI thread only,
in render(), on the widget's private plotext figure."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rich.text import Text
from textual.app import RenderResult
from textual.reactive import reactive
from textual_plotext import PlotextPlot

from .loss_curve import thin
from .plot_base import MIN_HEIGHT, MIN_WIDTH


@dataclass(frozen=True, eq=False)
class Curve:
    label: str
    x: np.ndarray       # session position of each logged step (tick)
    y: np.ndarray       # loss, nan where not finite
    color: str


class ReplayPlot(PlotextPlot):
    curves: reactive[tuple[Curve, ...]] = reactive(())
    """The curves to overlay."""
    cursor: reactive[float | None] = reactive(None)
    """x of the step being looked at: a vertical line."""
    xlabel: reactive[str] = reactive("step")

    def render(self) -> RenderResult:
        w, h = self.size
        if w < MIN_WIDTH or h < MIN_HEIGHT:
            return Text("(too small to plot)", style="dim")
        plt = self.plt
        plt.clear_data()
        drew = False
        for c in self.curves:
            idx = thin(len(c.x), max(2, 2 * w))  # braille: two points per cell
            x, y = c.x[idx], c.y[idx]
            ok = np.isfinite(y) & (y > 0)  # a log axis takes positive numbers only
            if ok.any():
                plt.plot(x[ok].tolist(), y[ok].tolist(), label=c.label, color=c.color, marker="braille")
                drew = True
        if drew and self.cursor is not None:
            plt.vline(float(self.cursor), "white")
        # plotext 5 raises on a log axis with no data, so the axis is log only when there is some.
        plt.yscale("log" if drew else "linear")
        plt.xlabel(self.xlabel if drew else "no finite positive loss logged")
        try:
            return super().render()
        except Exception as e:  # plotext has edge cases (odd sizes, degenerate ranges): never crash
            return Text(f"(plot unavailable: {e.__class__.__name__})", style="dim")
