"""A plotext plot that draws a Snapshot at the widget's own size, from the UI thread only.

Each widget owns a private plotext figure (textual-plotext's Plot), so plots never share
plotext's global state. The picture is built when a line is drawn, so it follows resizes for
free and costs nothing while the widget is off screen (Textual draws nothing there). A new
snapshot repaints the plot only when what the plot shows has changed (`fingerprint`), one
refresh after the frame's other panels (a key's effect on the status line and the table shows
first), and a repaint with the same data at the same size reuses the last picture: plotext
rebuilds cost milliseconds each."""
from __future__ import annotations

import math
import re
from typing import Hashable

import numpy as np
from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.app import RenderResult
from textual.cache import LRUCache
from textual.reactive import var
from textual.strip import Strip
from textual_plotext import PlotextPlot

from core.diagnosis.snapshot import Snapshot

MIN_WIDTH, MIN_HEIGHT = 16, 5  # below this plotext draws nothing readable
AXIS_ROWS = 4  # a plot's rows outside its canvas: the frame's top and bottom, x tick labels, x label


def canvas_rows(height: int) -> int:
    """The rows a plot `height` rows high has for its data (and its y tick labels)."""
    return max(height - AXIS_ROWS, 0)


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


def sgr_style(code: str) -> tuple[str, Color | None]:
    """('fg' | 'bg' | 'reset', colour) of one SGR code as plotext writes them: 0, 38;5;n,
    38;2;r;g;b and the same with 48 for the background."""
    parts = [int(p) for p in code.split(";") if p]
    if not parts or parts == [0]:
        return "reset", None
    target = "fg" if parts[0] == 38 else "bg" if parts[0] == 48 else "other"
    if len(parts) == 3 and parts[1] == 5:
        return target, Color.from_ansi(parts[2])
    if len(parts) == 5 and parts[1] == 2:
        return target, Color.from_rgb(*parts[2:])
    return "other", None


class AnsiLines:
    """plotext's ANSI lines as Strips, each line converted once (an LRU keyed by its text):
    a redrawn plot shares most lines (frame, axes, labels) with the last one."""
    SGR = re.compile(r"\x1b\[([0-9;]*)m")

    def __init__(self) -> None:
        self._lines: LRUCache[tuple[str, Style], Strip] = LRUCache(512)
        self._codes: dict[str, tuple[str, Color | None]] = {}
        self._styles: dict[tuple, Style] = {}

    def strip(self, line: str, width: int, base: Style) -> Strip:
        key = (line, base)
        cached = self._lines.get(key)
        if cached is None:
            cached = self._convert(line, base).adjust_cell_length(width, base)
            self._lines.set(key, cached)
        return cached

    def _convert(self, line: str, base: Style) -> Strip:
        segments, fg, bg = [], None, None
        for i, part in enumerate(self.SGR.split(line)):
            if i % 2:  # an SGR code
                kind, color = self._codes.get(part) or self._codes.setdefault(part, sgr_style(part))
                if kind == "reset":
                    fg = bg = None
                elif kind == "fg":
                    fg = color
                elif kind == "bg":
                    bg = color
            elif part:
                # Blank runs keep no foreground (as Text.from_ansi has them): in an SVG export
                # they stay apart from the text beside them, which some renderers need.
                look = (None if part.isspace() else fg, bg, base)
                style = self._styles.get(look)
                if style is None:
                    style = self._styles[look] = (base + Style(color=look[0], bgcolor=bg)
                                                  if look[0] else Style(bgcolor=bg or base.bgcolor))
                segments.append(Segment(part, style))
        return Strip(segments)


class CachedPlot(PlotextPlot):
    """A Line-API plotext plot: the picture is rebuilt only when `plot_key()` or the size
    changes, and drawn line by line from Strips (no Text → Content → lines conversion of the
    whole picture). Subclasses put their data on self.plt in `draw_plot(width)`."""

    _cache_key: Hashable = None
    _picture: list[Strip] | Text | None = None  # Strips of a plot, or a message instead
    _ansi = ""

    def plot_key(self) -> Hashable:
        raise NotImplementedError

    def draw_plot(self, width: int) -> Text | None:
        """Put the data on self.plt (cleared already); return a message instead of the plot
        when there is nothing to plot."""
        raise NotImplementedError

    def _build(self) -> list[Strip] | Text:
        w, h = self.size
        if w < MIN_WIDTH or h < MIN_HEIGHT:
            return Text("(too small to plot)", style="dim")
        key = (self.plot_key(), w, h, self.app.theme)
        if key == self._cache_key and self._picture is not None:
            return self._picture
        self.plt.clear_data()
        try:
            text = self.draw_plot(w)
            if text is None:
                plt = self.plt  # as PlotextPlot.render does, without its Text.from_ansi
                plt.plotsize(w, h)
                plt._set_size(w, h)
                plt.theme(self._get_plotext_theme_name(self.app.theme))
                self._ansi = plt.build()
                if not hasattr(self, "_ansi_lines"):
                    self._ansi_lines = AnsiLines()
                base = self.rich_style
                text = [self._ansi_lines.strip(line, w, base) for line in self._ansi.split("\n")[:h]]
        except Exception as e:  # plotext has edge cases (odd sizes, degenerate ranges): never crash
            text = Text(f"(plot unavailable: {e.__class__.__name__})", style="dim")
        self._cache_key, self._picture = key, text
        return text

    @property
    def drawn(self) -> bool:
        """The picture last built is of the current data at the current size (tests wait for
        it: a plot repaints one refresh after its data change)."""
        w, h = self.size
        return self._cache_key is not None and self._cache_key[:3] == (self.plot_key(), w, h)

    def render_line(self, y: int) -> Strip:
        picture = self._build()
        if isinstance(picture, Text):
            picture = self._picture = [Strip(line) for line in self.app.console.render_lines(
                picture, self.app.console.options.update_width(self.size.width), pad=True)]
        if y < len(picture):
            return picture[y]
        return Strip.blank(self.size.width, self.rich_style)

    def render(self) -> RenderResult:
        """The picture as Text (what is drawn goes through render_line; this is for reading it)."""
        picture = self._build()
        return picture if isinstance(picture, Text) else Text.from_ansi(self._ansi)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._cache_key = None


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
            self.call_after_refresh(self.refresh)

    def plot_key(self) -> Hashable:
        return self._fingerprint

    def draw_plot(self, width: int) -> Text | None:
        if self.snapshot is None:
            return Text("waiting for the first frame…", style="dim")
        self.draw(self.snapshot, width)
        return None
