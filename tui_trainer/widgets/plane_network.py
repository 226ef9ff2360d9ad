"""The network as Playground draws it: a column per layer, each hidden unit a thumbnail of its
activation over the input plane (greyed when the unit is dead), the output's own heatmap last,
and between the columns every weight as a line, blue when positive and orange when negative,
fainter the smaller it is next to the layer's largest.

Links are drawn in Braille (2 x 4 dots a cell); where several cross one cell, the largest
weight there gives the colour. Everything is rebuilt once per frame or resize, then served
line by line.
"""
from __future__ import annotations

import math

import numpy as np
from rich.style import Style
from textual.strip import Strip

from core.diagnosis.plane import PlaneView

from .plane_lines import PlaneLines
from .plane_colors import LEVELS, cell_style, levels, link_style
from .plane_heatmap import HALF, sample_grid, strips

MIN_GAP, MAX_TH = 6, 5   # columns for a layer's links; node height in rows
LABEL_STYLE = Style(color="grey70")
DIM = Style(color="grey42")
# Braille dot bits by (column, row) inside a cell: U+2800 + the sum of the dots set.
BRAILLE = ((0x01, 0x02, 0x04, 0x40), (0x08, 0x10, 0x20, 0x80))


class Layout:
    """Where each column and node goes in `width` x `height` cells."""

    def __init__(self, view: PlaneView, width: int, height: int):
        sizes = [len(view.feature_names)] + [u.shape[0] for u in view.units] + [1]
        self.sizes = sizes
        self.label = min(max(len(n) for n in view.feature_names) + 1, 9)
        most, n_gaps = max(sizes), len(sizes) - 1
        # Node height th rows (2·th pixels) and width 2·th (square pixels), one row between
        # nodes; as large as the height allows, and the width with gaps of MIN_GAP for the links.
        by_height = (height + 1) // most - 1
        by_width = (width - self.label - MIN_GAP * n_gaps) // (2 * n_gaps)
        self.th = max(1, min(MAX_TH, by_height, by_width))
        self.tw = 2 * self.th
        room = width - self.label - self.tw * n_gaps
        self.gap = max(2, min(16, room // max(n_gaps, 1)))
        self.shown = [min(n, max(1, (height + 1) // (self.th + 1))) for n in sizes]
        self.x = [0]  # left edge of each column
        for l in range(1, len(sizes)):
            self.x.append(self.x[-1] + (self.label if l == 1 else self.tw) + self.gap)
        self.width, self.height = width, height

    def col_width(self, l: int) -> int:
        return self.label if l == 0 else self.tw

    def node_row(self, l: int, i: int) -> int:
        """The top row of node i of column l (columns centred vertically)."""
        n = self.shown[l]
        top = (self.height - (n * self.th + (n - 1))) // 2
        return max(top, 0) + i * (self.th + 1)

    def centre_dot_row(self, l: int, i: int) -> int:
        return self.node_row(l, i) * 4 + self.th * 2


def _thumb(values: np.ndarray, lay: Layout, centre: float, scale: float, grey: bool):
    """(chars, styles) rows of one node's heatmap."""
    pix = sample_grid(levels(values, centre, scale), lay.tw, 2 * lay.th)
    return [[(HALF, cell_style(int(t), int(b), grey)) for t, b in zip(pix[2 * r], pix[2 * r + 1])]
            for r in range(lay.th)]


def _draw_links(chars, styles, lay: Layout, l: int, W: np.ndarray) -> None:
    """Column l-1 to column l: W is (n_l, n_{l-1}); the weights shown are the nodes shown.
    Every link's dots at once: each dot column of the gap gets the row of each link's line,
    the cells OR their dots together, and the largest weight through a cell colours it."""
    n_out, n_in = lay.shown[l], lay.shown[l - 1]
    W = W[:n_out, :n_in].ravel()
    if W.size == 0:
        return
    big = float(np.max(np.abs(W)))
    x0, dots_w = lay.x[l - 1] + lay.col_width(l - 1), 2 * lay.gap
    i, j = np.divmod(np.arange(W.size), n_in)
    y_a = np.array([lay.centre_dot_row(l - 1, k) for k in range(n_in)])[j]
    y_b = np.array([lay.centre_dot_row(l, k) for k in range(n_out)])[i]
    dx = np.arange(dots_w)
    y = (y_a[:, None] + (y_b - y_a)[:, None] * dx / max(dots_w - 1, 1)).astype(int)   # (links, dots)
    rows, cols = y // 4, np.broadcast_to(dx // 2, y.shape)
    inside = (rows >= 0) & (rows < lay.height)
    bits = np.asarray(BRAILLE)[np.broadcast_to(dx % 2, y.shape), y % 4]
    cell = (rows * lay.gap + cols)[inside]
    n_cells = lay.height * lay.gap
    dots = np.zeros(n_cells, dtype=np.int64)
    np.bitwise_or.at(dots, cell, bits[inside])
    rank = np.empty(W.size, dtype=np.int64)
    rank[np.argsort(np.abs(W), kind="stable")] = np.arange(W.size)   # larger weight, higher rank
    best = np.full(n_cells, -1, dtype=np.int64)
    np.maximum.at(best, cell, np.broadcast_to(rank[:, None], y.shape)[inside])
    by_rank = np.argsort(rank)
    for c in np.flatnonzero(dots).tolist():
        w = float(W[by_rank[best[c]]])
        strength = max(1, math.ceil(abs(w) / big * LEVELS)) if big > 0 else 1
        r, col = divmod(c, lay.gap)
        if x0 + col >= len(chars[r]):
            continue  # a panel narrower than the layout (random resizes found it): drawn clipped
        chars[r][x0 + col] = chr(0x2800 + int(dots[c]))
        styles[r][x0 + col] = link_style(w >= 0, strength)


def network_lines(view: PlaneView, width: int, height: int) -> list[Strip]:
    lay = Layout(view, width, height)
    chars = [[" "] * width for _ in range(height)]
    styles = [[DIM] * width for _ in range(height)]

    def put(row: int, col: int, cells) -> None:
        for k, (ch, st) in enumerate(cells):
            if 0 <= row < height and 0 <= col + k < width:
                chars[row][col + k], styles[row][col + k] = ch, st

    for i, name in enumerate(view.feature_names[:lay.shown[0]]):
        text = name[:lay.label - 1].rjust(lay.label - 1)
        put(lay.node_row(0, i) + (lay.th - 1) // 2, 0, [(ch, LABEL_STYLE) for ch in text])
    last = len(lay.sizes) - 1
    for l in range(1, last + 1):
        if l < last:
            acts, dead = view.units[l - 1], set(view.dead_units[l - 1].tolist())
            nodes = [(acts[i], 0.0, float(np.max(np.abs(acts[i]))) or 1.0, i in dead) for i in range(lay.shown[l])]
        else:
            out = view.output
            nodes = [(out, view.centre, view.scale, False)]
        for i, (values, centre, scale, grey) in enumerate(nodes):
            for r, row in enumerate(_thumb(values, lay, centre, scale, grey)):
                put(lay.node_row(l, i) + r, lay.x[l], row)
        hidden = lay.sizes[l] - lay.shown[l]
        if hidden:
            put(min(lay.node_row(l, lay.shown[l] - 1) + lay.th, height - 1), lay.x[l],
                [(ch, LABEL_STYLE) for ch in f"+{hidden}"])
        _draw_links(chars, styles, lay, l, view.weights[l - 1])
    return strips(chars, styles)


class PlaneNetwork(PlaneLines):
    DEFAULT_CSS = """
    PlaneNetwork { width: 1fr; height: 1fr; }
    """
    MIN_WIDTH = 5

    def draw(self, view: PlaneView, width: int, height: int) -> list[Strip]:
        return network_lines(view, width, height)
