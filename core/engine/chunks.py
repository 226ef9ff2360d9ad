"""Large data a chunk of samples (columns) at a time.

A hidden layer of 10 units over 1M samples is 80 MB per Z or A: a pass over all of them at
once held several such arrays, and they fell out of cache. A chunk of CHUNK columns keeps
each layer's arrays at ~2.5 MB. Each sample's column is computed with the same sums either
way, so a chunked forward pass gives the same numbers, bit for bit.
"""
from __future__ import annotations

from typing import Callable, Iterator

import numpy as np

CHUNK = 1 << 15

Forward = Callable[[np.ndarray], tuple[list[np.ndarray], list[np.ndarray]]]


def column_ranges(m: int, chunk: int = CHUNK) -> Iterator[tuple[int, int]]:
    """(a, b) for each chunk of m columns: all full but the last."""
    for a in range(0, m, chunk):
        yield a, min(a + chunk, m)


def output_in_chunks(forward: Forward, X: np.ndarray, chunk: int | None = None,
                     each: Callable[[int, int, list[np.ndarray]], None] | None = None
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Z^[L] and A^[L] of forward(X) (which returns every layer's Zs, As), computed `chunk`
    samples (default CHUNK) at a time; each(a, b, Zs) sees every chunk's layers before they
    are dropped."""
    m, chunk = X.shape[1], chunk or CHUNK
    if m <= chunk:
        Zs, As = forward(X)
        if each is not None:
            each(0, m, Zs)
        return Zs[-1], As[-1]
    ZL = AL = None
    for a, b in column_ranges(m, chunk):
        Zs, As = forward(X[:, a:b])
        if ZL is None:
            ZL = np.empty((Zs[-1].shape[0], m), Zs[-1].dtype)
            AL = np.empty((As[-1].shape[0], m), As[-1].dtype)
        ZL[:, a:b], AL[:, a:b] = Zs[-1], As[-1]
        if each is not None:
            each(a, b, Zs)
    return ZL, AL
