"""session/memory.py: freed arrays go back to the system (the app at 1M rows kept ~60 MB of
freed heap; bench/bench_large_data.py measures the app itself)."""
import sys

import numpy as np
import pytest

from tui_trainer.session.memory import _malloc_trim, release_freed_memory


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20


@pytest.mark.skipif(_malloc_trim() is None, reason="needs glibc's malloc_trim")
def test_freed_heap_arrays_are_given_back():
    # Freeing a 24 MB array raises glibc's mmap threshold above 8 MB, so the next 8 MB
    # arrays come from the heap: freed, they stay resident until trimmed. A small object
    # allocated after them pins the heap's top, as the app's own objects do.
    np.ones(3 * 2**20).sum()
    arrays = [np.ones(2**20) for _ in range(8)]  # 8 × 8 MB, written: resident
    pin = np.ones(2**16)  # 512 KB: from the heap too, above them (a bytearray(64) is pymalloc's)
    before = _rss_mb()
    del arrays
    kept = _rss_mb()
    assert release_freed_memory()
    after = _rss_mb()
    assert kept - after > 32, (before, kept, after)
    del pin


def test_elsewhere_it_is_a_no_op(monkeypatch):
    monkeypatch.setattr(sys, "platform", "darwin")
    monkeypatch.setattr("tui_trainer.session.memory._libc", None)
    assert release_freed_memory() is False
