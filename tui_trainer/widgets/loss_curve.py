"""Loss curve: train and dev loss against step, log-scale y, and the L2 / L1 penalty when
one was on (J = loss + penalty: a penalty near the loss is regularisation doing the fitting).

The snapshot carries the engine's bounded history already thinned to ~1000 rows; here it is
thinned again to the widget's width, so a frame costs the same at step 1e3 and 1e6. The step
axis has whole-number ticks (1k, 10k, …)."""
from __future__ import annotations

import math

import numpy as np

from core.diagnosis.snapshot import Snapshot

from .plot_base import SnapshotPlot, canvas_rows, digest, step_ticks


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


def tick_row(log_value: float, a: float, b: float, rows: int) -> int:
    """The canvas row plotext puts a log-axis tick on, for an axis from 10^a to 10^b
    (plotext's _utility.get_matrix_data)."""
    return math.floor(round(0.5 + (rows - 1) * (log_value - a) / (b - a), 8))


def decade_ticks(values: np.ndarray, rows: int) -> tuple[list[float], list[str]]:
    """Powers of ten inside the range plotext's log axis spans (the plotted `values`), labelled
    1e+03 etc. (plotext's own labels on a log axis are long decimals like 140437.8); the ends of
    the range when it spans no decade. At most about six, and on a plot of few `rows` only every
    k-th decade, the smallest k that puts each on a row of its own: plotext prints one label of
    a row, and which one depends on the interpreter's string hash seed (its ticks pass through
    a set), so a picture with two on one row differs from run to run."""
    logs = [math.log10(v) for v in values.tolist()]  # as plotext takes them: its axis limits
    a, b = min(logs), max(logs)
    lo, hi = math.ceil(a), math.floor(b)
    if hi - lo < 1:
        ticks = sorted({float(values.min()), float(values.max())})
        ticks = ticks if rows >= 2 else ticks[-1:]
        return ticks, [f"{t:.3g}" for t in ticks]
    for step in range(max(1, math.ceil((hi - lo) / 6)), hi - lo + 2):
        decades = range(lo, hi + 1, step)
        if len({tick_row(k, a, b, rows) for k in decades}) == len(decades):
            break
    ticks = [10.0 ** k for k in decades]
    return ticks, [f"{t:.0e}" for t in ticks]


class LossCurve(SnapshotPlot):
    def fingerprint(self, snapshot: Snapshot) -> int:
        return digest(snapshot.hist_step, snapshot.hist_loss, snapshot.hist_dev_loss, penalty_curve(snapshot))

    def draw(self, snapshot: Snapshot, width: int) -> None:
        plt = self.plt
        idx = thin(len(snapshot.hist_step), max(2, 2 * width))  # braille: two points per cell
        steps = snapshot.hist_step[idx]
        plotted = []
        for values, label, color in ((snapshot.hist_loss[idx], "train", "cyan"),
                                     (snapshot.hist_dev_loss[idx], "dev", "orange"),
                                     (penalty_curve(snapshot)[idx], "penalty", "magenta")):
            ok = np.isfinite(values) & (values > 0)  # a log axis takes positive numbers only
            if ok.any():
                plt.plot(steps[ok].tolist(), values[ok].tolist(), label=label, color=color, marker="braille")
                plotted.append(values[ok])
        # plotext 5 raises on a log axis with no data, so the axis is log only when there is some.
        plt.yscale("log" if plotted else "linear")
        if plotted:
            plt.yticks(*decade_ticks(np.concatenate(plotted), canvas_rows(self.size.height)))
            plt.xticks(*step_ticks(float(steps[0]), float(steps[-1]), max(2, min(6, width // 10))))
        plt.xlabel("step" if plotted else "no steps yet: press space, n or r")
