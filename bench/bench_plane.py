"""The 2-D view's cost at 120x40: the forward pass over the grid (where the trainer lives) and
the redraw of the heatmap and of the network with its thumbnails (in the UI), per frame.

    python bench/bench_plane.py [--repeat 50]

Prints the median and 95th percentile in ms, wall clock and this process's CPU time (the CPU
figure is what a busy machine does not inflate). The panels' sizes are the 2-D screen's at
120x40: 58 x 35 cells each.
"""
from __future__ import annotations

import argparse
import pickle
import time

import numpy as np

from core.diagnosis.plane import plane_view
from core.diagnosis.snapshot import take_snapshot
from core.engine.config import TrainConfig
from core.engine.features import apply_features
from core.engine.playground import make_dataset
from core.engine.trainer import Trainer
from tui_trainer.widgets.plane_heatmap import heatmap_lines
from tui_trainer.widgets.plane_network import network_lines

PANEL = (58, 35)
FEATURES = ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"]


def cases():
    yield "circle, hidden 4", make_dataset("circle", 10, None, seed=4), (4,)
    yield "spiral, 7 features, hidden 8,8,8", apply_features(make_dataset("spiral", 10, None, seed=4), FEATURES), (8, 8, 8)
    yield "multigauss (1200 points), hidden 8,8", make_dataset("multigauss", 0, None, seed=4), (8, 8)


def timed(fn, repeat: int) -> tuple[float, float, float]:
    """(median wall ms, p95 wall ms, median CPU ms)."""
    wall, cpu = [], []
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
    return (float(np.median(wall)) * 1e3, float(np.percentile(wall, 95)) * 1e3, float(np.median(cpu)) * 1e3)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=50)
    n = ap.parse_args().repeat
    print(f"{'case':38} {'what':10} {'median':>8} {'p95':>8} {'cpu':>8}  (ms)")
    for name, data, hidden in cases():
        classify = name.split(",")[0] != "multigauss (1200 points)"
        t = Trainer(TrainConfig(hidden=hidden, hidden_activation="tanh", normalize=True, dev_fraction=0.5,
                                output_activation="sigmoid" if classify else "linear",
                                loss="bce" if classify else "mse", lr=0.1), data)
        t.run(500)
        snap = take_snapshot(t, with_findings=False)
        view = snap.problem.plane
        rows = [("forward", lambda: plane_view(t, snap.dead, snap.dead_units)),
                ("heatmap", lambda: heatmap_lines(view, *PANEL)),
                ("network", lambda: network_lines(view, *PANEL)),
                ("both", lambda: (heatmap_lines(view, *PANEL), network_lines(view, *PANEL)))]
        for what, fn in rows:
            med, p95, cpu = timed(fn, n)
            print(f"{name:38} {what:10} {med:8.2f} {p95:8.2f} {cpu:8.2f}")
        print(f"{'':38} {'frame size':10} {len(pickle.dumps(view)) / 1024:8.1f} kB (the view, pickled)")


if __name__ == "__main__":
    main()
