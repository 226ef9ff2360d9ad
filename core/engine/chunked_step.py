"""The full-batch step on large data, a chunk of samples at a time: fast_step's forward, cost
and backward, run on a few thousand columns at once, with the gradient summed over the chunks.

Why: at 1M samples the step's buffers were ~180 MB (each a 10 x m array) and one step took
~120 ms, during which a key could not act. In chunks the buffers are a few MB and stay in
cache, and a key that comes mid-step is seen between two chunks: the step is abandoned before
it touches θ or the history (`Abandoned`), and done again after the key. Keys held down
slow training but cannot stop it: steps are abandoned for at most STARVE_S in a row.

G = m·dJ/dθ is a sum over samples, so the chunks' G add up to the whole batch's; J is the
chunks' costs weighted by their share of m. What the row reads of the whole step (dead counts,
the accuracy, the record's Z^[L] and A^[L]) is gathered as the chunks go: Z^[L] and A^[L]
copied out, and each hidden unit's Σ_samples A summed.
"""
from __future__ import annotations

import time
from typing import TYPE_CHECKING, Callable

import numpy as np

from .chunks import Abandoned, column_ranges
from .layout import FlatParams, alloc_buffers

if TYPE_CHECKING:
    from .trainer import Trainer

add, copyto = np.add, np.copyto


class Part:
    """Step buffers for chunks of one size (the full chunks, and the shorter last one):
    what fast_step's make_forward / make_backward read from a trainer (bufs, flat, L)."""

    def __init__(self, flat: FlatParams, layer_dims: list[int], n_y: int, size: int):
        self.flat, self.L, self.size = flat, len(layer_dims) - 1, size
        self.X_aug, self.bufs = alloc_buffers(flat, layer_dims, np.empty((layer_dims[0], size)))
        self.Y = np.empty((n_y, size))


# A chunk's buffers (about six arrays per layer: Z, A, g'(Z), dZ, dA, ...) are kept near this
# size so they stay in a core's L2 cache: at 1M samples and 10 hidden units a step took 53 ms
# in chunks of 32k samples, 35 ms in chunks of 2k (and 42 ms in chunks of 1k, where the
# Python calls per chunk start to show).
CACHE_BYTES = 2 << 20
STARVE_S = 0.5
clock = time.monotonic  # (tests replace it)
MIN_CHUNK = 1024
STEP_CHUNK = 1 << 15   # a full batch larger than this runs in chunks (Trainer.STEP_CHUNK)


def cache_chunk(layer_dims: list[int], most: int = STEP_CHUNK) -> int:
    """Samples per chunk for this network: a power of two between MIN_CHUNK and `most`."""
    per_sample = 8 * 6 * sum(layer_dims[1:])
    chunk = MIN_CHUNK
    while chunk * 2 * per_sample <= CACHE_BYTES and chunk * 2 <= most:
        chunk *= 2
    return min(chunk, most)


class StepChunks:
    """Trainer t's step over its m training samples in chunks of at most `most` columns."""

    def __init__(self, t: Trainer, most: int = STEP_CHUNK):
        self.m = t.m
        self.ranges = list(column_ranges(self.m, cache_chunk(t.layer_dims, most)))
        n_y = t.data.Y.shape[0]
        sizes = sorted({b - a for a, b in self.ranges}, reverse=True)
        self.parts = {s: Part(t.flat, t.layer_dims, n_y, s) for s in sizes}
        self.G_sum = np.empty(t.flat.n_params)
        # Σ_samples A per unit of each hidden layer (0: a dead ReLU unit), over every chunk.
        self.A_sums = [np.empty(n) for n in t.layer_dims[1:-1]]
        self.ZL = np.empty((n_y, self.m))
        self.AL = self.ZL  # a separate array only where the output's Z and A differ (compile)
        self.interrupt: Callable[[], bool] | None = None  # set for each run: has a key come?
        self.abandoned_since: float | None = None  # the first step abandoned since one completed
        # A step prepared ahead (chunked_forward's prepare): (generation, θ, J). The generation
        # counts passes over these buffers, so the step takes it only if none ran since.
        self.generation = 0
        self.ready: tuple[int, np.ndarray, float] | None = None

    @property
    def bufs(self) -> list[dict]:
        return self.parts[self.ranges[0][1] - self.ranges[0][0]].bufs


