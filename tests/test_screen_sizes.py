"""Issue 12: the screen tells the truth at every size and on every dataset. At 80×24, 120×40
and 200×60: a one-line status, whole notices, the dead samples and the top finding (with its
cure) on the first screen at 80×24, `? Help` and `q Quit` in the footer, panels that grow with
the terminal; on a 200-row CSV, a sign strip and a unit grid that summarise instead of wrapping,
and a dead ŷ labelled in y's units under normalisation."""
from __future__ import annotations

from pathlib import Path

import pytest
from rich.text import Text
from textual.app import App
from textual.reactive import reactive
from textual.widget import Widget

from core.engine.config import TrainConfig
from core.engine.csv_data import load_csv
from core.engine.trainer import Trainer
from tui_trainer.app import TrainerApp
from tui_trainer.protocol import Notice
from tui_trainer.screens.layout_plan import plan_for
from tui_trainer.widgets.findings_panel import FindingsPanel
from tui_trainer.widgets.key_footer import KeyFooter
from tui_trainer.widgets.relayout import RelayoutOnHeightChange
from tui_trainer.widgets.sign_strip import SignStrip
from tui_trainer.widgets.status_line import StatusLine
from tui_trainer.widgets.unit_grid import UnitGrid

CSV = Path(__file__).parent / "data" / "story200.csv"
SIZES = ((80, 24), (120, 40), (200, 60))


def screen_lines(app) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips()]


def csv_app(tmp_path, normalize: bool) -> TrainerApp:
    trainer = Trainer(TrainConfig(dev_fraction=0.2, normalize=normalize), load_csv(CSV))
    return TrainerApp(trainer, runs_dir=tmp_path / "runs", backend="thread")


async def test_status_is_one_whole_line_at_every_size(tui_app, settle):
    # the case that wrapped at 120 columns: a leaky output, N = 1000, a dev split
    app = tui_app(output_activation="leaky_relu", dev_fraction=0.2)
    async with app.run_test(size=SIZES[1]) as pilot:
        await pilot.press("N", "N", "n")
        await settle(pilot)
        for w, h in SIZES:
            await pilot.resize_terminal(w, h)
            await pilot.pause(0.2)
            status = app.main.query_one(StatusLine)
            text = status.render().plain
            assert status.size.height == 1 and len(text) <= w - 1, (w, text)
            assert screen_lines(app)[0].strip() == text.strip()
            for part in ("step 1000", "loss ", "state paused", "lr 5e-05") + (("output leaky_relu",) if w >= 120 else ()):
                assert part in text, (w, part)
        assert "N 1000" in text and "dev " in text  # at 200 columns everything fits


async def test_a_long_notice_wraps_and_shows_whole(tui_app, settle):
    app = tui_app()
    long = "/very/long/folder/name/" * 3
    text = f"Exported run log to {long}run-1.jsonl and CSV to {long}run-1.csv"
    async with app.run_test(size=SIZES[1]) as pilot:
        await settle(pilot)
        app.main.notice = Notice(text, path=f"{long}run-1.jsonl")
        await pilot.pause(0.2)
        shown = "".join(line.strip() for line in screen_lines(app)[1:4])
        assert text.replace(" ", "") in shown.replace(" ", "")


class Probe(RelayoutOnHeightChange, Widget):
    DEFAULT_CSS = "Probe { height: auto; width: 20; }"
    snapshot = reactive(None)

    def render(self) -> Text:
        return Text(self.snapshot or "")


async def test_a_panel_grows_when_its_text_wraps_onto_more_lines():
    # one line break in both texts; the second wraps onto more lines at 20 columns
    class ProbeApp(App):
        def compose(self):
            yield Probe()

    app = ProbeApp()
    async with app.run_test(size=(40, 12)) as pilot:
        probe = app.query_one(Probe)
        probe.snapshot = "top\nshort"
        await pilot.pause(0.1)
        assert probe.size.height == 2
        probe.snapshot = "top\n" + "the mean predictor scores far better " * 2
        await pilot.pause(0.1)
        assert probe.size.height == len(probe.render().wrap(app.console, 20)) > 2


async def test_80x24_first_screen_has_the_dead_samples_top_finding_help_and_quit(tui_app, settle):
    app = tui_app()
    async with app.run_test(size=SIZES[0]) as pilot:
        await pilot.press("N", "n", "n")
        await settle(pilot)
        await pilot.pause(0.3)
        lines = screen_lines(app)
        text = "\n".join(lines)
        assert lines[0].lstrip().startswith("step 200")  # one line: the notice line follows
        assert "Dead outputs: 1 of 20 samples (#0)" in text
        assert "→ " in text  # the top finding's cure
        footer = lines[-1]
        assert footer.startswith("?") and "Help" in footer and "q" in footer and "Quit" in footer
        footer_widget = app.main.query_one(KeyFooter)
        for child in footer_widget.children:
            assert not child.display or child.region.right <= footer_widget.region.right
        assert lines[2].rstrip().endswith("╮")  # the body's scrollbar does not clip the box
        await pilot.press("tab")  # focus moves: the footer is rebuilt, help and quit stay first
        await pilot.pause(0.3)
        assert screen_lines(app)[-1].startswith("? Help q Quit")
        await pilot.press("shift+tab", "pagedown")  # the body: PgDn brings the plots up
        await pilot.pause(0.3)
        assert "Loss J" in "\n".join(screen_lines(app))


