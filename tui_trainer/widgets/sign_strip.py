"""Z^[L] signs: one glyph per sample (+ green, − red, 0 dim) under a sample-index ruler, so
the block of negative pre-activations, the samples ReLU zeroes, stands out at a glance.

With more samples than columns, each column stands for a bin of consecutive samples: + when
all of them have Z^[L] > 0, − when none has, and otherwise a digit, how many of the bin are
≤ 0 (± past 9); `legend` says so, for the panel's border. Lines never wrap: a wrapped strip
showed nothing at all on a 160-row dataset (issue 12). A large dataset's snapshot carries its
samples counted in fine bins (core/diagnosis/sample_bins.py): a column is then a whole number of
those bins (`summary_columns`), so the counts stay exact."""
from __future__ import annotations

import math

import numpy as np
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from core.diagnosis.snapshot import Snapshot

from .fmt import sign_glyph
from .relayout import TextOnChange

LABEL = 6  # characters before the first sample column; UnitGrid uses the same
GLYPH_STYLES = {"+": "bold green", "−": "bold red", "0": "dim"}
MIXED_STYLE = "bold yellow"


def columns(width: int, m: int) -> tuple[int, int, int]:
    """(cell width, columns shown, samples per column) for m samples in `width` characters:
    two characters per sample when they fit, one, or bins of `per` samples a column."""
    room = max(width - LABEL, 1)
    if 2 * m <= room:
        return 2, m, 1
    if m <= room:
        return 1, m, 1
    per = math.ceil(m / room)
    return 1, math.ceil(m / per), per


def summary_columns(width: int, samples) -> tuple[int, int, int]:
    """(fine bins a column, columns shown, samples per column) for a SampleSummary."""
    room = max(width - LABEL, 1)
    bins = len(samples.count)
    group = math.ceil(bins / room)
    return group, math.ceil(bins / group), group * samples.per


def merged(counts: np.ndarray, group: int) -> np.ndarray:
    """Counts of fine bins summed `group` at a time along the last axis."""
    return np.add.reduceat(counts, np.arange(0, counts.shape[-1], group), axis=-1)


def strip_cells(bad: np.ndarray, n: np.ndarray):
    return (("+", GLYPH_STYLES["+"]) if b == 0 else ("−", GLYPH_STYLES["−"]) if b == k
            else (mixed_glyph(int(b)), MIXED_STYLE) for b, k in zip(bad, n))


def bin_counts(flags: np.ndarray, per: int) -> tuple[np.ndarray, np.ndarray]:
    """(how many are set, how many there are) in each bin of `per` consecutive flags."""
    flags = np.asarray(flags, dtype=bool)
    starts = np.arange(0, flags.size, per)
    return np.add.reduceat(flags.astype(int), starts), np.minimum(per, flags.size - starts)


def mixed_glyph(bad: int) -> str:
    return str(bad) if bad <= 9 else "±"


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


def ruler(cell: int, shown: int, per: int) -> Text:
    """Sample indices (the first of each bin) every 5 columns, or 10 when they are long."""
    chars = [" "] * (shown * cell)
    every = 5 if len(str(per * max(shown - 1, 0))) < 5 * cell else 10
    for col in range(0, shown, every):
        label = str(col * per)
        pos = col * cell
        if pos + len(label) <= len(chars):
            chars[pos:pos + len(label)] = label
    return Text("#".ljust(LABEL) + "".join(chars), style="dim")


def legend(per: int, width: int) -> str:
    """What a binned column means, in the longest wording that fits `width` ("" unbinned)."""
    if per == 1:
        return ""
    words = (f"{per} samples a column; a digit: how many have Z ≤ 0 (are off)",
             f"{per} samples a column; digit: how many Z ≤ 0",
             f"{per} samples/column; digit: # Z ≤ 0", f"{per} samples/column")
    return next((w for w in words if len(w) <= width), words[-1])


class SignStrip(TextOnChange, Widget):
    DEFAULT_CSS = """
    SignStrip { height: 2; }
    """

    snapshot: reactive[Snapshot | None] = reactive(None, repaint=False)  # redraw(): relayout.py
    """The snapshot whose Z^[L] signs are drawn."""

    def watch_snapshot(self) -> None:
        self.redraw()

    def inputs(self) -> tuple:
        return self.snapshot, self.size.width

    def build(self) -> Text:
        s = self.snapshot
        if s is None:
            return Text("")
        if s.samples is not None:
            group, shown, per = summary_columns(self.size.width, s.samples)
            t = ruler(1, shown, per)
            t.append("\n")
            t.append("Z^[L]".ljust(LABEL), style="bold")
            append_runs(t, strip_cells(merged(s.samples.z_off, group), merged(s.samples.count, group)))
            return t
        cell, shown, per = columns(self.size.width, s.m)
        t = ruler(cell, shown, per)
        t.append("\n")
        t.append("Z^[L]".ljust(LABEL), style="bold")
        if per == 1:
            glyphs = (sign_glyph(float(z)) for z in s.Z_L)
            append_runs(t, ((g.ljust(cell), GLYPH_STYLES[g]) for g in glyphs))
        else:
            append_runs(t, strip_cells(*bin_counts(np.asarray(s.Z_L) <= 0, per)))
        return t

    def legend(self, width: int) -> str:
        """The legend for the current snapshot at this widget's width ("" when not binned)."""
        s = self.snapshot
        if s is None:
            return ""
        if s.samples is not None:
            return legend(summary_columns(self.size.width, s.samples)[2], width)
        return legend(columns(self.size.width, s.m)[2], width)
