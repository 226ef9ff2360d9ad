"""The live TUI: training speed with the screen refreshing, key latency, frame cost, memory,
start-up, for both training backends (a separate process, the default; a thread).

Every measurement runs in a fresh child process (`--one ...`), in Textual's headless mode
(`App.run_test`, which lays out and renders every frame as for a terminal but discards the
output), except start-up, which uses a real pseudo-terminal. Rounds interleave the contenders
so a noisy neighbour hits them alike; figures are medians over rounds.

- speed:   steps/s of `Trainer.run` alone (headless, in chunks of 1,000) against steps/s while
           the TUI trains (`r`) and draws its frames; also the frames painted per second.
- latency: while training, `+` / `-` alternately; the time from the key press until a frame
           showing its effect (frame.applied counts it) has been painted (call_after_refresh).
- frame:   the UI's cost of one frame (message handling, widget updates, layout and render
           until painted) with 1k, 100k and 1M steps of history; and take_snapshot's cost.
- memory:  peak RSS of the app process (and, for the process backend, of the training
           process) after training to 10k and to 1M steps in the TUI.
- startup: `tui-trainer --help`, and the TUI's first frame on a real terminal (pty).

    python bench/bench_tui.py                          # everything (several minutes)
    python bench/bench_tui.py --only speed,latency --rounds 3 --json bench/results/tui.json
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BACKENDS = ("process", "thread")
SIZE = (120, 40)


# ---- measurements, each in its own child process -------------------------------------------
def _story_trainer(steps: int = 0):
    sys.path.insert(0, str(ROOT))
    import tui_trainer  # noqa: F401  (sets the BLAS thread default before NumPy is imported)
    from core.engine.config import TrainConfig
    from core.engine.data import story_problem
    from core.engine.trainer import Trainer
    t = Trainer(TrainConfig(), story_problem())
    while t.step_count < steps and t.status == "ok":
        t.run(min(10_000, steps - t.step_count))
    return t


def _bench_app(trainer, backend: str, runs_dir: str):
    from tui_trainer.app import TrainerApp

    import tui_trainer.app as app_module

    class BenchApp(TrainerApp):
        """Notes when each frame has been painted: (time, commands applied, step)."""
        CSS_PATH = str(Path(app_module.__file__).parent / TrainerApp.CSS_PATH)  # not relative to bench/

        def __init__(self, *a, **k):
            super().__init__(*a, **k)
            self.painted: list[tuple[float, int, int]] = []

        def on_frame_ready(self, message) -> None:
            super().on_frame_ready(message)
            f = message.frame
            self.call_after_refresh(lambda: self.painted.append((time.perf_counter(), f.applied, f.snapshot.step)))
    return BenchApp(trainer, runs_dir=Path(runs_dir), backend=backend)


async def _until(pilot, predicate, timeout: float = 60.0, poll: float = 0.002) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError("timed out")
        await pilot.pause(poll)


def _cpu(pid: int | None) -> float:
    """CPU seconds (user + system) of process pid, from /proc."""
    if pid is None:
        return float("nan")
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def one_headless(seconds: float) -> dict:
    t = _story_trainer()
    t.run(1000)
    s0, t0, c0 = t.step_count, time.perf_counter(), time.process_time()
    while time.perf_counter() - t0 < seconds:
        t.run(1000)
    return {"steps_per_s": (t.step_count - s0) / (time.perf_counter() - t0),
            "steps_per_cpu_s": (t.step_count - s0) / (time.process_time() - c0)}


def one_tui(backend: str, seconds: float, keys: int, runs_dir: str) -> dict:
    app = _bench_app(_story_trainer(), backend, runs_dir)
    out: dict = {}

    async def run() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await _until(pilot, lambda: app.frame is not None)
            await pilot.press("r")
            await _until(pilot, lambda: app.frame.running and app.frame.snapshot.step > 0)
            await pilot.pause(0.5)  # chunk size settles
            pid = getattr(app.session, "pid", None)
            s0, t0, n0, c0 = app.frame.snapshot.step, time.perf_counter(), len(app.painted), _cpu(pid)
            await pilot.pause(seconds)
            s1, t1, n1, c1 = app.frame.snapshot.step, time.perf_counter(), len(app.painted), _cpu(pid)
            out["steps_per_s"] = (s1 - s0) / (t1 - t0)
            if pid is not None:  # the training process's own CPU time: what the machine's load leaves it
                out["steps_per_cpu_s"] = (s1 - s0) / (c1 - c0)
                out["cpu_share"] = (c1 - c0) / (t1 - t0)
            out["frames_per_s"] = (n1 - n0) / (t1 - t0)
            lat = []
            for i in range(keys):
                await pilot.pause(0.05 + 0.05 * (i % 3))  # not in step with the frame clock
                t_key = time.perf_counter()
                await pilot.press("plus" if i % 2 == 0 else "minus")
                sent = app.sent
                await _until(pilot, lambda: any(a >= sent for _, a, _ in app.painted[-3:]), 10)
                t_paint = next(t for t, a, _ in app.painted if a >= sent)
                lat.append(t_paint - t_key)
            out["latency_ms"] = [x * 1e3 for x in lat]
            out["running_at_end"] = app.frame.running
            await pilot.press("r")
            await _until(pilot, lambda: app.settled)
            app.session.close()
    asyncio.run(run())
    return out


def one_frame(steps: int, frames: int) -> dict:
    """Frames built here from a trainer with `steps` of history, posted to a paused app."""
    import dataclasses

    from core.diagnosis.snapshot import take_snapshot
    from tui_trainer.messages import FrameReady
    trainer = _story_trainer(steps)
    app = _bench_app(_story_trainer(), "thread", "/tmp")
    out: dict = {}

    async def run() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await _until(pilot, lambda: app.frame is not None)
            base = app.frame
            costs, snaps = [], []
            for i in range(frames):
                trainer.run(10)
                c0 = time.perf_counter()
                snap = take_snapshot(trainer, with_findings=(i % 3 == 0))
                snaps.append(time.perf_counter() - c0)
                frame = dataclasses.replace(base, snapshot=snap, applied=base.applied)
                n = len(app.painted)
                t0 = time.perf_counter()
                app.post_message(FrameReady(frame))
                await _until(pilot, lambda: len(app.painted) > n, 10, poll=0)
                costs.append(app.painted[n][0] - t0)
            out["frame_ms"] = [c * 1e3 for c in costs]
            out["snapshot_ms"] = [c * 1e3 for c in snaps]
            out["history_rows"] = len(trainer.history.rows())
            app.session.close()
    asyncio.run(run())
    return out


def one_memory(backend: str, steps: int, runs_dir: str) -> dict:
    app = _bench_app(_story_trainer(), backend, runs_dir)
    out: dict = {}

    async def run() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await _until(pilot, lambda: app.frame is not None)
            await pilot.press("r")
            await _until(pilot, lambda: app.frame.snapshot.step >= steps, timeout=3600, poll=0.05)
            out["steps"] = app.frame.snapshot.step
            await pilot.press("q")
    t0 = time.perf_counter()
    asyncio.run(run())
    out["wall_s"] = time.perf_counter() - t0
    out["app_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["child_rss_mib"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return out


# ---- start-up ----------------------------------------------------------------------------
def help_seconds() -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "tui_trainer", "--help"], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def first_frame_seconds(backend: str, tmp: Path) -> float:
    """Spawn the TUI on a pty; seconds until its status line shows the first frame ('state')."""
    import fcntl
    import pty
    import select
    import signal
    import struct
    import termios
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", SIZE[1], SIZE[0], 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "TUI_TRAINER_BACKEND": backend}
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "tui_trainer"], cwd=tmp, env=env, stdin=slave,
                            stdout=slave, stderr=slave, start_new_session=True)
    buf = b""
    took = float("nan")
    try:
        while time.perf_counter() - t0 < 30:
            r, _, _ = select.select([master], [], [], 0.05)
            if r:
                buf += os.read(master, 65536)
                if b"state" in buf:
                    took = time.perf_counter() - t0
                    break
        proc.send_signal(signal.SIGTERM)
        end = time.monotonic() + 10
        while proc.poll() is None and time.monotonic() < end:
            if select.select([master], [], [], 0.05)[0]:
                os.read(master, 65536)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        os.close(master)
        os.close(slave)
    return took


# ---- the driver --------------------------------------------------------------------------
def child(args: list[str]) -> dict:
    cmd = [sys.executable, __file__, "--one", *map(str, args)]
    res = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if res.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{res.stderr[-3000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, round(q * (len(xs) - 1))))]


def machine() -> str:
    import numpy as np
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{cpu}  nproc={os.cpu_count()}  Python {platform.python_version()}  NumPy {np.__version__}  "
            f"load {load:.1f}")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", default="speed,latency,frame,memory,startup",
                   help="comma list of: speed, latency, frame, memory, startup")
    p.add_argument("--backends", default=",".join(BACKENDS))
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--seconds", type=float, default=5.0, help="training window per speed round")
    p.add_argument("--keys", type=int, default=30, help="key presses per latency round")
    p.add_argument("--frame-steps", default="1000,100000,1000000")
    p.add_argument("--frames", type=int, default=60, help="frames per frame-cost run")
    p.add_argument("--memory-steps", default="10000,1000000")
    p.add_argument("--json", metavar="PATH")
    p.add_argument("--one", nargs="+", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.one:
        kind, *rest = args.one
        fn = {"headless": lambda s: one_headless(float(s)),
              "tui": lambda b, s, k, d: one_tui(b, float(s), int(k), d),
              "frame": lambda n, f: one_frame(int(n), int(f)),
              "memory": lambda b, n, d: one_memory(b, int(n), d)}[kind]
        print(json.dumps(fn(*rest)))
        return 0

    import tempfile
    only = set(args.only.split(","))
    backends = [b for b in args.backends.split(",") if b]
    tmp = Path(tempfile.mkdtemp(prefix="bench-tui-"))
    results: dict = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "machine": machine(),
                     "command": " ".join(["python"] + sys.argv)}
    print(f"# {results['date']}  {results['machine']}")
    if only & {"speed", "latency"}:
        rows: dict = {"headless": [], **{b: [] for b in backends}}
        for r in range(args.rounds):
            rows["headless"].append(child(["headless", args.seconds]))
            for b in backends:
                rows[b].append(child(["tui", b, args.seconds, args.keys if "latency" in only else 0, tmp]))
        head = statistics.median(x["steps_per_s"] for x in rows["headless"])
        print(f"headless Trainer.run: {head:,.0f} steps/s (median of {args.rounds})")
        results["headless_steps_per_s"] = head
        results["tui"] = {}
        for b in backends:
            sps = [x["steps_per_s"] for x in rows[b]]
            ratios = [x["steps_per_s"] / h["steps_per_s"] for x, h in zip(rows[b], rows["headless"])]
            lat = [v for x in rows[b] for v in x.get("latency_ms", [])]
            fps = statistics.median(x["frames_per_s"] for x in rows[b])
            entry = {"steps_per_s": statistics.median(sps), "ratio_to_headless": statistics.median(ratios),
                     "frames_per_s": fps, "rounds": rows[b]}
            line = (f"TUI {b:8s}: {entry['steps_per_s']:,.0f} steps/s = {entry['ratio_to_headless']:.0%} of headless "
                    f"(per-round ratios {', '.join(f'{x:.0%}' for x in ratios)}), {fps:.1f} frames/s painted")
            if lat:
                entry.update(latency_p50_ms=pct(lat, 0.5), latency_p95_ms=pct(lat, 0.95), latency_max_ms=max(lat),
                             latency_n=len(lat))
                line += (f"; key→screen p50 {entry['latency_p50_ms']:.0f} ms, p95 {entry['latency_p95_ms']:.0f} ms, "
                         f"max {max(lat):.0f} ms (n={len(lat)})")
            if all("steps_per_cpu_s" in x for x in rows[b]):
                cpu_ratios = [x["steps_per_cpu_s"] / h["steps_per_cpu_s"] for x, h in zip(rows[b], rows["headless"])]
                entry.update(cpu_ratio_to_headless=statistics.median(cpu_ratios),
                             cpu_share=statistics.median(x["cpu_share"] for x in rows[b]))
                line += (f"; per CPU-second of the training process {entry['cpu_ratio_to_headless']:.0%} of headless, "
                         f"which got {entry['cpu_share']:.0%} of a core")
            results["tui"][b] = entry
            print(line, flush=True)
    if "frame" in only:
        results["frame"] = []
        for n in map(int, args.frame_steps.split(",")):
            x = child(["frame", n, args.frames])
            fr = x["frame_ms"][5:]  # the first frames warm caches up
            e = {"steps": n, "history_rows": x["history_rows"], "frame_p50_ms": pct(fr, 0.5),
                 "frame_p95_ms": pct(fr, 0.95), "snapshot_p50_ms": pct(x["snapshot_ms"][5:], 0.5),
                 "snapshot_p95_ms": pct(x["snapshot_ms"][5:], 0.95)}
            results["frame"].append(e)
            print(f"frame at {n:>9,d} steps ({e['history_rows']} history rows): UI p50 {e['frame_p50_ms']:.1f} ms, "
                  f"p95 {e['frame_p95_ms']:.1f} ms; take_snapshot p50 {e['snapshot_p50_ms']:.1f} ms, "
                  f"p95 {e['snapshot_p95_ms']:.1f} ms", flush=True)
    if "memory" in only:
        results["memory"] = []
        for b in backends:
            base = None
            for n in map(int, args.memory_steps.split(",")):
                x = child(["memory", b, n, tmp / f"runs-{b}-{n}"])
                total = x["app_rss_mib"] + (x["child_rss_mib"] if b == "process" else 0.0)
                base = total if base is None else base
                e = {"backend": b, "steps": x["steps"], **x, "total_mib": total, "growth_mib": total - base}
                results["memory"].append(e)
                print(f"memory {b:8s} {x['steps']:>9,d} steps: app {x['app_rss_mib']:.1f} MiB"
                      + (f" + training process {x['child_rss_mib']:.1f} MiB" if b == "process" else "")
                      + f", growth {total - base:+.1f} MiB ({x['wall_s']:.0f} s)", flush=True)
    if "startup" in only:
        helps = [help_seconds() for _ in range(5)]
        results["help_s"] = statistics.median(helps)
        print(f"tui-trainer --help: {results['help_s']:.2f} s (median of 5)")
        results["first_frame_s"] = {}
        for b in backends:
            ff = [first_frame_seconds(b, tmp) for _ in range(args.rounds)]
            results["first_frame_s"][b] = statistics.median(ff)
            print(f"first frame on a pty, {b}: {statistics.median(ff):.2f} s (median of {args.rounds}; "
                  f"{', '.join(f'{x:.2f}' for x in ff)})", flush=True)
    if args.json:
        path = Path(args.json)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(results, indent=1) + "\n")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
