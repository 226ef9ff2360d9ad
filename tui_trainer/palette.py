"""The command palette (Ctrl+P), guarded against a Textual race (docs/UPSTREAM.md).

Textual fills the palette's list when its search finishes and lays the list out on the next
refresh. PageDown or PageUp in between (Ctrl+P then PageDown within ~100 ms, or keys typed
ahead) reaches OptionList._move_page, which looks the highlighted option's line up before the
lines exist: KeyError: 0, and the app ends. Here a page key before the list is laid out does
nothing: the list is not on screen yet, so there is no page to move by.
"""
from __future__ import annotations

from textual.command import CommandList, CommandPalette

PAGE_ACTIONS = ("page_up", "page_down")


class SafeCommandPalette(CommandPalette):
    def _action_command_list(self, action: str) -> None:
        if action in PAGE_ACTIONS and not self._list_laid_out():
            return
        super()._action_command_list(action)

    def _list_laid_out(self) -> bool:
        """True when the highlighted option has its lines (what _move_page reads); with no
        option highlighted, the page keys go to the first or last option, which is safe."""
        commands = self.query_one(CommandList)
        highlighted = commands.highlighted
        return highlighted is None or highlighted in commands._index_to_line
