"""Cure checks on a large dataset: the copies train on a sample of it.

A cure is checked by training copies of the run for a few hundred steps (cures.py). Each step
costs a pass over every training sample: at 300,000 samples the copies of one diagnosis took
two minutes, while the session waited. Past CHECK_SAMPLES training samples the copies train on
an evenly spaced subset of them (with the samples a check measures, such as the stuck ones,
added) and of the dev samples, at the run's parameters: the checks compare a cured copy with an
untouched one on the same subset, which is what decides whether a cure helps.
"""
from __future__ import annotations

import numpy as np

from ..engine.data import Dataset, Split

CHECK_SAMPLES = 4096      # training samples the copies train on, at most (plus the measured ones)
MEASURED_SAMPLES = 1024   # of the samples a check measures, at most this many (evenly spaced)


def _even(n: int, k: int) -> np.ndarray:
    return np.unique(np.linspace(0, n - 1, k).round().astype(np.int64)) if n > k else np.arange(n)


def sampled(trainer, measured: tuple[int, ...] = ()):
    """(a trainer on a subset at the run's parameters and step, {training position in the run:
    its position in the subset}); the run itself when it is small enough."""
    from ..engine.trainer import Trainer  # local, as cures.py: a trainer is built on demand
    train, dev = trainer.split.train_idx, trainer.split.dev_idx
    if len(train) <= CHECK_SAMPLES:
        return trainer, None
    asked = np.asarray(measured, dtype=np.int64)
    keep = np.union1d(_even(len(train), CHECK_SAMPLES), asked[_even(len(asked), MEASURED_SAMPLES)])
    keep_dev = _even(len(dev), CHECK_SAMPLES // 4)
    cols = np.concatenate([train[keep], dev[keep_dev]])
    d = trainer.dataset
    sub = Dataset(d.X[:, cols], d.Y[:, cols], d.feature_names, d.target_name, d.source)
    split = Split(np.arange(len(keep)), np.arange(len(keep), len(cols)))
    t = Trainer(trainer.config.with_(seed=trainer.seed), sub, split, window=256, archive=256)
    t.set_parameters(trainer.params)
    t.step_count = trainer.step_count
    return t, {int(p): i for i, p in enumerate(keep)}
