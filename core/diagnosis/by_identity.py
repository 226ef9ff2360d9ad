"""Answers kept by the identity of the arrays they were computed from.

At 1M samples some answers about the data cost tens of ms (the trivial predictors' losses, a
degree's cross-validated J) and are asked again and again, by every findings frame. Prepared
data is rebuilt, never changed in place (core.engine.data.prepare), so the same array objects
mean the same answer. Weak references tell the same array from a new one at a reused address.
"""
from __future__ import annotations

import weakref

MISSING = object()


class ByIdentity:
    def __init__(self, most: int = 64):
        self._most = most
        self._kept: dict[tuple, tuple[tuple[weakref.ref, ...], object]] = {}

    def get(self, arrays: tuple, *key) -> object:
        """The answer kept for these very arrays (and key), else MISSING."""
        hit = self._kept.get((*map(id, arrays), *key))
        if hit is not None and all(ref() is a for ref, a in zip(hit[0], arrays)):
            return hit[1]
        return MISSING

    def put(self, arrays: tuple, *key, value) -> None:
        if len(self._kept) >= self._most:
            self._kept.clear()
        self._kept[(*map(id, arrays), *key)] = (tuple(weakref.ref(a) for a in arrays), value)
