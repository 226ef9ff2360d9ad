"""TensorFlow Playground's datasets and input features (core/engine/playground.py, features.py)."""
import math

import numpy as np
import pytest

from core.engine.csv_data import DataError
from core.engine.data import story_problem
from core.engine.features import FEATURE_NAMES, apply_features, parse_features
from core.engine.playground import CLASSIFICATION, REGRESSION, make_dataset

GENERATED = CLASSIFICATION + REGRESSION


@pytest.mark.parametrize("name", GENERATED)
def test_same_seed_same_points_other_seed_other_points(name):
    a, b = make_dataset(name, noise=20, seed=7), make_dataset(name, noise=20, seed=7)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.Y, b.Y)
    c = make_dataset(name, noise=20, seed=8)
    assert not np.array_equal(a.X, c.X)


def test_datasets_at_one_seed_are_not_the_same_draws():
    assert not np.allclose(make_dataset("plane", seed=3).X, make_dataset("multigauss", seed=3).X)


@pytest.mark.parametrize("name", GENERATED)
def test_shapes_names_and_default_counts(name):
    d = make_dataset(name, seed=1)
    m = 500 if name in CLASSIFICATION else 1200  # Playground's sample counts
    assert d.X.shape == (2, m) and d.Y.shape == (1, m)
    assert d.feature_names == ("x1", "x2")
    assert np.isfinite(d.X).all() and np.isfinite(d.Y).all()
    assert d.source.startswith(f"{name} noise=0 samples={m} seed=1")
    assert make_dataset(name, samples=37, seed=1).m == 37


@pytest.mark.parametrize("name", CLASSIFICATION)
def test_classification_labels_are_0_1_and_balanced(name):
    d = make_dataset(name, seed=2)
    assert set(np.unique(d.Y)) == {0.0, 1.0}
    assert abs(d.Y.mean() - 0.5) < 0.06
    if name != "xor":  # the others draw exactly half of each class
        assert d.Y.sum() == 250
        assert make_dataset(name, samples=37, seed=2).Y.sum() == 19


def test_coordinates_follow_playground():
    for name in ("circle", "spiral"):
        r = np.hypot(*make_dataset(name, seed=3).X)
        assert r.max() <= 5.0
    xor = make_dataset("xor", seed=3).X
    assert np.abs(xor).min() >= 0.3 and np.abs(xor).max() <= 5.3  # padded off the axes
    assert np.abs(make_dataset("plane", seed=3).X).max() <= 6.0


def test_without_noise_labels_are_the_geometry():
    c = make_dataset("circle", seed=4)
    np.testing.assert_array_equal(c.Y[0], np.hypot(*c.X) < 2.5)
    assert not ((np.hypot(*c.X) > 2.5) & (np.hypot(*c.X) < 3.5)).any()  # the gap between classes
    x = make_dataset("xor", seed=4)
    np.testing.assert_array_equal(x.Y[0], x.X[0] * x.X[1] >= 0)
    p = make_dataset("plane", seed=4)
    np.testing.assert_allclose(p.Y[0], (p.X[0] + p.X[1]) / 10)
    s = make_dataset("spiral", seed=4)
    i = np.arange(250) / 250
    np.testing.assert_allclose(np.hypot(*s.X[:, :250]), i * 5, atol=1e-12)


def test_multigauss_peaks_and_range():
    d = make_dataset("multigauss", seed=5)
    assert d.Y.min() >= -1 and d.Y.max() <= 1
    near = np.hypot(d.X[0] + 4, d.X[1] - 2.5) < 0.5   # the +1 bump at (-4, 2.5)
    assert near.any() and (d.Y[0, near] >= 0.75).all()
    near = np.hypot(d.X[0], d.X[1] - 2.5) < 0.5       # the -1 bump at (0, 2.5)
    assert near.any() and (d.Y[0, near] <= -0.75).all()


