"""Sample numbers in the TUI (issue 11, item 11): a sample is numbered by its dataset row (0-based,
CSV header excluded) everywhere a human reads one, as `run --json` and the findings' evidence
number it: the table's `#` for train and dev rows, the chain-rule inspector Enter opens, the
pause-on-trouble text, the findings panel's dead samples and a replay's table. Its position in
the training split is what the engine indexes. Without a dev split the two are the same, so
these tests use one: on the story with 25 % dev (seed 4) the training split is rows
0, 1, 2, 4, 6, 8, … and dev rows 3, 5, 7, 13, 18, so training position 3 is row 4."""
from __future__ import annotations

import numpy as np

from core.diagnosis.evaluation import evaluate
from core.diagnosis.sample_bins import SHOWN_SAMPLES, number_runs
from core.diagnosis.sample_rows import TableView
from core.diagnosis.snapshot import take_snapshot
from core.diagnosis.trouble import TroubleWatch
from core.engine.config import TrainConfig
from core.engine.data import Dataset, story_problem
from core.engine.trainer import Trainer
from core.logs.reader import open_log
from core.logs.recompute import snapshot_at
from core.logs.replay import load_replay
from core.logs.writer import RunLogWriter
from tui_trainer.screens.checks import ChainRuleScreen
from tui_trainer.widgets.findings_panel import FindingsPanel, dead_numbers
from tui_trainer.widgets.fmt import index_ranges
from tui_trainer.widgets.notice_line import NoticeLine
from tui_trainer.widgets.sample_table import SampleTable
from tui_trainer.widgets.table_lines import snapshot_rows
from table_view import table_line

SIZE = (120, 40)
TRAIN_ROWS = [0, 1, 2, 4, 6, 8, 9, 10, 11, 12, 14, 15, 16, 17, 19]
DEV_ROWS = [3, 5, 7, 13, 18]


def story(**config) -> Trainer:
    return Trainer(TrainConfig(dev_fraction=0.25, **config), story_problem())


def test_the_split_these_tests_rely_on():
    t = story()
    assert t.split.train_idx.tolist() == TRAIN_ROWS and t.split.dev_idx.tolist() == DEV_ROWS


# ---- core ---------------------------------------------------------------------------------------

def test_trouble_text_names_the_dataset_row_and_every_feature():
    """Two features, a dev split: every training sample dies at once (b^[L] pushed far down);
    the text names each by its dataset row with both inputs, Trouble.samples keeps positions."""
    m = 12
    r = np.arange(m, dtype=float)
    X = np.vstack([r, 10 * r + 0.5])  # x1 is the row, x2 tells the features apart
    t = Trainer(TrainConfig(dev_fraction=0.25), Dataset(X, (r + 1).reshape(1, -1), ("a", "b"), "y", "two"))
    train = t.split.train_idx.tolist()
    assert train != list(range(len(train)))  # positions and rows differ
    watch = TroubleWatch()
    theta = t.parameters()
    b = f"b{t.L}"
    t.set_parameters({**theta, b: theta[b] + 1e6})  # every output alive
    assert watch.begin(t) is None
    t.set_parameters({**theta, b: theta[b] - 1e6})  # every output dead
    tr = watch.begin(t)
    assert tr is not None and tr.kind == "dead_output" and tr.samples == tuple(range(len(train)))
    for row in train:
        assert f"#{row} (x = ({row:g}, {10 * row + 0.5:g}), y = {row + 1:g})" in tr.text
    assert tr.rows == tuple(train)


def test_pause_on_trouble_names_the_dataset_row():
    t = story()
    watch = TroubleWatch()
    watch.begin(t)
    deaths = []
    while t.step_count < 2000 and len(deaths) < 3:
        t.run(200, watch.stopper(t))
        tr = watch.after_run(t) or watch.begin(t)
        if tr is not None and tr.kind == "dead_output":
            deaths.append(tr)
    third = deaths[2]
    assert (third.step, third.samples) == (1646, (3,))
    assert "Step 1646: sample #4 (x = 4, y = 60) died" in third.text
    assert third.rows == (4,)


def test_table_rows_are_numbered_by_dataset_row_train_and_dev():
    t = story()
    t.run(5000)
    s = take_snapshot(t)
    rows = s.table
    assert rows.index.tolist() == TRAIN_ROWS + DEV_ROWS
    assert rows.position.tolist() == list(range(15)) + list(range(5))
    assert rows.dev.tolist() == [False] * 15 + [True] * 5
    np.testing.assert_array_equal(rows.x, rows.index)  # the story's x is its row
    # Filtered and sorted, each row keeps its own number.
    dead = snapshot_rows(s, TableView(dead_only=True)).index.tolist()
    assert dead == [0, 1, 2, 4]  # the table from the snapshot's own arrays (train rows only)
    worst = take_snapshot(t, table_view=TableView(worst_first=True)).table
    np.testing.assert_array_equal(worst.x, worst.index)
    # The findings panel's dead samples: rows 0–2 and 4 (positions 0–3).
    assert dead_numbers(s)[0] == (4, "0–2, 4")


