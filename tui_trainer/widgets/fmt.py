"""Number formatting shared by the widgets: short, fixed-ish width, never 'nan' surprises."""
from __future__ import annotations

import math

DASH = "—"


def num(v: float | None, digits: int = 4) -> str:
    """A number in at most about ten characters; a dash when there is none."""
    if v is None:
        return DASH
    v = float(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if v == 0:
        return "0"  # the story's stuck outputs are exactly zero: show them so
    return f"{v:.{digits}g}"


def sign_glyph(z: float) -> str:
    if z > 0:
        return "+"
    if z < 0:
        return "−"
    return "0"
