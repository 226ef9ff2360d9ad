"""The TUI on a large CSV (issue 17, item 6): time to the first frame, key → screen, memory.

Generates CSVs of one feature and a noisy linear target (y = 2x + 1 + noise) with --rows rows,
then for each one, in a fresh process, opens the TUI as `tui-trainer --data FILE` does (the
process backend, Textual's headless mode at 120 × 40) and measures:

- load:        reading the CSV and building the trainer (the data defaults included)
- first frame: from the start of loading, and from the app's start, until the first frame is painted
- keys:        from a key press until the first frame showing its effect (frame.applied counts
               it) has been painted: `space` while paused, `+` / `-` while training, `r` to pause.
               `space` is pressed twice over: the moment the last one's frame is painted (back
               to back, as no hand presses), and --gap seconds after it (a person tapping it
               a few times a second; the training process prepares the next step meanwhile)
- memory:      RSS of the app and of the training process after the keys; the app's peak;
               the data's size (the CSV file, and X and Y as float64)

The machine's load average is printed with each result: these figures move with it.

    python bench/bench_large_data.py --rows 100000 1000000 [--json bench/results/large_data.json]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZE = (120, 40)


def make_csv(rows: int, folder: Path) -> Path:
    import numpy as np
    path = folder / f"linear-{rows}.csv"
    if not path.exists():
        rng = np.random.default_rng(0)
        x = rng.uniform(-3, 3, rows)
        y = 2 * x + 1 + rng.normal(0, 0.5, rows)
        np.savetxt(path, np.column_stack([x, y]), delimiter=",", header="x,y", comments="", fmt="%.6f")
    return path


def rss_mb(pid: int | str = "self") -> float:
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return float("nan")


def one(path: str, keys: int, gap: float) -> dict:
    """In a fresh process: the TUI on `path`, measured."""
    sys.path.insert(0, str(ROOT))
    import asyncio

    t_load = time.perf_counter()
    from tui_trainer.cli import build_parser
    from tui_trainer.commands.common import make_trainer
    from tui_trainer.data_defaults import tui_options
    from tui_trainer.session.memory import map_large_blocks
    from tui_trainer.session.starting import start_fork_server
    args = build_parser().parse_args(["--data", path])
    map_large_blocks()  # as cli.launch_tui does before loading
    start_fork_server()
    trainer = make_trainer(args)
    options = tui_options(args)
    loaded = time.perf_counter() - t_load
    import tui_trainer.app as app_module
    from tui_trainer.app import TrainerApp
    m = trainer.dataset.X.shape[1]
    data_mb = (trainer.dataset.X.nbytes + trainer.dataset.Y.nbytes) / 2**20

    class PaintedApp(TrainerApp):
        """Notes when each frame is painted: the end of the first screen update written after it
        arrived (Pilot's press returns only once every widget is idle, often well after that)."""
        CSS_PATH = str(Path(app_module.__file__).parent / TrainerApp.CSS_PATH)  # not relative to bench/
        painted: list[tuple[float, int]] = []
        _unpainted: list[int] = []

        def on_frame_ready(self, message) -> None:
            super().on_frame_ready(message)
            self._unpainted.append(message.frame.applied)

        def _display(self, screen, renderable) -> None:
            super()._display(screen, renderable)
            if renderable is not None and screen is self.main and self._unpainted and not self._batch_count:
                now = time.perf_counter()
                self.painted.extend((now, applied) for applied in self._unpainted)
                self._unpainted.clear()

    app = PaintedApp(trainer, backend="process", runs_dir=Path(tempfile.mkdtemp()) / "runs",
                     **{k: v for k, v in options.items() if k in ("lr_given", "start_notice", "pause_on_trouble")})
    del trainer
    out: dict = {"rows": m, "csv_mb": os.path.getsize(path) / 2**20, "data_mb": data_mb, "load_s": loaded}

    async def painted(pilot, predicate, timeout=300.0) -> float:
        t0 = time.perf_counter()
        while not predicate():
            if time.perf_counter() - t0 > timeout:
                raise TimeoutError("no frame")
            await asyncio.sleep(0.002)
        done = asyncio.Event()
        app.screen.refresh()  # (an idle screen would not refresh at all)
        app.call_after_refresh(done.set)
        await done.wait()
        return time.perf_counter() - t0

    async def key(pilot, name: str, what=lambda f: True) -> float:
        """Seconds from the key press to the painting of the first frame that applied it."""
        want = app.sent + 1
        t0 = time.perf_counter()
        await pilot.press(name)
        await painted(pilot, lambda: app.frame is not None and app.frame.applied >= want and what(app.frame))
        return next(t for t, applied in app.painted if applied >= want) - t0

    async def run() -> None:
        t_app = time.perf_counter()
        async with app.run_test(size=SIZE) as pilot:
            await painted(pilot, lambda: app.frame is not None)
            out["first_frame_from_app_s"] = time.perf_counter() - t_app
            out["first_frame_from_load_s"] = time.perf_counter() - t_load
            space = [await key(pilot, "space") for _ in range(keys)]
            paced = []
            for _ in range(keys):
                await asyncio.sleep(gap)
                paced.append(await key(pilot, "space"))
            await key(pilot, "r", lambda f: f.running)
            await asyncio.sleep(1.0)
            lr = [await key(pilot, k) for k in ("plus", "minus") * (keys // 2)]
            stop = await key(pilot, "r", lambda f: not f.running)
            out["first_key_ms"] = 1000 * space[0]   # pressed on the preview: waits for the child
            out["space_ms"] = sorted(1000 * s for s in space)
            out["space_paced_ms"] = sorted(1000 * s for s in paced)
            out["gap_s"] = gap
            out["lr_ms"] = sorted(1000 * s for s in lr)
            out["pause_ms"] = 1000 * stop
            out["app_rss_mb"] = rss_mb()
            out["training_rss_mb"] = rss_mb(app.session.pid)
            out["step"] = app.frame.snapshot.step
            await pilot.press("q")
            while app.is_running:
                await asyncio.sleep(0.05)

    asyncio.run(run())
    out["app_peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def summary(r: dict) -> str:
    med = lambda xs: statistics.median(xs) if xs else float("nan")
    return (f"{r['rows']:>9,} rows ({r['csv_mb']:.0f} MB CSV, {r['data_mb']:.0f} MB as float64), load "
            f"{r['load_s']:.1f}: load {r['load_s']:.2f} s; first frame {r['first_frame_from_load_s']:.2f} s "
            f"from loading ({r['first_frame_from_app_s']:.2f} s from the app's start); space "
            f"{med(r['space_ms']):.0f} ms median, {max(r['space_ms']):.0f} max, first key "
            f"{r.get('first_key_ms', float('nan')):.0f}; space {r.get('gap_s', 0):g} s apart "
            f"{med(r.get('space_paced_ms', [])):.0f} ms median, {max(r.get('space_paced_ms', [0])):.0f} max; "
            f"+/- while training "
            f"{med(r['lr_ms']):.0f} ms median, {max(r['lr_ms']):.0f} max; pause {r['pause_ms']:.0f} ms; "
            f"app RSS {r['app_rss_mb']:.0f} MB (peak {r['app_peak_rss_mb']:.0f}), training process "
            f"{r['training_rss_mb']:.0f} MB")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    p.add_argument("--keys", type=int, default=10)
    p.add_argument("--gap", type=float, default=0.25, help="seconds between paced presses of space")
    p.add_argument("--folder", type=Path, default=Path(tempfile.gettempdir()) / "tui-trainer-bench")
    p.add_argument("--json", type=Path)
    p.add_argument("--one", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.one:
        print(json.dumps(one(a.one, a.keys, a.gap)))
        return
    a.folder.mkdir(parents=True, exist_ok=True)
    results = []
    for rows in a.rows:
        path = make_csv(rows, a.folder)
        load = os.getloadavg()[0]
        proc = subprocess.run([sys.executable, __file__, "--one", str(path), "--keys", str(a.keys),
                               "--gap", str(a.gap)],
                              capture_output=True, text=True, cwd=ROOT)
        if proc.returncode:
            print(proc.stderr[-3000:], file=sys.stderr)
            continue
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        r["load_average"] = (load + os.getloadavg()[0]) / 2
        results.append(r)
        print(summary(r).replace(f"load {r['load_s']:.1f}:", f"load average {r['load_average']:.1f}:"), flush=True)
    if a.json:
        a.json.write_text(json.dumps({"cpus": os.cpu_count(), "results": results}, indent=1) + "\n")


if __name__ == "__main__":
    main()
