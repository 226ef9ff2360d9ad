"""The live TUI against issue 13's goals, side by side with headless, in one run.

Every measurement runs in a fresh child process (`--one ...`) in Textual's headless mode
(`App.run_test`, which lays out and renders every frame as for a terminal and discards the
output), except start-up, which uses a real pseudo-terminal. Rounds interleave the contenders
(headless, then the TUI) so a noisy neighbour hits them alike; figures are medians over rounds.

- speed:   steps/s of `Trainer.run` alone (headless, chunks of 1,000) against steps/s while the
           TUI trains (`r`) and draws; frames painted per second; the CPU share of the UI
           process (the app and its relay thread) and of the training process. Also with
           another busy process on the machine (`--busy`, a spinning Python loop) in the same
           rounds.
- keys:    in the same TUI rounds: `space` while paused and `+` / `-` while training; from the
           key press until the first frame showing its effect (frame.applied counts it) has
           been painted (call_after_refresh).
- frame:   the UI's cost of one frame (handling, widget updates, layout and render until
           painted) with 1k, 100k and 1M steps of history: a key's frame (paused: every panel
           redrawn) and a periodic frame while training (10 a second, panels at their rates).
- memory:  the app's and the training process's RSS sampled while the TUI trains for
           --memory-seconds: at 1 minute, at the end, and the growth per minute after the first.
- startup: the TUI's first frame on a real terminal (pty).

    python bench/bench_tui.py --json bench/results/tui.json          # everything (~15 min)
    python bench/bench_tui.py --only speed --rounds 3
"""
from __future__ import annotations

import argparse
import asyncio
import inspect
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZE = (120, 40)
FIRST_FRAME = re.compile(rb"step(?:\x1b\[[0-9;]*m| )+0")  # the status line of the first frame
GOALS = {"key_p95_ms": 50.0, "space_p50_ms": 30.0, "frame_p50_ms": 10.0, "frame_p95_ms": 25.0,
         "ui_cpu_share": 0.25, "ratio_free": 0.90, "ratio_busy": 0.70, "first_frame_s": 0.8}


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
    import tui_trainer.app as app_module
    from tui_trainer.app import TrainerApp

    class BenchApp(TrainerApp):
        """Notes when each frame has been painted: (time, commands applied, step)."""
        CSS_PATH = str(Path(app_module.__file__).parent / TrainerApp.CSS_PATH)  # not relative to bench/

        def __init__(self, *a, **k):
            super().__init__(*a, **k)
            self.painted: list[tuple[float, int, int, float]] = []
            self._unpainted: list[tuple[int, int]] = []
            self.on_paint = None  # an asyncio.Event set at each paint of a frame (no polling: CPU is the frame's)

        def on_frame_ready(self, message) -> None:
            super().on_frame_ready(message)
            f = message.frame
            self._unpainted.append((f.applied, f.snapshot.step))

        def _display(self, screen, renderable) -> None:
            super()._display(screen, renderable)
            # A frame is painted when the first screen update written after it arrived is done:
            # the widgets it changed are drawn in that update. (call_after_refresh, used before,
            # can run before the update: a frame then looked painted in ~3 ms, having drawn nothing.)
            if renderable is not None and screen is self.main and self._unpainted and not self._batch_count:
                now, cpu = time.perf_counter(), time.process_time()
                self.painted.extend((now, applied, step, cpu) for applied, step in self._unpainted)
                self._unpainted.clear()
                if self.on_paint is not None:
                    self.on_paint.set()
    # Training must not pause by itself (pausing on trouble) while it is being timed.
    extra = {"pause_on_trouble": False} if "pause_on_trouble" in inspect.signature(TrainerApp).parameters else {}
    return BenchApp(trainer, runs_dir=Path(runs_dir), backend=backend, **extra)


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


