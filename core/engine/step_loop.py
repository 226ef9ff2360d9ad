"""The loop of training steps: forward, the loss ceiling, backward, the history row, the
update, for up to n steps (fast_step.py compiles the four parts it runs).

A step commits its row before θ moves, so the history always describes the θ each loss was
measured at; a step that fails (a loss over the ceiling, a non-finite θ or gradient) commits
nothing and leaves θ alone, and so does a step abandoned for a key (chunked_step.py).
"""
from __future__ import annotations

import math
from typing import Callable

from .chunks import Abandoned  # a key came mid-step (chunked_step.py)

# run(n, should_stop, tick, step) -> (steps attempted, code, loss at the failed attempt):
# code 0 is fine, 1 means the loss was over the ceiling or not finite, 2 that θ or the
# gradient was not finite (nothing updated then).
RunFn = Callable[[int, Callable[[], bool] | None, int, int], tuple[int, int, float]]


def make_loop(forward, backward, write_row, update, hist, ceiling: float) -> RunFn:
    """run(n, should_stop, tick, step): up to n updates, each committing one history row."""
    col = hist.col
    k_tick, k_step = col["tick"], col["step"]

    def run(n: int, should_stop, tick0: int, step0: int) -> tuple[int, int, float]:
        seq = seq0 = hist.seq
        rows, n_rows, stride = hist.row_views, len(hist.row_views), hist.stride
        code, bad_loss, done = 0, math.nan, 0
        for done in range(1, n + 1):  # a for loop costs less per step than counting by hand
            if should_stop is not None and should_stop():
                done -= 1  # this one was not attempted
                break
            try:  # free unless raised (Python 3.11's zero-cost exceptions)
                loss = forward()
            except Abandoned:  # a key came mid-step (chunked_step.py): this one did not happen
                done -= 1
                break
            if not loss <= ceiling:  # also true for NaN
                code, bad_loss = 1, float(loss)
                break
            backward()
            row = rows[seq % n_rows]
            if not write_row(row, loss):
                code, bad_loss = 2, float(loss)
                break
            if seq % stride == 0:
                # tick and step are filled for the whole block below, but this row is
                # copied into the archive now.
                row[k_tick], row[k_step] = tick0 + (seq - seq0), step0 + (seq - seq0)
                hist.archive(seq)
                stride = hist.stride
            seq += 1
            update()
        hist.seq = seq
        hist.fill_counter(k_tick, seq0, tick0)  # each committed row is one tick and one step on
        hist.fill_counter(k_step, seq0, step0)
        return done, code, bad_loss
    return run
