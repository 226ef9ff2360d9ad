"""Reading a dataset from a CSV file: header row, numeric columns, target = last column or a
named one. Every problem raises `DataError` with one line naming the file and the fault."""
from __future__ import annotations

import csv
import io
import math
import re
from pathlib import Path

import numpy as np

from ..text import printable
from .data import Dataset


# Squares of values beyond this overflow float64 in a loss or a standard deviation.
MAX_ABS = 1e150


class DataError(ValueError):
    """Bad input data; the message is one line fit to show the user."""


def load_csv(path: str | Path, target: str | None = None) -> Dataset:
    p = Path(path)
    if not p.exists():
        raise DataError(f"{p}: no such file")
    if p.is_dir():
        raise DataError(f"{p}: is a directory, not a CSV file")
    try:
        raw = p.read_bytes()
    except OSError as e:
        raise DataError(f"{p}: cannot read ({e.strerror or e})") from None
    # A plain table of numbers is read straight from the bytes: at 1M rows a decoded copy of
    # the text (and a copy of the bytes after the header) made loading peak at ~5x the file.
    fast = _fast_table(raw)
    if fast is None:
        try:
            text = raw.decode("utf-8-sig")  # accept a byte-order mark
        except UnicodeDecodeError:
            raise DataError(f"{p}: not a text CSV file (invalid UTF-8)") from None
        del raw
        return parse_csv_text(text, str(p), target)
    del raw  # before the columns are copied out of the table
    return _dataset(_check_header(fast[0], str(p)), fast[1], str(p), target)


def parse_csv_text(text: str, name: str = "<csv>", target: str | None = None) -> Dataset:
    text = text.removeprefix("\ufeff")  # a byte-order mark is not part of the first name
    if "\x00" in text:
        raise DataError(f"{name}: not a text CSV file (contains NUL bytes)")
    fast = _fast_table(text.encode())
    if fast is not None:  # a plain table of numbers: NumPy's reader, ~20x faster at 1M rows
        return _dataset(_check_header(fast[0], name), fast[1], name, target)
    # anything else (quotes, bad cells, ragged rows): row by row, for the exact message
    rows = _read_rows(text, name)
    if not rows:
        raise DataError(f"{name}: file is empty")
    header, body = _check_header(rows[0][1], name), rows[1:]
    if not body:
        raise DataError(f"{name}: header only, no data rows")
    return _dataset(header, _values(body, header, name), name, target)


def _dataset(header: list[str], values: np.ndarray, name: str, target: str | None) -> Dataset:
    t = len(header) - 1 if target is None else _target_index(header, target, name)
    features = [j for j in range(len(header)) if j != t]
    X = values[:, features].T.copy()
    Y = values[:, [t]].T.copy()
    return Dataset(X, Y, tuple(header[j] for j in features), header[t], name)


def _fast_table(raw: bytes) -> tuple[list[str], np.ndarray] | None:
    """(header row, values) when the body is a plain comma-separated table of finite numbers
    with the header's number of columns; None otherwise (the row-by-row reader then finds and
    names the fault, NUL bytes and invalid UTF-8 included). Values are within ±MAX_ABS, as
    _number requires."""
    end = raw.find(b"\n")
    if b'"' in raw or b"\x00" in raw or end < 0 or _NOT_SPACE.search(raw, end + 1) is None:
        return None
    try:
        (head,) = _read_rows(raw[:end].decode("utf-8-sig"), "<header>")
        # BytesIO shares the bytes (no copy); the header is skipped as a line.
        values = np.loadtxt(io.BytesIO(raw), delimiter=",", ndmin=2, comments=None, quotechar=None,
                            skiprows=1)
    except (ValueError, DataError):  # UnicodeDecodeError is a ValueError
        return None
    # max and min rather than abs(values): no temporary the size of the table. NaN fails both.
    if values.shape[1] != len(head[1]) or not (values.max() <= MAX_ABS and values.min() >= -MAX_ABS):
        return None
    return head[1], values


_NOT_SPACE = re.compile(rb"\S")


def _check_header(row: list[str], name: str) -> list[str]:
    header = [h.strip() for h in row]
    if len(header) < 2:
        sep = next((f" (separated by {c!r}? columns must be separated by commas)"
                    for c in (";", "\t", "|") if c in row[0]), "")
        raise DataError(f"{name}: need at least 2 columns (features and a target), found {len(header)}{sep}")
    if any(h == "" for h in header):
        raise DataError(f"{name}: header row has an empty column name")
    dup = next((h for i, h in enumerate(header) if h in header[:i]), None)
    if dup is not None:
        raise DataError(f"{name}: header row names column {dup!r} twice")
    return header


def _values(body: list[tuple[int, list[str]]], header: list[str], name: str) -> np.ndarray:
    values = np.empty((len(body), len(header)))
    for r, (line, row) in enumerate(body):
        if len(row) != len(header):
            raise DataError(f"{name}: line {line} has {len(row)} field{'s' * (len(row) != 1)}, "
                            f"the header has {len(header)}")
        for j, cell in enumerate(row):
            values[r, j] = _number(cell, name, line, header[j])
    return values


def _read_rows(text: str, name: str) -> list[tuple[int, list[str]]]:
    """Non-blank rows with the file line each starts on (blank lines are skipped, so the
    line numbers in messages must come from the reader, not from the row index)."""
    # newline="" lets csv see the file's own line ends (\n, \r\n or a lone \r).
    reader = csv.reader(io.StringIO(text, newline=""))
    rows = []
    start = 1
    try:
        for row in reader:
            if any(c.strip() for c in row):
                rows.append((start, row))
            start = reader.line_num + 1
    except csv.Error as e:  # e.g. a field over csv's size limit, a stray quote
        raise DataError(f"{name}: line {reader.line_num}: malformed CSV ({e})") from None
    return rows


def _number(cell: str, name: str, line: int, column: str) -> float:
    s = cell.strip()
    if not s:
        raise DataError(f"{name}: line {line}, column {column!r}: empty cell")
    try:
        v = float(s)
    except ValueError:
        raise DataError(f"{name}: line {line}, column {column!r}: {s[:30]!r} is not a number") from None
    if not math.isfinite(v):
        raise DataError(f"{name}: line {line}, column {column!r}: {s[:30]!r} is not a finite number")
    if abs(v) > MAX_ABS:
        raise DataError(f"{name}: line {line}, column {column!r}: {s[:30]!r} is too large "
                        f"(beyond ±{MAX_ABS:g} its square overflows)")
    return v


def _target_index(header: list[str], target: str, name: str) -> int:
    if target not in header:
        shown = ", ".join(printable(h) for h in header)  # keep it one line
        raise DataError(f"{name}: no column named {target!r} (columns: {shown})")
    return header.index(target)
