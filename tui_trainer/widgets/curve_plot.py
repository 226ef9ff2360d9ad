"""A small plot of one check's curves (the LR range test, the tiny-batch overfit), from the UI
thread only, on the widget's private plotext figure."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rich.text import Text
from textual.app import RenderResult
from textual.reactive import reactive
from textual_plotext import PlotextPlot

from .plot_base import MIN_HEIGHT, MIN_WIDTH


@dataclass(frozen=True, eq=False)
class Series:
    x: np.ndarray
    y: np.ndarray
    label: str
    color: str


class CurvePlot(PlotextPlot):
    series: reactive[tuple[Series, ...]] = reactive(())
    xlog: reactive[bool] = reactive(False)
    ylog: reactive[bool] = reactive(False)
    vlines: reactive[tuple[tuple[float, str], ...]] = reactive(())
    """(x, colour) marks, e.g. the suggested rate and the current one."""
    xlabel: reactive[str] = reactive("")

    def render(self) -> RenderResult:
        w, h = self.size
        if w < MIN_WIDTH or h < MIN_HEIGHT:
            return Text("(too small to plot)", style="dim")
        plt = self.plt
        plt.clear_data()
        drew = False
        for s in self.series:
            ok = np.isfinite(s.x) & np.isfinite(s.y)
            if self.xlog:
                ok &= s.x > 0
            if self.ylog:
                ok &= s.y > 0
            if ok.any():
                plt.plot(s.x[ok].tolist(), s.y[ok].tolist(), label=s.label, color=s.color, marker="braille")
                drew = True
        # plotext 5 raises on a log axis with no data: log only when something was drawn.
        plt.xscale("log" if drew and self.xlog else "linear")
        plt.yscale("log" if drew and self.ylog else "linear")
        if drew:
            for x, color in self.vlines:
                if not self.xlog or x > 0:
                    plt.vline(float(x), color)
        plt.xlabel(self.xlabel if drew else "nothing to plot")
        try:
            return super().render()
        except Exception as e:  # plotext has edge cases (odd sizes, degenerate ranges): never crash
            return Text(f"(plot unavailable: {e.__class__.__name__})", style="dim")
