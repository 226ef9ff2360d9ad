"""The cures' words say what the keys do (issue 14): `z` sets the rate for the new scale
itself, so the normalisation cure asks for no + presses after it; and a dead ReLU output's ŷ
is said in y's units (on standardised data ReLU's 0 is the training mean of y, not 0); the
samples it names are dataset rows, as everywhere else on the screen."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.diagnosis.cure_chain import next_step
from core.diagnosis.evaluation import evaluate
from core.diagnosis.findings import diagnose
from core.engine.config import TrainConfig
from core.engine.csv_data import load_csv
from core.engine.data import story_problem
from core.engine.trainer import Trainer
from tui_trainer import protocol as P
from tui_trainer.session import Command, Session

CSV = Path(__file__).parent / "data" / "story200.csv"  # 200 rows (tests/data/README.md)


def story(steps: int, **config) -> Trainer:
    t = Trainer(TrainConfig(**config), story_problem())
    t.run(steps)
    return t


def session_at(steps: int) -> Session:
    return Session(story(steps), lambda f: None, lambda n: None)


def test_the_normalise_cure_leaves_the_rate_to_z():
    t = story(5000)
    dead = {f.code: f for f in diagnose(t, evaluate(t))}["dead_output"]
    assert dead.cure.startswith("z to standardise") and "z sets a rate for the new scale" in dead.cure
    assert "press +" not in dead.cure and "+" not in dead.keys
    assert "--lr " in dead.cure_cli  # the command line still names the rate the copy was trained at


def test_the_keys_as_written_train_and_the_old_presses_would_diverge():
    # z, then a until the output is linear, as the cure says: the rate z set trains the story
    s = session_at(5000)
    for name in (P.TOGGLE_NORMALIZE, P.CYCLE_OUTPUT, P.CYCLE_OUTPUT, P.CYCLE_OUTPUT, (P.STEP, 5000)):
        s._apply(Command(*name) if isinstance(name, tuple) else Command(name))
    t = s._trainer
    assert t.config.normalize and t.config.output_activation == "linear" and t.status == "ok"
    assert evaluate(t).rmse < 8  # from RMSE 40.3 with five samples stuck
    # the text it replaces, "then press + 10 times", on top of z's rate: 1,024 times too high
    s = session_at(5000)
    for name in (P.TOGGLE_NORMALIZE, P.CYCLE_OUTPUT, P.CYCLE_OUTPUT, P.CYCLE_OUTPUT):
        s._apply(Command(name))
    for _ in range(10):
        s._apply(Command(P.SCALE_LR, 2.0))
    s._apply(Command(P.STEP, 200))
    assert s._trainer.status == "diverged"


@pytest.mark.parametrize("normalize", [False, True])
def test_a_dead_output_is_stuck_at_relus_zero_in_y_units(normalize):
    t = story(5000, normalize=normalize, lr=0.05 if normalize else 5e-5)
    ev = evaluate(t)
    text = next_step(t, ev).text
    assert ev.dead_output > 0
    if normalize:  # A^[L] = 0 is ȳ, the training mean, once y is standardised
        y_bar = float(np.mean(t.dataset.Y[:, t.split.train_idx]))
        assert f"stuck at ŷ = {y_bar:.4g} (ReLU's 0 in y's units)" in text and "ŷ = 0" not in text
    else:
        assert "stuck at ŷ = 0: relu'(Z^[L]) = 0" in text


def test_the_next_step_names_samples_by_dataset_row():
    # a dev split: training sample k is not dataset row k (row 5 is held out here)
    t = Trainer(TrainConfig(dev_fraction=0.2, normalize=True), load_csv(CSV))
    t.run(100)
    ev = evaluate(t)
    rows = sorted(int(r) for r in np.asarray(t.split.train_idx)[ev.dead_samples])
    assert rows[:6] == [0, 1, 2, 3, 4, 6] and 5 in t.split.dev_idx
    assert "80 samples (0–4, 6–15, 17–24, 27–36, … (80 in all)) stuck" in next_step(t, ev).text
