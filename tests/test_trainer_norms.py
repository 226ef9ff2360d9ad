"""Large networks sum their squared norms from views instead of the (2P+1) x columns row
matrix (6 GB for hidden 4096,4096): both ways must write identical history rows."""
from __future__ import annotations

import numpy as np
import pytest

from core.engine.config import TrainConfig
from core.engine.data import story_problem
from core.engine.trainer import Trainer


class ViewNorms(Trainer):
    ROW_MATRIX_BYTES = 0  # force the view path on a small network


@pytest.mark.parametrize("config", [
    TrainConfig(),
    TrainConfig(hidden=(7, 5), dev_fraction=0.2, hidden_activation="tanh", output_activation="linear", lr=1e-4),
    TrainConfig(hidden=(6, 6, 4), output_activation="leaky_relu", lr=1e-4),
])
def test_view_norms_match_the_row_matrix(config):
    dense, views = Trainer(config, story_problem()), ViewNorms(config, story_problem())
    assert dense._row_matrix(1.0, 0.0, 0.0) is not None and views._row_matrix(1.0, 0.0, 0.0) is None
    for t in (dense, views):
        t.run(3000)
        t.set_lr(config.lr * 2)  # a setting change rebuilds the step: its constant columns too
        t.run(2000)
    a, b = dense.history.rows(), views.history.rows()
    assert a.shape == b.shape and np.array_equal(np.isnan(a), np.isnan(b))
    np.testing.assert_allclose(np.nan_to_num(b), np.nan_to_num(a), rtol=1e-12, atol=0)
    for k in dense.params:
        assert np.array_equal(dense.params[k], views.params[k])


def test_a_diverging_run_stops_alike_on_both_paths():
    config = TrainConfig(lr=10.0, output_activation="linear")
    dense, views = Trainer(config, story_problem()), ViewNorms(config, story_problem())
    for t in (dense, views):
        t.run(1000)
    assert dense.status == views.status == "diverged"
    assert dense.step_count == views.step_count and dense.diverged_reason == views.diverged_reason
    np.testing.assert_array_equal(dense.history.rows(), views.history.rows())


def test_the_row_matrix_is_not_built_for_a_large_network():
    t = Trainer(TrainConfig(hidden=(512, 512)), story_problem())
    assert t._row_matrix(1.0, 0.0, 0.0) is None  # it would be 2P+1 = 529,411 rows x 24 columns
    t.run(3)
    row = t.history.last()
    col = t.history.col
    assert row[col["wsq_total"]] == pytest.approx(sum(row[col[f"wsq_{k}"]] for k in t.tensor_names))
