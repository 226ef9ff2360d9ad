"""The network's output over the input plane as a heatmap, with the samples on top.

Each terminal cell is two pixels, one above the other ("▀": upper pixel in the foreground
colour, lower in the background), coloured by ŷ on plane_colors' diverging scale, so the
decision boundary shows as the dark band where ŷ crosses 0.5. Samples are glyphs over their
cell: ● a training sample, ○ a dev sample, × a training sample whose ReLU output is dead,
coloured by its label. The grid comes computed in the frame (core.diagnosis.plane); this
widget only samples it to its size, once per frame or resize, and serves lines from that.
"""
from __future__ import annotations

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from core.diagnosis.plane import PlaneView

from .plane_lines import PlaneLines
from .plane_colors import cell_style, levels, point_style

HALF = "▀"
TRAIN, DEV, DEAD = "●", "○", "×"


def strips(chars: list[list[str]], styles: list[list[Style]]) -> list[Strip]:
    """One Strip per row, a segment per run of cells with the same style."""
    out = []
    for row_chars, row_styles in zip(chars, styles):
        segs, run, style = [], [], None
        for ch, st in zip(row_chars, row_styles):
            if st is not style and run:
                segs.append(Segment("".join(run), style))
                run = []
            run.append(ch)
            style = st
        if run:
            segs.append(Segment("".join(run), style))
        out.append(Strip(segs, len(row_chars)))
    return out


def sample_grid(values: np.ndarray, width: int, height: int) -> np.ndarray:
    """`values` (rows, cols) resampled to (height, width) by nearest grid point."""
    rows = np.arange(height) * values.shape[0] // height
    cols = np.arange(width) * values.shape[1] // width
    return values[rows][:, cols]


def cell_of(view: PlaneView, x1: np.ndarray, x2: np.ndarray, width: int, height: int):
    """(row, column) of the cell each point falls in."""
    a, b, c, d = view.extent
    col = np.clip(((x1 - a) / (b - a) * width).astype(int), 0, width - 1)
    row = np.clip(((d - x2) / (d - c) * height).astype(int), 0, height - 1)
    return row, col


def point_kind(view: PlaneView, y: np.ndarray) -> list:
    """Per sample: "high" or "low" for a 0/1 label; for a regression target, its colour level."""
    if view.classify:
        return np.where(y >= 0.5, "high", "low").tolist()
    return levels(y, view.centre, view.scale).tolist()


def fit_box(view: PlaneView, width: int, height: int) -> tuple[int, int, int, int]:
    """(left, top, width, height) of the largest area with square pixels (a cell is two pixels
    tall) in which the plane keeps its shape: a circle stays round."""
    a, b, c, d = view.extent
    aspect = (b - a) / (d - c)           # across / down, in data units
    if width > 2 * height * aspect:      # too wide: full height
        w = max(1, min(width, round(2 * height * aspect)))
        return (width - w) // 2, 0, w, height
    h = max(1, min(height, round(width / aspect / 2)))
    return 0, (height - h) // 2, width, h


def heatmap_lines(view: PlaneView, width: int, height: int) -> list[Strip]:
    """Every line of the widget: the heatmap in its fit_box, blank around it."""
    left, top, w, h = fit_box(view, width, height)
    box = _box_lines(view, w, h)
    pad_l, pad_r = Segment(" " * left), Segment(" " * (width - left - w))
    blank = Strip([Segment(" " * width)], width)
    return [blank] * top + [Strip([pad_l, *line, pad_r], width) for line in box] + [blank] * (height - top - h)


def _box_lines(view: PlaneView, width: int, height: int) -> list[Strip]:
    pix = sample_grid(levels(view.output, view.centre, view.scale), width, 2 * height)
    top, bottom = pix[0::2], pix[1::2]
    chars = [[HALF] * width for _ in range(height)]
    styles = [[cell_style(int(t), int(b)) for t, b in zip(trow, brow)] for trow, brow in zip(top, bottom)]
    # Dev samples first, then training samples, then the dead ones: the last drawn shows.
    dead = view.dead if view.dead.shape[0] == view.train.shape[1] else np.zeros(view.train.shape[1], bool)
    for pts, glyph, mask in ((view.dev, DEV, None), (view.train, TRAIN, ~dead), (view.train, DEAD, dead)):
        if mask is not None:
            pts = pts[:, mask]
        if pts.shape[1] == 0:
            continue
        rows, cols = cell_of(view, pts[0], pts[1], width, height)
        kinds = point_kind(view, pts[2]) if glyph != DEAD else ["dead"] * pts.shape[1]
        for r, c, k in zip(rows.tolist(), cols.tolist(), kinds):
            chars[r][c] = glyph
            styles[r][c] = point_style(k, int(top[r, c] + bottom[r, c]) // 2)
    return strips(chars, styles)


class PlaneHeatmap(PlaneLines):
    DEFAULT_CSS = """
    PlaneHeatmap { width: 1fr; height: 1fr; }
    """

    def draw(self, view: PlaneView, width: int, height: int) -> list[Strip]:
        return heatmap_lines(view, width, height)
