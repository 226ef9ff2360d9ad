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
1M rows fell from 165 to 145 MB. Only the app does this: the training process, which allocates
large blocks every step, keeps glibc's adaptive threshold.
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


M_MMAP_THRESHOLD = -3    # mallopt's parameter number (malloc.h)
LARGE_BLOCK = 1 << 20


def map_large_blocks(threshold: int = LARGE_BLOCK) -> bool:
    """Have blocks of `threshold` bytes and more mapped on their own, returned to the system
    when freed (glibc only; elsewhere a no-op). Setting it also ends glibc's adaptive
    threshold. True when it ran; call it before the data is loaded."""
    libc = _libc_handle()
    mallopt = getattr(libc, "mallopt", None) if libc else None
    return bool(mallopt and mallopt(M_MMAP_THRESHOLD, threshold))


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
