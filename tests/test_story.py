"""Known values on the story data (X = 0..19, Y = 3X^2 + 3X) and the story's failure."""
import numpy as np
import pytest

from core.diagnosis.baseline import fit_baseline
from core.engine.config import TrainConfig
from core.engine.data import story_problem
from core.diagnosis.evaluation import evaluate
from core.engine.losses import compute_cost
from core.engine.trainer import Trainer


def test_cost_of_all_zero_prediction():
    d = story_problem()
    assert compute_cost(np.zeros_like(d.Y), d.Y) == pytest.approx(143_400.6, abs=1e-9)


def test_cost_of_predicting_the_mean():
    d = story_problem()
    assert compute_cost(np.full_like(d.Y, d.Y.mean()), d.Y) == pytest.approx(63_800.1, abs=1e-9)


@pytest.mark.parametrize("Y", [story_problem().Y, np.random.default_rng(1).normal(3, 2, (1, 1001)),
                               np.random.default_rng(2).normal(size=(2, 300)), np.zeros((1, 5))])
def test_trivial_losses_are_compute_cost_of_the_zero_and_mean_predictions_bit_for_bit(Y):
    from core.diagnosis.loss_at_init import _trivial_losses
    zero, label, mean = _trivial_losses(Y, "mse")
    assert label == "all zeros"
    assert zero == compute_cost(np.zeros_like(Y), Y) and mean == compute_cost(np.full_like(Y, Y.mean()), Y)


def test_degree_two_baseline_recovers_the_generating_polynomial():
    d = story_problem()
    fit = fit_baseline(d.X, d.Y, 2)
    np.testing.assert_allclose(fit.coefficients, [0, 3, 3], atol=1e-6)
    assert fit.terms == ["1", "x", "x^2"]
    assert fit.train_loss < 1e-12


def test_the_design_matrix_is_every_monomial_multiplied_out():
    """baseline._design builds each column from an earlier one: the same numbers, bit for bit,
    as multiplying out each monomial's factors (x1*x1*x2 = (x1*x1)*x2)."""
    from core.diagnosis.baseline import _design, _monomials
    X = np.random.default_rng(5).normal(size=(3, 50)) * 7
    for degree in range(1, 5):
        A = _design(X, degree)
        for j, c in enumerate(_monomials(3, degree)):
            want = np.ones(50)
            for k in c:  # (1.0 * x is x exactly)
                want = want * X[k]
            assert np.array_equal(A[:, j], want), (degree, c)


def test_baseline_reports_dev_loss_on_the_same_split():
    d = story_problem()
    t = Trainer(TrainConfig(dev_fraction=0.25), d)
    fit = fit_baseline(t.data.X, t.data.Y, 1, t.data.X_dev, t.data.Y_dev)
    assert fit.dev_loss is not None and fit.dev_loss > 0
    assert len(fit.coefficients) == 2


@pytest.mark.parametrize("degree", [0, 7])
def test_baseline_degree_out_of_range(degree):
    d = story_problem()
    with pytest.raises(ValueError, match="degree"):
        fit_baseline(d.X, d.Y, degree)


def test_defaults_reproduce_the_story_failure():
    """Several samples end stuck at exactly 0 while the others fit."""
    t = Trainer(TrainConfig(), story_problem())
    t.run(5000)
    ev = evaluate(t)
    assert 3 <= ev.dead_output <= 6
    assert np.all(ev.A_L[0, ev.dead_samples] == 0.0)
    alive = np.setdiff1d(np.arange(20), ev.dead_samples)
    rel = np.abs(ev.y_hat[alive] - t.data.Y[0, alive]) / t.data.Y[0, alive]
    assert np.median(rel) < 0.15  # the others fit


def test_story_failure_holds_across_the_documented_lr_range():
    for lr in (3e-5, 1e-4):
        t = Trainer(TrainConfig(lr=lr), story_problem())
        t.run(5000)
        assert 3 <= evaluate(t).dead_output <= 6


def test_linear_output_lets_stuck_samples_move():
    t = Trainer(TrainConfig(), story_problem())
    t.run(5000)
    dead = evaluate(t).dead_samples
    t.set_output_activation("linear")
    t.run(2000)
    ev = evaluate(t)
    assert ev.dead_output == 0
    assert np.all(ev.A_L[0, dead] != 0.0)
    assert ev.loss < 810