def _rss_mib(pid: int | str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def one_headless(seconds: float) -> dict:
    t = _story_trainer()
    t.run(1000)
    s0, t0, c0 = t.step_count, time.perf_counter(), time.process_time()
    while time.perf_counter() - t0 < seconds:
        t.run(1000)
    return {"steps_per_s": (t.step_count - s0) / (time.perf_counter() - t0),
            "steps_per_cpu_s": (t.step_count - s0) / (time.process_time() - c0)}


async def _key_latency(app, pilot, key: str) -> float:
    """Milliseconds from pressing `key` until a frame that applied it has been painted."""
    t_key = time.perf_counter()
    await pilot.press(key)
    sent = app.sent
    await _until(pilot, lambda: any(p[1] >= sent for p in app.painted[-4:]), 10)
    return (next(p[0] for p in app.painted if p[1] >= sent) - t_key) * 1e3


def one_tui(backend: str, seconds: float, keys: int, runs_dir: str) -> dict:
    app = _bench_app(_story_trainer(), backend, runs_dir)
    out: dict = {}

    async def run() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await _until(pilot, lambda: app.frame is not None)
            await pilot.pause(0.5)
            space = []
            for i in range(keys):
                await pilot.pause(0.05 + 0.05 * (i % 3))  # not in step with anything
                space.append(await _key_latency(app, pilot, "space"))
            out["space_ms"] = space
            await pilot.press("r")
            await _until(pilot, lambda: app.frame.running and app.frame.snapshot.step > 0)
            await pilot.pause(0.5)  # chunk size settles
            pid = getattr(app.session, "pid", None)
            s0, t0, n0 = app.frame.snapshot.step, time.perf_counter(), len(app.painted)
            c0, u0 = _cpu(pid), time.process_time()
            await pilot.pause(seconds)
            s1, t1, n1 = app.frame.snapshot.step, time.perf_counter(), len(app.painted)
            c1, u1 = _cpu(pid), time.process_time()
            out["steps_per_s"] = (s1 - s0) / (t1 - t0)
            out["ui_cpu_share"] = (u1 - u0) / (t1 - t0)   # the app process: UI thread and relay
            if pid is not None:  # the training process's own CPU time: what the machine's load leaves it
                out["steps_per_cpu_s"] = (s1 - s0) / (c1 - c0)
                out["train_cpu_share"] = (c1 - c0) / (t1 - t0)
            out["frames_per_s"] = (n1 - n0) / (t1 - t0)
            lat = []
            for i in range(keys):
                await pilot.pause(0.05 + 0.05 * (i % 3))
                lat.append(await _key_latency(app, pilot, "plus" if i % 2 == 0 else "minus"))
            out["plus_minus_ms"] = lat
            out["running_at_end"] = app.frame.running
            await pilot.press("r")
            await _until(pilot, lambda: app.settled)
            app.session.close()
    asyncio.run(run())
    return out


KEY_GAP = 0.04  # seconds between the key frames of one_frame


def one_frame(steps: int, frames: int) -> dict:
    """Frames built here from a trainer with `steps` of history, posted to the app: key frames
    (paused, every panel redrawn at once) and periodic frames while training (10 a second)."""
    import dataclasses

    from core.diagnosis.snapshot import take_snapshot
    from tui_trainer.messages import FrameReady
    trainer = _story_trainer(steps)
    app = _bench_app(_story_trainer(), "thread", "/tmp")
    out: dict = {}

    async def post(pilot, frame) -> tuple[float, float]:
        """(wall ms, CPU ms of this process) from posting the frame until it is painted."""
        n = len(app.painted)
        t0, c0 = time.perf_counter(), time.process_time()
        app.on_paint = asyncio.Event()
        app.post_message(FrameReady(frame))
        await asyncio.wait_for(app.on_paint.wait(), 10)
        return (app.painted[n][0] - t0) * 1e3, (app.painted[n][3] - c0) * 1e3

    async def run() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await _until(pilot, lambda: app.frame is not None)
            app.session.close()  # from here on only the frames posted below reach the screen
            await pilot.pause(0.3)
            base = app.frame
            keyed, periodic, snaps = [], [], []
            # Frames without new findings carry the last ones over, as the session's do (without
            # them the findings panel changed its length every frame and re-ran the layout).
            found = ()

            def snapshot(i: int):
                nonlocal found
                snap = take_snapshot(trainer, with_findings=(i % 3 == 0), previous_findings=found)
                found = snap.findings
                return snap

            for i in range(frames):
                trainer.run(10)
                c0 = time.perf_counter()
                snap = snapshot(i)
                snaps.append((time.perf_counter() - c0) * 1e3)
                # a key's frame: one more command applied, paused; 40 ms apart, as a held key
                # repeats (~25 a second). Back to back, a paint waits for Textual's 60 fps cap.
                t0 = time.perf_counter()
                keyed.append(await post(pilot, dataclasses.replace(base, snapshot=snap, applied=base.applied + 1 + i,
                                                                   running=False)))
                await pilot.pause(max(0.0, KEY_GAP - (time.perf_counter() - t0)))
            last = app.frame.applied
            for i in range(frames):
                trainer.run(10)
                snap = snapshot(i)
                t0 = time.perf_counter()
                periodic.append(await post(pilot, dataclasses.replace(base, snapshot=snap, applied=last, running=True)))
                await pilot.pause(max(0.0, 0.1 - (time.perf_counter() - t0)))  # 10 frames a second
            out.update(key_frame_ms=[w for w, _ in keyed], periodic_frame_ms=[w for w, _ in periodic],
                       key_frame_cpu_ms=[c for _, c in keyed], periodic_frame_cpu_ms=[c for _, c in periodic],
                       snapshot_ms=snaps, history_rows=len(trainer.history.rows()))
    asyncio.run(run())
    return out


def one_memory(backend: str, seconds: float, runs_dir: str) -> dict:
    """RSS of the app and the training process every 5 s while the TUI trains for `seconds`."""
    app = _bench_app(_story_trainer(), backend, runs_dir)
    out: dict = {"samples": []}

    async def run() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await _until(pilot, lambda: app.frame is not None)
            await pilot.press("r")
            t0 = time.perf_counter()
            while time.perf_counter() - t0 < seconds:
                pid = getattr(app.session, "pid", None)
                out["samples"].append((time.perf_counter() - t0, _rss_mib(), _rss_mib(pid) if pid else 0.0,
                                       app.frame.snapshot.step))
                # The bench's own note of each painted frame is not the app's memory: ~150 bytes
                # a frame, 5 MiB an hour, which the hour's figure before 2026-11-29 20:45 included.
                app.painted.clear()
                await pilot.pause(5.0)
            await pilot.press("r")
            await _until(pilot, lambda: app.settled)
            app.session.close()
    asyncio.run(run())
    return out


# ---- start-up ----------------------------------------------------------------------------
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
                if FIRST_FRAME.search(buf):  # the status line's "step 0", styled
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
def child(args: list) -> dict:
    cmd = [sys.executable, __file__, "--one", *map(str, args)]
    res = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if res.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{res.stderr[-3000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, round(q * (len(xs) - 1))))] if xs else float("nan")


