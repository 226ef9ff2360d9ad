"""CSV loading, the train/dev split and standardisation."""
import numpy as np
import pytest

from core.engine.csv_data import DataError, load_csv, parse_csv_text
from core.engine.data import Dataset, make_split, prepare, story_problem


def test_story_problem():
    d = story_problem()
    assert d.X.shape == (1, 20) and d.Y.shape == (1, 20)
    assert d.Y[0, 19] == 3 * 19**2 + 3 * 19


def test_csv_last_column_is_the_target(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("a,b,y\n1,2,3\n4,5,6\n")
    d = load_csv(p)
    assert d.feature_names == ("a", "b") and d.target_name == "y"
    np.testing.assert_array_equal(d.X, [[1, 4], [2, 5]])
    np.testing.assert_array_equal(d.Y, [[3, 6]])


def test_csv_named_target_and_bom_and_whitespace(tmp_path):
    p = tmp_path / "d.csv"
    p.write_bytes("\ufeffprice , size,rooms\n 10 , 1.5 ,2\n\n20,2.5,3\n".encode("utf-8"))
    d = load_csv(p, target="price")
    assert d.feature_names == ("size", "rooms")
    np.testing.assert_array_equal(d.Y, [[10, 20]])


@pytest.mark.parametrize("text, fragment", [
    ("", "empty"),
    ("x,y\n", "header only"),
    ("x\n1\n2\n", "at least 2 columns"),
    ("x,y\n1,a\n", "not a number"),
    ("x,y\n1,nan\n", "not a finite number"),
    ("x,y\n1,inf\n", "not a finite number"),
    ("x,y\n1,2,3\n", "line 2 has 3 fields"),
])
def test_bad_csv_text(text, fragment):
    with pytest.raises(DataError, match=fragment):
        parse_csv_text(text, "f.csv")


def test_unknown_target(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("x,y\n1,2\n")
    with pytest.raises(DataError, match="no column named 'z'"):
        load_csv(p, target="z")


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        load_csv(tmp_path / "nope.csv")
    with pytest.raises(DataError, match="directory"):
        load_csv(tmp_path)


def test_split_is_seeded_disjoint_and_complete():
    a, b = make_split(20, 0.25, seed=3), make_split(20, 0.25, seed=3)
    np.testing.assert_array_equal(a.dev_idx, b.dev_idx)
    assert len(a.dev_idx) == 5 and len(a.train_idx) == 15
    assert sorted(np.concatenate([a.train_idx, a.dev_idx]).tolist()) == list(range(20))
    assert make_split(20, 0.25, seed=4).dev_idx.tolist() != a.dev_idx.tolist()
    assert len(make_split(20, 0.0, seed=1).dev_idx) == 0
    assert len(make_split(3, 0.01, seed=1).dev_idx) == 1  # a non-zero fraction gives a dev set


def test_split_rejects_bad_fraction():
    with pytest.raises(ValueError):
        make_split(20, 1.0, 0)


def test_standardisation_uses_train_statistics_only():
    d = story_problem()
    s = make_split(d.m, 0.25, seed=0)
    p = prepare(d, s, normalize=True)
    Xtr = d.X[:, s.train_idx]
    np.testing.assert_allclose(p.x_mean, Xtr.mean(axis=1, keepdims=True))
    np.testing.assert_allclose(p.X.mean(), 0, atol=1e-12)
    np.testing.assert_allclose(p.X_dev, (d.X[:, s.dev_idx] - p.x_mean) / p.x_std)
    np.testing.assert_allclose(p.y_to_original(p.Y), d.Y[:, s.train_idx])


def test_constant_feature_does_not_divide_by_zero():
    d = Dataset(np.ones((1, 5)), np.arange(5.0).reshape(1, 5))
    p = prepare(d, make_split(5, 0, 0), normalize=True)
    assert np.isfinite(p.X).all()
