"""Z^[L] signs: one glyph per sample (+ green, − red, 0 dim) under a sample-index ruler, so
the block of negative pre-activations, the samples ReLU zeroes, stands out at a glance."""
from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from core.diagnosis.snapshot import Snapshot

from .fmt import sign_glyph

LABEL = 6  # characters before the first sample column; UnitGrid uses the same
GLYPH_STYLES = {"+": "bold green", "−": "bold red", "0": "dim"}


def columns(width: int, m: int) -> tuple[int, int]:
    """(cell width, samples shown): two characters per sample when they fit, else one."""
    room = max(width - LABEL, 0)
    cell = 2 if 2 * m <= room else 1
    return cell, min(m, room // cell)


def append_runs(text: Text, cells) -> None:
    """Append (glyph, style) cells, one span per run of equal style: a grid of hundreds of
    cells then renders as a handful of segments."""
    run, run_style = [], None
    for glyph, style in cells:
        if style != run_style and run:
            text.append("".join(run), style=run_style)
            run = []
        run.append(glyph)
        run_style = style
    if run:
        text.append("".join(run), style=run_style)


def ruler(m: int, cell: int, shown: int) -> Text:
    """Sample indices every 5 samples, aligned with the glyph columns."""
    chars = [" "] * (shown * cell)
    for i in range(0, shown, 5):
        label = str(i)
        pos = i * cell
        if pos + len(label) <= len(chars):
            chars[pos:pos + len(label)] = label
    return Text("#".ljust(LABEL) + "".join(chars), style="dim")


class SignStrip(Widget):
    DEFAULT_CSS = """
    SignStrip { height: 2; }
    """

    snapshot: reactive[Snapshot | None] = reactive(None)
    """The snapshot whose Z^[L] signs are drawn."""

    def render(self) -> Text:
        s = self.snapshot
        if s is None:
            return Text("")
        cell, shown = columns(self.size.width, s.m)
        t = ruler(s.m, cell, shown)
        t.append("\n")
        t.append("Z^[L]".ljust(LABEL), style="bold")
        glyphs = (sign_glyph(float(z)) for z in s.Z_L[:shown])
        append_runs(t, ((g.ljust(cell), GLYPH_STYLES[g]) for g in glyphs))
        if shown < s.m:
            t.append("…", style="dim")
        return t
