"""Hidden-unit activity: one row per unit, one column per sample; ■ where Z > 0 (the unit
passes gradient), · where it is off. Units off on every sample are dead and marked in red.
With more samples than columns, a column is a bin of samples as in the sign strip: ■ on for
all of them, · off for all, else a digit, how many are off (the sign strip's legend, on the
panel's border, says so). Each row is exactly as wide as the widget: it never wraps."""
from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from core.diagnosis.snapshot import Snapshot

from .relayout import RelayoutOnHeightChange
from .sign_strip import LABEL, MIXED_STYLE, append_runs, bin_counts, columns, merged, mixed_glyph, summary_columns

ON, OFF = "■", "·"


def unit_cells(active_row, cell: int, per: int, dead: bool):
    """(glyph, style) for each column of one unit's row."""
    off_style = "red" if dead else "dim"
    if per == 1:
        for on in active_row:
            yield (ON.ljust(cell), "green") if on else (OFF.ljust(cell), off_style)
        return
    yield from binned_cells(*bin_counts(~active_row, per), dead)


def binned_cells(off, n, dead: bool):
    """(glyph, style) for columns of n samples of which `off` have Z ≤ 0."""
    off_style = "red" if dead else "dim"
    for b, k in zip(off, n):
        yield (ON, "green") if b == 0 else (OFF, off_style) if b == k else (mixed_glyph(int(b)), MIXED_STYLE)


class UnitGrid(RelayoutOnHeightChange, Widget):
    DEFAULT_CSS = """
    UnitGrid { height: auto; }
    """

    snapshot: reactive[Snapshot | None] = reactive(None, repaint=False)  # redraw(): relayout.py
    """The snapshot whose hidden activity is drawn (its unit count sets the height)."""

    def inputs(self) -> tuple:
        return self.snapshot, self.size.width

    def get_content_height(self, container, viewport, width: int) -> int:
        # One line per layer's heading and one per unit, at any width: each row is built exactly
        # as wide as the widget. Textual measures the height for a new width while the text is
        # still the one built for the old width, which wraps when narrower: that layout kept the
        # grid twice as tall, with a scrollbar, until the next one, which a screen pushed on top
        # meanwhile (the LR range test's) held off (a flaky snapshot under load).
        s = self.snapshot
        if s is None:
            return super().get_content_height(container, viewport, width)
        return sum(1 + active.shape[0] for active in s.hidden_active)

    def build(self) -> Text:
        s = self.snapshot
        if s is None:
            return Text("")
        cell, _, per = columns(self.size.width, s.m)
        if s.samples is not None:  # a large dataset: its fine bins, merged into columns
            group = summary_columns(self.size.width, s.samples)[0]
            count = merged(s.samples.count, group)
        t = Text()
        for l, (active, dead) in enumerate(zip(s.hidden_active, s.dead_units), start=1):
            n = active.shape[0]
            head = f"hidden layer {l}: {len(dead)} of {n} units dead"
            if not s.hidden_can_die:
                head = f"hidden layer {l} ({s.hidden_activation}: units cannot die)"
            if t:
                t.append("\n")
            t.append(head, style="bold red" if len(dead) else "bold")
            dead_set = set(int(j) for j in dead)
            for j in range(n):
                is_dead = j in dead_set
                t.append("\n")
                label = f"u{j + 1}" + (" ✗" if is_dead else "")
                t.append(label.ljust(LABEL - 1)[:LABEL - 1] + " ", style="red" if is_dead else "dim")
                if s.samples is not None:
                    append_runs(t, binned_cells(merged(s.samples.units_off[l - 1][j], group), count, is_dead))
                else:
                    append_runs(t, unit_cells(active[j], cell, per, is_dead))
        return t
