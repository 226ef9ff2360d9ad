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


class KeyFooter(Footer):
    # The compact footer leaves no space after a group's label ("gblo Checks? Help"): one
    # space after it, none before the group's keys, as between the other entries.
    DEFAULT_CSS = """
    KeyFooter.-compact KeyGroup.-compact { padding-left: 0; }
    KeyFooter.-compact FooterLabel { margin: 0 1 0 0; }
    """

    async def recompose(self) -> None:
        # Footer builds its entries here whenever the bindings change (focus, running state)
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
