"""Good defaults for own data (issue 14, item 5): with --data and no other flag, normalisation
on, a linear output for real targets (sigmoid + cross-entropy for 0/1 targets) and a rate of
half the stability limit at initialisation; the story keeps its own; `run --json` says which
defaults were chosen and why, and reports accuracy for 0/1 targets."""
from __future__ import annotations

import json

import numpy as np
import pytest

from core.engine.config import DEFAULT_LR
from tui_trainer.cli import main


def write_csv(path, columns: dict[str, np.ndarray]) -> str:
    names = list(columns)
    rows = np.column_stack([columns[n] for n in names])
    path.write_text(",".join(names) + "\n" + "\n".join(",".join(repr(float(v)) for v in r) for r in rows) + "\n")
    return str(path)


def run_json(capsys, *argv: str) -> dict:
    assert main(["run", "--json", *argv]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def sine_csv(tmp_path):
    x = np.linspace(0, 2 * np.pi, 200)
    return write_csv(tmp_path / "sine.csv", {"x": x, "y": 3 * np.sin(x) + 10}), float(np.std(3 * np.sin(x)))


@pytest.fixture
def separable_csv(tmp_path):
    rng = np.random.default_rng(1)
    a, b = rng.uniform(-3, 8, 200), rng.uniform(-3, 8, 200)
    return write_csv(tmp_path / "sep.csv", {"a": a, "b": b, "label": (a + 0.5 * b > 3).astype(float)})


def test_own_data_with_no_flag_fits_a_sine(capsys, sine_csv):
    path, y_std = sine_csv
    s = run_json(capsys, "--data", path, "--steps", "5000")
    assert s["status"] == "ok"
    assert s["rmse"] < 0.1 * y_std
    d = s["defaults"]
    assert set(d) == {"normalize", "loss", "output_activation", "lr"}
    assert d["normalize"]["value"] is True and d["output_activation"]["value"] == "linear"
    assert d["loss"]["value"] == "mse"
    assert d["lr"]["value"] == s["lr"] and "2/λmax" in d["lr"]["why"]
    assert all(v["why"] for v in d.values())
    assert "accuracy" not in s  # real-valued targets


def test_own_01_data_gets_a_classifier_and_its_accuracy(capsys, separable_csv):
    s = run_json(capsys, "--data", separable_csv, "--steps", "5000", "--dev-fraction", "0.2")
    assert (s["output_activation"], s["defaults"]["loss"]["value"]) == ("sigmoid", "bce")
    assert s["accuracy"] >= 0.9 and s["dev_accuracy"] >= 0.9
    no_dev = run_json(capsys, "--data", separable_csv, "--steps", "10")
    assert no_dev["dev_accuracy"] is None and 0 <= no_dev["accuracy"] <= 1


def test_flags_given_are_kept_and_not_listed_as_defaults(capsys, sine_csv):
    path, _ = sine_csv
    s = run_json(capsys, "--data", path, "--steps", "3", "--lr", "0.01", "--no-normalize",
                 "--output-activation", "relu")
    assert s["lr"] == 0.01 and s["output_activation"] == "relu"
    assert set(s["defaults"]) == {"loss"}


def test_the_story_keeps_its_defaults(capsys):
    s = run_json(capsys, "--steps", "3")
    assert s["lr"] == DEFAULT_LR and s["output_activation"] == "relu"
    assert {k: v["value"] for k, v in s["defaults"].items()} == {
        "normalize": False, "output_activation": "relu", "loss": "mse", "lr": DEFAULT_LR}
    assert all("story" in v["why"] for v in s["defaults"].values())


def test_bce_on_real_targets_is_still_refused_in_one_line(capsys, sine_csv):
    path, _ = sine_csv
    assert main(["run", "--data", path, "--loss", "bce", "--steps", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--loss bce needs targets in [0, 1]" in err


async def test_the_tui_says_which_defaults_it_chose(sine_csv, tmp_path, settle):
    from tui_trainer.app import TrainerApp
    from tui_trainer.cli import build_parser
    from tui_trainer.commands.common import make_trainer
    from tui_trainer.data_defaults import tui_options
    from tui_trainer.widgets.notice_line import NoticeLine

    path, _ = sine_csv
    args = build_parser().parse_args(["--data", path])
    trainer = make_trainer(args)
    options = tui_options(args)
    assert options["lr_given"] is False
    app = TrainerApp(trainer, runs_dir=tmp_path / "runs", pause_on_trouble=False, **options)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        shown = app.main.query_one(NoticeLine).render().plain
        assert shown.startswith("Defaults for your data: normalize on") and "output activation linear" in shown
        assert "2/λmax" in shown
    given = build_parser().parse_args(["--data", path, "--lr", "0.01", "--normalize", "--output-activation", "linear"])
    make_trainer(given)
    assert tui_options(given)["lr_given"] is True
    story = build_parser().parse_args([])
    make_trainer(story)
    assert tui_options(story)["start_notice"] is None  # the story's own settings need no notice
