"""`tui-trainer run`: headless training with a progress bar, a summary and an optional log."""
from __future__ import annotations

import json
import math
import os
import signal
import sys
import tempfile
import threading
import time

from core.text import printable

from ..data_defaults import summary_keys
from ..options import non_negative_int, positive_int
from ..widgets.fmt import index_ranges
from .common import fmt, make_trainer, summarize

PROG = "tui-trainer"


def register(sub, common) -> None:
    r = sub.add_parser("run", parents=[common], help="train headlessly and print a summary")
    r.add_argument("--steps", type=non_negative_int, default=5000, help="number of gradient-descent steps (default: 5000)")
    r.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    r.add_argument("--log", metavar="PATH", help="write the run log (JSON Lines) as the run goes")
    r.add_argument("--log-params", action="store_true", help="add the parameters at every logged step to the log")
    r.add_argument("--log-every", type=positive_int, default=1, metavar="K", help="log only steps 0, K, 2K, ... and the last (default: 1, every step)")
    r.add_argument("--csv", metavar="PATH", help="write one CSV row per logged step as the run goes")
    r.set_defaults(handler=cmd_run)


class Progress:
    """A one-line progress bar on a terminal; silent otherwise."""

    def __init__(self, total: int, stream=None):
        # Looked up per run, not at import: tests and embedders swap sys.stderr.
        self.total, self.stream = total, stream if stream is not None else sys.stderr
        self.enabled = total > 0 and self.stream.isatty()
        self._last = 0.0

    def update(self, done: int, loss: float) -> None:
        now = time.monotonic()
        if not self.enabled or now - self._last < 0.1:
            return
        self._last = now
        frac = done / self.total
        bar = "#" * int(frac * 30)
        self.stream.write(f"\r[{bar:<30}] {done}/{self.total} steps  loss {loss:.6g}")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\r" + " " * 79 + "\r")
            self.stream.flush()


