"""Loss curves of saved runs with a cursor at the step being looked at (replay and compare).

Like LossCurve it thins each curve to the widget's width and draws from the UI thread only,
in render(), on the widget's private plotext figure, rebuilding the picture only when the curves,
the cursor or the size change; the step axis has whole-number ticks."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from typing import Hashable

from textual.reactive import reactive

from .loss_curve import thin
from .plot_base import CachedPlot, step_ticks


@dataclass(frozen=True, eq=False)
class Curve:
    label: str
    x: np.ndarray       # session position of each logged step (tick)
    y: np.ndarray       # loss, nan where not finite
    color: str


class ReplayPlot(CachedPlot):
    curves: reactive[tuple[Curve, ...]] = reactive(())
    """The curves to overlay."""
    cursor: reactive[float | None] = reactive(None)
    """x of the step being looked at: a vertical line."""
    xlabel: reactive[str] = reactive("step")

    def plot_key(self) -> Hashable:
        return tuple(map(id, self.curves)), self.cursor, self.xlabel

    def draw_plot(self, w: int) -> None:
        plt = self.plt
        drew = False
        lo, hi = float("inf"), float("-inf")
        for c in self.curves:
            idx = thin(len(c.x), max(2, 2 * w))  # braille: two points per cell
            x, y = c.x[idx], c.y[idx]
            ok = np.isfinite(y) & (y > 0)  # a log axis takes positive numbers only
            if ok.any():
                plt.plot(x[ok].tolist(), y[ok].tolist(), label=c.label, color=c.color, marker="braille")
                drew = True
                lo, hi = min(lo, float(x[ok][0])), max(hi, float(x[ok][-1]))
        if drew and self.cursor is not None:
            plt.vline(float(self.cursor), "white")
        # plotext 5 raises on a log axis with no data, so the axis is log only when there is some.
        plt.yscale("log" if drew else "linear")
        if drew:
            plt.xticks(*step_ticks(lo, hi, max(2, min(6, w // 10))))
        plt.xlabel(self.xlabel if drew else "no finite positive loss logged")
