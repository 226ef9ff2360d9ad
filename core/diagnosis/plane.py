"""The 2-D view's numbers: the network over the input plane, for data with two inputs (x1, x2).

One forward pass over a coarse grid covering the samples gives both the output heatmap and,
from the same pass, every hidden unit's activation (its thumbnail, at a quarter of the grid's
resolution). Grid points go through the same input features and standardisation as the
training data, so the picture is exactly what the network computes. Computed where the
trainer lives; the screen only draws (tui_trainer/widgets/plane_*.py). Float32 keeps a frame
small: the heatmap is GRID_W x GRID_H values.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..engine.features import transform
from ..engine.trainer import Trainer

GRID_W, GRID_H = 64, 48   # output samples across / down the plane: past a 120x40 panel's half-blocks
THUMB_STEP = 4            # thumbnails take every 4th grid point: 16 x 12
MARGIN = 0.05             # of the samples' span, around them


@dataclass(frozen=True, eq=False)
class PlaneView:
    extent: tuple[float, float, float, float]  # x1 from, x1 to, x2 from, x2 to (original units)
    output: np.ndarray           # (GRID_H, GRID_W) ŷ in y's units; row 0 at x2's top (largest)
    centre: float                # ŷ of the decision boundary (0.5), or the middle of y's range
    scale: float                 # half the colour range around `centre`
    classify: bool               # 0/1 targets: the boundary is ŷ = 0.5
    units: tuple[np.ndarray, ...]    # per hidden layer: (n_l, GRID_H//4, GRID_W//4) activations
    dead_units: tuple[np.ndarray, ...]  # per hidden layer: indices of units dead on every sample
    weights: tuple[np.ndarray, ...]  # W[1], ..., W[L] (for the network diagram)
    feature_names: tuple[str, ...]
    train: np.ndarray            # (3, m) x1, x2, y of the training samples
    dev: np.ndarray              # (3, m_dev) likewise for the dev samples
    dead: np.ndarray             # (m,) bool: training samples whose ReLU output is dead


def plane_points(trainer: Trainer) -> np.ndarray | None:
    """(2, m_all) x1, x2 of every sample, or None when the data is not two inputs."""
    ds = trainer.dataset
    if ds.plane is not None:
        return ds.plane
    return ds.X if ds.n_x == 2 else None


def grid(extent: tuple[float, float, float, float], w: int = GRID_W, h: int = GRID_H) -> np.ndarray:
    """(2, h*w) cell centres, row by row from x2's top, x1 left to right."""
    x0, x1, y0, y1 = extent
    xs = x0 + (np.arange(w) + 0.5) * (x1 - x0) / w
    ys = y1 - (np.arange(h) + 0.5) * (y1 - y0) / h
    gx, gy = np.meshgrid(xs, ys)
    return np.vstack([gx.ravel(), gy.ravel()])


def _extent(points: np.ndarray) -> tuple[float, float, float, float]:
    lo, hi = points.min(axis=1), points.max(axis=1)
    pad = np.maximum((hi - lo) * MARGIN, 1e-9)
    return float(lo[0] - pad[0]), float(hi[0] + pad[0]), float(lo[1] - pad[1]), float(hi[1] + pad[1])


def plane_view(trainer: Trainer, dead: np.ndarray, dead_units) -> PlaneView | None:
    """The view at the trainer's parameters, or None for data that is not two inputs."""
    pts = plane_points(trainer)
    if pts is None or pts.shape[1] == 0:
        return None
    ds, d = trainer.dataset, trainer.data
    ext = _extent(pts)
    G = grid(ext)
    X = transform(G, ds.feature_names) if ds.plane is not None else G
    if d.normalize:
        X = (X - d.x_mean) / d.x_std
    Zs, As = trainer.forward(X)
    y_hat = d.y_to_original(As[-1][0])
    classify = bool(np.isin(ds.Y, (0.0, 1.0)).all())
    centre, scale = _colour_range(ds.Y[0], classify)
    h, w = GRID_H // THUMB_STEP, GRID_W // THUMB_STEP
    units = tuple(A.reshape(-1, GRID_H, GRID_W)[:, ::THUMB_STEP, ::THUMB_STEP].astype(np.float32).reshape(-1, h, w)
                  for A in As[:-1])
    s = trainer.split
    return PlaneView(
        extent=ext, output=np.nan_to_num(y_hat.reshape(GRID_H, GRID_W)).astype(np.float32),
        centre=centre, scale=scale, classify=classify, units=units,
        dead_units=tuple(np.asarray(u, dtype=int) for u in dead_units),
        weights=tuple(trainer.params[f"W{l}"].copy() for l in range(1, trainer.L + 1)),
        feature_names=tuple(ds.feature_names),
        train=np.vstack([pts[:, s.train_idx], ds.Y[:, s.train_idx]]),
        dev=np.vstack([pts[:, s.dev_idx], ds.Y[:, s.dev_idx]]),
        dead=np.asarray(dead, dtype=bool).copy())


def _colour_range(y: np.ndarray, classify: bool) -> tuple[float, float]:
    """Classification: centred on the boundary ŷ = 0.5, saturating at 0 and 1. Regression: on
    the middle of y's range, saturating at its ends."""
    if classify:
        return 0.5, 0.5
    lo, hi = float(y.min()), float(y.max())
    return (lo + hi) / 2, max((hi - lo) / 2, 1e-12)
