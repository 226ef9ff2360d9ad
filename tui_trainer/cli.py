"""The `tui-trainer` command: the TUI by default, and headless subcommands.

Every user mistake ends here as one line on stderr and exit status 2, never a traceback."""
from __future__ import annotations

import argparse
import json
import math
import signal
import sys
import time

from core.csv_data import DataError
from core.runlog import LogError

from . import __version__
from .options import add_shared_options, check_loss_fits, config_from_args, dataset_from_args, non_negative_int, positive_int

PROG = "tui-trainer"
EXIT_USAGE = 2


class UsageError(Exception):
    """A bad option or input: shown as one line, exit status 2."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line instead of usage + message
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    common = Parser(add_help=False)
    add_shared_options(common)
    p = Parser(prog=PROG, parents=[common],
               description="Train a small from-scratch NumPy network step by step and see why it fails. "
                           "With no subcommand, opens the interactive TUI on the chosen problem.")
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)

    r = sub.add_parser("run", parents=[common], help="train headlessly and print a summary")
    r.add_argument("--steps", type=non_negative_int, default=5000, help="number of gradient-descent steps (default: 5000)")
    r.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    r.add_argument("--log", metavar="PATH", help="write the run log (JSON Lines) as the run goes")
    r.add_argument("--log-params", action="store_true", help="add the parameters at every logged step to the log")
    r.add_argument("--log-every", type=positive_int, default=1, metavar="K", help="log every K-th step (default: 1)")

    b = sub.add_parser("baseline", parents=[common], help="fit a polynomial baseline on the same split")
    b.add_argument("--degree", type=positive_int, default=2, help="polynomial degree, 1..6 (default: 2)")
    b.add_argument("--json", action="store_true", help="print the result as JSON")

    g = sub.add_parser("gradcheck", parents=[common], help="check backprop against centred differences")
    g.add_argument("--steps", type=non_negative_int, default=0, help="train this many steps first (default: 0)")
    g.add_argument("--json", action="store_true", help="print the result as JSON")
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            return launch_tui(args, parser)
        handler = {"run": cmd_run, "baseline": cmd_baseline, "gradcheck": cmd_gradcheck}[args.command]
        return handler(args)
    except UsageError as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except (DataError, LogError, ValueError, OSError) as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return EXIT_USAGE


def cli() -> None:
    sys.exit(main())


def make_trainer(args):
    from core.trainer import Trainer
    config = config_from_args(args)
    data = dataset_from_args(args)
    check_loss_fits(config, data)
    if config.dev_fraction > 0 and data.m < 2:
        raise ValueError(f"--dev-fraction needs at least 2 samples, the data has {data.m}")
    return Trainer(config, data)


def launch_tui(args, parser) -> int:
    try:
        from .app import run_tui
    except ImportError:
        parser.print_help()
        return 0
    return run_tui(make_trainer(args))


# ---- run ---------------------------------------------------------------------------------

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


def _terminate(signum, frame):
    raise KeyboardInterrupt


def cmd_run(args) -> int:
    from core.runlog import RunLogWriter

    trainer = make_trainer(args)
    writer = RunLogWriter(args.log, trainer, args.log_params) if args.log else None
    progress = Progress(args.steps)
    interrupted = None
    old_term = signal.signal(signal.SIGTERM, _terminate)
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


def summarize(trainer) -> dict:
    from core.evaluation import evaluate
    from core.runlog import clean

    ev = evaluate(trainer)
    return clean({
        "steps": trainer.step_count,
        "status": trainer.status,
        "reason": trainer.diverged_reason,
        "loss": ev.loss,
        "dev_loss": ev.dev_loss,
        "rmse": ev.rmse,
        "dev_rmse": ev.dev_rmse,
        "dead_output": ev.dead_output,
        "dead_samples": ev.dead_samples.tolist(),
        "dead_hidden": ev.dead_hidden,
        "lr": trainer.config.lr,
        "hidden_activation": trainer.config.hidden_activation,
        "output_activation": trainer.config.output_activation,
        "findings": findings_for(trainer, ev),
    })


def findings_for(trainer, ev) -> list[dict]:
    """Filled by the diagnosis engine when it is present; always a list."""
    try:
        from core.findings import diagnose
    except ImportError:
        return []
    return [f.to_dict() for f in diagnose(trainer, ev)]


def _fmt(v) -> str:
    return "n/a" if v is None else f"{v:.6g}"


def format_summary(s: dict, log_path: str | None) -> str:
    lines = [f"steps {s['steps']}  status {s['status']}" + (f" ({s['reason']})" if s["reason"] else ""),
             f"train loss J {_fmt(s['loss'])}  dev loss {_fmt(s['dev_loss'])}  RMSE {_fmt(s['rmse'])} (original units)",
             f"dead output samples {s['dead_output']}" + (f" {s['dead_samples']}" if s["dead_output"] else "")
             + f"  dead hidden units {s['dead_hidden']}"]
    for f in s["findings"]:
        lines.append(f"[{f['code']}] {f['message']}")
    if log_path:
        lines.append(f"log: {log_path}")
    return "\n".join(lines)


# ---- baseline and gradcheck ---------------------------------------------------------------

def cmd_baseline(args) -> int:
    from core.baseline import fit_baseline
    from core.runlog import clean

    t = make_trainer(args)
    d = t.data
    fit = fit_baseline(d.X, d.Y, args.degree, d.X_dev, d.Y_dev, t.dataset.feature_names)
    out = clean({"degree": fit.degree, "coefficients": fit.coefficients, "terms": fit.terms,
                 "train_loss": fit.train_loss, "dev_loss": fit.dev_loss, "normalize": d.normalize})
    if args.json:
        print(json.dumps(out, allow_nan=False))
    else:
        terms = " + ".join(f"{c:.6g}*{t_}" if t_ != "1" else f"{c:.6g}" for c, t_ in zip(fit.coefficients, fit.terms))
        print(f"degree {fit.degree} polynomial: y = {terms}")
        print(f"train loss J {_fmt(fit.train_loss)}  dev loss {_fmt(fit.dev_loss)}")
    return 0


def cmd_gradcheck(args) -> int:
    from core.gradcheck import gradient_check
    from core.runlog import clean

    t = make_trainer(args)
    t.run(args.steps)
    c, d = t.config, t.data
    checks = gradient_check(d.X, d.Y, t.parameters(), c.hidden_activation, c.output_activation, c.loss, c.leaky_slope)
    worst = max(checks, key=lambda k: k.rel_error if math.isfinite(k.rel_error) else math.inf)
    out = clean({"step": t.step_count, "tensors": [{"name": k.name, "rel_error": k.rel_error, "band": k.band} for k in checks],
                 "worst": worst.band})
    if args.json:
        print(json.dumps(out, allow_nan=False))
    else:
        print(f"gradient check at step {t.step_count} (centred differences, eps 1e-7):")
        for k in checks:
            print(f"  d{k.name:<4} relative error {k.rel_error:.3e}  {k.band}")
    return 0 if worst.band != "wrong" else 1
