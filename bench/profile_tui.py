"""Where the UI process spends its time: cProfile of the app's thread, and the time each widget
class takes to render its lines, over one scripted session at 120 × 40 in Textual's headless mode.

The session: the story, paused, `space` pressed --keys times (each waits until its frame is
painted); then `r` and --seconds of training while the screen draws; then `+` / `-` --keys
times while training. The whole session is profiled (the app's own thread; the process
backend's relay thread and the training process are not). Run it on another tree (the code
before a change) with --root.

    python bench/profile_tui.py --seconds 10 --keys 20
    python bench/profile_tui.py --root /tmp/tt-before --seconds 10 --keys 20
"""
from __future__ import annotations

import argparse
import asyncio
import cProfile
import inspect
import io
import os
import pstats
import sys
import time
from collections import defaultdict
from pathlib import Path

SIZE = (120, 40)
GROUPS = (("tui_trainer/", "app (tui_trainer)"), ("/textual/", "textual"), ("/rich/", "rich"),
          ("/plotext/", "plotext"), ("/textual_plotext/", "plotext"), ("/numpy/", "numpy"),
          ("core/", "core"), ("/asyncio/", "asyncio"))


def group_of(filename: str) -> str:
    for part, name in GROUPS:
        if part in filename:
            return name
    return "other (Python, builtins)"


def time_method(cls, name: str) -> dict[str, list[float]]:
    """Wrap cls.<name>: [seconds, calls] per widget class."""
    spent: dict[str, list[float]] = defaultdict(lambda: [0.0, 0])
    original = getattr(cls, name)

    def timed(self, *args):
        t0 = time.perf_counter()
        try:
            return original(self, *args)
        finally:
            cell = spent[type(self).__name__]
            cell[0] += time.perf_counter() - t0
            cell[1] += 1
    setattr(cls, name, timed)
    return spent


async def session(app, seconds: float, keys: int, out: dict) -> None:
    from textual.pilot import Pilot  # noqa: F401

    async def until(pilot, predicate, timeout=30.0):
        end = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > end:
                raise RuntimeError("timed out")
            await pilot.pause(0.002)

    async def key_to_paint(pilot, key):
        t0 = time.perf_counter()
        await pilot.press(key)
        sent = app.sent
        await until(pilot, lambda: any(a >= sent for _, a in app.painted[-4:]))
        return (next(t for t, a in app.painted if a >= sent) - t0) * 1e3

    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.frame is not None)
        await pilot.pause(0.3)
        out["space_ms"] = [await key_to_paint(pilot, "space") for _ in range(keys)]
        await pilot.press("r")
        await until(pilot, lambda: app.frame.running)
        await pilot.pause(0.5)
        n0, w0, c0 = len(app.painted), time.perf_counter(), time.process_time()
        await pilot.pause(seconds)
        out["train_frames_per_s"] = (len(app.painted) - n0) / (time.perf_counter() - w0)
        out["ui_cpu_share"] = (time.process_time() - c0) / (time.perf_counter() - w0)
        lat = []
        for i in range(keys):
            await pilot.pause(0.05 + 0.05 * (i % 3))
            lat.append(await key_to_paint(pilot, "plus" if i % 2 == 0 else "minus"))
        out["plus_minus_ms"] = lat
        await pilot.press("r")
        app.session.close()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--root", default=str(Path(__file__).resolve().parent.parent))
    p.add_argument("--backend", default="process")
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--keys", type=int, default=20)
    p.add_argument("--top", type=int, default=25)
    p.add_argument("--no-profile", action="store_true", help="time the widgets only (no cProfile overhead)")
    args = p.parse_args()
    sys.path.insert(0, args.root)
    os.chdir(args.root)
    import tui_trainer  # noqa: F401  (the BLAS thread default, before NumPy)
    from textual.widget import Widget

    from core.engine.config import TrainConfig
    from core.engine.data import story_problem
    from core.engine.trainer import Trainer
    import tui_trainer.app as app_module
    from tui_trainer.app import TrainerApp

    class ProfiledApp(TrainerApp):
        CSS_PATH = str(Path(app_module.__file__).parent / TrainerApp.CSS_PATH)  # not relative to bench/

        def __init__(self, *a, **k):
            super().__init__(*a, **k)
            self.painted: list[tuple[float, int]] = []

        def on_frame_ready(self, message) -> None:
            super().on_frame_ready(message)
            applied = message.frame.applied
            self.call_after_refresh(lambda: self.painted.append((time.perf_counter(), applied)))

    spent = time_method(Widget, "render_lines")   # what the compositor asks each widget for
    contents = time_method(Widget, "_render")       # a widget's render(): rebuilt content
    # Training must not pause by itself (pausing on trouble, where the app has it) while measured.
    extra = {"pause_on_trouble": False} if "pause_on_trouble" in inspect.signature(TrainerApp).parameters else {}
    app = ProfiledApp(Trainer(TrainConfig(), story_problem()), runs_dir=Path("/tmp/profile-tui-runs"),
                      backend=args.backend, **extra)
    out: dict = {}
    prof = cProfile.Profile()
    t0, c0 = time.perf_counter(), time.process_time()
    if not args.no_profile:
        prof.enable()
    asyncio.run(session(app, args.seconds, args.keys, out))
    if not args.no_profile:
        prof.disable()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    frames = len(app.painted)
    print(f"# root {args.root}  backend {args.backend}  load {os.getloadavg()[0]:.1f}  "
          f"wall {wall:.1f} s  UI process CPU {cpu:.1f} s  frames painted {frames}")

    def pcts(xs):
        xs = sorted(xs)
        return f"p50 {xs[len(xs) // 2]:.0f} ms, p95 {xs[min(len(xs) - 1, round(0.95 * (len(xs) - 1)))]:.0f} ms"
    print(f"space (paused) → painted: {pcts(out['space_ms'])};  +/- (training) → painted: {pcts(out['plus_minus_ms'])}")
    print(f"while training: {out['train_frames_per_s']:.1f} frames/s painted, UI process "
          f"{out['ui_cpu_share']:.0%} of a core")
    print("\nrender_lines by widget class (the compositor's calls), whole session:")
    total_render = sum(s for s, _ in spent.values())
    for name, (s, n) in sorted(spent.items(), key=lambda kv: -kv[1][0])[:12]:
        print(f"  {name:24s} {s:7.2f} s  {s / max(frames, 1) * 1e3:6.2f} ms/frame  ({n} calls)")
    print(f"  {'all widgets':24s} {total_render:7.2f} s  {total_render / max(frames, 1) * 1e3:6.2f} ms/frame")
    print("render() (content rebuilt; Line-API widgets have none), whole session:")
    for name, (s, n) in sorted(contents.items(), key=lambda kv: -kv[1][0])[:8]:
        print(f"  {name:24s} {s:7.2f} s  {n:5d} calls  {s / max(n, 1) * 1e3:6.2f} ms/call")
    if args.no_profile:
        return 0
    stats = pstats.Stats(prof)
    by_group: dict[str, float] = defaultdict(float)
    total = 0.0
    for (filename, _, _), (_, _, tt, _, _) in stats.stats.items():
        by_group[group_of(filename)] += tt
        total += tt
    print(f"\nself time by package (profiled {total:.1f} s):")
    for name, tt in sorted(by_group.items(), key=lambda kv: -kv[1]):
        print(f"  {name:26s} {tt:7.2f} s  {tt / total:5.1%}")
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(args.top)
    print("\n" + buf.getvalue())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
