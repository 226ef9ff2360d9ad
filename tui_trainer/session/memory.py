"""Handing freed memory back to the system.

The app builds the trainer, shows a preview frame and pickles the trainer for the training
process: at 1M samples ~90 MB of arrays that are all freed once the child has it. Freed is
not returned, though: glibc raises its mmap threshold each time a large block is freed (up to
32 MB), so later arrays of that size come from the heap, and a heap only shrinks from its top.
The app sat at 156 MB on a 19 MB CSV with ~27 MB of it alive (the data and the split, which it
keeps to save the run should the training process die). malloc_trim(0) gives back every free
page, heap and arenas alike: 160 -> 94 MB.

Trimming still left the app ~15 MB above what it uses once the order of frees changed (the
heap only gives back whole free pages, and small objects land between large arrays). The app
therefore has every block of 1 MiB and more mapped on its own (`map_large_blocks`): such a
block goes back to the system the moment it is freed, and the peak of loading and previewing
1M rows fell from 165 to 145 MB.

The training process wants the opposite (`keep_freed_blocks`): each frame's evaluation makes
~30 MB of arrays at 1M samples while the last one's are still alive. Mapped on their own by
glibc's adaptive threshold, then unmapped on free, they were faulted in afresh: the first
key's frame took 90 ms instead of 42. From the heap, with frees kept there, the next frame
reuses the last one's pages; the process stays at its peak, which it reaches anyway.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import sys

_libc = None


def release_freed_memory() -> bool:
    """Return the process's free heap pages to the system (glibc only; elsewhere a no-op).
    True when it ran. Costs ~1 ms: call it after large arrays were dropped, not per frame."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True


M_TRIM_THRESHOLD = -1    # mallopt's parameter numbers (malloc.h)
M_MMAP_THRESHOLD = -3
LARGE_BLOCK = 1 << 20
KEEP_BELOW = 32 << 20    # the training process: blocks under this come from the heap
KEEP_FREED = 256 << 20   # ...and up to this much freed heap stays for the next arrays


def map_large_blocks(threshold: int = LARGE_BLOCK) -> bool:
    """Have blocks of `threshold` bytes and more mapped on their own, returned to the system
    when freed (glibc only; elsewhere a no-op). Setting it also ends glibc's adaptive
    threshold. True when it ran; call it before the data is loaded."""
    libc = _libc_handle()
    mallopt = getattr(libc, "mallopt", None) if libc else None
    return bool(mallopt and mallopt(M_MMAP_THRESHOLD, threshold))


def keep_freed_blocks() -> bool:
    """The training process: arrays under KEEP_BELOW from the heap, and freed heap kept (up
    to KEEP_FREED) for the next ones (glibc only; elsewhere a no-op). True when it ran; call
    it before the trainer arrives."""
    libc = _libc_handle()
    mallopt = getattr(libc, "mallopt", None) if libc else None
    return bool(mallopt and mallopt(M_MMAP_THRESHOLD, KEEP_BELOW) and mallopt(M_TRIM_THRESHOLD, KEEP_FREED))


def _malloc_trim():
    libc = _libc_handle()
    return getattr(libc, "malloc_trim", None) if libc else None  # musl has none


def _libc_handle():
    global _libc
    if not sys.platform.startswith("linux"):
        return None
    if _libc is None:
        try:
            _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        except OSError:
            _libc = False
    return _libc
