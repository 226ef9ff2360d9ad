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


def _compact(text: str) -> str:
    """'9.864e+04' -> '9.864e4', '-5.5e-01' -> '-5.5e-1': the exponent keeps every digit that matters."""
    if "e" not in text:
        return text
    mantissa, exponent = text.split("e")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    sign = "-" if exponent.startswith("-") else ""
    return f"{mantissa}e{sign}{int(exponent.lstrip('+-'))}"


def fit(v: float | None, width: int, digits: int = 4) -> str:
    """`v` in at most `width` characters by dropping significant digits, never by cutting.

    A terminal cell cuts from the right, so '-5.501e-01' in nine columns reads as
    '-5.501e-0', about -5.5 instead of -0.55. Here the mantissa gives way first
    and the exponent stays whole. If even one significant digit does not fit,
    the one-digit form is returned wider than `width`: a column that has to
    grow is better than a wrong number. Zero is '0', never '-0'.
    """
    text = num(v, digits)
    if v is None or text in ("0", "nan", "inf", "-inf"):
        return text
    x = float(v)
    best = _compact(text)
    for d in range(digits, 0, -1):
        # plain or scientific, whichever fits with d significant digits
        for form in (f"{x:.{d}g}", f"{x:.{d - 1}e}"):
            best = _compact(form)
            if len(best) <= width:
                return best
    return best


def sign_glyph(z: float) -> str:
    if z > 0:
        return "+"
    if z < 0:
        return "−"
    return "0"


def index_ranges(idx, max_parts: int | None = None) -> str:
    """[0, 1, 2, 5, 7, 8] -> '0–2, 5, 7–8'. With max_parts, a long list stops after that many
    parts and says how many there are: '0–4, 7, 9, … (200 in all)'."""
    idx = sorted(int(i) for i in idx)
    parts, start = [], None
    for k, i in enumerate(idx):
        if start is None:
            start = i
        if k + 1 == len(idx) or idx[k + 1] != i + 1:
            parts.append(str(start) if start == i else f"{start}–{i}")
            start = None
    if max_parts is not None and len(parts) > max_parts:
        return ", ".join(parts[:max_parts]) + f", … ({len(idx)} in all)"
    return ", ".join(parts)
