"""Run a learner's functions in a child process, one call at a time, each with a time limit.

The child (child.py) imports the learner's file; this side sends a function's name and inputs and
reads back its output, or where it raised, or — when the child's watchdog ended it — the line it
was stuck on. A child that ends is started again for the next call, so one infinite loop costs
one time limit, not the whole check.
"""
from __future__ import annotations

import os
import pickle
import re
import selectors
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from .child import STEP_FUNCTIONS, send

PROJECT_ROOT = str(Path(__file__).resolve().parents[3])
BOOT = ("import sys; sys.path.insert(0, sys.argv.pop(1)); "
        "from core.diagnosis.own_code.child import main; main()")
GRACE = 2.0  # seconds after the limit before the parent gives up on the child's own watchdog


@dataclass
class Outcome:
    kind: str  # "ok", "raised", "timeout" or "crashed"
    value: object = None
    line: int | None = None  # where it returned, raised or was stuck, inside the learner's file
    code: str = ""
    error: str = ""
    at_call: bool = False  # raised by the call itself (e.g. a wrong number of arguments)


@dataclass
class Loaded:
    names: list[str] = field(default_factory=list)
    notes: list[dict] = field(default_factory=list)


class ChildEnded(Exception):
    pass


class LearnerProcess:
    def __init__(self, path: str | Path, time_limit: float = 5.0):
        self.path = str(Path(path).resolve())
        self.time_limit = time_limit
        self.skip: set[int] = set()
        self.skip_notes: list[dict] = []
        self.proc: subprocess.Popen | None = None
        self.loaded = Loaded()
        self._data = None  # (child, X, Y): the child that has X and Y for its steps
        self._dump = tempfile.NamedTemporaryFile(prefix="own-code-", suffix=".dump", delete=False)
        self._dump.close()
        self._stderr = tempfile.TemporaryFile()

    def __enter__(self) -> "LearnerProcess":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---- the child's life ---------------------------------------------------------------
    def start(self) -> Loaded:
        """Start the child and run the file's top level; a statement that does not finish in
        time is noted and skipped on the next start."""
        while True:  # ends: each round either loads or skips one more statement
            self._spawn()
            current = None
            try:
                while True:
                    msg = self._read(self.time_limit + GRACE)
                    if msg[0] == "exec":
                        current = msg
                        continue
                    self.loaded = Loaded(msg[1], self.skip_notes + msg[2])
                    return self.loaded
            except ChildEnded as e:
                self._stop()
                if current is None:
                    raise OSError(f"cannot start a Python process to run {self.path} ({e})") from None
                self.skip.add(current[1])
                line, code = self._stuck_line(default=current[2])
                self.skip_notes.append({"error": f"the top-level code did not finish within {self.time_limit:g} s; skipped",
                                        "line": line, "code": code, "at_call": False})

    def _spawn(self) -> None:
        env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
        skip = ",".join(str(i) for i in sorted(self.skip))
        self.proc = subprocess.Popen(
            [sys.executable, "-c", BOOT, PROJECT_ROOT, self.path, self._dump.name, repr(self.time_limit), skip],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr, env=env)
        self._buffer = b""

    def _stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                f.close()
            except OSError:
                pass
        self.proc = None

    def close(self) -> None:
        # The child holds nothing worth a clean exit, and waiting for one costs a polling delay.
        self._stop()
        self._stderr.close()
        try:
            os.unlink(self._dump.name)
        except OSError:
            pass

    # ---- messages -----------------------------------------------------------------------
    def _read(self, timeout: float):
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        with selectors.DefaultSelector() as sel:
            sel.register(fd, selectors.EVENT_READ)
            while True:
                if len(self._buffer) >= 8:
                    n = struct.unpack("<Q", self._buffer[:8])[0]
                    if len(self._buffer) >= 8 + n:
                        data, self._buffer = self._buffer[8:8 + n], self._buffer[8 + n:]
                        return pickle.loads(data)
                left = deadline - time.monotonic()
                if left <= 0 or not sel.select(left):
                    raise ChildEnded("no answer in time")
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    self.proc.wait()
                    raise ChildEnded(f"it ended with status {self.proc.returncode}")
                self._buffer += chunk

    def _stuck_line(self, default: int | None = None) -> tuple[int | None, str]:
        """The innermost line of the learner's file in the watchdog's dump (most recent first)."""
        try:
            text = Path(self._dump.name).read_text(errors="replace")
        except OSError:
            text = ""
        pattern = re.compile(r'File "(.*)", line (\d+)')
        for m in pattern.finditer(text):
            if m.group(1) == self.path:
                return int(m.group(2)), _source_line(self.path, int(m.group(2)))
        return default, _source_line(self.path, default)

    def _exchange(self, *messages, calls: int = 1):
        """Send the messages and read the one reply: (reply, None), or (None, an Outcome saying
        the child timed out or ended) after which the next request starts a new child. The
        child times each request itself (`calls` time limits at most) and ends when one runs
        over, leaving where it was stuck in the dump."""
        if self.proc is None:
            self.start()
        try:
            for message in messages:
                send(self.proc.stdin, message)
            return self._read(calls * self.time_limit + GRACE), None
        except (ChildEnded, OSError) as e:
            timed_out = Path(self._dump.name).stat().st_size > 0
            self._stop()
            line, code = self._stuck_line()
            if timed_out or "in time" in str(e):
                return None, Outcome("timeout", line=line, code=code,
                                     error=f"did not return within {self.time_limit:g} s")
            return None, Outcome("crashed", line=line, code=code, error=f"the process running it ended ({e})")

    def step(self, X, Y, params: dict, learning_rate: float, keep_forward: bool = False, lines: bool = False):
        """One training step by the learner's four step functions in one request (child.py's
        Learner.step): its reply, or an Outcome when the child timed out or ended. X and Y go
        to a child once (and again to a new one, or when they change). The time limit holds
        for each call with `lines`, else for the whole step."""
        if self.proc is None:
            self.start()
        fresh = self._data is None or any(a is not b for a, b in zip(self._data, (self.proc, X, Y)))
        reply, failed = self._exchange(*((("data", X, Y),) if fresh else ()),
                                       ("step", params, learning_rate, keep_forward, lines),
                                       calls=len(STEP_FUNCTIONS) if lines else 1)
        self._data = None if failed else (self.proc, X, Y)  # held: an id is not reused meanwhile
        return failed if failed else reply

    def call(self, name: str, args: tuple, substitutes: list[str] = ()) -> Outcome:
        reply, failed = self._exchange(("call", name, args, list(substitutes)))
        if failed:
            return failed
        if reply[0] == "ok":
            return Outcome("ok", reply[1], reply[2]["line"], reply[2]["code"])
        info = reply[1]
        return Outcome("raised", None, info["line"], info["code"], info["error"], info["at_call"])


def _source_line(path: str, n: int | None) -> str:
    if not n:
        return ""
    try:
        lines = Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    return lines[n - 1].strip() if 0 < n <= len(lines) else ""
