"""Auto-height widgets redrawn every frame: re-run layout only when their height changes.

A reactive with layout=True would reflow the whole screen on every frame, which costs more than
drawing it; the number of lines of these widgets changes rarely (a finding appears, a unit
dies), so layout follows only then."""
from __future__ import annotations

from rich.text import Text


class RelayoutOnHeightChange:
    _lines = -1

    def render(self) -> Text:  # overridden by the widget
        raise NotImplementedError

    def watch_snapshot(self, snapshot) -> None:
        lines = len(self.render().plain.split("\n")) if snapshot is not None else 0
        if lines != self._lines:
            self._lines = lines
            self.refresh(layout=True)
