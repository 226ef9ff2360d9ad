"""Compare a learner's output with the reference's, tensor by tensor, in the course's names.

Each function's output has a layout (a schema): `(dA_prev, dW, db)`, `(Z, cache)` with
`cache = (A_prev, W, b)`, a dict of grads... The comparison walks the reference's layout in order
and stops at the first tensor that differs: in structure, in shape, or in value (with its max
absolute error and its max error relative to the largest reference entry).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

RTOL = 1e-6
ATOL = 1e-9  # times the reference's scale (at least 1)


@dataclass(frozen=True)
class Tup:
    """A tuple (or list) of fixed length; `order` is the walk order (earliest tensor first)."""
    names: tuple
    parts: tuple
    order: tuple | None = None


@dataclass(frozen=True)
class Lst:
    item: Any


@dataclass(frozen=True)
class Dct:
    optional_prefix: str = ""  # keys the learner may leave out (the course's grads["dA0"] ...)


ARRAY = "array"
NUMBER = "number"

LINEAR_CACHE = Tup(("A_prev", "W", "b"), (ARRAY, ARRAY, ARRAY))
LAYER_CACHE = Tup(("linear_cache", "activation_cache"), (LINEAR_CACHE, ARRAY))

SCHEMAS = {
    "sigmoid": Tup(("A", "cache"), (ARRAY, ARRAY)),
    "relu": Tup(("A", "cache"), (ARRAY, ARRAY)),
    "sigmoid_backward": ARRAY,
    "relu_backward": ARRAY,
    "linear_forward": Tup(("Z", "cache"), (ARRAY, LINEAR_CACHE)),
    "linear_activation_forward": Tup(("A", "cache"), (ARRAY, LAYER_CACHE)),
    # The caches first: a mistake in a hidden layer shows there before it reaches AL.
    "L_model_forward": Tup(("AL", "caches"), (ARRAY, Lst(LAYER_CACHE)), order=(1, 0)),
    "compute_cost": NUMBER,
    "linear_backward": Tup(("dA_prev", "dW", "db"), (ARRAY, ARRAY, ARRAY)),
    "linear_activation_backward": Tup(("dA_prev", "dW", "db"), (ARRAY, ARRAY, ARRAY)),
    "L_model_backward": Dct(optional_prefix="dA"),
    "update_parameters": Dct(),
}


@dataclass(frozen=True)
class Difference:
    tensor: str
    kind: str  # "value", "shape" or "structure"
    message: str
    max_abs: float | None = None
    max_rel: float | None = None


def first_difference(got, want, schema, path: str = "") -> Difference | None:
    if isinstance(schema, Tup):
        return _tuple(got, want, schema, path)
    if isinstance(schema, Lst):
        return _list(got, want, schema, path)
    if isinstance(schema, Dct):
        return _dict(got, want, schema, path)
    if schema == NUMBER:
        return _number(got, want, path or "cost")
    return _array(got, want, path or "the result")


def same(got, want, schema) -> bool:
    return first_difference(got, want, schema) is None


def equal(got, want, optional_prefix: str = "dA") -> bool:
    """Equal in structure, shapes and values, whatever the layout: for a planted variant, whose
    output may not follow the course's layout (a swapped cache, a db of shape (n,))."""
    if isinstance(want, dict):
        return isinstance(got, dict) and all(
            equal(got[k], v) if k in got else k.startswith(optional_prefix) for k, v in want.items())
    if isinstance(want, (tuple, list)):
        return isinstance(got, (tuple, list)) and len(got) == len(want) and all(map(equal, got, want))
    if got is None or want is None or isinstance(got, (tuple, list, dict)):
        return got is want
    g, w = _as_float_array(got), _as_float_array(want)
    return g is not None and w is not None and g.shape == w.shape and _values(g, w, "") is None


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _what(x) -> str:
    if x is None:
        return "None"
    if isinstance(x, (tuple, list)):
        return f"a {type(x).__name__} of {len(x)}"
    if isinstance(x, np.ndarray):
        return f"an array of shape {x.shape}"
    return f"a {type(x).__name__}"


