"""`tui-trainer tour` (issue 14, item 4): the story as a lesson on the real engine.

One run of the whole tour at 80×24 checks each stage's numbers and its picture (one SVG
snapshot per stage, taken as the stage finishes: the tour trains about 60,000 steps, so it runs
once rather than once per stage). A snapshot is taken once the stage's state has been reached
and drawn (next_stage), never after a fixed sleep, so the pictures are the same on every run.
Review the SVGs as PNGs (rsvg-convert) before accepting a change with --snapshot-update."""
from __future__ import annotations

import re

import pytest
from pytest_textual_snapshot import SVGImageExtension

from core.logs.reader import open_log
from core.logs.rerun import rerun
from core.logs.restore import trainer_from_log
from tui_trainer.cli import main
from tui_trainer.screens.tour import TourApp, TourScreen
from tui_trainer.tour.stages import GOOD_RMSE

SIZE = (80, 24)


def screenshot(app) -> str:
    """The screen as SVG, the export's time stamp in the log's name masked."""
    return re.sub(r"run-\d{8}-\d{6}", "run-YYYYMMDD-HHMMSS", app.export_screenshot())


async def next_stage(pilot, wait_until, press: bool = True) -> str:
    """Play the next stage and wait for its point: the stage has finished, its last frame has
    its findings (Frame.fresh) and the screen has drawn that frame (not a sleep: the first frame
    may reach the app before the screen is mounted, and a plot repaints a refresh later)."""
    app = pilot.app
    if press:
        await pilot.press("enter")
    await wait_until(pilot, lambda: app.done and not app.playing and app.frame.fresh, timeout=120, what="the stage")
    await wait_until(pilot, lambda: app.main.shows(app.frame), what="the screen to draw the stage's frame")
    await pilot.wait_for_scheduled_animations()  # as snap_compare does before its screenshot
    await pilot.pause()
    return str(app.main.query_one("#lesson").render())


async def test_the_tour_teaches_the_story_on_the_real_engine(tmp_path, wait_until, snapshot, monkeypatch):
    svg = snapshot.use_extension(SVGImageExtension)
    monkeypatch.chdir(tmp_path)  # the log's path is shown relative to here: runs/run-….jsonl
    app = TourApp()
    texts, frames = [], []
    async with app.run_test(size=SIZE) as pilot:
        for k in range(len(app.stages)):
            texts.append(await next_stage(pilot, wait_until, press=k > 0))
            frames.append(app.frame)
            assert svg(name=f"stage{k + 1}") == screenshot(app), f"stage {k + 1}"
        assert app.check_action("send", ("run",)) is False  # the training keys are the stages' job
        await pilot.press("q")
    problem, death, cure1, cure2, cure3, base = texts
    assert "dAL = ∂L/∂A^[L] = A^[L] − Y" in problem and frames[0].snapshot.step == 0
    # 2: paused by itself at the first sample that matters, its chain cut by relu'(Z) = 0
    s = frames[1].snapshot
    assert (s.step, frames[1].trouble.samples) == (430, (1,)) and s.dead[1]
    assert "sample #1 (x = 1, y = 6) died" in death and "relu'(Z) = 0" in death
    # 3: a linear output, and the cure chain names what is still in the way
    assert "samples 0–4 stuck" in cure1 and frames[2].next_step.blocker == "cut_off" and "z" in frames[2].next_step.keys
    # 4: normalised, a rate from the scale and from the LR test; settled on ReLU's kinks
    assert frames[3].snapshot.normalize and frames[3].next_step.blocker == "kinks"
    assert "half of 2/λmax" in cure2 and frames[3].snapshot.rmse < frames[2].snapshot.rmse / 5
    # 5: a smooth hidden layer reaches a good fit
    assert frames[4].snapshot.rmse < GOOD_RMSE and frames[4].next_step.good
    assert frames[4].snapshot.hidden_activation == "swish"
    # 6: the baseline's coefficients, and the lesson's run log, which reruns identically
    assert "coefficients 0, 3, 3" in base and frames[5].diag.baseline.degree == 2
    (log,) = (tmp_path / "runs").glob("run-*.jsonl")
    assert f"runs/{log.name}" in base.replace("\n", "")
    head, recs = open_log(log)
    result = rerun(trainer_from_log(head), recs)
    assert result.identical and result.steps_compared > 0


async def test_what_reaches_the_screen_before_it_is_mounted_is_shown(wait_until):
    """The first frame may come before the tour's screen has mounted (the process backend
    builds it on the app's side at once): it and the stage's text still reach the widgets."""
    app = TourApp()
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.done and app.frame.fresh, what="the first frame")
        screen = TourScreen()
        screen.frame = app.frame
        screen.show_stage("the stage's text", "the hint", "the title")
        await app.push_screen(screen)
        await wait_until(pilot, lambda: screen.shows(app.frame), what="the screen to draw the frame")
        assert "the stage's text" in str(screen.query_one("#lesson").render())
        assert screen.query_one("#lesson-box").border_title == "the title"


async def test_q_leaves_the_tour_mid_lesson_and_saves_the_run(tmp_path, wait_until):
    app = TourApp(runs_dir=tmp_path / "runs")
    async with app.run_test(size=(120, 40)) as pilot:
        await next_stage(pilot, wait_until, press=False)
        await next_stage(pilot, wait_until)
        await pilot.press("q")
        await wait_until(pilot, lambda: not app.is_running, what="the app to exit")
    assert app.return_code == 0
    (log,) = (tmp_path / "runs").glob("run-*.jsonl")
    assert any("saved to" in line for _, line in app.quit_report)
    head, recs = open_log(log)
    assert rerun(trainer_from_log(head), recs).identical


def test_tour_is_a_subcommand_with_no_model_options(capsys):
    with pytest.raises(SystemExit) as e:
        main(["tour", "--help"])
    assert e.value.code == 0 and "guided lesson" in capsys.readouterr().out
    assert main(["tour", "--lr", "1"]) == 2
