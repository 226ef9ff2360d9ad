"""Auto-height widgets redrawn every frame: re-run layout only when their height changes.

A reactive with layout=True would reflow the whole screen on every frame, which costs more than
drawing it; the number of lines of these widgets changes rarely (a finding appears, a unit
dies), so layout follows only then. Lines are counted as drawn, after wrapping at the widget's
width: a finding whose text grew by a wrapped line, with no new line break, used to lose its
last line until the terminal was resized (issue 12)."""
from __future__ import annotations

from rich.text import Text


def drawn_lines(text: Text, console, width: int) -> int:
    """How many lines `text` takes at `width` columns (its line breaks when no width is known)."""
    if width <= 0:
        return len(text.plain.split("\n"))
    return len(text.wrap(console, width))


class RelayoutOnHeightChange:
    _lines = -1

    def render(self) -> Text:  # overridden by the widget
        raise NotImplementedError

    def watch_snapshot(self, snapshot) -> None:
        lines = 0
        if snapshot is not None:
            lines = drawn_lines(self.render(), self.app.console, self.content_region.width)
        if lines != self._lines:
            self._lines = lines
            self.refresh(layout=True)
