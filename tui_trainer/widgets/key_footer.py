"""The key footer: Textual's Footer with `? Help` and `q Quit` first, and whole entries only.

At 80 columns the full footer was cut after "s Seed", so the two keys a new user needs most,
help and quit, never showed (issue 12). Here they come first (as in nano's and htop's
footers); entries that do not fit whole are left out, never cut in the middle of a label.
Every key is still in the help screen (?) and the command palette."""
from __future__ import annotations

from textual.widgets import Footer
from textual.widgets._footer import FooterKey

FIRST = ("question_mark", "q")


def _key(widget) -> str | None:
    return widget.key if isinstance(widget, FooterKey) else None


def _shown_bindings(screen):
    return [(b, enabled, tip) for (_, b, enabled, tip) in screen.active_bindings.values() if b.show]


def _entries(screen) -> tuple:
    """What the footer's entries are made of, enabled or not aside."""
    return tuple((b.key, b.action, b.description, b.group, tip) for b, _, tip in _shown_bindings(screen))


def _enabled(screen) -> dict:
    out: dict = {}
    for _, b, enabled, _ in screen.active_bindings.values():  # the palette's key is not `show`n
        out.setdefault((b.key, b.action), enabled)  # a group's entry shows its first binding
    return out


class KeyFooter(Footer):
    # The compact footer leaves no space after a group's label ("gblo Checks? Help"): one
    # space after it, none before the group's keys, as between the other entries.
    DEFAULT_CSS = """
    KeyFooter.-compact KeyGroup.-compact { padding-left: 0; }
    KeyFooter.-compact FooterLabel { margin: 0 1 0 0; }
    """

    _shown: tuple = ()  # the entries the footer holds now (_entries), set at each recompose

    def bindings_changed(self, screen) -> None:
        # Footer rebuilds every entry whenever the bindings change, i.e. each time training
        # starts or stops (manual steps are disabled while it runs): a recompose, a layout and
        # a repaint of the whole screen, ~10 ms a time. When the same keys only change
        # enabled, they are updated in place: their widths stay, so nothing moves.
        keys = list(self.query(FooterKey))
        # (FooterKey's `_disabled` is Textual's own: without it, rebuild as Footer does)
        if (self._bindings_ready and screen is self.screen and self._shown == _entries(screen)
                and all(hasattr(w, "_disabled") for w in keys)):
            self._set_enabled(keys, _enabled(screen))
            return
        super().bindings_changed(screen)

    def _set_enabled(self, keys: list, enabled: dict) -> None:
        for w in keys:
            off = not enabled.get((w.key, w.action), not w._disabled)
            if w._disabled != off:  # FooterKey's own flag: its click and its dim style read it
                w._disabled = off
                w.set_class(off, "-disabled")

    async def recompose(self) -> None:
        # Footer builds its entries here when the keys shown change (focus, a screen's keys)
        self._shown = _entries(self.screen) if self._bindings_ready else ()
        await super().recompose()
        keys = {_key(w): w for w in self.children if _key(w) in FIRST}
        for name in reversed(FIRST):
            if name in keys and self.children[0] is not keys[name]:
                self.move_child(keys[name], before=0)
        self.call_after_refresh(self.leave_out_what_does_not_fit)

    def on_resize(self) -> None:
        for child in self.children:
            child.display = True
        self.call_after_refresh(self.leave_out_what_does_not_fit)

    def leave_out_what_does_not_fit(self) -> None:
        """Hide every entry from the first one that does not end inside the footer."""
        right = self.content_region.right
        over = False
        for child in self.children:
            over = over or child.region.right > right
            if over:
                child.display = False
