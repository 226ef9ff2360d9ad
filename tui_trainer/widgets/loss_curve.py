"""Loss curve: train and dev loss against step, log-scale y.

The snapshot carries the engine's bounded history already thinned to ~1000 rows; here it is
thinned again to the widget's width, so a frame costs the same at step 1e3 and 1e6."""
from __future__ import annotations

import numpy as np

from core.snapshot import Snapshot

from .plot_base import SnapshotPlot


def thin(n: int, max_points: int) -> np.ndarray:
    """Indices of at most max_points rows spread evenly over n, first and last kept."""
    if n <= max_points or max_points < 2:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, max_points).round().astype(int))


class LossCurve(SnapshotPlot):
    def draw(self, snapshot: Snapshot, width: int) -> None:
        plt = self.plt
        idx = thin(len(snapshot.hist_step), max(2, 2 * width))  # braille: two points per cell
        steps = snapshot.hist_step[idx]
        drew = False
        for values, label, color in ((snapshot.hist_loss[idx], "train", "cyan"),
                                     (snapshot.hist_dev_loss[idx], "dev", "orange")):
            ok = np.isfinite(values) & (values > 0)  # a log axis takes positive numbers only
            if ok.any():
                plt.plot(steps[ok].tolist(), values[ok].tolist(), label=label, color=color, marker="braille")
                drew = True
        # plotext 5 raises on a log axis with no data, so the axis is log only when there is some.
        plt.yscale("log" if drew else "linear")
        plt.xlabel("step" if drew else "no steps yet: press space, n or r")
