"""Peak memory of a headless run: does a long run cost more memory than a short one?

Each run is a fresh child process; its peak resident set size (ru_maxrss, from wait4) is read
after it exits, so runs cannot inflate each other. Two ways of running are measured:

- engine: `Trainer.run` in chunks of 1,000 steps, as a driver loop (the TUI's worker) does;
- cli:    `tui-trainer run --steps N --json` (the console script, with its summary and
          diagnosis at the end).

    python bench/bench_memory.py                       # 10k, 500k and 1M steps
    python bench/bench_memory.py --steps 10000,1000000 --json bench/results/memory.json

The budget (issue 6): peak RSS may grow by at most 16 MiB from 10,000 to 1,000,000 steps.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUDGET_MIB = 16.0


def engine_child(steps: int) -> None:
    sys.path.insert(0, str(ROOT))
    from core.engine.config import TrainConfig
    from core.engine.data import story_problem
    from core.engine.trainer import Trainer
    t = Trainer(TrainConfig(), story_problem())
    done = 0
    while done < steps and t.status == "ok":
        done += t.run(min(1000, steps - done))
    t.history.thinned(200)  # what a screen refresh reads
    print(json.dumps({"steps": t.step_count, "status": t.status}))


def measure(cmd: list[str]) -> tuple[float, float]:
    """(peak RSS in MiB, wall seconds) of one child process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
        raise SystemExit(f"{' '.join(cmd)} exited with {code}:\n{err}")
    return usage.ru_maxrss / 1024.0, wall  # Linux reports KiB


def commands(mode: str, steps: int) -> list[str]:
    if mode == "engine":
        return [sys.executable, __file__, "--child-engine", str(steps)]
    return [sys.executable, "-m", "tui_trainer", "run", "--steps", str(steps), "--json"]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", default="10000,500000,1000000", help="comma list; the first is the baseline")
    p.add_argument("--modes", default="engine,cli", help="comma list of: engine, cli")
    p.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    p.add_argument("--child-engine", type=int, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child_engine is not None:
        engine_child(args.child_engine)
        return 0
    steps = [int(s) for s in args.steps.split(",")]
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    for mode in modes:
        if mode not in ("engine", "cli"):
            p.error(f"unknown mode {mode!r} (choose from engine, cli)")
    print(f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}  budget: +{BUDGET_MIB:g} MiB over {steps[0]:,} steps")
    print(f"{'mode':8s} {'steps':>10s} {'peak RSS MiB':>13s} {'growth MiB':>11s} {'wall s':>8s} {'within':>7s}")
    results = []
    for mode in modes:
        base = None
        for n in steps:
            rss, wall = measure(commands(mode, n))
            base = rss if base is None else base
            growth = rss - base
            ok = growth <= BUDGET_MIB
            results.append({"mode": mode, "steps": n, "peak_rss_mib": rss, "growth_mib": growth,
                            "wall_s": wall, "within_budget": ok, "command": " ".join(commands(mode, n)[1:])})
            print(f"{mode:8s} {n:>10,d} {rss:13.1f} {growth:11.1f} {wall:8.1f} {'yes' if ok else 'NO':>7s}", flush=True)
    if args.json:
        path = Path(args.json)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                                    "command": " ".join(["python"] + sys.argv), "budget_mib": BUDGET_MIB,
                                    "results": results}, indent=1) + "\n")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
