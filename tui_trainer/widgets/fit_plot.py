"""Fit plot: targets and predictions, dead samples in red.

One input feature: y (points) and ŷ (line) against x. Several features: ŷ against y with the
diagonal ŷ = y, since no single x axis tells the story then."""
from __future__ import annotations

import numpy as np
from textual.reactive import reactive

from core.diagnosis.baseline_overlay import BaselineOverlay
from core.diagnosis.snapshot import Snapshot

from .plot_base import SnapshotPlot


class FitPlot(SnapshotPlot):
    # always_update: the overlay holds arrays, so comparing two overlays for equality would
    # raise (numpy's ambiguous truth value); every new overlay is drawn anyway.
    baseline: reactive[BaselineOverlay | None] = reactive(None, always_update=True)
    """The polynomial overlay of the `b` key, or None when it is off."""

    def draw(self, snapshot: Snapshot, width: int) -> None:
        plt = self.plt
        base = self.baseline
        y, y_hat, dead = snapshot.y, snapshot.y_hat, snapshot.dead
        ok = np.isfinite(y_hat)
        if snapshot.n_features == 1:
            x = snapshot.x
            order = np.argsort(x)
            # The polynomial first, so the targets and the network's ŷ are drawn over it.
            if base is not None and len(base.x_grid) and np.isfinite(base.y_grid).all():
                plt.plot(base.x_grid.tolist(), base.y_grid.tolist(), label=f"poly deg {base.degree}",
                         color="yellow", marker="braille")
            plt.scatter(x.tolist(), y.tolist(), label="y", color="white", marker="•")
            line = order[ok[order]]
            if len(line):
                plt.plot(x[line].tolist(), y_hat[line].tolist(), label="ŷ", color="cyan", marker="braille")
            bad = dead & ok
            if bad.any():
                plt.scatter(x[bad].tolist(), y_hat[bad].tolist(), label="dead ŷ", color="red", marker="x")
            plt.xlabel(snapshot.feature_names[0])
        else:
            lo, hi = float(np.min(y)), float(np.max(y))
            plt.plot([lo, hi], [lo, hi], label="ŷ = y", color="gray", marker="braille")
            live = ok & ~dead
            if live.any():
                plt.scatter(y[live].tolist(), y_hat[live].tolist(), label="ŷ", color="cyan", marker="•")
            bad = dead & ok
            if bad.any():
                plt.scatter(y[bad].tolist(), y_hat[bad].tolist(), label="dead", color="red", marker="x")
            if base is not None and np.isfinite(base.y_hat).all() and len(base.y_hat) == len(y):
                plt.scatter(y.tolist(), base.y_hat.tolist(), label=f"poly deg {base.degree}",
                            color="yellow", marker="+")
            plt.xlabel(f"{snapshot.target_name} (target)")
        plt.yscale("linear")
