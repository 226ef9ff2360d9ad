"""session/memory.py: freed arrays go back to the system (the app at 1M rows kept ~60 MB of
freed heap; bench/bench_large_data.py measures the app itself)."""
import json
import subprocess
import sys

import pytest

from tui_trainer.session.memory import _libc_handle, _malloc_trim, release_freed_memory

# In a fresh interpreter: a test worker's heap, shaped by the tests before, trims itself in
# ways this cannot predict. Freeing a 24 MB array raises glibc's mmap threshold above 8 MB, so
# the next 8 MB arrays come from the heap; a 512 KB array after them pins the heap's top, as
# the app's own objects do, so that freeing them gives nothing back until trimmed.
PROBE = """
import json, sys, numpy as np
from tui_trainer.session.memory import map_large_blocks, release_freed_memory
mapped = map_large_blocks() if "map" in sys.argv else False
def rss():
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * 4096 / 2**20
np.ones(3 * 2**20).sum()
arrays = [np.ones(2**20) for _ in range(8)]
pin = np.ones(2**16)
del arrays
kept = rss()
ran = release_freed_memory() if "trim" in sys.argv else False
print(json.dumps({"mapped": mapped, "ran": ran, "kept": kept, "after": rss()}))
"""


def probe(*modes: str) -> dict:
    return json.loads(subprocess.run([sys.executable, "-c", PROBE, *modes], capture_output=True, text=True,
                                     check=True, timeout=60).stdout)


@pytest.mark.skipif(_malloc_trim() is None, reason="needs glibc's malloc_trim")
def test_freed_heap_arrays_are_given_back():
    out = probe("trim")
    assert out["ran"]
    assert out["kept"] - out["after"] > 48, out  # of the 64 MB freed


@pytest.mark.skipif(not getattr(_libc_handle(), "mallopt", None), reason="needs glibc's mallopt")
def test_with_large_blocks_mapped_freed_arrays_go_back_untrimmed():
    assert probe()["kept"] > 64  # without either, the freed 64 MB stay (the probe's premise)
    out = probe("map")
    assert out["mapped"] and out["kept"] < 48, out


def test_elsewhere_it_is_a_no_op(monkeypatch):
    monkeypatch.setattr(sys, "platform", "darwin")
    monkeypatch.setattr("tui_trainer.session.memory._libc", None)
    assert release_freed_memory() is False


# The training process: one frame's arrays freed while the next frame's are made, as an
# evaluation at 1M samples does (~30 MB). Minor page faults count the pages the kernel had to
# hand out afresh for the second set.
REUSE_PROBE = """
import json, resource, sys, numpy as np
from tui_trainer.session.memory import keep_freed_blocks
kept = keep_freed_blocks() if "keep" in sys.argv else False
def frame():
    return [np.ones(2**20) for _ in range(4)]  # 4 x 8 MB
last = frame()
last, before = frame(), resource.getrusage(resource.RUSAGE_SELF).ru_minflt
last = frame()   # the frame after: its arrays can only reuse freed ones
print(json.dumps({"kept": kept, "faults": resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before}))
"""


@pytest.mark.skipif(not getattr(_libc_handle(), "mallopt", None), reason="needs glibc's mallopt")
def test_the_training_process_reuses_the_last_frames_pages():
    def run(*modes):
        return json.loads(subprocess.run([sys.executable, "-c", REUSE_PROBE, *modes], capture_output=True,
                                         text=True, check=True, timeout=60).stdout)
    pages = 32 * 2**20 // 4096
    assert run()["faults"] > pages // 8   # glibc's default: thousands of pages faulted afresh (the premise)
    out = run("keep")
    assert out["kept"] and out["faults"] < pages // 64, out
