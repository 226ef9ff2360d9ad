"""One line for the latest thing the session told the user (restart, export path, refusal)."""
from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from ..protocol import Notice

STYLES = {"information": "cyan", "warning": "yellow", "error": "bold red"}


class NoticeLine(Widget):
    DEFAULT_CSS = """
    NoticeLine { height: auto; padding: 0 1; }
    """

    notice: reactive[Notice | None] = reactive(None)
    """The latest notice; a hint about the keys until there is one."""

    def render(self) -> Text:
        n = self.notice
        if n is None:
            return Text("space: one step · n: N steps · r: run/pause · a: output activation · ?: help",
                        style="dim")
        return Text(n.text, style=STYLES.get(n.severity, ""))
