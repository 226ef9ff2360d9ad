"""The TUI driven by keys (Textual's Pilot), the session controller, and core.diagnosis.snapshot."""
from __future__ import annotations

import pickle
import threading

import numpy as np
import pytest

from core.engine.config import TrainConfig
from core.engine.data import story_problem
from core.diagnosis.evaluation import evaluate
from core.logs.runlog import loads_strict, read_log
from core.diagnosis.findings import Finding
from core.diagnosis.snapshot import HISTORY_POINTS, take_snapshot
from core.engine.trainer import Trainer
from core.files import export_path
from tui_trainer import session as S
from tui_trainer.screens.help import HelpScreen
from tui_trainer.session import Command, Session, next_in
from tui_trainer.widgets.findings_panel import FindingsPanel, index_ranges
from tui_trainer.widgets.notice_line import NoticeLine
from tui_trainer.widgets.sample_table import SampleTable
from tui_trainer.widgets.status_line import StatusLine
from textual.widgets._footer import FooterKey
from table_view import table_line

SIZE = (120, 40)


def status_text(app) -> str:
    return app.main.query_one(StatusLine).render().plain


def notice_text(app) -> str:
    return app.main.query_one(NoticeLine).render().plain


def snap(app):
    return app.frame.snapshot


# ---- stepping --------------------------------------------------------------------------------

async def test_opens_paused_at_step_0(tui_app, settle):
    app = tui_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert snap(app).step == 0
        assert not app.frame.running
        text = status_text(app)
        for part in ("step 0", "loss", "RMSE", "lr 5e-05", "hidden relu", "output relu", "norm off",
                     "state paused", "N 10"):
            assert part in text


async def test_space_takes_one_step(tui_app, settle):
    app = tui_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("space")
        await settle(pilot)
        assert snap(app).step == 1
        assert "step 1 " in status_text(app)
        await pilot.press("space", "space")
        await settle(pilot)
        assert snap(app).step == 3


async def test_n_takes_N_steps_and_shift_n_cycles_N(tui_app, settle):
    app = tui_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert snap(app).step == 10
        await pilot.press("N")
        assert app.multi == 100 and "N 100" in status_text(app)
        await pilot.press("n")
        await settle(pilot)
        assert snap(app).step == 110
        await pilot.press("N")
        assert app.multi == 1000
        await pilot.press("n")
        await settle(pilot)
        assert snap(app).step == 1110
        await pilot.press("N")
        assert app.multi == 10


async def test_r_runs_and_pauses(tui_app, settle, wait_until):
    app = tui_app(pace=1000)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await wait_until(pilot, lambda: app.frame.running and snap(app).step > 0, what="training to run")
        assert "state running" in status_text(app)
        await pilot.press("r")
        await settle(pilot)
        stopped_at = snap(app).step
        assert "state paused" in status_text(app)
        await pilot.pause(0.2)
        assert snap(app).step == stopped_at


async def test_manual_steps_are_disabled_while_running(tui_app, settle, wait_until):
    app = tui_app(pace=1000)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await wait_until(pilot, lambda: app.frame.running, what="training to run")
        assert app.check_action("send", (S.STEP, 1)) is None
        assert app.check_action("multi_step", ()) is None
        await pilot.pause()
        assert _footer_greyed(app) == {"space", "n"}  # the footer greys them out
        entries = list(app.main.query(FooterKey))
        sent = app.sent
        await pilot.press("space", "n")
        assert app.sent == sent  # greyed-out keys send nothing
        await pilot.press("r")
        await settle(pilot)
        assert app.check_action("send", (S.STEP, 1)) is True
        assert _footer_greyed(app) == set()
        # only their enabled changed: the same entries, not a rebuilt footer (key_footer.py)
        assert list(app.main.query(FooterKey)) == entries


def _footer_greyed(app) -> set[str]:
    return {w.key for w in app.main.query(FooterKey) if w.has_class("-disabled") and w._disabled}


# ---- settings --------------------------------------------------------------------------------

async def test_a_cycles_the_output_activation(tui_app, settle):
    app = tui_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        seen = []
        for _ in range(5):
            await pilot.press("a")
            await settle(pilot)
            seen.append(snap(app).output_activation)
            assert f"output {seen[-1]}" in status_text(app)
            assert f"Output activation → {seen[-1]}" in notice_text(app)
        assert seen == ["leaky_relu", "swish", "linear", "sigmoid", "relu"]


