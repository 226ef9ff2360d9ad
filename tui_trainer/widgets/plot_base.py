"""A plotext plot that draws a Snapshot at the widget's own size, from the UI thread only.

Each widget owns a private plotext figure (textual-plotext's Plot), so plots never share
plotext's global state. Drawing happens in render(), so it follows resizes for free, and only
when the widget is on screen (Textual renders nothing else). A new snapshot repaints the plot
only when what the plot shows has changed (`fingerprint`), and a render with the same data at
the same size reuses the last picture: plotext rebuilds cost milliseconds each."""
from __future__ import annotations

import math
from typing import Hashable

import numpy as np
from rich.text import Text
from textual.app import RenderResult
from textual.reactive import var
from textual_plotext import PlotextPlot

from core.diagnosis.snapshot import Snapshot

MIN_WIDTH, MIN_HEIGHT = 16, 5  # below this plotext draws nothing readable


def digest(*arrays: np.ndarray) -> int:
    """A cheap fingerprint of some arrays' contents (a hash of their bytes)."""
    return hash(tuple(a.tobytes() for a in arrays))


def step_label(v: float, step: float = 1.0) -> str:
    """A step count in a few characters: 0, 500, 1.5k, 10k, 2M; with enough decimals that
    ticks `step` apart differ (5.001k)."""
    for scale, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(v) >= scale:
            decimals = max(0, math.ceil(math.log10(scale / step) - 1e-9))
            text = f"{v / scale:.{decimals}f}"
            if "." in text:
                text = text.rstrip("0").rstrip(".")
            return text + suffix
    return f"{int(round(v))}"


def step_ticks(lo: float, hi: float, max_ticks: int = 6) -> tuple[list[float], list[str]]:
    """Whole-number ticks at 1, 2 or 5 × 10^k steps across [lo, hi], labelled 1k, 10k, …
    (plotext's own labels on a step axis are fractions like 115349.8)."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        v = float(round(lo)) if math.isfinite(lo) else 0.0
        return [v], [step_label(v)]
    raw = (hi - lo) / max(max_ticks - 1, 1)
    base = 10.0 ** math.floor(math.log10(raw))
    step = next(m * base for m in (1, 2, 5, 10) if m * base >= raw)
    step = max(step, 1.0)
    ticks = [float(t) for t in np.arange(math.ceil(lo / step) * step, hi + step / 2, step) if lo <= t <= hi]
    return ticks, [step_label(t, step) for t in ticks]


class CachedPlot(PlotextPlot):
    """render() through a cache: the picture is rebuilt only when `plot_key()` or the size
    changes. Subclasses put their data on self.plt in `draw_plot(width)`."""

    _cache_key: Hashable = None
    _cache_text: RenderResult | None = None

    def plot_key(self) -> Hashable:
        raise NotImplementedError

    def draw_plot(self, width: int) -> RenderResult | None:
        """Put the data on self.plt (cleared already); return a renderable instead of the plot
        when there is nothing to plot."""
        raise NotImplementedError

    def render(self) -> RenderResult:
        w, h = self.size
        if w < MIN_WIDTH or h < MIN_HEIGHT:
            return Text("(too small to plot)", style="dim")
        key = (self.plot_key(), w, h, self.app.theme)
        if key == self._cache_key and self._cache_text is not None:
            return self._cache_text
        self.plt.clear_data()
        try:
            text = self.draw_plot(w)
            if text is None:
                text = super().render()
        except Exception as e:  # plotext has edge cases (odd sizes, degenerate ranges): never crash
            text = Text(f"(plot unavailable: {e.__class__.__name__})", style="dim")
        self._cache_key, self._cache_text = key, text
        return text


class SnapshotPlot(CachedPlot):
    # A var: a frame sets it ~10 times a second; the plot repaints only when fingerprint() changes.
    snapshot: var[Snapshot | None] = var(None, always_update=True)
    """The snapshot to draw; None until the first frame."""

    _fingerprint: Hashable = None

    def fingerprint(self, snapshot: Snapshot) -> Hashable:
        """What this plot shows of the snapshot: equal fingerprints, equal pictures."""
        raise NotImplementedError

    def draw(self, snapshot: Snapshot, width: int) -> None:
        """Put the snapshot's data on self.plt (data cleared already)."""
        raise NotImplementedError

    def watch_snapshot(self, snapshot: Snapshot | None) -> None:
        self.data_changed()

    def data_changed(self) -> None:
        """Repaint if what the plot shows has changed."""
        key = None if self.snapshot is None else self.fingerprint(self.snapshot)
        if key != self._fingerprint or key is None:
            self._fingerprint = key
            self.refresh()

    def plot_key(self) -> Hashable:
        return self._fingerprint

    def draw_plot(self, width: int) -> RenderResult | None:
        if self.snapshot is None:
            return Text("waiting for the first frame…", style="dim")
        self.draw(self.snapshot, width)
        return None