def load() -> float:
    return os.getloadavg()[0]


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
    return f"{cpu}  nproc={os.cpu_count()}  Python {platform.python_version()}  NumPy {np.__version__}"


class Hog:
    """Another busy process on the machine: one spinning Python loop."""

    def __enter__(self):
        self.proc = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        return self

    def __exit__(self, *exc):
        self.proc.kill()
        self.proc.wait()


def speed(args, tmp: Path, busy: bool) -> dict:
    rows: dict = {"headless": [], "tui": []}
    loads = []
    for _ in range(args.rounds):
        with Hog() if busy else _nothing():
            loads.append(load())
            rows["headless"].append(child(["headless", args.seconds]))
            rows["tui"].append(child(["tui", args.backend, args.seconds, args.keys, tmp]))
    ratios = [x["steps_per_s"] / h["steps_per_s"] for x, h in zip(rows["tui"], rows["headless"])]
    t = rows["tui"]
    e = {"busy": busy, "load": loads, "headless_steps_per_s": statistics.median(h["steps_per_s"] for h in rows["headless"]),
         "tui_steps_per_s": statistics.median(x["steps_per_s"] for x in t), "ratio": statistics.median(ratios),
         "ratios": ratios, "frames_per_s": statistics.median(x["frames_per_s"] for x in t),
         "ui_cpu_share": statistics.median(x["ui_cpu_share"] for x in t), "rounds": rows}
    if all("train_cpu_share" in x for x in t):
        e["train_cpu_share"] = statistics.median(x["train_cpu_share"] for x in t)
    for name in ("space_ms", "plus_minus_ms"):
        lat = [v for x in t for v in x[name]]
        e[name] = {"p50": pct(lat, 0.5), "p95": pct(lat, 0.95), "max": max(lat), "n": len(lat)}
    tag = "with a busy process" if busy else "second core free"
    print(f"[{tag}, load {min(loads):.1f}-{max(loads):.1f}] headless {e['headless_steps_per_s']:,.0f} steps/s, "
          f"TUI ({args.backend}) {e['tui_steps_per_s']:,.0f} = {e['ratio']:.0%} (rounds "
          f"{', '.join(f'{r:.0%}' for r in ratios)}); {e['frames_per_s']:.1f} frames/s; UI process "
          f"{e['ui_cpu_share']:.0%} of a core" + (f", training {e['train_cpu_share']:.0%}" if "train_cpu_share" in e else "")
          + f"; space (paused) p50 {e['space_ms']['p50']:.0f} / p95 {e['space_ms']['p95']:.0f} ms; +/- (training) "
          f"p50 {e['plus_minus_ms']['p50']:.0f} / p95 {e['plus_minus_ms']['p95']:.0f} ms", flush=True)
    return e


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def goals_table(r: dict) -> list[tuple[str, str, str]]:
    g, rows = GOALS, []
    for e in r.get("speed", []):
        tag = "busy process" if e["busy"] else "second core free"
        ld = f"load {min(e['load']):.1f}-{max(e['load']):.1f}"
        need = g["ratio_busy"] if e["busy"] else g["ratio_free"]
        rows.append((f"training ≥ {need:.0%} of headless ({tag})", f"{e['ratio']:.0%} ({ld})", _met(e["ratio"] >= need)))
        rows.append((f"key → screen p95 ≤ 50 ms, paused ({tag})", f"{e['space_ms']['p95']:.0f} ms", _met(e['space_ms']['p95'] <= g["key_p95_ms"])))
        rows.append((f"key → screen p95 ≤ 50 ms, training ({tag})", f"{e['plus_minus_ms']['p95']:.0f} ms", _met(e['plus_minus_ms']['p95'] <= g["key_p95_ms"])))
        rows.append((f"space (paused) p50 ≤ 30 ms ({tag})", f"{e['space_ms']['p50']:.0f} ms", _met(e['space_ms']['p50'] <= g["space_p50_ms"])))
        rows.append((f"UI process < 25 % of a core at ~10 frames/s ({tag})",
                     f"{e['ui_cpu_share']:.0%} at {e['frames_per_s']:.1f} frames/s", _met(e["ui_cpu_share"] < g["ui_cpu_share"])))
    for e in r.get("frame", []):
        for kind in ("periodic", "key"):
            p50, p95 = e[f"{kind}_p50_ms"], e[f"{kind}_p95_ms"]
            c50, c95 = e[f"{kind}_cpu_p50_ms"], e[f"{kind}_cpu_p95_ms"]
            rows.append((f"{kind} frame p50 ≤ 10, p95 ≤ 25 ms at {e['steps']:,} steps",
                         f"wall {p50:.1f} / {p95:.1f} ms, CPU {c50:.1f} / {c95:.1f} ms (load {e['load']:.1f})",
                         _met(p50 <= g["frame_p50_ms"] and p95 <= g["frame_p95_ms"])))
    if "first_frame_s" in r:
        ff = r["first_frame_s"]
        rows.append(("first frame ≤ 0.8 s", f"{ff['median']:.2f} s (load {ff['load']:.1f})", _met(ff["median"] <= g["first_frame_s"])))
    if "memory" in r:
        m = r["memory"]
        rows.append((f"memory flat over {m['seconds'] / 60:.0f} min on screen",
                     f"app {m['app_at_1min']:.1f} → {m['app_end']:.1f} MiB ({m['app_mib_per_min']:+.2f} MiB/min after the first), "
                     f"training {m['child_mib_per_min']:+.2f} MiB/min", "see figures"))
    return rows


