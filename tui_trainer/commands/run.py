"""`tui-trainer run`: headless training with a progress bar, a summary and an optional log."""
from __future__ import annotations

import json
import math
import signal
import sys
import time

from ..options import non_negative_int, positive_int
from .common import fmt, make_trainer, summarize

PROG = "tui-trainer"


def register(sub, common) -> None:
    r = sub.add_parser("run", parents=[common], help="train headlessly and print a summary")
    r.add_argument("--steps", type=non_negative_int, default=5000, help="number of gradient-descent steps (default: 5000)")
    r.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    r.add_argument("--log", metavar="PATH", help="write the run log (JSON Lines) as the run goes")
    r.add_argument("--log-params", action="store_true", help="add the parameters at every logged step to the log")
    r.add_argument("--log-every", type=positive_int, default=1, metavar="K", help="log every K-th step (default: 1)")
    r.set_defaults(handler=cmd_run)


class Progress:
    """A one-line progress bar on a terminal; silent otherwise."""

    def __init__(self, total: int, stream=sys.stderr):
        self.total, self.stream = total, stream
        self.enabled = total > 0 and stream.isatty()
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


def cmd_run(args) -> int:
    from core.runlog import RunLogWriter

    trainer = make_trainer(args)
    writer = RunLogWriter(args.log, trainer, args.log_params) if args.log else None
    progress = Progress(args.steps)
    interrupted = None
    old_term = signal.getsignal(signal.SIGTERM)
    try:
        interrupted = _train(trainer, args, writer, progress)
    finally:
        signal.signal(signal.SIGTERM, old_term)
        progress.close()
        if writer is not None:
            writer.close("interrupted" if interrupted else "")
    summary = summarize(trainer)
    if args.json:
        print(json.dumps(summary, allow_nan=False))
    else:
        print(format_summary(summary, args.log))
    if interrupted:
        print(f"{PROG}: interrupted after {trainer.step_count} steps" + (f"; log saved to {args.log}" if args.log else ""),
              file=sys.stderr)
        return 130 if interrupted == "int" else 143
    return 0


def _train(trainer, args, writer, progress) -> str | None:
    """Returns None when done, 'int' or 'term' when interrupted (the steps done are kept)."""
    got = {"sig": None}

    def on_term(signum, frame):
        got["sig"] = "term"
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    try:
        while trainer.step_count < args.steps and trainer.status == "ok":
            if writer is None:
                trainer.run(min(2000, args.steps - trainer.step_count))
            else:
                k = args.log_every
                if k > 1:
                    trainer.run(min(k - 1, args.steps - trainer.step_count - 1))
                if trainer.step_count < args.steps and trainer.status == "ok":
                    params = trainer.parameters() if args.log_params else None
                    writer.step(trainer.step(), params)
            last = trainer.history.last()
            progress.update(trainer.step_count, float(last[2]) if last is not None else math.nan)
    except KeyboardInterrupt:
        return got["sig"] or "int"
    return None


def format_summary(s: dict, log_path: str | None) -> str:
    lines = [f"steps {s['steps']}  status {s['status']}" + (f" ({s['reason']})" if s["reason"] else ""),
             f"train loss J {fmt(s['loss'])}  dev loss {fmt(s['dev_loss'])}  RMSE {fmt(s['rmse'])} (original units)",
             f"dead output samples {s['dead_output']}" + (f" {s['dead_samples']}" if s["dead_output"] else "")
             + f"  dead hidden units {s['dead_hidden']}"]
    for f in s["findings"]:
        lines.append(f"[{f['code']}] {f['message']}")
    if log_path:
        lines.append(f"log: {log_path}")
    return "\n".join(lines)
