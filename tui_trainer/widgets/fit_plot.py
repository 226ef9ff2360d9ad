"""Fit plot: targets and predictions, dead samples in red.

One input feature: y (points) and ŷ (line) against x. Several features: ŷ against y with the
diagonal ŷ = y, since no single x axis tells the story then. At most MAX_POINTS points per
series are drawn (evenly spaced in x, or in y), whatever m is: a braille plot of a few dozen
columns cannot show more, and plotext's cost grows with every point."""
from __future__ import annotations

from typing import Hashable

import numpy as np
from textual.reactive import var

from core.diagnosis.baseline_overlay import BaselineOverlay
from core.diagnosis.snapshot import Snapshot
from core.text import printable

from .loss_curve import thin
from .plot_base import SnapshotPlot, digest

MAX_POINTS = 400


def spread(order: np.ndarray, limit: int = MAX_POINTS) -> np.ndarray:
    """At most `limit` of the indices in `order`, evenly spaced along it (ends kept)."""
    return order[thin(len(order), limit)]


class FitPlot(SnapshotPlot):
    # A var: set with every frame, repainting only when its contents change (see fingerprint).
    baseline: var[BaselineOverlay | None] = var(None, always_update=True)
    """The polynomial overlay of the `b` key, or None when it is off."""

    def watch_baseline(self, base: BaselineOverlay | None) -> None:
        self.data_changed()

    def fingerprint(self, snapshot: Snapshot) -> Hashable:
        base = self.baseline
        overlay = None if base is None else (base.degree, digest(base.x_grid, base.y_grid, base.y_hat))
        return (snapshot.n_features, snapshot.feature_names, snapshot.target_name, overlay,
                digest(snapshot.x, snapshot.y, snapshot.y_hat, snapshot.dead))

    def draw(self, snapshot: Snapshot, width: int) -> None:
        plt = self.plt
        base = self.baseline
        y, y_hat, dead = snapshot.y, snapshot.y_hat, snapshot.dead
        ok = np.isfinite(y_hat)
        if snapshot.n_features == 1:
            x = snapshot.x
            order = np.argsort(x, kind="stable")
            # The polynomial first, so the targets and the network's ŷ are drawn over it.
            if base is not None and len(base.x_grid) and np.isfinite(base.y_grid).all():
                plt.plot(base.x_grid.tolist(), base.y_grid.tolist(), label=f"poly deg {base.degree}",
                         color="yellow", marker="braille")
            pts = spread(order)
            plt.scatter(x[pts].tolist(), y[pts].tolist(), label="y", color="white", marker="•")
            line = spread(order[ok[order]], max(2, 4 * width))
            if len(line):
                plt.plot(x[line].tolist(), y_hat[line].tolist(), label="ŷ", color="cyan", marker="braille")
            bad = spread(order[(dead & ok)[order]])
            if len(bad):
                plt.scatter(x[bad].tolist(), y_hat[bad].tolist(), label="dead ŷ", color="red", marker="x")
            plt.xlabel(printable(snapshot.feature_names[0]))
        else:
            lo, hi = float(np.min(y)), float(np.max(y))
            plt.plot([lo, hi], [lo, hi], label="ŷ = y", color="gray", marker="braille")
            by_y = np.argsort(y, kind="stable")
            live = spread(by_y[(ok & ~dead)[by_y]])
            if len(live):
                plt.scatter(y[live].tolist(), y_hat[live].tolist(), label="ŷ", color="cyan", marker="•")
            bad = spread(by_y[(dead & ok)[by_y]])
            if len(bad):
                plt.scatter(y[bad].tolist(), y_hat[bad].tolist(), label="dead", color="red", marker="x")
            if base is not None and np.isfinite(base.y_hat).all() and len(base.y_hat) == len(y):
                pts = spread(by_y)
                plt.scatter(y[pts].tolist(), base.y_hat[pts].tolist(), label=f"poly deg {base.degree}",
                            color="yellow", marker="+")
            plt.xlabel(f"{printable(snapshot.target_name)} (target)")
        plt.yscale("linear")
