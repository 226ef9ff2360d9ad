"""Loss curve: train and dev loss against step, log-scale y, and the L2 / L1 penalty when
one was on (J = loss + penalty: a penalty near the loss is regularisation doing the fitting).

The snapshot carries the engine's bounded history already thinned to ~1000 rows; here it is
thinned again to the widget's width, so a frame costs the same at step 1e3 and 1e6. The step
axis has whole-number ticks (1k, 10k, …)."""
from __future__ import annotations

import math

import numpy as np

from core.diagnosis.snapshot import Snapshot

from .plot_base import SnapshotPlot, digest, step_ticks


def thin(n: int, max_points: int) -> np.ndarray:
    """Indices of at most max_points rows spread evenly over n, first and last kept."""
    if n <= max_points or max_points < 2:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, max_points).round().astype(int))


def penalty_curve(snapshot: Snapshot) -> np.ndarray:
    """The penalty at each history row; NaN (not drawn) when it was never on."""
    p = snapshot.problem
    if p is None or not np.any(p.hist_penalty > 0):
        return np.full(len(snapshot.hist_step), np.nan)
    return p.hist_penalty


def decade_ticks(snapshot: Snapshot) -> tuple[list[float], list[str]]:
    """Powers of ten inside the plotted range, labelled 1e+03 etc. (plotext's own labels on a
    log axis are long decimals like 140437.8); the ends of the range when it spans no decade."""
    values = np.concatenate([snapshot.hist_loss, snapshot.hist_dev_loss, penalty_curve(snapshot)])
    values = values[np.isfinite(values) & (values > 0)]
    vmin, vmax = float(values.min()), float(values.max())
    lo, hi = math.ceil(math.log10(vmin)), math.floor(math.log10(vmax))
    if hi - lo < 1:
        ticks = sorted({vmin, vmax})
        return ticks, [f"{t:.3g}" for t in ticks]
    step = max(1, math.ceil((hi - lo) / 6))  # at most about six labels
    ticks = [10.0 ** k for k in range(lo, hi + 1, step)]
    return ticks, [f"{t:.0e}" for t in ticks]


class LossCurve(SnapshotPlot):
    def fingerprint(self, snapshot: Snapshot) -> int:
        return digest(snapshot.hist_step, snapshot.hist_loss, snapshot.hist_dev_loss, penalty_curve(snapshot))

    def draw(self, snapshot: Snapshot, width: int) -> None:
        plt = self.plt
        idx = thin(len(snapshot.hist_step), max(2, 2 * width))  # braille: two points per cell
        steps = snapshot.hist_step[idx]
        drew = False
        for values, label, color in ((snapshot.hist_loss[idx], "train", "cyan"),
                                     (snapshot.hist_dev_loss[idx], "dev", "orange"),
                                     (penalty_curve(snapshot)[idx], "penalty", "magenta")):
            ok = np.isfinite(values) & (values > 0)  # a log axis takes positive numbers only
            if ok.any():
                plt.plot(steps[ok].tolist(), values[ok].tolist(), label=label, color=color, marker="braille")
                drew = True
        # plotext 5 raises on a log axis with no data, so the axis is log only when there is some.
        plt.yscale("log" if drew else "linear")
        if drew:
            plt.yticks(*decade_ticks(snapshot))
            plt.xticks(*step_ticks(float(steps[0]), float(steps[-1]), max(2, min(6, width // 10))))
        plt.xlabel("step" if drew else "no steps yet: press space, n or r")
