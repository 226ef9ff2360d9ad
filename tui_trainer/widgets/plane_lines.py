"""The 2-D view's panels share one way of drawing: build every line once per frame or resize.

A panel's picture depends only on the frame's PlaneView and its own size, so it is built whole
(one pass over a coarse grid) and then served line by line through Textual's Line API.
"""
from __future__ import annotations

from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from core.diagnosis.plane import PlaneView


class PlaneLines(Widget):
    MIN_WIDTH = 1   # narrower than this, the panel draws nothing

    view: reactive[PlaneView | None] = reactive(None, always_update=True)
    """The frame's 2-D view; None draws nothing."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._lines: list[Strip] | None = None

    def draw(self, view: PlaneView, width: int, height: int) -> list[Strip]:
        raise NotImplementedError

    def watch_view(self, _view) -> None:
        self._lines = None
        self.refresh()

    def on_resize(self, _event) -> None:
        self._lines = None

    def lines(self) -> list[Strip]:
        """Every line at the current size (built once per frame or resize)."""
        if self._lines is None:
            w, h = self.size
            ok = self.view is not None and w >= self.MIN_WIDTH and h > 0
            self._lines = self.draw(self.view, w, h) if ok else []
        return self._lines

    def render_line(self, y: int) -> Strip:
        lines = self.lines()
        return lines[y] if y < len(lines) else Strip.blank(self.size.width)
