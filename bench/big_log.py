"""Write a large, valid run log fast (no training): the story problem's run record, then step
records shaped like `run --log` writes them (≈ 415 bytes each), every `--params-every`-th with a
params record. For measuring how rerun, replay and compare cope with size.

    python bench/big_log.py /tmp/big.jsonl --mb 100
    python bench/big_log.py /tmp/one-line.jsonl --mb 160 --no-newline   # one endless line
    python bench/big_log.py /tmp/big.jsonl --mb 100 && python bench/big_log.py --time-replay /tmp/big.jsonl

The losses are made up, so `rerun` of such a log differs at step 1 (exit 1); replay and compare
only read it. `--time-replay LOG` prints how long the replay's first screen takes (headless, the
app's own code path), how long the rest takes to load behind it, and the peak memory.
"""
from __future__ import annotations

import argparse
import math
import os
import resource
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from core.engine.config import TrainConfig  # noqa: E402
from core.engine.data import story_problem  # noqa: E402
from core.engine.trainer import Trainer  # noqa: E402
from core.logs.record import dumps, params_record, run_record  # noqa: E402


def step_line(i: int) -> str:
    loss = 3000.0 * math.exp(-i / 50000) + 1e-3 * math.sin(i)
    return dumps({"type": "step", "step": i, "tick": i, "loss": loss, "dev_loss": None, "lr": 5e-05,
                  "hidden_activation": "relu", "output_activation": "relu", "dead_output": i % 7,
                  "dead_hidden": [i % 3],
                  "grad_norms": {"dW1": loss / 3.1, "db1": loss / 7.3, "dW2": loss / 1.7, "db2": loss / 11.9},
                  "update_ratios": {"W1": loss * 1.1e-9, "W2": loss * 2.3e-9}, "status": "ok"})


def write(path: str, mb: float, params_every: int, newline: bool) -> int:
    trainer = Trainer(TrainConfig(), story_problem())
    theta = trainer.parameters()
    target, size, i = int(mb * 1e6), 0, 0
    end = "\n" if newline else " "
    with open(path, "w") as f:
        head = dumps(run_record(trainer)) + "\n"
        f.write(head)
        size += len(head)
        while size < target:
            lines = []
            for _ in range(1000):
                if params_every and i % params_every == 0:
                    lines.append(dumps(params_record(i, i, theta)) + end)
                lines.append(step_line(i) + end)
                i += 1
            chunk = "".join(lines)
            f.write(chunk)
            size += len(chunk)
        if newline:
            f.write(dumps({"type": "end", "step": i, "tick": i, "status": "ok", "reason": ""}) + "\n")
    return i


def time_replay(path: str) -> None:
    """Time `replay PATH` headless (Textual's test driver, 120x40): from the command's start to
    the first screen drawn, and to the whole log loaded behind it; peak memory."""
    import asyncio

    from tui_trainer.commands.logs import start_replay
    from tui_trainer.replay_app import ReplayApp

    async def run() -> None:
        t0 = time.perf_counter()
        loader = start_replay(path)
        app = ReplayApp(loader)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            first = time.perf_counter() - t0
            print(f"first screen after {first:.2f} s ({app.screen.replay.n:,} steps loaded by then)")
            while not app.screen.replay.complete:
                await pilot.pause(0.1)
            total = time.perf_counter() - t0
            t1 = time.perf_counter()
            await pilot.press("end", "left", "home", "pagedown")
            keys = (time.perf_counter() - t1) / 4
            r = app.screen.replay
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"whole log loaded after {total:.1f} s: {r.n:,} rows kept of {r.steps_logged:,} steps "
              f"(1 in {r.row_stride}); {keys * 1000:.0f} ms a key; peak RSS {peak:.0f} MiB")
    asyncio.run(run())


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("path")
    p.add_argument("--mb", type=float, default=100.0, help="size to write, in MB (default 100)")
    p.add_argument("--params-every", type=int, default=0, help="a params record every N steps (default none)")
    p.add_argument("--no-newline", action="store_true", help="records separated by spaces: one line")
    p.add_argument("--time-replay", action="store_true", help="time loading PATH for replay instead")
    a = p.parse_args()
    if a.time_replay:
        time_replay(a.path)
        return
    t0 = time.perf_counter()
    n = write(a.path, a.mb, a.params_every, not a.no_newline)
    print(f"{a.path}: {os.path.getsize(a.path) / 1e6:.1f} MB, {n:,} steps, {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
