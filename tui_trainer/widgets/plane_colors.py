"""Colours of the 2-D view: Playground's diverging scale (orange for 0 / low, blue for 1 /
high) around a dark middle, so on a dark terminal the decision boundary ŷ = 0.5 is the dark
band between the two colours. Values are quantised to LEVELS steps a side, and every Rich
Style the view needs is made once and cached: a 120x40 redraw then allocates no styles.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
from rich.color import Color
from rich.style import Style

LEVELS = 12                        # steps from the middle to either end
LOW, MID, HIGH = (214, 120, 30), (38, 38, 42), (28, 110, 200)
GREY_LOW, GREY_HIGH = (30, 30, 30), (110, 110, 110)   # a dead unit's thumbnail
# The points on top: brighter than any cell, so they stand out on either side of the boundary.
POINT_LOW, POINT_HIGH, POINT_DEAD = (255, 170, 70), (110, 190, 255), (255, 60, 60)
POS, NEG = (70, 150, 255), (255, 140, 40)   # a link's sign: positive blue, negative orange


def _mix(a, b, t: float) -> tuple[int, int, int]:
    return tuple(int(round(x + (y - x) * t)) for x, y in zip(a, b))


def _scale(low, mid, high) -> list[Color]:
    """2·LEVELS + 1 colours from `low` through `mid` to `high`."""
    out = [_mix(low, mid, i / LEVELS) for i in range(LEVELS)]
    out += [_mix(mid, high, i / LEVELS) for i in range(LEVELS + 1)]
    return [Color.from_rgb(*c) for c in out]


DIVERGING = _scale(LOW, MID, HIGH)
GREYS = [Color.from_rgb(*_mix(GREY_LOW, GREY_HIGH, i / (2 * LEVELS))) for i in range(2 * LEVELS + 1)]


def levels(values: np.ndarray, centre: float, scale: float) -> np.ndarray:
    """Each value's colour index 0 .. 2·LEVELS: LEVELS at `centre`, the ends at centre ± scale."""
    t = np.clip((np.asarray(values, dtype=float) - centre) / (scale or 1.0), -1.0, 1.0)
    return np.rint((np.nan_to_num(t) + 1.0) * LEVELS).astype(np.intp)


@lru_cache(maxsize=4096)
def cell_style(top: int, bottom: int, grey: bool = False) -> Style:
    """A half-block cell "▀": the upper pixel is the foreground, the lower the background."""
    ramp = GREYS if grey else DIVERGING
    return Style(color=ramp[top], bgcolor=ramp[bottom])


@lru_cache(maxsize=4096)
def point_style(kind: str | int, background: int) -> Style:
    """A sample's glyph over a cell, the cell's colour behind it. `kind`: "low" or "high" (a
    0/1 label), "dead", or a regression target's colour level, drawn paler than the cells."""
    if isinstance(kind, str):
        rgb = {"low": POINT_LOW, "high": POINT_HIGH, "dead": POINT_DEAD}[kind]
    else:
        rgb = _mix(DIVERGING[kind].triplet, (235, 235, 235), 0.45)
    return Style(color=Color.from_rgb(*rgb), bgcolor=DIVERGING[background], bold=True)


@lru_cache(maxsize=256)
def link_style(positive: bool, strength: int) -> Style:
    """A link of the network diagram: its sign by colour, its size by intensity (strength
    1 .. LEVELS, faint to full)."""
    rgb = _mix(MID, POS if positive else NEG, 0.25 + 0.75 * strength / LEVELS)
    return Style(color=Color.from_rgb(*rgb))
