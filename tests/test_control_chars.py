"""Column names (and log file names) with control or formatting characters, such as U+202E
(right-to-left override, which reverses the rest of a terminal line) or an escape sequence, are
printed escaped everywhere: findings and summaries, the baseline's equation, error messages,
and the replay screen, as the CSV reader's error messages always were (core.text.printable)."""
from __future__ import annotations

import numpy as np

from core.engine.config import TrainConfig
from core.engine.csv_data import load_csv
from core.engine.trainer import Trainer
from core.logs.writer import RunLogWriter
from core.text import printable
from tui_trainer.cli import main
from tui_trainer.commands.logs import load_replay
from tui_trainer.replay_app import ReplayApp

RLO, ESC = "\u202e", "\x1b"
FEATURE, TARGET = f"x{RLO}evil", f"y{ESC}[31mred"


def csv_file(tmp_path, scale: float = 1e4):
    x = np.linspace(0, 1, 20) * scale
    rows = "\n".join(f"{a},{3 * a * a + 3 * a}" for a in x.tolist())
    p = tmp_path / "odd.csv"
    p.write_text(f"{FEATURE},{TARGET}\n{rows}\n", encoding="utf-8")
    return p


def no_raw(text: str) -> None:
    assert RLO not in text and ESC not in text, repr(text)


def test_printable_escapes_only_what_does_not_print():
    assert printable("x²") == "x²" and printable("a b") == "a b"
    assert printable(FEATURE) == repr(FEATURE) and "\\u202e" in printable(FEATURE)


def test_run_summary_and_findings_escape_column_names(tmp_path, capsys):
    assert main(["run", "--data", str(csv_file(tmp_path)), "--no-normalize", "--steps", "20"]) == 0
    out, err = capsys.readouterr()
    no_raw(out + err)
    assert "unscaled_data" in out and printable(FEATURE) in out  # the finding names the column, escaped


def test_baseline_equation_escapes_column_names(tmp_path, capsys):
    assert main(["baseline", "--data", str(csv_file(tmp_path)), "--degree", "2"]) == 0
    out, err = capsys.readouterr()
    no_raw(out + err)
    assert printable(FEATURE) in out


def test_an_error_naming_the_target_escapes_it(tmp_path, capsys):
    assert main(["run", "--data", str(csv_file(tmp_path)), "--loss", "bce", "--output-activation", "sigmoid"]) == 2
    out, err = capsys.readouterr()
    no_raw(out + err)
    assert err.count("\n") == 1 and printable(TARGET) in err


async def test_the_replay_screen_escapes_names_and_the_file_name(tmp_path):
    trainer = Trainer(TrainConfig(), load_csv(csv_file(tmp_path, scale=1.0)))
    path = tmp_path / f"run{RLO}.jsonl"
    w = RunLogWriter(path, trainer, with_params=True)
    for _ in range(5):
        w.step(trainer.step(), trainer.parameters())
    w.close()
    app = ReplayApp(load_replay(str(path)))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        shown = [str(screen.query_one("#loss").border_title), str(screen.query_one("#fit").render()),
                 str(screen.query_one("#replay-status").render()), str(screen.query_one("#sample-note").render())]
        for text in shown:
            no_raw(text)
        assert printable(f"run{RLO}.jsonl") in shown[0]