async def test_a_keeps_the_weights_and_lets_stuck_samples_move(tui_app, settle):
    app = tui_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.multi = 1000
        for _ in range(5):
            await pilot.press("n")
        await settle(pilot)
        before = snap(app)
        assert before.step == 5000 and before.dead_output == 5
        assert np.all(before.y_hat[before.dead] == 0)
        await pilot.press("a", "a", "a")
        await settle(pilot)
        linear = snap(app)
        assert linear.output_activation == "linear" and linear.step == 5000
        assert linear.dead_output == 0
        # Weights kept: the pre-activations are unchanged, only g changed.
        np.testing.assert_allclose(linear.Z_L, before.Z_L)
        await pilot.press("n")
        await settle(pilot)
        after = snap(app)
        stuck = before.dead
        assert np.all(after.y_hat[stuck] != 0)
        assert after.loss < before.loss


async def test_h_cycles_the_hidden_activation(tui_app, settle):
    app = tui_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        seen = []
        for _ in range(len(S.HIDDEN_CYCLE)):
            await pilot.press("h")
            await settle(pilot)
            seen.append(snap(app).hidden_activation)
            assert f"hidden {seen[-1]}" in status_text(app)
        assert tuple(seen) == S.HIDDEN_CYCLE[1:] + S.HIDDEN_CYCLE[:1]


async def test_plus_and_minus_double_and_halve_the_learning_rate(tui_app, settle):
    app = tui_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("plus")
        await settle(pilot)
        assert snap(app).lr == pytest.approx(1e-4)
        assert "lr 0.0001" in status_text(app)
        await pilot.press("minus", "minus")
        await settle(pilot)
        assert snap(app).lr == pytest.approx(2.5e-5)
        assert "lr 2.5e-05" in status_text(app)


async def test_z_toggles_normalisation_and_says_it_restarted(tui_app, settle):
    app = tui_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press("z")
        await settle(pilot)
        assert snap(app).normalize and snap(app).step == 0
        assert "norm on" in status_text(app)
        assert "restarted from step 0" in notice_text(app)
        await pilot.press("z")
        await settle(pilot)
        assert not snap(app).normalize


async def test_s_new_seed_and_0_reset(tui_app, settle):
    app = tui_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        start_loss = snap(app).loss
        await pilot.press("n")
        await settle(pilot)
        assert snap(app).step == 10
        await pilot.press("0")
        await settle(pilot)
        assert snap(app).step == 0 and snap(app).seed == 4
        assert snap(app).loss == start_loss
        await pilot.press("s")
        await settle(pilot)
        assert snap(app).step == 0 and snap(app).seed == 5
        assert snap(app).loss != start_loss
        assert "New seed 5" in notice_text(app)


# ---- export and quit --------------------------------------------------------------------------

async def test_e_exports_a_strict_run_log_with_the_events(tui_app, settle, tmp_path):
    runs = tmp_path / "runs"
    app = tui_app(runs_dir=runs)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n", "plus", "a", "n", "e")
        await settle(pilot)
        files = list(runs.glob("run-*.jsonl"))
        assert len(files) == 1
        assert str(files[0]) in notice_text(app)
        lines = files[0].read_text(encoding="utf-8").splitlines()
        records = [loads_strict(line) for line in lines]
        assert records[0]["type"] == "run" and records[-1]["type"] == "end"
        assert [r["name"] for r in records if r["type"] == "event"] == ["lr", "output_activation"]
        assert sum(r["type"] == "step" for r in records) == 20
        assert read_log(files[0]).end["step"] == 20
        await pilot.press("e")
        await settle(pilot)
        assert len(list(runs.glob("run-*.jsonl"))) == 2  # a second export never overwrites


