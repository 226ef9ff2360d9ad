"""Session order: a log's records sorted by (tick, kind, file order). Each record carries
`tick`, the trainer's monotonic count of step attempts; at one tick, changes come before the
step they precede, a params record (θ before that step's update) before its step, and the end
record closes the tick. rerun, replay and the reader's consistency checks all read a log in
this order."""
from __future__ import annotations

import heapq
from typing import Iterable, Iterator

_KIND_ORDER = {"event": 0, "params": 1, "step": 2, "end": 3}


class RerunError(ValueError):
    """The log cannot be rerun (a record lacks what a rerun needs); one line."""


def _tick(lineno: int, rec: dict) -> int:
    t = rec.get("tick")
    if not isinstance(t, int) or isinstance(t, bool) or t < 0:
        raise RerunError(f"line {lineno}: {rec.get('type')} record has no tick "
                         "(written by an older tui-trainer?), so its place in the run is unknown")
    return t


class InTickOrder:
    """An iterator of (line number, record) already in session order (core.logs.reader's
    checked records), so in_tick_order passes it through instead of sorting it again."""

    def __init__(self, items: Iterator[tuple[int, dict]]) -> None:
        self._items = items

    def __iter__(self) -> "InTickOrder":
        return self

    def __next__(self) -> tuple[int, dict]:
        return next(self._items)


def in_tick_order(records: Iterable[tuple[int, dict]]) -> Iterator[tuple[int, dict]]:
    """Records sorted by (tick, kind, file order) with bounded look-ahead.

    A streamed log is in tick order except that the `diverged` event a failed step emits
    (tick T+1) is written just before that step's record (tick T), so a record can only come
    one tick late: anything two ticks behind the newest seen is safe to hand on."""
    if isinstance(records, InTickOrder):
        return records
    return _sorted(records)


def _sorted(records: Iterable[tuple[int, dict]]) -> Iterator[tuple[int, dict]]:
    heap: list = []
    newest = -1
    for seq, (lineno, rec) in enumerate(records):
        kind = rec.get("type")
        if kind not in _KIND_ORDER:
            continue  # record types added by later versions do not change the run
        t = _tick(lineno, rec)
        heapq.heappush(heap, (t, _KIND_ORDER[kind], seq, lineno, rec))
        newest = max(newest, t)
        while heap and heap[0][0] <= newest - 2:
            item = heapq.heappop(heap)
            yield item[3], item[4]
    while heap:
        item = heapq.heappop(heap)
        yield item[3], item[4]
