"""The `tui-trainer` command: the TUI by default, and headless subcommands.

Every user mistake ends here as one line on stderr and exit status 2, never a traceback."""
from __future__ import annotations

import argparse
import importlib
import os
import re
import signal
import sys

from core.engine.csv_data import DataError
from core.logs.runlog import LogError

from . import __version__
from .options import add_shared_options

PROG = "tui-trainer"
EXIT_USAGE = 2
EXIT_PIPE = 128 + getattr(signal, "SIGPIPE", 13)  # as `yes | head` leaves `yes`: ended by a closed pipe

# One module per group of subcommands; add a line here to add a subcommand.
SUBCOMMAND_MODULES = (
    "tui_trainer.commands.run",
    "tui_trainer.commands.checks",
    "tui_trainer.commands.diagnose",
    "tui_trainer.commands.logs",
    "tui_trainer.commands.check",
    "tui_trainer.tour.command",
)


class UsageError(Exception):
    """A bad option or input: shown as one line, exit status 2."""


class Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # argparse only takes "-1" or "-.5" as a value; "-1e-3" would read as an unknown option
        # and say "expected one argument" instead of the real problem (a negative rate).
        self._negative_number_matcher = re.compile(r"^-(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")

    def error(self, message: str):  # one line instead of usage + message
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    common = Parser(add_help=False)
    add_shared_options(common)
    p = Parser(prog=PROG, parents=[common],
               description="Train a small from-scratch NumPy network step by step and see why it fails. "
                           "With no subcommand, opens the interactive TUI on the chosen problem.")
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    p.add_argument("--model", metavar="PATH", help="train with your own course functions from a .py file "
                   "(L_model_forward, compute_cost, L_model_backward, update_parameters, run in a separate "
                   "process), the reference checking every step beside them (the TUI only)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for name in SUBCOMMAND_MODULES:
        importlib.import_module(name).register(sub, common)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            return launch_tui(args)
        if args.model is not None:
            raise UsageError(f"--model opens the TUI on your code; it does not apply to {args.command}")
        return args.handler(args)
    except BrokenPipeError:
        return quiet_pipe()
    except UsageError as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except (DataError, LogError, ValueError, OSError) as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return EXIT_USAGE


def quiet_pipe() -> int:
    """Whoever read our output has gone (`tui-trainer run … | head`): stop quietly, as standard
    Unix tools do, instead of reporting the closed pipe as an error. Later writes (Python's own
    flush at exit) go nowhere."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return EXIT_PIPE


def cli() -> None:
    code = main()
    try:
        sys.stdout.flush()  # output still buffered meets the closed pipe here
    except BrokenPipeError:
        code = quiet_pipe()
    sys.exit(code)


def launch_tui(args) -> int:
    # Imported here: the headless subcommands need not load Textual.
    from .commands.common import make_trainer
    from .data_defaults import tui_options
    from .problem_options import with_view_hint
    from .session.memory import map_large_blocks
    from .session.starting import start_fork_server
    map_large_blocks()  # before the data is loaded: its blocks go back when freed (memory.py)
    start_fork_server()  # and the training process's Python starts while the data loads
    if args.model is not None:
        from .own_model import own_tui
        trainer, options = own_tui(args)
    else:
        trainer, options = make_trainer(args), tui_options(args)
    options = with_view_hint(options, trainer.dataset)
    # Textual only now: the data's loading peak (its bytes, the table, the columns copied out)
    # is then over before the app's own ~25 MB come in (1M rows: the app's peak 115 -> 102 MB).
    from .app import TrainerApp, run_tui
    app = TrainerApp(trainer, backend=None, **options)  # None: $TUI_TRAINER_BACKEND, else a training process
    # Handed over, not kept: once the training process has it, the app lets go of the
    # trainer's prepared data and buffers; a reference here would hold them all session long.
    del trainer
    return run_tui(app)