class StopSignal:
    """Ctrl+C (SIGINT) and SIGTERM ask training to stop between steps, so the trainer, the log
    and the CSV stay consistent; a second signal while stopping aborts at once."""

    def __init__(self):
        self.sig: str | None = None
        self._old: dict = {}

    def __enter__(self) -> "StopSignal":
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                self._old[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        for signum, old in self._old.items():
            signal.signal(signum, old)

    def _handle(self, signum, frame) -> None:
        if self.sig is not None and not self.wrapping_up:
            raise KeyboardInterrupt
        self.sig = self.sig or ("int" if signum == signal.SIGINT else "term")

    # Once training has stopped, the log is being closed and the summary written: both are
    # quick, and aborting them would lose exactly what the stop was for.
    wrapping_up = False

    def __call__(self) -> bool:  # the trainer's should_stop
        return self.sig is not None


def cmd_run(args) -> int:
    with StopSignal() as stop:
        trainer = make_trainer(args)
        writer, csv_writer = open_outputs(args, trainer)
        guard = OutputGuard()
        progress = Progress(args.steps)
        try:
            _train(trainer, args, guard.wrap(writer), guard.wrap(csv_writer), progress, stop)
        except KeyboardInterrupt:
            stop.sig = stop.sig or "int"
        finally:
            stop.wrapping_up = True
            progress.close()
            if writer is not None and not guard.failed(writer):
                guard.call(writer, writer.close, "interrupted" if stop.sig else "")
            if csv_writer is not None and not guard.failed(csv_writer):
                guard.call(csv_writer, csv_writer.close)
        log_ok = writer is not None and not guard.failed(writer)
        saved, why = (args.log, "") if log_ok else (None, "")
        if stop.sig and not log_ok:
            saved, why = save_on_stop(trainer)  # nothing is lost on Ctrl+C, wherever it can go
        summary = {**summarize(trainer), **summary_keys(trainer, args)}
        if args.json:
            print(json.dumps(summary, allow_nan=False))
        else:
            print(format_summary(summary, args.log, log_ok))
        if stop.sig:
            where = f"log saved to {printable(saved)}" if saved else f"the session could not be saved ({why})"
            print(f"{PROG}: interrupted after {trainer.step_count} steps; {where}", file=sys.stderr)
            return 130 if stop.sig == "int" else 143
    return 2 if guard.any_failed else 0


def save_on_stop(trainer) -> tuple[str | None, str]:
    """The session saved after Ctrl+C or SIGTERM: under runs/, or, when that cannot be written
    (read-only, full, or the working folder deleted), under the system's temporary folder, said
    on stderr. (path, "") or (None, why neither could be written)."""
    from core.logs.writer import save_session

    errors = []
    for folder in ("runs", os.path.join(tempfile.gettempdir(), "tui-trainer-runs")):
        try:
            path = str(save_session(trainer, folder))
        except OSError as e:
            errors.append(str(e))
            continue
        if errors:
            print(f"{PROG}: {errors[0]}; saved under {printable(folder)} instead", file=sys.stderr)
        return path, ""
    return None, "; ".join(errors)


class OutputGuard:
    """A log or CSV that fails mid-run (full disk, removed folder) is reported in one line and
    dropped; training and the summary go on, and the exit status says the output is missing."""

    def __init__(self):
        self._failed: set[int] = set()

    @property
    def any_failed(self) -> bool:
        return bool(self._failed)

    def failed(self, writer) -> bool:
        return id(writer) in self._failed

    def call(self, writer, fn, *args) -> None:
        if self.failed(writer):
            return
        try:
            fn(*args)
        except OSError as e:
            self._failed.add(id(writer))
            msg = str(e) if str(writer.path) in str(e) else f"{writer.path}: cannot write ({e.strerror or e})"
            print(f"{PROG}: error: {msg}; it is incomplete, training goes on without it", file=sys.stderr)
            abandon = getattr(writer, "abandon", None) or writer.close
            try:
                abandon()
            except OSError:
                pass

    def wrap(self, writer):
        if writer is None:
            return None
        guard = self

        class Guarded:
            path = writer.path

            def step(self, *args):
                guard.call(writer, writer.step, *args)

        return Guarded()


def open_outputs(args, trainer):
    """The streaming run log and CSV, if asked for (a failure closes what was opened)."""
    from core.logs.csv_log import CsvLogWriter
    from core.logs.writer import RunLogWriter

    writer = RunLogWriter(args.log, trainer, args.log_params) if args.log else None
    try:
        csv_writer = CsvLogWriter(args.csv, trainer) if args.csv else None
    except OSError:
        if writer is not None:
            writer.close("could not open the CSV")
        raise
    return writer, csv_writer


def _train(trainer, args, writer, csv_writer, progress, stop) -> None:
    """Train to args.steps; with a log or CSV, record steps 0, K, 2K, ... and the last one."""
    logging = writer is not None or csv_writer is not None
    k = args.log_every
    fast = FastRun(trainer, stop)
    while trainer.step_count < args.steps and trainer.status == "ok" and not stop():
        if not logging:
            fast.run_to(args.steps, progress)
            continue
        due = min(-(-trainer.step_count // k) * k, args.steps - 1)  # next logged step
        fast.run_to(due, progress)
        if trainer.step_count == due and trainer.status == "ok" and not stop():
            params = trainer.parameters() if writer is not None and args.log_params else None
            r = trainer.step()
            if writer is not None:
                writer.step(r, params)
            if csv_writer is not None:
                csv_writer.step(r)
            progress.update(trainer.step_count, r.loss)


class FastRun:
    """Unlogged steps on the trainer's fast path, in chunks sized to take about 50 ms, so a
    stop request is seen quickly without a per-step check slowing the step down."""

    TARGET_S = 0.05

    def __init__(self, trainer, stop):
        self.trainer, self.stop, self.chunk = trainer, stop, 64

    def run_to(self, step: int, progress) -> None:
        t = self.trainer
        while t.step_count < step and t.status == "ok" and not self.stop():
            n = min(self.chunk, step - t.step_count)
            began = time.perf_counter()
            t.run(n)
            took = time.perf_counter() - began
            if n == self.chunk:
                self.chunk = max(1, min(1 << 20, int(self.chunk * self.TARGET_S / max(took, 1e-6))))
            last = t.history.last()
            progress.update(t.step_count, float(last[2]) if last is not None else math.nan)


def _rows(rows: list[int], parts: int = 6) -> str:
    """Dataset rows as runs, at most `parts` of them: '0–4, 7, 9, … (200 in all)'."""
    return index_ranges(rows, max_parts=parts)


def format_summary(s: dict, log_path: str | None, log_ok: bool = True) -> str:
    lines = [f"steps {s['steps']}  status {s['status']}" + (f" ({s['reason']})" if s["reason"] else ""),
             f"train loss J {fmt(s['loss'])}  dev loss {fmt(s['dev_loss'])}  RMSE {fmt(s['rmse'])} (original units)",
             f"dead output samples {s['dead_output']}" + (f" (rows {_rows(s['dead_samples'])})" if s["dead_output"] else "")
             + f"  dead hidden units {s['dead_hidden']}"]
    if s["dev_rows"]:
        lines.append(f"dev split: {len(s['dev_rows'])} rows held out ({_rows(s['dev_rows'])})")
    for f in s["findings"]:
        lines.append(f"[{f['code']}] {f['message']}")
        if f["cure"]:
            lines.append(f"    cure: {f['cure']}")
    if log_path:  # a log that failed is named as such, never as if it were whole
        lines.append(f"log: {printable(log_path)}" + ("" if log_ok else " (incomplete: writing it failed, see above)"))
    return "\n".join(lines)
