"""Handing freed memory back to the system.

The app builds the trainer, shows a preview frame and pickles the trainer for the training
process: at 1M samples ~90 MB of arrays that are all freed once the child has it. Freed is
not returned, though: glibc raises its mmap threshold each time a large block is freed (up to
32 MB), so later arrays of that size come from the heap, and a heap only shrinks from its top.
The app sat at 156 MB on a 19 MB CSV with ~27 MB of it alive (the data and the split, which it
keeps to save the run should the training process die). malloc_trim(0) gives back every free
page, heap and arenas alike: 160 -> 94 MB.
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


def _malloc_trim():
    global _libc
    if not sys.platform.startswith("linux"):
        return None
    if _libc is None:
        try:
            _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        except OSError:
            _libc = False
    return getattr(_libc, "malloc_trim", None) if _libc else None  # musl has none
