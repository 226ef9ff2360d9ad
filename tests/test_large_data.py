"""Large datasets in the TUI (issue 17, item 6): what crosses to the screen does not grow with m,
the counts and bins stay exact, the panels draw from them, CSVs load fast with the same values
and messages, and the costly checks no longer scale with m."""
from __future__ import annotations

import pickle

import numpy as np
import pytest

from core.diagnosis import curvature as C
from core.diagnosis.evaluation import evaluate
from core.diagnosis.loss_at_init import loss_at_init
from core.diagnosis.sample_bins import SHOWN_SAMPLES, runs
from core.diagnosis.snapshot import take_snapshot
from core.engine.config import TrainConfig
from core.engine.csv_data import DataError, parse_csv_text
from core.engine.data import Dataset
from core.engine.trainer import Trainer
from tui_trainer.widgets.findings_panel import dead_numbers, stuck_at
from tui_trainer.widgets.sign_strip import SignStrip, summary_columns

SIZE = (120, 40)


def linear_trainer(m: int, **config) -> Trainer:
    """y = 2x + 1 on x in [-3, 3]: with a ReLU output, the samples whose Z^[L] starts ≤ 0 are dead."""
    x = np.linspace(-3, 3, m).reshape(1, -1)
    return Trainer(TrainConfig(**config), Dataset(x, 2 * x + 1, ("x",), "y", "linear"))


@pytest.mark.parametrize("m", [20_000, 200_000])
def test_a_large_snapshot_stays_small_and_its_counts_exact(m):
    t = linear_trainer(m, seed=3)
    t.run(5)
    s = take_snapshot(t, with_findings=False)
    ev = evaluate(t)
    dead = np.zeros(m, dtype=bool)
    dead[ev.dead_samples] = True
    assert s.samples is not None and s.m == m and len(s.x) <= SHOWN_SAMPLES
    assert s.dead_output == dead.sum() > 0
    assert s.samples.count.sum() == m and s.samples.z_off.sum() == (ev.Z_L[0] <= 0).sum()
    for layer, active in enumerate(ev.hidden_active):
        np.testing.assert_array_equal(s.samples.units_off[layer].sum(axis=1), (~active).sum(axis=1))
    np.testing.assert_array_equal(s.x, t.dataset.X[0, t.split.train_idx[s.samples.index]])
    np.testing.assert_array_equal(s.dead, dead[s.samples.index])
    assert len(pickle.dumps(s)) < 1_000_000  # 1M samples in full was 43 MB


def test_small_snapshots_carry_every_sample():
    t = linear_trainer(SHOWN_SAMPLES)
    s = take_snapshot(t, with_findings=False)
    assert s.samples is None and len(s.x) == s.m == SHOWN_SAMPLES


def test_runs_of_sample_numbers():
    flags = np.zeros(40, dtype=bool)
    flags[[0, 1, 2, 5, 9, 10, 39]] = True
    assert runs(flags).tolist() == [[0, 2], [5, 5], [9, 10], [39, 39]]
    assert runs(flags, limit=2).tolist() == [[0, 2], [5, 5]]
    assert runs(np.zeros(5, dtype=bool)).shape == (0, 2)


def test_findings_say_the_same_from_a_summary():
    """The dead samples' count and numbers, said from all samples or from the summary alike."""
    t = linear_trainer(SHOWN_SAMPLES + 1000, seed=3, normalize=True)
    t.run(3)
    big = take_snapshot(t, with_findings=False)
    full = take_snapshot(t, with_findings=False)
    object.__setattr__(full, "samples", None)  # the same state, told from all samples
    object.__setattr__(full, "rows", t.split.train_idx)
    ev = evaluate(t)
    object.__setattr__(full, "dead", np.isin(np.arange(t.m), ev.dead_samples))
    object.__setattr__(full, "Z_L", ev.Z_L[0])
    object.__setattr__(full, "y_hat", np.asarray(ev.y_hat, dtype=float))
    assert dead_numbers(big) == dead_numbers(full) and dead_numbers(big)[0][0] > 0
    assert stuck_at(big) == stuck_at(full) and "ReLU's 0" in stuck_at(big)


async def test_the_tui_on_a_large_dataset(settle):
    from tui_trainer.app import TrainerApp
    # 60k samples: past every threshold of a large dataset (4,096 samples shown, 20,000 for
    # λmax, 50,000 for the baseline's cross-validation), at a fifth of 300k's CPU
    t = linear_trainer(60_000, seed=3)
    app = TrainerApp(t, backend="thread", pause_on_trouble=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, timeout=120)
        await pilot.press("space")
        await settle(pilot, timeout=120)
        s = app.frame.snapshot
        assert s.step == 1 and s.samples is not None
        strip = app.main.query_one(SignStrip)
        group, shown, per = summary_columns(strip.size.width, s.samples)
        text = strip.render().plain.splitlines()
        assert len(text[1]) == 6 + shown and per == group * s.samples.per
        assert f"{per} samples" in strip.legend(200)
        screen = "\n".join(line.text for line in app.screen._compositor.render_strips())
        assert f"of {s.m} samples" in screen or "Dead outputs: none possible" in screen


# ---- loading ----------------------------------------------------------------------------------

def test_fast_and_careful_readers_agree():
    rng = np.random.default_rng(1)
    values = rng.normal(size=(50, 3)) * 10.0 ** rng.integers(-5, 5, size=(50, 3))
    body = "\n".join(",".join(repr(float(v)) for v in row) for row in values)
    for text in (f"a,b,c\n{body}\n", f"a,b,c\r\n{body.replace(chr(10), chr(13) + chr(10))}\r\n",
                 f"\ufeffa , b,c\n{body}\n\n"):
        fast = parse_csv_text(text, "t.csv")
        careful = parse_csv_text(text.replace("a", '"a"', 1), "t.csv")  # a quote: the row-by-row reader
        np.testing.assert_array_equal(fast.X, careful.X)
        np.testing.assert_array_equal(fast.Y, careful.Y)
        assert fast.feature_names == careful.feature_names == ("a", "b")


@pytest.mark.parametrize("body, message", [
    ("1,2\n3,x\n", "line 3, column 'y': 'x' is not a number"),
    ("1,2\n3,4,5\n", "line 3 has 3 fields, the header has 2"),
    ("1,2\n3,nan\n", "line 3, column 'y': 'nan' is not a finite number"),
    ("1,2\n3,1e200\n", "line 3, column 'y': '1e200' is too large"),
    ("1,2\n,4\n", "line 3, column 'x': empty cell"),
])
def test_bad_cells_are_named_as_before(body, message):
    with pytest.raises(DataError, match=message.replace("(", r"\(")):
        parse_csv_text("x,y\n" + body, "t.csv")


# ---- the checks that scaled with m ----------------------------------------------------------

def test_loss_at_init_is_a_fresh_trainers_loss():
    t = linear_trainer(500, seed=5, hidden_activation="tanh", output_activation="linear")
    t.run(50)
    fresh = Trainer(t.config, t.dataset, t.split)
    assert loss_at_init(t).measured == fresh.cost_on(fresh.data.X, fresh.data.Y)


def test_curvature_on_a_subset_past_its_limit(monkeypatch):
    t = linear_trainer(4000, seed=2, output_activation="linear")
    whole = C.curvature(t).lambda_max
    monkeypatch.setattr(C, "CURVATURE_SAMPLES", 1000)
    part = C.curvature(t).lambda_max
    assert part == pytest.approx(whole, rel=0.05) and part != whole
