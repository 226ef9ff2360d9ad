"""No number the app shows is rounding residue: an exact polynomial fit reports J = 0, the same
with every BLAS build, so the snapshots and the bias/variance line do not depend on the machine."""
from __future__ import annotations

import numpy as np
import pytest

from core.diagnosis.baseline import fit_baseline
from core.diagnosis.bias_variance import bias_variance
from core.diagnosis.evaluation import evaluate
from core.engine.config import TrainConfig
from core.engine.data import story_problem
from core.engine.trainer import Trainer


@pytest.mark.parametrize("scale", [1e-3, 1.0, 1e6])
def test_an_exact_fit_reports_zero_at_any_scale(scale):
    d = story_problem()
    fit = fit_baseline(d.X, d.Y * scale, 2, d.X[:, :5], d.Y[:, :5] * scale)
    assert fit.train_loss == 0.0 and fit.dev_loss == 0.0


def test_a_small_real_misfit_is_not_rounded_away():
    # 1e-5 relative noise leaves J around 1e-10 of the mean predictor's: small, but real.
    d = story_problem()
    noise = 1e-5 * d.Y.std() * np.random.default_rng(0).standard_normal(d.Y.shape)
    fit = fit_baseline(d.X, d.Y + noise, 2)
    j_mean = float(np.var(d.Y + noise)) / 2
    assert 1e-12 * j_mean < fit.train_loss < 1e-8 * j_mean


def test_a_target_too_large_to_square_keeps_an_infinite_j():
    X = np.arange(4.0).reshape(1, -1)
    Y = np.array([[1e200, -1e200, 1e200, -1e200]])
    assert fit_baseline(X, Y, 1).train_loss == np.inf


def test_bias_variance_names_the_exact_fit_as_zero():
    t = Trainer(TrainConfig(), story_problem())
    t.run(200)
    bv = bias_variance(t, evaluate(t))
    assert bv.baseline_degree == 2 and bv.baseline_loss == 0.0
    assert "a degree-2 polynomial 0)" in bv.message
