"""Typed reads of one field of a parsed JSON record, each refusing with FieldError, which names
the field and the problem in words (the reader adds the file and the line).

JSON gives only dict, list, str, int, float, bool and None; `1e400` parses as inf, so every
number is checked finite here, and bool (a subclass of int) is never taken for a number."""
from __future__ import annotations

import math
import sys

import numpy as np

from .limits import MAX_TEXT_CHARS


class FieldError(ValueError):
    """One field of a record is missing or wrong: `field` names it, `problem` says how."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field, self.problem = field, problem


def kind(v) -> str:
    """What a JSON value is, in words, for messages ("a list", "null", ...)."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return shown(v)
    return {dict: "an object", list: "a list", str: f"the text {shown(v)}"}.get(type(v), type(v).__name__)


def shown(v, width: int = 40) -> str:
    """A short, one-line, escaped rendering of a value (control characters never reach the
    terminal raw)."""
    if isinstance(v, float) and not math.isfinite(v):
        return "a number too large for a float (e.g. 1e400)"
    text = repr(v)
    return text if len(text) <= width else text[: width - 1] + "…"


def need(rec: dict, key: str, where: str):
    if key not in rec:
        raise FieldError(where + key, "missing")
    return rec[key]


def integer(v, field: str, lo: int, hi: int) -> int:
    if type(v) is not int:
        raise FieldError(field, f"must be a whole number, got {kind(v)}")
    if not lo <= v <= hi:
        raise FieldError(field, f"{shown(v)} is out of range ({lo} to {hi})")
    return v


def number(v, field: str, nullable: bool = False, positive: bool = False) -> float | None:
    if v is None and nullable:
        return None
    if type(v) not in (int, float):
        raise FieldError(field, f"must be a number{' or null' if nullable else ''}, got {kind(v)}")
    try:
        x = float(v)
    except OverflowError:
        x = math.inf
    if not math.isfinite(x):
        raise FieldError(field, f"must be a finite number, got {shown(x)}")
    if positive and not x > 0:
        raise FieldError(field, f"must be positive, got {shown(v)}")
    return x


def boolean(v, field: str) -> bool:
    if type(v) is not bool:
        raise FieldError(field, f"must be true or false, got {kind(v)}")
    return v


def text(v, field: str, choices: tuple[str, ...] | None = None) -> str:
    if choices is not None and type(v) is str and v in choices:
        return v  # the common case, and a known name needs no further look
    if type(v) is not str:
        raise FieldError(field, f"must be text, got {kind(v)}")
    if choices is not None and v not in choices:
        raise FieldError(field, f"{shown(v)} is not one of {', '.join(choices)}")
    if len(v) > MAX_TEXT_CHARS:
        raise FieldError(field, f"is {len(v)} characters long, over the limit of {MAX_TEXT_CHARS}")
    try:
        v.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate such as "\ud800": valid JSON, not text
        raise FieldError(field, "is not valid Unicode text (a lone surrogate)") from None
    return v


def finite_numbers(values, field: str) -> None:
    """Every value a finite number or null (the step record's norms: checked in one pass)."""
    for k, x in values.items():
        t = type(x)
        if not ((t is float and x - x == 0) or t is int or x is None):
            number(x, f"{field}.{k}", nullable=True)  # raises, naming what is wrong


def obj(v, field: str) -> dict:
    if type(v) is not dict:
        raise FieldError(field, f"must be an object, got {kind(v)}")
    return v


def int_list(v, field: str, lo: int, hi: int, length: int | None = None) -> list[int]:
    """A list of whole numbers in [lo, hi] (of `length` items when given)."""
    if type(v) is not list:
        raise FieldError(field, f"must be a list of whole numbers, got {kind(v)}")
    if length is not None and len(v) != length:
        raise FieldError(field, f"has {len(v)} items, must have {length}")
    if not set(map(type, v)) <= {int}:
        i = next(i for i, x in enumerate(v) if type(x) is not int)
        raise FieldError(f"{field}[{i}]", f"must be a whole number, got {kind(v[i])}")
    if v and not (lo <= min(v) and max(v) <= hi):
        i = next(i for i, x in enumerate(v) if not lo <= x <= hi)
        raise FieldError(f"{field}[{i}]", f"{shown(v[i])} is out of range ({lo} to {hi})")
    return v


def matrix(v, field: str, shape: tuple[int, int] | None, nullable: bool = False,
           max_abs: float = math.inf) -> tuple[int, int]:
    """A list of equal-length lists of numbers (null too when nullable, read as nan), of
    `shape` when given; its shape. Checked without recursion, so any nesting is refused in one
    step; every number finite and at most max_abs in size."""
    if type(v) is not list or not v or not set(map(type, v)) <= {list}:
        raise FieldError(field, f"must be a list of lists of numbers, got {_outer(v)}")
    rows, cols = len(v), len(v[0])
    if shape is not None and rows != shape[0]:
        raise FieldError(field, f"has {rows} rows, must have {shape[0]}")
    want = cols if shape is None else shape[1]
    allowed = {int, float, type(None)} if nullable else {int, float}
    for i, row in enumerate(v):
        if len(row) != want:
            raise FieldError(f"{field}[{i}]", f"has {len(row)} items, must have {want}")
        if not set(map(type, row)) <= allowed:
            j = next(j for j, x in enumerate(row) if type(x) not in allowed)
            raise FieldError(f"{field}[{i}][{j}]", f"must be a number{' or null' if nullable else ''}, "
                                                   f"got {kind(row[j])}")
    limit = min(max_abs, sys.float_info.max)  # an int past a float's range would not convert
    if rows * want <= SMALL:  # a params record of a small network: NumPy's per-call cost dominates
        bad = next(((i, j) for i, row in enumerate(v) for j, x in enumerate(row)
                    if x is not None and not abs(x) <= limit), None)
    else:
        bad = _first_bad(v, limit)
    if bad is not None:
        i, j = bad
        what = "a finite number" if math.isinf(max_abs) else f"at most {max_abs:g} in size"
        raise FieldError(f"{field}[{i}][{j}]", f"must be {what}, got {shown(v[i][j])}")
    return rows, want


SMALL = 256


def _first_bad(v: list, limit: float) -> tuple[int, int] | None:
    """Where a number is past `limit` (inf included), by NumPy; None when none is."""
    try:
        a = np.array(v, dtype=float)  # null reads as nan, which passes
    except OverflowError:
        a = None
    if a is not None:
        with np.errstate(invalid="ignore"):
            bad = np.abs(a) > limit
        if not bad.any():
            return None
        return tuple(int(k) for k in np.argwhere(bad)[0])
    return next((i, j) for i, row in enumerate(v) for j, x in enumerate(row) if x is not None and not abs(x) <= limit)


def _outer(v) -> str:
    if type(v) is list and not v:
        return "an empty list"
    if type(v) is list:
        return f"a list holding {kind(next(x for x in v if type(x) is not list))}"
    return kind(v)