async def test_panels_grow_with_the_terminal(tui_app, settle):
    app = tui_app()
    async with app.run_test(size=SIZES[1]) as pilot:
        await settle(pilot)
        loss_120 = app.main.query_one("#loss").size.height
        await pilot.resize_terminal(*SIZES[2])
        await pilot.pause(0.2)
        loss_200 = app.main.query_one("#loss").size.height
        assert loss_200 >= loss_120 + 15  # 200×60: the plots no longer stay 10 rows tall
        assert app.main.has_class("-large") and app.main.query_one("#samples").size.height >= 21


def test_layout_plans_give_every_panel_a_place():
    for w, h in SIZES + ((100, 30), (99, 60), (300, 100), (40, 12)):
        plan = plan_for(w, h)
        assert sum(plan.columns) == w and all(c > 0 for c in plan.columns)
        assert sorted(plan.order) == sorted(plan.spans) and len(plan.order) == 5
    assert plan_for(80, 24).order[:2] == ("findings-box", "samples")


@pytest.mark.parametrize("normalize", [False, True])
async def test_a_200_row_csv_summarises_signs_and_units_and_labels_units(tmp_path, settle, normalize):
    app = csv_app(tmp_path, normalize)
    async with app.run_test(size=SIZES[1]) as pilot:
        await pilot.press("N", "n")
        await settle(pilot)
        await pilot.pause(0.3)
        s = app.frame.snapshot
        strip, grid = app.main.query_one(SignStrip), app.main.query_one(UnitGrid)
        lines = strip.render().plain.split("\n")
        width = strip.size.width
        assert len(lines) == 2 and all(len(line) <= width for line in lines)
        glyphs = lines[1][6:]
        assert glyphs.strip() and set(glyphs) <= set("+−0123456789±")  # never empty
        per = -(-s.m // (width - 6))
        assert len(glyphs) == -(-s.m // per)  # every sample in some column
        assert f"{per} samples" in app.main.query_one("#activity").border_subtitle
        units = grid.render().plain.split("\n")
        assert len(units) == 1 + sum(a.shape[0] for a in s.hidden_active)  # one line per unit
        assert all(len(line) <= grid.size.width for line in units)
        title = str(app.main.query_one("#samples").border_title)
        findings = app.main.query_one(FindingsPanel).render().plain
        if normalize and s.dead.any():
            stuck = s.y_hat[s.dead][0]
            assert abs(stuck - s.y[:].mean()) < 0.2 * s.y.std()  # ReLU's 0 maps back to about ȳ
            assert "ReLU's 0 in y's units" in title and "ReLU's 0 in y's units" in findings
        else:
            assert "ŷ stuck at 0" in title


async def test_step_0_says_relu_prime_of_0_is_taken_as_0(tui_app, settle):
    app = tui_app()
    async with app.run_test(size=SIZES[1]) as pilot:
        await settle(pilot)
        s = app.frame.snapshot
        assert s.Z_L[0] == 0 and s.dead[0]  # x = 0 with b = 0 at init: Z^[L] = 0 exactly
        text = app.main.query_one(FindingsPanel).render().plain
        assert "#0: Z^[L] = 0 exactly. ReLU'(0) is taken as 0 here, so it gets no gradient of its own yet." in text


async def test_the_table_heading_follows_the_output(tui_app, settle):
    app = tui_app()
    async with app.run_test(size=SIZES[1]) as pilot:
        await pilot.press("n")
        await settle(pilot)
        assert str(app.main.query_one("#samples").border_title) == "Samples (red: dead, ŷ stuck at 0)"
        await pilot.press("a")  # leaky_relu: no sample can be dead, so nothing is "stuck at 0"
        await settle(pilot)
        await pilot.pause(0.2)
        assert str(app.main.query_one("#samples").border_title) == "Samples (a leaky_relu output: none can die)"


async def test_the_unit_grid_is_as_tall_at_any_width_it_is_measured_at(tui_app, settle):
    """Textual measures a widget's height for its new width before the widget has it: the grid's
    text, built for the old width, wrapped at a narrower one, and a layout taken then kept it
    twice as tall, with a scrollbar, behind the LR range test's screen (a flaky snapshot)."""
    from textual.geometry import Size
    app = tui_app()
    async with app.run_test(size=SIZES[1]) as pilot:
        await settle(pilot)
        grid = app.main.query_one(UnitGrid)
        s = app.frame.snapshot
        lines = 1 + sum(a.shape[0] for a in s.hidden_active)
        assert len(grid.render().plain.split("\n")) == lines
        for width in (grid.size.width // 2, grid.size.width, 2 * grid.size.width):
            assert grid.get_content_height(Size(width, 40), Size(*SIZES[1]), width) == lines
