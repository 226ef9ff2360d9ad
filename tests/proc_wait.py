"""Wait for a child process to be busy training, not for a fixed time.

A fixed sleep before a signal races the child's start-up on a loaded machine (Python and
NumPy imports alone can take seconds there): a SIGINT that lands before the run installs its
handler ends it with a KeyboardInterrupt instead of a saved log. CPU time used is a measure
that load does not stretch: once the child has used this much, it is in the training loop.
"""
from __future__ import annotations

import os
import subprocess
import time


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc; elsewhere 0, and the caller times out)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_until_busy(proc: subprocess.Popen, cpu: float = 1.0, timeout: float = 60.0) -> None:
    """Return once `proc` has used `cpu` seconds of CPU (or after `timeout` wall seconds)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if cpu_seconds(proc.pid) >= cpu:
            return
        time.sleep(0.05)