def chunked_forward(ch: StepChunks, passes: dict[int, tuple[Callable, Callable]], X: np.ndarray,
                    Y: np.ndarray, G: np.ndarray, relu_hidden: bool, theta: np.ndarray) -> Callable[[], float]:
    """forward() -> J for the whole batch: each chunk's forward and backward (`passes`, by
    chunk size: fast_step's, bound to that size's Part), leaving the summed m·∇J in G, so the
    loop's backward has nothing left to do. Raises Abandoned when ch.interrupt() turns true
    between two chunks. forward.prepare(stop) does the same passes ahead of the step (below)."""
    G_sum, A_sums, ZL = ch.G_sum, ch.A_sums, ch.ZL
    ch.ready = None  # prepared by the passes of other settings (this is a recompile)
    first = ch.bufs[-1]
    # A linear output's A is its Z (fast_step.choose_z_buffers): one copy serves both.
    ch.AL = ZL if first["Zw"] is first["A"] else (ch.AL if ch.AL is not ZL else np.empty_like(ZL))
    AL, same_ZA = ch.AL, ch.AL is ZL
    steps = []
    for a, b in ch.ranges:
        part = ch.parts[b - a]
        fwd, bwd = passes[b - a]
        # Σ_samples A of hidden layer l lands in the last row of layer l+1's extended gradient.
        sums = [part.bufs[l]["dWb_ext"][-1, :len(total)] for l, total in enumerate(A_sums, start=1)]
        steps.append((a, b, part.X_aug[:-1], part.Y, fwd, bwd, part.bufs[-1]["Zw"], part.bufs[-1]["A"],
                      (b - a) / ch.m, sums if relu_hidden else []))

    def passes_over_chunks(stop: Callable[[], bool] | None) -> float:
        """J, with m·∇J in G_sum and the step's Z^[L], A^[L] and Σ A gathered; G is scratch."""
        ch.generation += 1  # what an earlier prepare() left in these buffers is gone
        J = 0.0
        G_sum.fill(0.0)
        for total in A_sums:
            total.fill(0.0)
        for a, b, X_head, Y_c, fwd, bwd, Z_c, A_c, share, sums in steps:
            if stop is not None and stop():
                raise Abandoned
            copyto(X_head, X[:, a:b])
            copyto(Y_c, Y[:, a:b])
            J += fwd() * share  # each chunk's J is the mean over its own samples
            bwd()
            add(G_sum, G, G_sum)
            for total, s in zip(A_sums, sums):
                add(total, s, total)
            copyto(ZL[:, a:b], Z_c)
            if not same_ZA:
                copyto(AL[:, a:b], A_c)
        return J

    def prepared() -> float | None:
        """J of the passes prepare() made at this very θ, if nothing has run them since."""
        ready, ch.ready = ch.ready, None
        if ready is not None and ready[0] == ch.generation and np.array_equal(ready[1], theta):
            ch.ready = ready
            return ready[2]
        return None

    def forward() -> float:
        J = prepared()
        ch.ready = None  # used once: the update moves θ
        if J is None:
            # Keys held down (40 ms apart, a step at 1M samples ~40 ms) would stop training
            # for as long as they last: past STARVE_S of abandoned steps, the next one
            # completes. (Letting every other step complete made each second key of a quick
            # run wait for one.)
            since = ch.abandoned_since
            try:
                J = passes_over_chunks(ch.interrupt if since is None or clock() - since < STARVE_S else None)
            except Abandoned:
                if since is None:
                    ch.abandoned_since = clock()
                raise
        copyto(G, G_sum)
        ch.abandoned_since = None
        return J

    def prepare(stop: Callable[[], bool] | None = None) -> bool:
        """The next step's passes at the current θ, computed now, while the trainer is idle (the
        TUI, paused between keys): a step at 1M samples is then only its update, ~40 ms less
        between `space` and the screen. The numbers are the step's own, bit for bit: the same
        passes on the same θ. The step uses them only if θ is unchanged and no pass ran since;
        G is left as it was (the last step's gradient, which the screens may show). False:
        abandoned because stop() turned true between two chunks."""
        if prepared() is not None:
            return True
        kept = G.copy()
        try:
            J = passes_over_chunks(stop)
        except Abandoned:
            return False
        finally:
            copyto(G, kept)
        ch.ready = (ch.generation, theta.copy(), J)
        return True

    forward.prepare = prepare
    return forward


def step_output(t: Trainer) -> tuple[np.ndarray, np.ndarray]:
    """Z^[L] and A^[L] of the batch the last step's forward pass saw."""
    if t.chunks is not None:
        return t.chunks.ZL, t.chunks.AL
    return t.bufs[-1]["Zw"], t.bufs[-1]["A"]
