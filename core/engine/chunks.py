"""Large data a chunk of samples (columns) at a time.

A hidden layer of 10 units over 1M samples is 80 MB per Z or A: a pass over all of them at
once held several such arrays, and they fell out of cache. A chunk of CHUNK columns keeps
each layer's arrays small. Each sample's column is computed with the same sums either
way, so a chunked forward pass gives the same numbers, bit for bit.
"""
from __future__ import annotations

from typing import Callable, Iterator

import numpy as np

# Samples per chunk of a pass over all samples (an evaluation, the loss at init). At 1M samples
# and 10 hidden units an evaluation took 36 ms in chunks of 32k, 27 ms in chunks of 8k (whose
# ten 650 KB Z and A buffers stay in cache), 31 ms in 4k and 36 ms in 2k (Python's calls per
# chunk show). The step chunks on its own terms (chunked_step.py).
CHUNK = 1 << 13

class Abandoned(Exception):
    """Work given up because a key came (its stop() said so): nothing it would change was."""


def give_way(stop: Callable[[], bool] | None) -> None:
    """Raise Abandoned when stop() says a key came (None: never): asked between the parts of
    costly work (a diagnosis at 1M samples) so that a key never waits for all of it."""
    if stop is not None and stop():
        raise Abandoned


Forward = Callable[[np.ndarray], tuple[list[np.ndarray], list[np.ndarray]]]


def column_ranges(m: int, chunk: int = CHUNK) -> Iterator[tuple[int, int]]:
    """(a, b) for each chunk of m columns: all full but the last."""
    for a in range(0, m, chunk):
        yield a, min(a + chunk, m)


def output_in_chunks(forward: Forward, X: np.ndarray, chunk: int | None = None,
                     each: Callable[[int, int, list[np.ndarray]], None] | None = None,
                     chunk_forward: Forward | None = None, stop: Callable[[], bool] | None = None
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Z^[L] and A^[L] of forward(X) (which returns every layer's Zs, As), computed `chunk`
    samples (default CHUNK) at a time by chunk_forward (default: forward), whose arrays may be
    reused buffers: Z^[L] and A^[L] are copied out, and each(a, b, Zs) sees every chunk's
    layers before the next chunk overwrites them. Raises Abandoned when stop() turns true
    between two chunks."""
    m, chunk = X.shape[1], chunk or CHUNK
    if m <= chunk:
        Zs, As = forward(X)
        if each is not None:
            each(0, m, Zs)
        return Zs[-1], As[-1]
    chunk_forward = chunk_forward or forward
    ZL = AL = None
    for a, b in column_ranges(m, chunk):
        if stop is not None and stop():
            raise Abandoned
        Zs, As = chunk_forward(X[:, a:b])
        if ZL is None:
            ZL = np.empty((Zs[-1].shape[0], m), Zs[-1].dtype)
            # A linear output's A is its Z: one array serves both (8 MB and a copy at 1M).
            AL = ZL if As[-1] is Zs[-1] else np.empty((As[-1].shape[0], m), As[-1].dtype)
        ZL[:, a:b] = Zs[-1]
        if AL is not ZL:
            AL[:, a:b] = As[-1]
        if each is not None:
            each(a, b, Zs)
    return ZL, AL


class ForwardBuffers:
    """Every layer's Z and A for a chunk of samples, into arrays kept between calls: a pass
    over 1M samples allocated ~60 MB a chunk at a time, which cost as much as the sums
    (1M samples, 10 hidden units: 50 -> 30 ms). The numbers are Trainer.forward's, bit for bit:
    W A, then + b, and each activation's exact_into (activations.py: relu keeps a NaN a NaN,
    sigmoid and swish keep their two-branch form, which has no in-place kernel)."""

    SIZES_KEPT = 4  # train and dev chunks: a full one and two remainders

    def __init__(self) -> None:
        self._by_size: dict[tuple, list[tuple[np.ndarray, np.ndarray]]] = {}

    def forward(self, params: dict[str, np.ndarray], acts: list, X: np.ndarray
                ) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Zs, As of the layers for the samples X: views this object overwrites next call."""
        bufs = self._buffers(X.shape[1], [params[f"W{l}"].shape[0] for l in range(1, len(acts) + 1)])
        return layers_forward(params, acts, X, bufs)

    def _buffers(self, m: int, widths: list[int]) -> list[tuple[np.ndarray, np.ndarray]]:
        key = (m, *widths)
        if key not in self._by_size:
            if len(self._by_size) >= self.SIZES_KEPT:
                self._by_size.clear()
            self._by_size[key] = [(np.empty((n, m)), np.empty((n, m))) for n in widths]
        return self._by_size[key]



def layers_forward(params: dict[str, np.ndarray], acts: list, X: np.ndarray,
                   buffers: list[tuple[np.ndarray, np.ndarray]] | None = None
                   ) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Z[l] = W[l] A[l-1] + b[l] and A[l] = g(Z[l]) for every layer: into new arrays (buffers
    None: Trainer.forward, whose arrays callers keep), or into each layer's (Z, A) buffers
    (ForwardBuffers), with the same numbers bit for bit (Activation.exact_into)."""
    Zs, As, A = [], [], X
    # Huge parameters or inputs overflow to inf/NaN here as in the step: shown, not warned.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        for l, act in enumerate(acts, start=1):
            W, b = params[f"W{l}"], params[f"b{l}"]
            if buffers is None:
                Z = W @ A + b
                A = act.forward(Z)
            else:
                Z, A_buf = buffers[l - 1]
                np.dot(W, A, Z)
                np.add(Z, b, Z)
                A = act.exact_into(Z, A_buf)
            Zs.append(Z)
            As.append(A)
    return Zs, As
