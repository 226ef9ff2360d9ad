"""--csv and the CSV export: one row per (logged) step, readable by csv.DictReader."""
from __future__ import annotations

import csv
import json
import math

from core.engine.config import TrainConfig
from core.logs.csv_log import columns, export_csv
from core.engine.data import story_problem
from core.engine.trainer import Trainer
from tui_trainer.cli import main

HEAD = ["step", "loss", "dev_loss", "lr", "hidden_activation", "output_activation", "dead_output", "dead_hidden"]


def read_rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_run_csv_round_trips_and_matches_the_jsonl_log(tmp_path, capsys):
    c, j = tmp_path / "run.csv", tmp_path / "run.jsonl"
    assert main(["run", "--steps", "57", "--dev-fraction", "0.2", "--csv", str(c), "--log", str(j)]) == 0
    rows = read_rows(c)
    assert len(rows) == 57
    with open(c, newline="") as f:
        header = next(csv.reader(f))
    assert header[:8] == HEAD
    assert header[8:] == ["grad_norm_dW1", "grad_norm_db1", "grad_norm_dW2", "grad_norm_db2",
                          "update_ratio_W1", "update_ratio_W2", "tick", "status", "penalty"]
    steps = [json.loads(line) for line in j.read_text().splitlines()]
    steps = [s for s in steps if s["type"] == "step"]
    for row, s in zip(rows, steps, strict=True):
        assert int(row["step"]) == s["step"]
        assert float(row["loss"]) == s["loss"]  # shortest repr: exact
        assert float(row["dev_loss"]) == s["dev_loss"]
        assert int(row["dead_output"]) == s["dead_output"]
        assert int(row["dead_hidden"]) == sum(s["dead_hidden"])
        assert float(row["grad_norm_dW1"]) == s["grad_norms"]["dW1"]
        assert (row["hidden_activation"], row["output_activation"]) == ("relu", "relu")


def test_log_every_thins_the_csv_to_steps_0_k_2k_and_the_last(tmp_path, capsys):
    c = tmp_path / "thin.csv"
    assert main(["run", "--steps", "95", "--log-every", "10", "--csv", str(c)]) == 0
    assert [int(r["step"]) for r in read_rows(c)] == [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 94]


def test_non_finite_values_are_empty_cells_never_nan_text(tmp_path, capsys):
    c = tmp_path / "div.csv"
    main(["run", "--steps", "300", "--normalize", "--output-activation", "linear", "--lr", "5",
          "--csv", str(c)])
    rows = read_rows(c)
    # The diverged attempt keeps its loss (over the engine's ceiling), or an empty cell once
    # it is non-finite; either way no NaN/inf text.
    assert rows[-1]["status"] == "diverged"
    assert rows[-1]["loss"] == "" or float(rows[-1]["loss"]) > 1e6 * float(rows[0]["loss"])
    assert all(r["status"] == "ok" for r in rows[:-1])
    for r in rows:
        for v in r.values():
            assert v.lower() not in ("nan", "inf", "-inf", "infinity", "none", "null")
        if r["loss"]:
            assert math.isfinite(float(r["loss"]))


def test_several_hidden_layers_get_a_column_each(tmp_path, capsys):
    c = tmp_path / "deep.csv"
    assert main(["run", "--steps", "5", "--hidden", "8,6", "--csv", str(c)]) == 0
    rows = read_rows(c)
    assert list(rows[0])[7:10] == ["dead_hidden", "dead_hidden1", "dead_hidden2"]
    for r in rows:
        assert int(r["dead_hidden"]) == int(r["dead_hidden1"]) + int(r["dead_hidden2"])


def test_export_csv_of_a_session_is_atomic_and_complete(tmp_path):
    t = Trainer(TrainConfig(), story_problem())
    t.run(30)
    t.set_output_activation("linear")
    t.run(12)
    path = export_csv(tmp_path / "session.csv", t)
    rows = read_rows(path)
    assert len(rows) == 42
    assert [r["output_activation"] for r in rows] == ["relu"] * 30 + ["linear"] * 12
    assert list(rows[0]) == columns(t)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["session.csv"]  # no temporary file left


def test_an_unwritable_csv_path_is_one_line_and_exit_2(tmp_path, capsys):
    assert main(["run", "--steps", "3", "--csv", str(tmp_path / "missing" / "x.csv")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "x.csv" in err
