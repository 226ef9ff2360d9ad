"""The sample table's lines as Strips: the heading lines, and a row of the window with each
number fitted to its cell (fmt.fit: fewer digits, never a cut exponent), dead rows red, dev
rows marked, the sign coloured. The widget (sample_table.py) decides which line shows what."""
from __future__ import annotations

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from core.diagnosis.sample_rows import SampleRows, TableView, select
from core.diagnosis.snapshot import Snapshot

from .fmt import fit, sign_glyph

# (heading, width): the numbers are fitted to their width with the exponent intact (fmt.fit).
COLUMNS = (("#", 5), ("set", 3), ("x", 8), ("y", 8), ("ŷ", 8), ("Z^[L]", 8), ("sign", 4), ("ŷ − y", 8))
# Under normalisation Z^[L] is in training units and the rest in the data's: a second heading
# line says so (without it the two units look alike).
UNITS = ("", "", "data", "data", "data", "train", "", "data")
MODE = Style(color="yellow")
WIDTH = sum(w for _, w in COLUMNS) + len(COLUMNS) - 1
DEAD = Style(color="red", bold=True)
SIGN = {"+": Style(color="green"), "−": Style(color="red"), "0": Style(dim=True)}
DEV = Style(color="cyan")
HEAD = Style(bold=True)
PENDING = Style(dim=True)
CURSOR = Style(reverse=True)


def row_texts(rows: SampleRows, k: int) -> tuple[str, ...]:
    """The cells of row k of the window, each fitted to its column; `#` is the dataset row."""
    z = float(rows.Z_L[k])
    w = dict(COLUMNS)
    return (str(int(rows.index[k])), "dev" if rows.dev[k] else "", fit(rows.x[k], w["x"]), fit(rows.y[k], w["y"]),
            fit(rows.y_hat[k], w["ŷ"]), fit(z, w["Z^[L]"]), sign_glyph(z),
            fit(float(rows.y_hat[k]) - float(rows.y[k]), w["ŷ − y"]))


def snapshot_rows(s: Snapshot, view: TableView) -> SampleRows:
    """A window from a snapshot's own arrays (train rows only): for snapshots with no table."""
    dead_y_hat = s.dead_y_hat if s.dead_output else (0.0 if s.output_can_die and not s.normalize else None)
    shown = len(s.x)  # a large dataset's snapshot holds a subset of its samples (s.samples.index)
    position = np.arange(shown) if s.samples is None else s.samples.index
    rows = position if s.rows is None else s.rows   # `#` is the dataset row, as in the live table
    return select(view, rows, position, np.zeros(shown, dtype=bool), s.x, s.y, s.y_hat, s.Z_L, s.dead,
                  s.normalize, dead_y_hat)


def join(cells: list[tuple[str, Style | None]], base: Style) -> Strip:
    """Cells one space apart, each over the widget's own style."""
    segments = []
    for i, (text, style) in enumerate(cells):
        if i:
            segments.append(Segment(" ", base))
        segments.append(Segment(text, base + style if style else base))
    return Strip(segments, WIDTH)


def heading_strip(key: tuple, base: Style) -> Strip:
    """A heading line: ("mode", text) names the filter and order, ("names",) the columns,
    ("units",) what each column is in."""
    if key[0] == "mode":
        return Strip([Segment(key[1][:WIDTH], base + MODE)]).adjust_cell_length(WIDTH, base)
    if key[0] == "names":
        return join([(h.rjust(w), HEAD) for h, w in COLUMNS], base)
    return join([(u.rjust(w), PENDING) for u, (_, w) in zip(UNITS, COLUMNS)], base)


def pending_strip(in_table: bool, base: Style) -> Strip:
    """A row not in the window yet (…, until the session sends it) or past the table's end."""
    if not in_table:
        return Strip.blank(WIDTH, base)
    return Strip([Segment("…".rjust(COLUMNS[0][1]), base + PENDING)], COLUMNS[0][1])


def row_strip(rows: SampleRows, k: int, base: Style) -> Strip:
    """Row k of the window."""
    dead, dev = bool(rows.dead[k]), bool(rows.dev[k])
    cells = []
    for (name, width), text in zip(COLUMNS, row_texts(rows, k)):
        style = DEAD if dead else SIGN.get(text) if name == "sign" else DEV if dev and name in ("#", "set") else None
        cells.append((text.rjust(width), style))
    return join(cells, base)