async def test_failed_export_is_a_notification_and_training_goes_on(tui_app, settle, tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    from tui_trainer import runs_folder  # the temporary folder cannot be written either
    monkeypatch.setattr(runs_folder, "fallback_folder", lambda: blocker / "tmp")
    app = tui_app(runs_dir=blocker / "runs")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        assert "Export failed" in notice_text(app)
        assert any("Export failed" in str(n.message) for n in app._notifications)
        await pilot.press("space")
        await settle(pilot)
        assert snap(app).step == 1


async def test_q_quits_while_running(tui_app, settle, wait_until):
    app = tui_app(pace=1000)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await wait_until(pilot, lambda: app.frame.running and snap(app).step > 0, what="training to run")
        await pilot.press("q")
        await wait_until(pilot, lambda: not app.is_running, what="the app to exit")
    assert app.return_code == 0
    workers = [w for w in app.workers if w.group == "training"]
    assert all(w.is_finished for w in workers)


async def test_question_mark_opens_help_with_the_formulas(tui_app, settle):
    app = tui_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = " ".join(str(w.render()) for w in app.screen.query("Static"))
        for formula in ("dA[L] = A[L] − Y", "dZ = dA · g'(Z)", "dW = dZ · A_prevᵀ / m"):
            assert formula in text
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_every_key_is_in_the_command_palette(tui_app, settle):
    app = tui_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for b in app.BINDINGS:
            if b.action != "quit":
                assert any(t.startswith(b.description) for t in titles), b.description
        assert any(t == "Quit" or "Quit" in t for t in titles)


# ---- widgets -----------------------------------------------------------------------------------

async def test_table_keeps_the_cursor_and_redraws_only_rows_that_changed(tui_app, settle):
    app = tui_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.main.query_one(SampleTable)
        table.focus()
        await pilot.press("down", "down", "down")
        assert table.cursor_row == 3
        app.multi = 1000
        await pilot.press("n", "n")
        await settle(pilot)
        await pilot.pause()
        assert table.cursor_row == 3 and table.row_count == 20
        s = snap(app)
        dead = set(np.flatnonzero(s.dead))
        assert dead  # the story: low-x samples stuck at 0 by step 2000
        for i in range(20):
            text, styles = table_line(table, 1 + i)
            assert text.split()[0] == str(i)
            assert all("red" in st for st in styles) == (i in dead)
            if i in dead:
                assert text.split()[3] == "0"  # ŷ stuck at exactly 0
        # The same rows again: no line is drawn again.
        drawn = []
        original = table._strip
        table._strip = lambda y, key: drawn.append(y) or original(y, key)
        table.snapshot = s
        await pilot.pause()
        table.refresh()  # even a full repaint takes every unchanged row from the cache
        await pilot.pause()
        assert drawn == []
        await pilot.press("plus")  # a new frame, the same θ: the same rows, nothing drawn
        await settle(pilot)
        await pilot.pause()
        assert drawn == []
        await pilot.press("space")  # a step changes the rows: only the lines on screen are drawn
        await settle(pilot)
        await pilot.pause()
        assert 0 < len(drawn) <= 20


async def test_table_shows_dev_rows_dead_only_and_worst_first(tui_app, settle):
    app = tui_app(dev_fraction=0.2)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.multi = 1000
        for _ in range(5):
            await pilot.press("n")
        await settle(pilot)
        table = app.main.query_one(SampleTable)
        rows = table.rows
        assert (rows.m_train, rows.m_dev, table.row_count) == (16, 4, 20)
        assert sum("dev" in table_line(table, 1 + r)[0] for r in range(20)) == 4
        await pilot.press("d")
        await settle(pilot)
        assert table.row_count == rows.dead_total > 0 and table.rows.dead.all()
        assert table_line(table, 0)[0].startswith(f"dead rows only (d): {rows.dead_total} of 20 rows")
        await pilot.press("d", "w")
        await settle(pilot)
        err = np.abs(table.rows.y_hat - table.rows.y)
        assert table.row_count == 20 and np.all(np.diff(err) <= 0)
        assert table_line(table, 0)[0].startswith("worst |ŷ − y| first (w)")
        assert table_line(table, 1)[0].split()[:3] == ["#", "set", "x"]


async def test_table_says_which_units_and_what_a_dead_sample_predicts_under_normalisation(tui_app, settle):
    app = tui_app(normalize=True, lr=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.multi = 1000
        await pilot.press("n")
        await settle(pilot)
        table = app.main.query_one(SampleTable)
        rows = table.rows
        assert rows.normalized and rows.dead_y_hat == pytest.approx(float(np.mean(snap(app).y)))
        assert np.all(rows.y_hat[rows.dead] == pytest.approx(rows.dead_y_hat))
        units = table_line(table, 1)[0].split()
        assert units == ["data", "data", "data", "train", "data"]  # under x y ŷ Z^[L] ŷ − y


async def test_findings_panel_counts_dead_samples_and_units(tui_app, settle):
    app = tui_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.multi = 1000
        for _ in range(5):
            await pilot.press("n")
        await settle(pilot)
        text = app.main.query_one(FindingsPanel).render().plain
        assert "Dead outputs: 5 of 20 samples (#0–4)" in text
        assert "Dead hidden units (layer 1): 7 of 10" in text
        assert "passes back no gradient" in text


@pytest.mark.parametrize("sizes", [[(40, 12), (80, 24), (120, 40)], [(120, 40), (20, 6), (80, 24), (200, 60)]])
async def test_small_terminals_and_resizes_never_crash(tui_app, settle, wait_until, sizes):
    app = tui_app()
    async with app.run_test(size=sizes[0]) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await wait_until(pilot, lambda: app.frame.running and snap(app).step > 0, what="training to run")
        for size in sizes[1:]:
            await pilot.resize_terminal(*size)
            await pilot.pause(0.1)
        await pilot.press("r")
        await settle(pilot)
        assert app.is_running and snap(app).step > 0


async def test_divergence_is_shown_and_a_lower_rate_recovers(tui_app, settle):
    app = tui_app(lr=1.0, hidden_activation="tanh", output_activation="linear")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.multi = 1000
        await pilot.press("n")
        await settle(pilot)
        assert snap(app).diverged and snap(app).step < 1000
        assert "state diverged" in status_text(app)
        assert "Diverged" in app.main.query_one(FindingsPanel).render().plain
        assert any("diverged" in str(n.message) for n in app._notifications)
        await pilot.press("minus")
        await settle(pilot)
        assert not snap(app).diverged and snap(app).lr == 0.5


async def test_a_training_error_is_shown_not_a_crash(tui_app, settle, wait_until):
    app = tui_app()

    def broken(n, should_stop=None):
        raise RuntimeError("boom")

    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.session._trainer.run = broken
        await pilot.press("space")
        await wait_until(pilot, lambda: app.main.error != "", what="the error to show")
        assert "state error" in status_text(app)
        assert "boom" in notice_text(app)
        assert app.is_running


async def test_dev_split_shows_dev_loss_and_a_dev_curve(tui_app, settle):
    app = tui_app(dev_fraction=0.2)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert " dev " in status_text(app) and snap(app).m == 16
        assert np.isfinite(snap(app).hist_dev_loss).all()


async def test_several_features_plot_predictions_against_targets(settle):
    from core.engine.data import Dataset
    from tui_trainer.app import TrainerApp
    from tui_trainer.widgets.fit_plot import FitPlot

    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1, (3, 40))
    Y = (X.sum(axis=0) * 2).reshape(1, -1)
    data = Dataset(X, Y, ("a", "b", "c"), "t", "test")
    app = TrainerApp(Trainer(TrainConfig(lr=1e-2), data))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        fit = app.main.query_one(FitPlot)
        assert "t (target)" in fit.render().plain
        assert app.main.query_one(SampleTable).row_count == 40


# ---- the session without Textual ----------------------------------------------------------------

def story_trainer(**config) -> Trainer:
    return Trainer(TrainConfig(**config), story_problem())


class Collector:
    """Stands in for a UI: records frames and notices, and draws each frame instantly."""

    def __init__(self):
        self.frames, self.notices = [], []
        self.cond = threading.Condition()
        self.session = None

    def frame(self, f):
        if self.session is not None:
            self.session.frame_drawn()
        with self.cond:
            self.frames.append(f)
            self.cond.notify_all()

    def notice(self, n):
        with self.cond:
            self.notices.append(n)
            self.cond.notify_all()

    def wait(self, predicate, timeout=20.0):
        with self.cond:
            assert self.cond.wait_for(predicate, timeout), "session did not deliver in time"


def start(session: Session, collector: Collector | None = None) -> threading.Thread:
    if collector is not None:
        collector.session = session
    t = threading.Thread(target=session.run_loop, daemon=True)
    t.start()
    return t


def test_session_applies_commands_in_order_and_counts_them():
    c = Collector()
    s = Session(story_trainer(), c.frame, c.notice)
    th = start(s, c)
    for cmd in (Command(S.STEP, 7), Command(S.SCALE_LR, 2.0), Command(S.CYCLE_OUTPUT), Command(S.STEP, 3)):
        s.send(cmd)
    c.wait(lambda: c.frames and c.frames[-1].applied == 4)
    last = c.frames[-1].snapshot
    assert (last.step, last.lr, last.output_activation) == (10, 1e-4, "leaky_relu")
    s.close()
    th.join(5)
    assert not th.is_alive()


def test_session_runs_until_paused_and_stops_on_close():
    c = Collector()
    s = Session(story_trainer(), c.frame, c.notice)
    th = start(s, c)
    s.send(Command(S.RUN))
    c.wait(lambda: c.frames and c.frames[-1].running and c.frames[-1].snapshot.step > 500)
    s.send(Command(S.PAUSE))
    c.wait(lambda: c.frames[-1].applied == 2 and not c.frames[-1].running)
    s.close()
    th.join(5)
    assert not th.is_alive()


def test_a_ui_that_never_acknowledges_frames_only_slows_training():
    c = Collector()
    s = Session(story_trainer(), c.frame, c.notice)
    th = start(s)  # nobody calls frame_drawn()
    s.send(Command(S.RUN))
    c.wait(lambda: c.frames and c.frames[-1].running and c.frames[-1].snapshot.step > 100)
    s.close()
    th.join(5)
    assert not th.is_alive()


def test_session_refuses_learning_rates_out_of_range():
    c = Collector()
    s = Session(story_trainer(lr=800.0), c.frame, c.notice)
    th = start(s, c)
    s.send(Command(S.SCALE_LR, 2.0))
    c.wait(lambda: c.frames and c.frames[-1].applied == 1)
    assert c.frames[-1].snapshot.lr == 800.0
    assert c.notices and c.notices[-1].severity == "warning"
    s.close()
    th.join(5)


def test_unknown_command_is_rejected():
    with pytest.raises(ValueError):
        Command("fly")


def test_cycles():
    assert next_in(S.OUTPUT_CYCLE, "relu") == "leaky_relu"
    assert next_in(S.OUTPUT_CYCLE, "sigmoid") == "relu"
    assert next_in(S.OUTPUT_CYCLE, "tanh") == "relu"  # not in the cycle: start over
    assert S.OUTPUT_CYCLE == ("relu", "leaky_relu", "swish", "linear", "sigmoid")


def test_export_path_never_reuses_a_name(tmp_path):
    p1 = export_path(tmp_path, now=0.0)
    p1.write_text("")
    p2 = export_path(tmp_path, now=0.0)
    assert p1 != p2 and p1.name.startswith("run-") and p2.name.endswith("-2.jsonl")


def test_index_ranges():
    assert index_ranges([0, 1, 2, 5, 7, 8]) == "0–2, 5, 7–8"
    assert index_ranges([]) == ""


# ---- core.diagnosis.snapshot --------------------------------------------------------------------------------

def test_snapshot_matches_evaluate_and_pickles():
    t = story_trainer()
    t.run(5000)
    s = take_snapshot(t)
    ev = evaluate(t)
    assert s.step == 5000 and s.status == "ok"
    assert s.loss == pytest.approx(ev.loss) and s.rmse == pytest.approx(ev.rmse)
    assert list(np.flatnonzero(s.dead)) == list(ev.dead_samples) == [0, 1, 2, 3, 4]
    assert s.dead_hidden == tuple(ev.dead_hidden)
    np.testing.assert_array_equal(s.x, np.arange(20.0))
    np.testing.assert_array_equal(s.y, 3 * np.arange(20.0) ** 2 + 3 * np.arange(20.0))
    np.testing.assert_allclose(s.y_hat, ev.y_hat)
    assert np.all(s.y_hat[s.dead] == 0) and np.all(s.Z_L[s.dead] <= 0)
    assert isinstance(s.findings, tuple) and s.findings and all(isinstance(f, Finding) for f in s.findings)
    back = pickle.loads(pickle.dumps(s))
    np.testing.assert_array_equal(back.y_hat, s.y_hat)
    assert back.step == s.step


def test_snapshot_history_is_thinned_and_kept_in_original_units():
    t = story_trainer(normalize=True, dev_fraction=0.2)
    t.run(20000)
    s = take_snapshot(t)
    assert len(s.hist_step) <= HISTORY_POINTS
    assert s.hist_step[-1] == 19999 and np.all(np.diff(s.hist_step) > 0)
    assert np.all(np.isfinite(s.hist_dev_loss)) and s.dev_loss is not None
    assert s.m == 16 and s.normalize
    np.testing.assert_array_equal(s.x, t.dataset.X[0, t.split.train_idx])


def test_snapshot_carries_findings_over_when_not_diagnosing():
    t = story_trainer()
    carried = (Finding("dead_output", "kept", "press a"),)
    s = take_snapshot(t, with_findings=False, previous_findings=carried)
    assert s.findings == carried


def test_snapshot_of_a_fresh_trainer_has_an_empty_history():
    s = take_snapshot(story_trainer())
    assert s.step == 0 and len(s.hist_step) == 0


def test_a_broken_install_is_an_error_not_the_help(monkeypatch):
    import sys
    from tui_trainer.cli import main
    monkeypatch.setitem(sys.modules, "tui_trainer.app", None)  # importing it raises ImportError
    with pytest.raises(ImportError):
        main([])
