"""TensorFlow Playground's problems as seeded datasets in the course's layout.

The geometry follows Playground's `src/dataset.ts`: points in a square of half-width 5 (6 for
regression), `noise` on Playground's 0-50 % slider, 500 samples to classify and 1200 to regress
by default. Two deliberate differences: classification labels are 0/1 (Playground uses -1/+1)
so they suit a sigmoid output and cross-entropy, and a seeded NumPy generator replaces
`Math.random`, so the same seed gives the same points on every machine.
"""
from __future__ import annotations

import math

import numpy as np

from .csv_data import DataError
from .data import Dataset, story_problem

CLASSIFICATION = ("circle", "xor", "gauss", "spiral")
REGRESSION = ("plane", "multigauss")
DATASET_NAMES = ("story", *CLASSIFICATION, *REGRESSION)
SAMPLES_CLASSIFY, SAMPLES_REGRESS = 500, 1200  # Playground's NUM_SAMPLES_CLASSIFY / _REGRESS
MAX_NOISE = 50.0                               # Playground's slider stops at 50 %
MIN_SAMPLES, MAX_SAMPLES = 4, 100_000          # both classes present; memory stays small


def is_classification(name: str) -> bool:
    """True for the problems with 0/1 labels (accuracy applies); story and regression are not."""
    return name in CLASSIFICATION


def default_samples(name: str) -> int:
    return SAMPLES_CLASSIFY if is_classification(name) else SAMPLES_REGRESS


def make_dataset(name: str, noise: float = 0.0, samples: int | None = None, seed: int = 0) -> Dataset:
    """The problem `name` with `noise` in percent (0-50) and `samples` points (None: Playground's
    count), drawn from `seed`. "story" is the forum thread's fixed data and takes neither."""
    if name not in DATASET_NAMES:
        raise DataError(f"unknown dataset {name!r} (choose from {', '.join(DATASET_NAMES)})")
    if name == "story":
        if noise or samples is not None:
            raise DataError("the story dataset is fixed: --noise and --samples apply to the generated datasets")
        return story_problem()
    n, frac = _check(noise, samples, name)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise DataError(f"seed must be a non-negative integer, got {seed}")
    # The name joins the seed so circle and xor at one seed are not built from the same draws.
    rng = np.random.default_rng([seed, DATASET_NAMES.index(name)])
    xy, y = _GENERATORS[name](rng, n, frac)
    source = f"{name} noise={noise:g} samples={n} seed={seed}"
    target = "label" if is_classification(name) else "y"
    recipe = {"dataset": name, "noise": float(noise), "samples": n, "data_seed": int(seed)}
    return Dataset(xy.T.copy(), y.reshape(1, -1).astype(float), ("x1", "x2"), target, source, recipe)


def _check(noise: float, samples: int | None, name: str) -> tuple[int, float]:
    if isinstance(noise, bool) or not (isinstance(noise, (int, float)) and math.isfinite(noise)
                                       and 0 <= noise <= MAX_NOISE):
        raise DataError(f"noise must be a percentage from 0 to {MAX_NOISE:g}, got {noise}")
    n = default_samples(name) if samples is None else samples
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not MIN_SAMPLES <= n <= MAX_SAMPLES:
        raise DataError(f"samples must be an integer from {MIN_SAMPLES} to {MAX_SAMPLES}, got {samples}")
    return int(n), noise / 100.0


def _halves(n: int) -> tuple[int, int]:
    """Positive and negative counts; an odd count gives the extra point to the positives."""
    return n - n // 2, n // 2


def _circle(rng, n, noise):
    radius = 5.0
    pos, neg = _halves(n)

    def ring(count, r_lo, r_hi):
        r, angle = rng.uniform(r_lo, r_hi, count), rng.uniform(0, 2 * math.pi, count)
        return np.column_stack([r * np.sin(angle), r * np.cos(angle)])

    # Positives inside radius 2.5, negatives in the 3.5-5 ring; the gap is what noise blurs.
    xy = np.vstack([ring(pos, 0, radius * 0.5), ring(neg, radius * 0.7, radius)])
    shifted = xy + rng.uniform(-radius, radius, (n, 2)) * noise
    return xy, (np.hypot(shifted[:, 0], shifted[:, 1]) < radius * 0.5).astype(float)


def _xor(rng, n, noise):
    xy = rng.uniform(-5, 5, (n, 2))
    xy += np.where(xy > 0, 0.3, -0.3)  # padding keeps points off the axes, where the label flips
    shifted = xy + rng.uniform(-5, 5, (n, 2)) * noise
    return xy, (shifted[:, 0] * shifted[:, 1] >= 0).astype(float)


def _gauss(rng, n, noise):
    variance = 0.5 + (4 - 0.5) * (noise / 0.5)  # Playground: noise 0..0.5 -> variance 0.5..4
    pos, neg = _halves(n)
    sd = math.sqrt(variance)
    xy = np.vstack([rng.normal(2, sd, (pos, 2)), rng.normal(-2, sd, (neg, 2))])
    return xy, np.r_[np.ones(pos), np.zeros(neg)]


def _spiral(rng, n, noise):
    pos, neg = _halves(n)

    def arm(count, delta_t):
        i = np.arange(count) / count
        r, t = i * 5, 1.75 * i * 2 * math.pi + delta_t
        jitter = rng.uniform(-1, 1, (count, 2)) * noise
        return np.column_stack([r * np.sin(t), r * np.cos(t)]) + jitter

    return np.vstack([arm(pos, 0.0), arm(neg, math.pi)]), np.r_[np.ones(pos), np.zeros(neg)]


def _regression_points(rng, n, noise):
    """Points uniform in [-6, 6]^2 and the noisy positions their labels are read at."""
    radius = 6.0
    xy = rng.uniform(-radius, radius, (n, 2))
    return xy, xy + rng.uniform(-radius, radius, (n, 2)) * noise


def _plane(rng, n, noise):
    xy, at = _regression_points(rng, n, noise)
    return xy, (at[:, 0] + at[:, 1]) / 10.0  # Playground's scale: x + y in [-10, 10] -> [-1, 1]


# Playground's six bumps, (cx, cy, sign): a 3x2 checkerboard of ±1 peaks.
_BUMPS = np.array([[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1], [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]])


def _multigauss(rng, n, noise):
    xy, at = _regression_points(rng, n, noise)
    d = np.hypot(at[:, :1] - _BUMPS[:, 0], at[:, 1:] - _BUMPS[:, 1])   # (n, 6)
    height = np.clip(1 - d / 2, 0, 1) * _BUMPS[:, 2]                  # 1 at a centre, 0 from distance 2
    # Each point takes the bump largest in absolute value (the first on a tie, as Playground).
    return xy, height[np.arange(n), np.argmax(np.abs(height), axis=1)]


_GENERATORS = {"circle": _circle, "xor": _xor, "gauss": _gauss, "spiral": _spiral,
               "plane": _plane, "multigauss": _multigauss}
