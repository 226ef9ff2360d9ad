"""Key → screen in a real terminal: the TUI in tmux, a key sent with `tmux send-keys`, the time
until `tmux capture-pane` shows the changed text.

- paused: `space`, until the status line's step number changes;
- training (`r`): `+` / `-` alternately, until the status line's learning rate changes.

The time includes tmux's own round trips (each capture starts a tmux client, ~2–5 ms here;
the poll runs back to back, so the resolution is one capture). Pausing on trouble is switched
off first (`p`) so training runs throughout.

    python bench/tmux_keys.py --keys 30 --json bench/results/tmux_keys.json
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SESSION = "tt-keys"
STEP = re.compile(r"step (\d+)")
LR = re.compile(r"lr ([0-9.e+-]+)")


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=True).stdout


def screen() -> str:
    return tmux("capture-pane", "-p", "-t", SESSION)


def status(pattern: re.Pattern) -> str | None:
    m = pattern.search(screen().split("\n", 1)[0])
    return m.group(1) if m else None


def wait_for(predicate, timeout: float = 30.0) -> float:
    """Poll capture-pane back to back until predicate(screen) holds; returns the time it did."""
    end = time.perf_counter() + timeout
    while time.perf_counter() < end:
        if predicate():
            return time.perf_counter()
    raise RuntimeError("timed out waiting for the screen")


def press_until_changed(key: str, pattern: re.Pattern) -> float:
    before = status(pattern)
    t0 = time.perf_counter()
    tmux("send-keys", "-t", SESSION, key)
    t1 = wait_for(lambda: status(pattern) not in (None, before))
    return (t1 - t0) * 1e3


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(q * (len(xs) - 1)))]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--keys", type=int, default=30)
    p.add_argument("--size", default="120x40")
    p.add_argument("--backend", default="process")
    p.add_argument("--json", metavar="PATH")
    args = p.parse_args()
    if not shutil.which("tmux"):
        raise SystemExit("tmux is not installed")
    cols, rows = args.size.split("x")
    tmp = tempfile.mkdtemp(prefix="tmux-keys-")
    env = f"TUI_TRAINER_BACKEND={args.backend} TERM=xterm-256color"
    cmd = f"cd {tmp} && env {env} PYTHONPATH={ROOT} {sys.executable} -m tui_trainer"
    subprocess.run(["tmux", "kill-session", "-t", SESSION], capture_output=True)
    tmux("new-session", "-d", "-s", SESSION, "-x", cols, "-y", rows, cmd)
    out: dict = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "size": args.size,
                 "backend": args.backend, "load_at_start": os.getloadavg()[0]}
    try:
        t0 = time.perf_counter()
        wait_for(lambda: status(STEP) == "0", 60)
        out["first_frame_s"] = time.perf_counter() - t0
        time.sleep(1.0)
        t_cap = time.perf_counter()
        for _ in range(20):
            screen()
        out["capture_ms"] = (time.perf_counter() - t_cap) / 20 * 1e3
        space = []
        for i in range(args.keys):
            time.sleep(0.05 + 0.05 * (i % 3))
            space.append(press_until_changed("space", STEP))
        tmux("send-keys", "-t", SESSION, "p")   # pause on trouble off: training runs throughout
        time.sleep(0.5)
        tmux("send-keys", "-t", SESSION, "r")
        wait_for(lambda: "running" in screen().split("\n", 1)[0], 10)
        time.sleep(1.0)
        lr = []
        for i in range(args.keys):
            time.sleep(0.05 + 0.05 * (i % 3))
            lr.append(press_until_changed("+" if i % 2 == 0 else "-", LR))
        out["running_at_end"] = "running" in screen().split("\n", 1)[0]
        tmux("send-keys", "-t", SESSION, "r")
        out["space_ms"], out["plus_minus_ms"] = space, lr
        out["load_at_end"] = os.getloadavg()[0]
    finally:
        subprocess.run(["tmux", "send-keys", "-t", SESSION, "q"], capture_output=True)
        time.sleep(2.0)
        subprocess.run(["tmux", "kill-session", "-t", SESSION], capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)
    for name, label in (("space_ms", "space (paused) → step changes"), ("plus_minus_ms", "+/- (training) → lr changes")):
        xs = out[name]
        out[name + "_summary"] = {"p50": statistics.median(xs), "p95": pct(xs, 0.95), "max": max(xs), "n": len(xs)}
        print(f"{label}: p50 {statistics.median(xs):.0f} ms, p95 {pct(xs, 0.95):.0f} ms, max {max(xs):.0f} ms (n={len(xs)})")
    print(f"first frame {out['first_frame_s']:.2f} s; one capture-pane {out['capture_ms']:.1f} ms; "
          f"load {out['load_at_start']:.1f} → {out['load_at_end']:.1f}; still running at the end: {out['running_at_end']}")
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