def test_a_replay_table_is_numbered_by_dataset_row(tmp_path):
    t = story()
    path = tmp_path / "dev.jsonl"
    w = RunLogWriter(path, t, with_params=True)
    for _ in range(3):
        w.step(t.step(), t.parameters())
    w.close()
    head, records = open_log(path)
    snap = snapshot_at(load_replay(head, records), 0)
    assert snap is not None and snap.table is None  # a replay's snapshot: the table from its arrays
    assert snapshot_rows(snap, TableView()).index.tolist() == TRAIN_ROWS


def test_a_large_datasets_dead_runs_are_dataset_rows():
    assert number_runs(np.array([0, 1, 2, 4, 6, 7])).tolist() == [[0, 2], [4, 4], [6, 7]]
    assert number_runs(np.array([0, 2, 4]), limit=2).tolist() == [[0, 0], [2, 2]]
    assert number_runs(np.array([], dtype=int)).shape == (0, 2)
    m = 2 * SHOWN_SAMPLES  # more training samples than a snapshot carries
    x = np.linspace(-3, 3, m).reshape(1, -1)
    t = Trainer(TrainConfig(dev_fraction=0.25, seed=3), Dataset(x, 2 * x + 1, ("x",), "y", "linear"))
    t.run(3)
    big = take_snapshot(t, with_findings=False)
    assert big.samples is not None  # the dead numbers come from the summary's runs
    ev = evaluate(t)
    rows = t.split.train_idx[ev.dead_samples]
    assert len(rows) > 1 and rows[-1] - rows[0] + 1 > len(rows)  # positions in a run, rows not
    text = dead_numbers(big)[0][1]
    assert text == index_ranges(rows, 6)


# ---- the TUI ------------------------------------------------------------------------------------

async def test_table_hash_column_and_enter_use_the_dataset_row(tui_app, settle, wait_until):
    app = tui_app(dev_fraction=0.25)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.multi = 1000
        for _ in range(5):
            await pilot.press("n")
        await settle(pilot)
        table = app.main.query_one(SampleTable)
        shown = [table_line(table, 1 + r)[0].split() for r in range(20)]
        assert [int(cells[0]) for cells in shown] == TRAIN_ROWS + DEV_ROWS
        assert [cells[1] == "dev" for cells in shown] == [False] * 15 + [True] * 5
        assert all(float(cells[1 + (cells[1] == "dev")]) == int(cells[0]) for cells in shown)  # x is the row
        text = app.main.query_one(FindingsPanel).render().plain
        assert "Dead outputs: 4 of 15 samples (#0–2, 4)" in text
        # Enter on the 5th row, `#` 6 (training position 4): the inspector shows row 6.
        table.focus()
        await pilot.press("down", "down", "down", "down", "enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ChainRuleScreen) and screen.position == 4
        assert screen.query_one("#check").border_title.endswith("sample #6")
        await wait_until(pilot, lambda: screen.chain is not None, what="the chain rule")
        assert screen.chain.sample == 6 and screen.chain.x == (6.0,)
        assert screen.query_one("#check-body").content.plain.startswith("sample 6 (x = 6)")
        # ↓ goes to the next training sample: position 5, row 8 (row 7 is a dev row).
        await pilot.press("down")
        await wait_until(pilot, lambda: screen.chain is not None and screen.position == 5, what="the next sample")
        assert screen.chain.sample == 8 and screen.query_one("#check").border_title.endswith("sample #8")


async def test_the_paused_on_row_is_marked_and_named_by_its_dataset_row(tui_app, settle, wait_until):
    app = tui_app(dev_fraction=0.25, pause_on_trouble=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for _ in range(3):  # rows 1 and 2 die first (positions = rows there), then row 4
            await pilot.press("r")
            await settle(pilot)
        f = app.frame
        assert (f.snapshot.step, f.trouble.samples) == (1646, (3,))
        assert "Step 1646: sample #4 (x = 4, y = 60) died" in app.main.query_one(NoticeLine).render().plain
        table = app.main.query_one(SampleTable)
        assert table.highlight == {3}
        marked = [table_line(table, 1 + r)[0].split()[0] for r in range(20)
                  if any("on red" in st for st in table_line(table, 1 + r)[1])]
        assert marked == ["4"]
        table.focus()
        await pilot.press("down", "down", "down", "enter")  # the marked row
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ChainRuleScreen)
        await wait_until(pilot, lambda: screen.chain is not None, what="the chain rule")
        assert screen.chain.sample == 4 and screen.chain.dead
        assert screen.query_one("#check").border_title.endswith("sample #4")
