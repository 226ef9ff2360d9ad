"""Run-log subcommands: `rerun` re-executes a logged run headlessly and checks it bit for bit;
`replay` opens a log (or two, compared) in the TUI without training."""
from __future__ import annotations

import json
from pathlib import Path

PROG = "tui-trainer"
EXIT_DIFFERS = 1


def register(sub, common) -> None:
    r = sub.add_parser("rerun", help="re-execute a logged run and check every logged loss bit for bit",
                       description="Re-execute a run log (its config, data and events at their steps) "
                                   "headlessly and compare every logged step's loss bit for bit. "
                                   "Exit status 0 if identical, 1 if a step differs, 2 for a bad log.")
    r.add_argument("log", metavar="LOG", help="a run log (JSON Lines) from `run --log` or the TUI's export")
    r.add_argument("--log", dest="out", metavar="OUT", help="write the rerun's own run log to OUT")
    r.add_argument("--json", action="store_true", help="print the result as one JSON object")
    r.set_defaults(handler=cmd_rerun)

    p = sub.add_parser("replay", help="open a run log in the TUI without training; two logs: compare them",
                       description="Open a saved run log in the TUI without training and scrub through its "
                                   "steps (← →, PgUp/PgDn, Home/End; [ ] jump between steps with per-sample "
                                   "data). With two logs, overlay their loss curves and list where they differ. "
                                   "Exit status 2 for a log that cannot be read.")
    p.add_argument("logs", nargs="+", metavar="LOG", help="a run log; give two to compare them (A B)")
    p.set_defaults(handler=cmd_replay)


def cmd_rerun(args) -> int:
    from core.logs.reader import open_log, shown_path
    from core.logs.record import LogError
    from core.logs.rerun import RerunError, count_steps, rerun
    from core.logs.restore import trainer_from_log
    from core.logs.writer import RunLogWriter

    if args.out and Path(args.out).resolve() == Path(args.log).resolve():
        raise ValueError(f"--log {shown_path(args.out)}: would overwrite the log being rerun")
    _, records = open_log(args.log)
    # every record checked before anything runs or --log is written (streamed); a log without
    # steps is said to be one at once (its rerun would step to the end tick to compare nothing)
    if not count_steps(records):
        raise LogError(f"{shown_path(args.log)}: no steps to compare: the log has no step records")
    log, records = open_log(args.log, check=False)
    trainer = trainer_from_log(log)
    # with_params: the rerun's log gets a params record wherever the original had one.
    writer = RunLogWriter(args.out, trainer, with_params=True) if args.out else None
    try:
        result = rerun(trainer, records, on_step=writer.step if writer else None)
    except RerunError as e:
        raise LogError(f"{shown_path(args.log)}: {e}") from None
    finally:
        if writer is not None:
            writer.close()
    if args.json:
        print(json.dumps(to_json(args.log, result, args.out), allow_nan=False))
    else:
        print(format_result(shown_path(args.log), result, args.out and shown_path(args.out)))
    return 0 if result.identical else EXIT_DIFFERS


# The part of a log read before the replay screen opens; the rest loads behind it, so the first
# screen comes within about two seconds whatever the log's size.
FIRST_SCREEN_SECONDS = 0.3


def start_replay(path: str, seconds: float | None = FIRST_SCREEN_SECONDS):
    """A checked log's core.logs.replay.ReplayLoader, fed for `seconds` (all of it for None);
    LogError (one line, exit 2) for a log that cannot be read."""
    from core.logs.reader import open_log
    from core.logs.replay import ReplayLoader

    head, records = open_log(path)
    loader = ReplayLoader(head, records)
    loader.feed(seconds)
    return loader


def load_replay(path: str):
    """A whole checked log as a core.logs.replay.Replay, or LogError (one line, exit 2)."""
    return start_replay(path, None).replay()


def cmd_replay(args) -> int:
    from core.logs.reader import shown_path
    from core.logs.record import LogError

    if len(args.logs) > 2:
        raise ValueError(f"replay takes one log, or two to compare; got {len(args.logs)}")
    # Two logs are compared whole (the differences need both ends), each in bounded memory;
    # one log opens on its first part.
    seconds = FIRST_SCREEN_SECONDS if len(args.logs) == 1 else None
    loaders = [start_replay(p, seconds) for p in args.logs]  # each file's start checked before a screen opens
    for p, loader in zip(args.logs, loaders):
        if loader.done and loader.ordinal == 0:
            raise LogError(f"{shown_path(p)}: no steps to {'compare' if len(loaders) > 1 else 'replay'}: "
                           "the log has no step records")
    from ..replay_app import run_replay
    return run_replay(*loaders)


def to_json(path: str, res, out: str | None) -> dict:
    first = res.mismatches[0].to_dict() if res.mismatches else None
    return {"log": path, "identical": res.identical, "steps_compared": res.steps_compared,
            "params_compared": res.params_compared, "events_applied": res.events_applied,
            "differences": res.differences, "first_difference": first,
            "mismatches": [m.to_dict() for m in res.mismatches], "stopped": res.stopped or None,
            "steps": res.steps, "status": res.status, "complete": res.complete, "rerun_log": out}


def format_result(path: str, res, out: str | None) -> str:
    counts = f"{res.steps_compared} steps compared, {res.events_applied} events re-applied"
    if res.params_compared:
        counts += f", {res.params_compared} parameter snapshots checked"
    lines = []
    if res.identical:
        lines.append(f"rerun of {path}: identical, bit for bit ({counts})")
    else:
        m = res.mismatches[0]
        lines.append(f"rerun of {path}: differs at {m.describe()}")
        for extra in res.mismatches[1:]:
            lines.append(f"  also {extra.describe()}")
        more = res.differences - len(res.mismatches)
        if more > 0:
            lines.append(f"  ... and {more} more differences")
        if res.stopped:
            lines.append(f"  stopped: {res.stopped}")
        lines.append(f"  ({counts})")
    if not res.complete and not res.stopped:
        lines.append("  note: the log has no end record (the run was cut short); compared what it holds")
    if out:
        lines.append(f"rerun log: {out}")
    return "\n".join(lines)
