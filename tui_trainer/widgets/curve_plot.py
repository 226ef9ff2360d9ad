"""A small plot of one check's curves (the LR range test, the tiny-batch overfit), from the UI
thread only, on the widget's private plotext figure."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from typing import Hashable

from textual.reactive import reactive

from .plot_base import CachedPlot


@dataclass(frozen=True, eq=False)
class Series:
    x: np.ndarray
    y: np.ndarray
    label: str
    color: str


def decades(values: np.ndarray) -> tuple[list[float], list[str]]:
    """Powers of ten across the positive values, labelled 1e-08 (plotext's own labels on a log
    axis are long decimals like 0.00000016)."""
    v = values[np.isfinite(values) & (values > 0)]
    lo, hi = math.ceil(math.log10(v.min())), math.floor(math.log10(v.max()))
    if hi < lo:
        return [float(v.min()), float(v.max())], [f"{v.min():.2g}", f"{v.max():.2g}"]
    step = max(1, math.ceil((hi - lo + 1) / 8))
    ticks = [10.0 ** k for k in range(lo, hi + 1, step)]
    return ticks, [f"{t:.0e}" for t in ticks]


class CurvePlot(CachedPlot):
    series: reactive[tuple[Series, ...]] = reactive(())
    xlog: reactive[bool] = reactive(False)
    ylog: reactive[bool] = reactive(False)
    vlines: reactive[tuple[tuple[float, str], ...]] = reactive(())
    """(x, colour) marks, e.g. the suggested rate and the current one (the later one wins a shared column)."""
    xlabel: reactive[str] = reactive("")

    def plot_key(self) -> Hashable:
        return tuple(map(id, self.series)), self.xlog, self.ylog, self.vlines, self.xlabel

    def draw_plot(self, w: int) -> None:
        """The picture is rebuilt only when a reactive above (or the size) changes."""
        plt = self.plt
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
        if drew and self.xlog:
            plt.xticks(*decades(np.concatenate([s.x for s in self.series])))
        if drew:
            for x, color in self.vlines:
                if not self.xlog or x > 0:
                    plt.vline(float(x), color)
        plt.xlabel(self.xlabel if drew else "nothing to plot")
