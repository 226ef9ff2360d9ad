"""Reading a dataset from a CSV file: header row, numeric columns, target = last column or a
named one. Every problem raises `DataError` with one line naming the file and the fault."""
from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import numpy as np

from .data import Dataset


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
    try:
        text = raw.decode("utf-8-sig")  # accept a byte-order mark
    except UnicodeDecodeError:
        raise DataError(f"{p}: not a text CSV file (invalid UTF-8)") from None
    return parse_csv_text(text, str(p), target)


def parse_csv_text(text: str, name: str = "<csv>", target: str | None = None) -> Dataset:
    if "\x00" in text:
        raise DataError(f"{name}: not a text CSV file (contains NUL bytes)")
    rows = [r for r in csv.reader(io.StringIO(text)) if any(c.strip() for c in r)]
    if not rows:
        raise DataError(f"{name}: file is empty")
    header = [h.strip() for h in rows[0]]
    body = rows[1:]
    if len(header) < 2:
        raise DataError(f"{name}: need at least 2 columns (features and a target), found {len(header)}")
    if any(h == "" for h in header):
        raise DataError(f"{name}: header row has an empty column name")
    if len(set(header)) != len(header):
        raise DataError(f"{name}: header row has duplicate column names")
    if not body:
        raise DataError(f"{name}: header only, no data rows")
    values = np.empty((len(body), len(header)))
    for i, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise DataError(f"{name}: line {i} has {len(row)} fields, the header has {len(header)}")
        for j, cell in enumerate(row):
            try:
                v = float(cell.strip())
            except ValueError:
                raise DataError(f"{name}: line {i}, column {header[j]!r}: {cell.strip()[:30]!r} is not a number") from None
            if not math.isfinite(v):
                raise DataError(f"{name}: line {i}, column {header[j]!r}: {cell.strip()!r} is not a finite number")
            values[i - 2, j] = v
    t = len(header) - 1 if target is None else _target_index(header, target, name)
    features = [j for j in range(len(header)) if j != t]
    return Dataset(values[:, features].T.copy(), values[:, [t]].T.copy(),
                   tuple(header[j] for j in features), header[t], name)


def _target_index(header: list[str], target: str, name: str) -> int:
    if target not in header:
        raise DataError(f"{name}: no column named {target!r} (columns: {', '.join(header)})")
    return header.index(target)