def _met(ok: bool) -> str:
    return "yes" if ok else "no"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", default="speed,busy,frame,memory,startup",
                   help="comma list of: speed, busy, frame, memory, startup")
    p.add_argument("--backend", default="process", help="process (the default users get) or thread")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--seconds", type=float, default=5.0, help="training window per speed round")
    p.add_argument("--keys", type=int, default=20, help="presses of each kind per round")
    p.add_argument("--frame-steps", default="1000,100000,1000000")
    p.add_argument("--frames", type=int, default=40, help="frames of each kind per frame-cost run")
    p.add_argument("--memory-seconds", type=float, default=600)
    p.add_argument("--json", metavar="PATH")
    p.add_argument("--one", nargs="+", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.one:
        kind, *rest = args.one
        fn = {"headless": lambda s: one_headless(float(s)),
              "tui": lambda b, s, k, d: one_tui(b, float(s), int(k), d),
              "frame": lambda n, f: one_frame(int(n), int(f)),
              "memory": lambda b, s, d: one_memory(b, float(s), d)}[kind]
        print(json.dumps(fn(*rest)))
        return 0

    import tempfile
    only = set(args.only.split(","))
    tmp = Path(tempfile.mkdtemp(prefix="bench-tui-"))
    r: dict = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "machine": machine(),
               "command": " ".join(["python"] + sys.argv), "load_at_start": load()}
    print(f"# {r['date']}  {r['machine']}  load {r['load_at_start']:.1f}", flush=True)
    r["speed"] = [speed(args, tmp, busy) for busy in (False, True) if ("busy" if busy else "speed") in only]
    if "frame" in only:
        r["frame"] = []
        for n in map(int, args.frame_steps.split(",")):
            ld = load()
            x = child(["frame", n, args.frames])
            e = {"steps": n, "load": ld, "history_rows": x["history_rows"]}
            for kind in ("key", "periodic"):
                fr = x[f"{kind}_frame_ms"][3:]  # the first frames warm caches up
                cpu = x[f"{kind}_frame_cpu_ms"][3:]
                e.update({f"{kind}_p50_ms": pct(fr, 0.5), f"{kind}_p95_ms": pct(fr, 0.95), f"{kind}_max_ms": max(fr),
                          f"{kind}_cpu_p50_ms": pct(cpu, 0.5), f"{kind}_cpu_p95_ms": pct(cpu, 0.95)})
            e.update(snapshot_p50_ms=pct(x["snapshot_ms"], 0.5), snapshot_p95_ms=pct(x["snapshot_ms"], 0.95))
            r["frame"].append(e)
            print(f"[load {ld:.1f}] frame at {n:>9,d} steps: periodic p50 {e['periodic_p50_ms']:.1f} / p95 "
                  f"{e['periodic_p95_ms']:.1f} ms (CPU {e['periodic_cpu_p50_ms']:.1f} / {e['periodic_cpu_p95_ms']:.1f}); "
                  f"key frame p50 {e['key_p50_ms']:.1f} / p95 {e['key_p95_ms']:.1f} ms (CPU {e['key_cpu_p50_ms']:.1f} / "
                  f"{e['key_cpu_p95_ms']:.1f}); take_snapshot p50 {e['snapshot_p50_ms']:.1f} ms", flush=True)
    if "memory" in only:
        ld = load()
        x = child(["memory", args.backend, args.memory_seconds, tmp / "runs-memory"])
        s = x["samples"]
        after = [v for v in s if v[0] >= 60] or s
        minutes = max((after[-1][0] - after[0][0]) / 60, 1e-9)
        m = {"seconds": args.memory_seconds, "load": ld, "samples": s, "app_at_1min": after[0][1], "app_end": s[-1][1],
             "app_mib_per_min": (after[-1][1] - after[0][1]) / minutes,
             "child_mib_per_min": (after[-1][2] - after[0][2]) / minutes, "steps": s[-1][3]}
        r["memory"] = m
        print(f"[load {ld:.1f}] memory over {args.memory_seconds:.0f} s ({m['steps']:,} steps): app {s[0][1]:.1f} MiB at start, "
              f"{m['app_at_1min']:.1f} at 1 min, {m['app_end']:.1f} at the end ({m['app_mib_per_min']:+.2f} MiB/min after "
              f"the first minute); training process {after[0][2]:.1f} → {s[-1][2]:.1f} MiB", flush=True)
    if "startup" in only:
        ld = load()
        ff = [first_frame_seconds(args.backend, tmp) for _ in range(args.rounds)]
        r["first_frame_s"] = {"median": statistics.median(ff), "runs": ff, "load": ld}
        print(f"[load {ld:.1f}] first frame on a pty ({args.backend}): {statistics.median(ff):.2f} s "
              f"({', '.join(f'{x:.2f}' for x in ff)})", flush=True)
    r["load_at_end"] = load()
    r["goals"] = goals_table(r)
    print(f"\n| goal | measured | met? |\n| --- | --- | --- |")
    for row in r["goals"]:
        print("| " + " | ".join(row) + " |")
    if args.json:
        path = Path(args.json)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(r, indent=1) + "\n")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
