"""One line for the latest thing the session told the user (restart, export path, refusal).

A notice longer than the screen is wide wraps onto more lines rather than being cut: an
export notice cut at 120 columns never showed the CSV's path (issue 12)."""
from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from ..protocol import Notice

STYLES = {"information": "cyan", "warning": "yellow", "error": "bold red"}
HINT = "space: one step · n: N steps · r: run/pause · a: output activation · ?: help"


class NoticeLine(Widget):
    DEFAULT_CSS = """
    NoticeLine { height: auto; padding: 0 1; }
    """

    # layout=True: a longer notice may need another line (notices are rare; frames never
    # touch this, so the cost of a layout pass here does not recur).
    notice: reactive[Notice | None] = reactive(None, layout=True)
    """The latest notice; a hint about the keys until there is one."""
    hint: reactive[str] = reactive(HINT, layout=True)
    """What the line says before any notice (the screen shortens it on small terminals)."""

    def render(self) -> Text:
        n = self.notice
        if n is None:
            return Text(self.hint, style="dim")
        return Text(n.text, style=STYLES.get(n.severity, ""))
