"""session/memory.py: freed arrays go back to the system (the app at 1M rows kept ~60 MB of
freed heap; bench/bench_large_data.py measures the app itself)."""
import json
import subprocess
import sys

import pytest

from tui_trainer.session.memory import _malloc_trim, release_freed_memory

# In a fresh interpreter: a test worker's heap, shaped by the tests before, trims itself in
# ways this cannot predict. Freeing a 24 MB array raises glibc's mmap threshold above 8 MB, so
# the next 8 MB arrays come from the heap; a 512 KB array after them pins the heap's top, as
# the app's own objects do, so that freeing them gives nothing back until trimmed.
PROBE = """
import json, numpy as np
from tui_trainer.session.memory import release_freed_memory
def rss():
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * 4096 / 2**20
np.ones(3 * 2**20).sum()
arrays = [np.ones(2**20) for _ in range(8)]
pin = np.ones(2**16)
del arrays
kept = rss()
ran = release_freed_memory()
print(json.dumps({"ran": ran, "kept": kept, "after": rss()}))
"""


@pytest.mark.skipif(_malloc_trim() is None, reason="needs glibc's malloc_trim")
def test_freed_heap_arrays_are_given_back():
    out = json.loads(subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                                    check=True, timeout=60).stdout)
    assert out["ran"]
    assert out["kept"] - out["after"] > 48, out  # of the 64 MB freed


def test_elsewhere_it_is_a_no_op(monkeypatch):
    monkeypatch.setattr(sys, "platform", "darwin")
    monkeypatch.setattr("tui_trainer.session.memory._libc", None)
    assert release_freed_memory() is False