def _tuple(got, want, schema: Tup, path):
    expected = f"a tuple of {len(schema.names)} ({', '.join(schema.names)})"
    if not isinstance(got, (tuple, list)) or len(got) != len(schema.names):
        return Difference(path or "the result", "structure", f"{path or 'the result'} is {_what(got)}, expected {expected}")
    for i in schema.order or range(len(schema.names)):
        d = first_difference(got[i], want[i], schema.parts[i], _join(path, schema.names[i]))
        if d:
            return d
    return None


def _list(got, want, schema: Lst, path):
    if not isinstance(got, (tuple, list)) or len(got) != len(want):
        return Difference(path, "structure", f"{path} is {_what(got)}, expected a list of {len(want)}")
    for i, (g, w) in enumerate(zip(got, want)):
        d = first_difference(g, w, schema.item, f"{path}[{i}]")
        if d:
            return d
    return None


def _dict(got, want, schema: Dct, path):
    name = path or "the result"
    if not isinstance(got, dict):
        return Difference(name, "structure", f"{name} is {_what(got)}, expected a dict with keys {', '.join(want)}")
    for key, w in want.items():
        if key not in got:
            if schema.optional_prefix and key.startswith(schema.optional_prefix):
                continue
            return Difference(key, "structure", f"the dict has no key {key!r}")
        d = first_difference(got[key], w, ARRAY, _join(path, key))
        if d:
            return d
    return None


def _as_float_array(x):
    try:
        return np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        return None


def _number(got, want, path):
    g = _as_float_array(got)
    if g is None or g.size != 1:
        what = _what(got) if g is None else f"an array of shape {g.shape}"
        return Difference(path, "shape", f"{path} is {what}, expected a single number")
    return _values(g.reshape(()), np.asarray(float(want)), path)


def _array(got, want, path):
    want = np.asarray(want, dtype=float)
    g = None if isinstance(got, (tuple, list, dict)) or got is None else _as_float_array(got)
    if g is None:
        return Difference(path, "structure", f"{path} is {_what(got)}, expected an array of shape {want.shape}")
    if g.shape != want.shape:
        return Difference(path, "shape", f"{path} has shape {g.shape}, expected {want.shape}")
    return _values(g, want, path)


def _values(g: np.ndarray, want: np.ndarray, path):
    finite = want[np.isfinite(want)]
    scale = float(np.max(np.abs(finite))) if finite.size else 0.0
    if np.allclose(g, want, rtol=RTOL, atol=ATOL * max(1.0, scale), equal_nan=True):
        return None
    with np.errstate(invalid="ignore", over="ignore"):
        err = np.abs(g - want)
    err = np.where(np.isnan(g) & np.isnan(want), 0.0, err)
    max_abs = float(np.max(np.where(np.isnan(err), math.inf, err)))
    max_rel = max_abs / scale if scale > 0 else None
    return Difference(path, "value", f"{path} differs: max abs error {max_abs:.3g}"
                      + (f", max rel error {max_rel:.3g}" if max_rel is not None else ""), max_abs, max_rel)


def describe(value, schema) -> str:
    """The shapes of a reference output, for messages: "dA_prev (4, 5), dW (3, 4), db (3, 1)"."""
    if isinstance(schema, Tup):
        parts = []
        for name, part, v in zip(schema.names, schema.parts, value):
            parts.append(f"{name} {np.shape(v)}" if part == ARRAY else f"{name} ({describe(v, part)})")
        return ", ".join(parts)
    if isinstance(schema, Lst):
        return f"a list of {len(value)} caches"
    if isinstance(schema, Dct):
        keys = [k for k in value if not (schema.optional_prefix and k.startswith(schema.optional_prefix))]
        return ", ".join(f"{k} {np.shape(value[k])}" for k in keys)
    if schema == NUMBER:
        return "a number"
    return f"shape {np.shape(value)}"
