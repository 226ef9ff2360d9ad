"""Where the training screen's five panels go at a given terminal size (issue 12).

Three plans, picked by size:
- compact (under 100 columns or 30 rows): one column, the findings (dead samples, the top
  finding and its cure) first, then the sample table, then the plots and the activity panel
  below the fold, reached by scrolling;
- wide (e.g. 120×40): loss | fit | activity over samples | findings, the table as wide as its
  columns, the plots about two fifths of the height (15 rows at least);
- large (from 160 columns and 50 rows): loss | fit over samples | activity | findings, the
  lower row two fifths of the height, so plots and panels grow with the terminal.

A plan is plain data (panel order, grid columns, rows, spans), computed here and applied by
MainScreen, so the arithmetic is tested without a terminal.
"""
from __future__ import annotations

from dataclasses import dataclass

COMPACT_BELOW = (100, 30)   # (columns, rows): under either, one column
LARGE_FROM = (160, 50)
TABLE_WIDTH = 64            # the sample table's columns, its top border and scrollbar
ACTIVITY_WIDTH = 48         # the story's 20 samples at two characters each, labels, border
PANELS = ("loss", "fit", "activity", "samples", "findings-box")


@dataclass(frozen=True)
class Plan:
    name: str                          # "compact" | "wide" | "large"
    order: tuple[str, ...]             # panel ids in grid order
    columns: tuple[int, ...]           # grid column widths (cells)
    rows: tuple[str, ...]              # grid row heights (Textual scalars)
    spans: dict[str, int]              # columns each panel spans


def plan_for(width: int, height: int) -> Plan:
    if width < COMPACT_BELOW[0] or height < COMPACT_BELOW[1]:
        return compact(width)
    if width >= LARGE_FROM[0] and height >= LARGE_FROM[1]:
        return large(width, height)
    return wide(width, height)


def _grid(width: int, rows: list[list[tuple[str, int]]]) -> tuple[tuple[int, ...], dict[str, int]]:
    """Grid columns shared by rows of (panel, width) and each panel's span: every edge of
    every row becomes a column boundary."""
    cuts = {0, width}
    for row in rows:
        x = 0
        for _, w in row:
            x += w
            cuts.add(min(x, width))
    edges = sorted(cuts)
    spans = {}
    for row in rows:
        x = 0
        for panel, w in row:
            end = min(x + w, width)
            spans[panel] = sum(1 for e in edges if x < e <= end)
            x = end
    return tuple(b - a for a, b in zip(edges, edges[1:])), spans


def compact(width: int) -> Plan:
    columns, spans = _grid(width, [[("findings-box", width)], [("samples", width)],
                                   [("loss", width // 2), ("fit", width - width // 2)],
                                   [("activity", width)]])
    return Plan("compact", ("findings-box", "samples", "loss", "fit", "activity"), columns,
                ("auto", "auto", "12", "auto"), spans)


def wide(width: int, height: int) -> Plan:
    plots = width - ACTIVITY_WIDTH
    table = min(TABLE_WIDTH, width // 2 + 10)
    columns, spans = _grid(width, [[("loss", plots // 2), ("fit", plots - plots // 2), ("activity", ACTIVITY_WIDTH)],
                                   [("samples", table), ("findings-box", width - table)]])
    # About two fifths of the body, and never less than the activity panel needs for the
    # story's ten units (15 rows); the table takes the rest (its 20 rows at 40 lines).
    top = max(15, (height - 3) * 2 // 5)
    return Plan("wide", PANELS, columns, (str(top), "1fr"), spans)


def large(width: int, height: int) -> Plan:
    rest = width - TABLE_WIDTH
    activity = max(ACTIVITY_WIDTH, rest // 2)
    columns, spans = _grid(width, [[("loss", width // 2), ("fit", width - width // 2)],
                                   [("samples", TABLE_WIDTH), ("activity", activity),
                                    ("findings-box", rest - activity)]])
    # The plots take what the lower row does not need: the story's table (22 rows) whole.
    lower = max(24, (height - 3) * 2 // 5)
    return Plan("large", ("loss", "fit", "samples", "activity", "findings-box"), columns, ("1fr", str(lower)), spans)