def test_noise_moves_labels_or_points():
    quiet, loud = make_dataset("circle", seed=6), make_dataset("circle", noise=50, seed=6)
    assert (loud.Y[0] != (np.hypot(*loud.X) < 2.5)).mean() > 0.1
    assert (quiet.Y[0] == (np.hypot(*quiet.X) < 2.5)).all()
    x = make_dataset("xor", noise=30, seed=6)
    assert (x.Y[0] != (x.X[0] * x.X[1] >= 0)).mean() > 0.05
    p = make_dataset("plane", noise=10, seed=6)
    assert np.abs(p.Y[0] - (p.X[0] + p.X[1]) / 10).max() > 0.05
    # Gauss: noise widens the two clouds (variance 0.5 at 0 %, 4 at 50 %).
    spread = [make_dataset("gauss", noise=n, seed=6).X[:, :250].std() for n in (0, 50)]
    assert spread[0] == pytest.approx(math.sqrt(0.5), rel=0.15)
    assert spread[1] == pytest.approx(2.0, rel=0.15)
    s0, s1 = make_dataset("spiral", seed=6), make_dataset("spiral", noise=20, seed=6)
    assert 0 < np.abs(s1.X - s0.X).max() <= 0.2


def test_story_is_the_story_problem():
    d, s = make_dataset("story", seed=9), story_problem()
    np.testing.assert_array_equal(d.X, s.X)
    np.testing.assert_array_equal(d.Y, s.Y)
    with pytest.raises(DataError, match="story dataset is fixed"):
        make_dataset("story", noise=10)
    with pytest.raises(DataError, match="story dataset is fixed"):
        make_dataset("story", samples=50)


@pytest.mark.parametrize("kwargs, words", [
    ({"name": "moons"}, "unknown dataset 'moons'"),
    ({"name": "circle", "noise": -1}, "noise must be"),
    ({"name": "circle", "noise": 51}, "noise must be"),
    ({"name": "circle", "noise": math.nan}, "noise must be"),
    ({"name": "circle", "samples": 3}, "samples must be"),
    ({"name": "circle", "samples": 2.5}, "samples must be"),
    ({"name": "circle", "samples": True}, "samples must be"),
    ({"name": "plane", "samples": 10**9}, "samples must be"),
    ({"name": "gauss", "seed": -1}, "seed must be"),
])
def test_bad_dataset_arguments_raise_one_line(kwargs, words):
    with pytest.raises(DataError) as e:
        make_dataset(**kwargs)
    assert words in str(e.value) and "\n" not in str(e.value)


def test_parse_features():
    assert parse_features("x1,x2") == ("x1", "x2")
    assert parse_features(" X1^2 , x2^2, SIN( x1 ),x1*x2") == ("x1^2", "x2^2", "sin(x1)", "x1*x2")
    assert parse_features(",".join(FEATURE_NAMES)) == FEATURE_NAMES


@pytest.mark.parametrize("text, words", [
    ("", "no features given"),
    (" , ", "no features given"),
    ("x1,,x2", "empty feature name"),
    ("x1,x3", "unknown feature 'x3'"),
    ("x1,cos(x1)", "choose from x1, x2, x1^2"),
    ("x1,X1", "feature 'x1' is listed twice"),
])
def test_bad_feature_lists_raise_one_line(text, words):
    with pytest.raises(DataError) as e:
        parse_features(text)
    assert words in str(e.value) and "\n" not in str(e.value)


def test_apply_features_values_and_names():
    d = make_dataset("spiral", samples=20, seed=1)
    x1, x2 = d.X
    f = apply_features(d, parse_features("x2,x1^2,x1*x2,sin(x1),sin(x2)"))
    assert f.feature_names == ("x2", "x1^2", "x1*x2", "sin(x1)", "sin(x2)")
    np.testing.assert_array_equal(f.X, np.vstack([x2, x1**2, x1 * x2, np.sin(x1), np.sin(x2)]))
    assert f.X.shape == (5, 20) and f.Y is d.Y and f.source == d.source
    np.testing.assert_array_equal(d.X, np.vstack([x1, x2]))  # the input is left alone


def test_apply_features_needs_two_inputs():
    with pytest.raises(DataError, match=r"exactly two inputs .* has 1 \(x\)"):
        apply_features(story_problem(), ("x1",))
    with pytest.raises(DataError, match="unknown feature"):
        apply_features(make_dataset("xor", seed=1), ("x1", "y"))
