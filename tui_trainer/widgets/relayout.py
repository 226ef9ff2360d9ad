"""Text widgets redrawn from every frame: repaint only when the text changes, re-run layout
only when the number of lines changes.

Most frames change no word of the findings, the unit grid or the sign strip, yet Textual's
rendering of a widget's text (wrapping, styles, strips) costs 0.5–4 ms each: repainting them
unchanged was a quarter of a key's frame (issue 13). So a widget builds its text from its
inputs, keeps it, and asks for a repaint only when the new text differs from what is shown.

A reactive with layout=True would reflow the whole screen on every frame, which costs more than
drawing it; the number of lines of the auto-height widgets changes rarely (a finding appears,
a unit dies), so layout follows only then. Lines are counted as drawn, after wrapping at the
widget's width: a finding whose text grew by a wrapped line, with no new line break, used to
lose its last line until the terminal was resized (issue 12)."""
from __future__ import annotations

from rich.text import Text


def drawn_lines(text: Text, console, width: int) -> int:
    """How many lines `text` takes at `width` columns (its line breaks when no width is known)."""
    if width <= 0:
        return len(text.plain.split("\n"))
    return len(text.wrap(console, width))


class TextOnChange:
    """Mixin for a Widget whose reactives are declared with repaint=False: their watchers call
    `redraw()`, which repaints only when the built text changed."""

    _built: tuple[tuple, Text] | None = None  # (the inputs it was built from, the text)
    _drawn_width = -1  # the width the shown text was last measured at (wrapping depends on it)

    def inputs(self) -> tuple:  # overridden: everything `build` reads, the width included
        raise NotImplementedError

    def build(self) -> Text:  # overridden by the widget
        raise NotImplementedError

    def render(self) -> Text:
        # Rebuilt whenever an input is a different object: render() is always the current text,
        # also when called outside a frame (tests read it directly).
        key = self.inputs()
        if self._built is None or not same(self._built[0], key):
            self._built = (key, self.build())
        return self._built[1]

    def redraw(self) -> None:
        before = None if self._built is None else self._built[1]
        text = self.render()
        width = self.content_region.width
        if before is not None and text == before and width == self._drawn_width:
            return  # the same words in the same styles at the same width: nothing to paint
        self._drawn_width = width
        self.repaint(text)

    def repaint(self, text: Text) -> None:
        self.refresh()

    def on_resize(self) -> None:
        # A frame that arrived before the first layout measured the text at a width of 0:
        # measure again at the real width (the text may wrap differently, or be built for it).
        self.redraw()


class RelayoutOnHeightChange(TextOnChange):
    _lines = -1

    def repaint(self, text: Text) -> None:
        lines = drawn_lines(text, self.app.console, self.content_region.width)
        layout = lines != self._lines
        self._lines = lines
        self.refresh(layout=layout)

    def watch_snapshot(self, snapshot) -> None:
        self.redraw()

    def on_resize(self) -> None:
        # The layout measured the text at the width the widget had then: at a new width the
        # same number of lines as last counted here can still be another height there (a
        # layout taken at a narrow width keeps its wrapped height), which left the activity
        # panel a scrollbar whose thumb depended on timing. Re-run layout on a new width.
        self._lines = -1
        super().on_resize()


def same(a: tuple, b: tuple) -> bool:
    """Inputs compared by identity (snapshots and frames are new objects when anything in them
    changed, and comparing their arrays by value would cost what the cache saves)."""
    return len(a) == len(b) and all(x is y or (type(x) in (int, str, bool) and x == y) for x, y in zip(a, b))
