"""SVG snapshots of the TUI (pytest-textual-snapshot) at a fixed size on the story's seed.

Each test waits until every key has been applied and training is paused, so the picture depends
only on the keys pressed, never on timing. Review changes with the HTML report before running
`pytest tests/test_snapshots.py --snapshot-update`.
"""
from __future__ import annotations

from pathlib import Path

WIDE = (120, 40)
# A 200-row CSV (synthetic, tests/data/README.md) with a dev split: the large-dataset screens.
CSV = Path(__file__).parent / "data" / "story200.csv"


def keys_then_settle(settle, *keys: str):
    async def run_before(pilot) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
    return run_before


def test_start_screen(snap_compare, tui_app, settle):
    assert snap_compare(tui_app(), terminal_size=WIDE, run_before=keys_then_settle(settle))


def test_after_200_steps_dead_samples_in_red(snap_compare, tui_app, settle):
    # N -> 100, then two N-step presses.
    assert snap_compare(tui_app(), terminal_size=WIDE, run_before=keys_then_settle(settle, "N", "n", "n"))


def test_linear_output_lets_the_stuck_samples_move(snap_compare, tui_app, settle):
    # 5000 steps on the defaults (five samples stuck at 0), output -> linear, 10000 more steps:
    # the stuck samples get gradient again and sample 4 climbs back towards its target.
    keys = ["N", "N"] + ["n"] * 5 + ["a", "a", "a"] + ["n"] * 10
    assert snap_compare(tui_app(), terminal_size=WIDE, run_before=keys_then_settle(settle, *keys))


def test_help_screen(snap_compare, tui_app, settle):
    assert snap_compare(tui_app(), terminal_size=WIDE, run_before=keys_then_settle(settle, "question_mark"))


def test_80x24_after_200_steps(snap_compare, tui_app, settle):
    assert snap_compare(tui_app(), terminal_size=(80, 24), run_before=keys_then_settle(settle, "N", "n", "n"))


def test_chain_rule_on_a_dead_sample(snap_compare, tui_app, settle):
    # 5000 steps, then enter on sample 3 (dead): ∂A/∂Z = g'(Z) = 0 is highlighted.
    async def run_before(pilot) -> None:
        await keys_then_settle(settle, "N", "N", *["n"] * 5)(pilot)
        pilot.app.main.query_one("#samples").focus()
        await pilot.press("down", "down", "down", "enter")
        await settle(pilot)
    assert snap_compare(tui_app(), terminal_size=WIDE, run_before=run_before)


def test_lr_range_test_screen(snap_compare, tui_app, settle):
    assert snap_compare(tui_app(), terminal_size=WIDE, run_before=keys_then_settle(settle, "l"))


def test_200x60_after_200_steps(snap_compare, tui_app, settle):
    # the large layout: taller plots, the activity panel between the table and the findings
    assert snap_compare(tui_app(), terminal_size=(200, 60), run_before=keys_then_settle(settle, "N", "n", "n"))


def csv_app(tmp_path, normalize: bool):
    from core.engine.config import TrainConfig
    from core.engine.csv_data import load_csv
    from core.engine.trainer import Trainer
    from tui_trainer.app import TrainerApp
    trainer = Trainer(TrainConfig(dev_fraction=0.2, normalize=normalize), load_csv(CSV))
    return TrainerApp(trainer, runs_dir=tmp_path / "runs", backend="thread")


def test_csv_80x24_normalised(snap_compare, settle, tmp_path):
    # compact: the findings (96 dead rows, stuck at ReLU's 0 in y's units) and the table first
    assert snap_compare(csv_app(tmp_path, True), terminal_size=(80, 24), run_before=keys_then_settle(settle, "N", "n"))


def test_csv_120x40_normalised(snap_compare, settle, tmp_path):
    # 160 training rows in 40 columns: the sign strip and the unit grid bin them (4 a column)
    assert snap_compare(csv_app(tmp_path, True), terminal_size=WIDE, run_before=keys_then_settle(settle, "N", "n"))


def test_csv_120x40_raw(snap_compare, settle, tmp_path):
    assert snap_compare(csv_app(tmp_path, False), terminal_size=WIDE, run_before=keys_then_settle(settle, "N", "n"))


def test_csv_200x60_raw(snap_compare, settle, tmp_path):
    assert snap_compare(csv_app(tmp_path, False), terminal_size=(200, 60),
                        run_before=keys_then_settle(settle, "N", "n"))
