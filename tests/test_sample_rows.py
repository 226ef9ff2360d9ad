"""The sample table's window (core.diagnosis.sample_rows): train and dev rows, dead-only and
worst-first over all of them, and a size that does not grow with m."""
from __future__ import annotations

import pickle

import numpy as np

from core.diagnosis.evaluation import evaluate
from core.diagnosis.sample_rows import MAX_ROWS, TableView, sample_rows
from core.diagnosis.snapshot import take_snapshot
from core.engine.config import TrainConfig
from core.engine.data import Dataset, story_problem
from core.engine.trainer import Trainer


def story(**config) -> Trainer:
    t = Trainer(TrainConfig(**config), story_problem())
    t.run(5000)
    return t


def all_rows(t: Trainer) -> dict[str, np.ndarray]:
    """Every row the brute-force way: train then dev, each through a forward pass of its own."""
    d = t.data
    z = [t.forward(d.X)[0][-1][0]]
    a = [d.y_to_original(t.forward(d.X)[1][-1])[0]]
    if d.has_dev:
        z.append(t.forward(d.X_dev)[0][-1][0])
        a.append(d.y_to_original(t.forward(d.X_dev)[1][-1])[0])
    idx = np.concatenate([t.split.train_idx, t.split.dev_idx])
    z, y_hat = np.concatenate(z), np.concatenate(a)
    return {"z": z, "y_hat": y_hat, "y": t.dataset.Y[0, idx], "x": t.dataset.X[0, idx], "dead": z <= 0}


def test_train_and_dev_rows_in_order_with_dev_marked():
    t = story(dev_fraction=0.2)
    rows = sample_rows(t, evaluate(t))
    ref = all_rows(t)
    assert (rows.total, rows.m_train, rows.m_dev, len(rows)) == (20, 16, 4, 20)
    assert rows.dev.tolist() == [False] * 16 + [True] * 4
    # `#` is the dataset row (as run --json's); the position in each split travels alongside
    assert rows.index.tolist() == t.split.train_idx.tolist() + t.split.dev_idx.tolist()
    assert rows.position.tolist() == list(range(16)) + list(range(4))
    np.testing.assert_allclose(rows.Z_L, ref["z"])
    np.testing.assert_allclose(rows.y_hat, ref["y_hat"])
    np.testing.assert_array_equal(rows.x, ref["x"])
    assert rows.dead.tolist() == ref["dead"].tolist() and rows.dead_total == int(ref["dead"].sum())


def test_dead_only_and_worst_first_cover_train_and_dev():
    t = story(dev_fraction=0.2)
    ref = all_rows(t)
    dead = sample_rows(t, evaluate(t), TableView(dead_only=True))
    assert dead.total == int(ref["dead"].sum()) > 0 and dead.dead.all()
    worst = sample_rows(t, evaluate(t), TableView(worst_first=True))
    err = np.abs(worst.y_hat - worst.y)
    assert np.all(np.diff(err) <= 0)
    assert err[0] == np.max(np.abs(ref["y_hat"] - ref["y"]))
    assert worst.dev.any() and not worst.dev.all()
    for i, pos, dev in zip(worst.index, worst.position, worst.dev):  # made for these rows only
        assert (t.split.dev_idx if dev else t.split.train_idx)[pos] == i


def test_a_dead_sample_is_what_relus_zero_maps_back_to():
    t = story(normalize=True, lr=0.05)
    rows = sample_rows(t, evaluate(t))
    assert rows.normalized and rows.dead_y_hat == float(t.data.y_mean)
    assert np.all(rows.y_hat[rows.dead] == rows.dead_y_hat)
    assert sample_rows(story(), evaluate(story())).dead_y_hat == 0.0
    assert sample_rows(story(output_activation="linear"), evaluate(story(output_activation="linear"))).dead_y_hat is None


def test_the_window_does_not_grow_with_m():
    rng = np.random.default_rng(0)
    m = 200_000
    X = rng.uniform(-3, 3, (1, m))
    t = Trainer(TrainConfig(dev_fraction=0.1, lr=1e-3), Dataset(X, 2 * X + 1, ("x",), "y", "big"))
    t.run(3)
    ev = evaluate(t)
    full = all_rows(t)
    for view in (TableView(), TableView(start=150_000, count=60), TableView(count=10**9, worst_first=True),
                 TableView(start=10, count=50, dead_only=True, worst_first=True)):
        rows = sample_rows(t, ev, view)
        assert len(rows) <= min(view.count, MAX_ROWS) and rows.total <= m
        assert len(pickle.dumps(rows)) < 100_000
        if view.worst_first:  # the window's top really is the worst of all m rows
            keep = full["dead"] if view.dead_only else np.ones(m, dtype=bool)
            err = np.sort(np.abs(full["y_hat"] - full["y"])[keep])[::-1]
            np.testing.assert_allclose(np.abs(rows.y_hat - rows.y), err[rows.start:rows.start + len(rows)])
    assert take_snapshot(t, with_findings=False, table_view=TableView(start=5, count=40)).table.start == 5


def test_a_view_past_the_end_shows_the_last_rows_and_bad_values_are_clamped():
    t = story()
    rows = sample_rows(t, evaluate(t), TableView(start=10**6, count=-4))
    assert rows.start == 19 and len(rows) == 1 and rows.view.count == 1
