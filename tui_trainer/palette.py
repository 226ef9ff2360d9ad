"""The command palette (Ctrl+P), guarded against a Textual race (docs/UPSTREAM.md).

Textual fills the palette's list when its search finishes and lays the list out on the next
refresh. PageDown or PageUp in between (Ctrl+P then PageDown within ~100 ms, or keys typed
ahead) reaches OptionList._move_page, which looks the highlighted option's line up before the
lines exist: KeyError: 0, and the app ends. Here a page key before the list is laid out does
nothing: the list is not on screen yet, so there is no page to move by.

A second race: two selections queued before the first is handled (enter typed twice, quickly).
The first closes the palette and runs its command; the second reaches the closed palette,
which dismisses itself again: ScreenStackError ("Can't pop screen"), and the app ends. Here a
selection reaching a palette that is no longer on top is dropped.

A third: the search runs in a worker, and a search still under way as the palette closes (a
key typed in it, then escape or a selection, quickly) sets the list's visibility afterwards;
Textual's watcher looks the list up, it is gone, NoMatches fails the worker and the app ends.
Here the watchers and the search do nothing once the palette's list is gone.

A fourth: Ctrl+P just after escape opened a palette with the id of the one still being removed
(DuplicateIds); this one has no id.

Textual opens a palette in three places (Ctrl+P, its theme search, search_commands): the
`SafePalettes` mixin of the app opens this one in all three.
"""
from __future__ import annotations

from textual import on, work
from textual.command import CommandList, CommandPalette, SimpleProvider
from textual.theme import ThemeProvider
from textual.widgets import Button, Input, OptionList

PAGE_ACTIONS = ("page_up", "page_down")


class SafeCommandPalette(CommandPalette):
    @on(Input.Submitted)
    @on(Button.Pressed)
    @on(OptionList.OptionSelected)
    def _closed_already(self, event) -> None:
        """A selection after the palette has closed: dropped (before Textual's handlers)."""
        if not self.is_active:
            event.prevent_default()
            event.stop()

    def _list_gone(self) -> bool:
        return not self.query(CommandList)

    def _watch__list_visible(self) -> None:
        if not self._list_gone():
            super()._watch__list_visible()

    async def _watch__show_busy(self) -> None:
        if not self._list_gone():
            await super()._watch__show_busy()

    def _refresh_command_list(self, command_list, commands, clear_current) -> None:
        if not self._list_gone():
            super()._refresh_command_list(command_list, commands, clear_current)

    @work(exclusive=True, group=CommandPalette._GATHER_COMMANDS_GROUP)
    async def _gather_commands(self, search_value: str) -> None:
        if not self._list_gone():  # a search that starts after the palette closed
            await CommandPalette._gather_commands.__wrapped__(self, search_value)

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


class SafePalettes:
    """A mixin of the App: every palette it opens is a SafeCommandPalette (Textual's own code,
    textual/app.py, with the class swapped)."""

    def action_command_palette(self) -> None:
        if self.use_command_palette and not CommandPalette.is_open(self):
            # No id (Textual gives it "--command-palette", used nowhere): a palette closed by
            # escape is removed a moment later, and Ctrl+P within that moment registered the
            # same id again (DuplicateIds, the app ended: random keys).
            self.push_screen(SafeCommandPalette())

    def search_commands(self, commands, placeholder: str = "Search for commands…"):
        return self.push_screen(SafeCommandPalette(providers=[SimpleProvider(self.screen, commands)],
                                                   placeholder=placeholder))

    def search_themes(self) -> None:
        self.push_screen(SafeCommandPalette(providers=[ThemeProvider], placeholder="Search for themes…"))
