"""The diagnosis in the TUI (issue 4): the check keys g, b, l, o, the chain-rule inspector, the
stability limit in the status line, loss at init and bias/variance in the findings panel, and
the session side (commands, picklable results)."""
from __future__ import annotations

import pickle

import numpy as np
import pytest

from core.engine.config import TrainConfig
from core.engine.data import story_problem
from core.diagnosis.diagnostics import LiveDiagnostics
from core.engine.trainer import Trainer
from tui_trainer import session as S
from tui_trainer.screens.checks import ChainRuleScreen, GradCheckScreen, LRFindScreen, OverfitScreen
from tui_trainer.session import Command, Session
from tui_trainer.widgets.curve_plot import CurvePlot
from tui_trainer.widgets.findings_panel import FindingsPanel
from tui_trainer.widgets.fit_plot import FitPlot
from tui_trainer.widgets.sample_table import SampleTable
from tui_trainer.widgets.status_line import StatusLine

SIZE = (120, 40)


def status_text(app) -> str:
    return app.main.query_one(StatusLine).render().plain


def body(screen):
    """The rich Text a check screen shows."""
    return screen.query_one("#check-body").content


def body_text(screen) -> str:
    return body(screen).plain


def snap(app):
    return app.frame.snapshot


async def train(pilot, settle, steps: int = 5000) -> None:
    pilot.app.multi = 1000
    for _ in range(steps // 1000):
        await pilot.press("n")
    await settle(pilot)


# ---- status line: 2/λmax beside the learning rate -----------------------------------------

async def test_status_line_shows_the_stability_limit_beside_the_lr(tui_app, settle):
    app = tui_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        curv = app.frame.diag.curvature
        assert curv is not None and curv.lambda_max > 0
        text = status_text(app)
        assert f"lr 5e-05 2/λmax {curv.stability_limit:.2g}" in text
        # Step 0 of the story: λmax ≈ 6,100, so the limit is about 3.3e-4.
        assert curv.stability_limit == pytest.approx(3.3e-4, rel=0.1)
        await train(pilot, settle)
        after = app.frame.diag.curvature
        assert after is not curv  # recomputed after training, at the new parameters
        # After 5000 steps λmax ≈ 38,600: 2/λmax ≈ 5.2e-5, just above the story's lr 5e-5.
        assert after.stability_limit == pytest.approx(5.18e-5, rel=0.05)
        assert f"2/λmax {after.stability_limit:.2g}".replace("e-05", "e-5") in status_text(app)


def limit_style(app) -> str:
    t = app.main.query_one(StatusLine).render()
    at = t.plain.index("2/λmax ") + len("2/λmax ")
    return " ".join(str(s.style) for s in t.spans if s.start <= at < s.end)


async def test_the_limit_turns_red_once_the_lr_exceeds_it(tui_app, settle):
    app = tui_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "green" in limit_style(app)  # 5e-5 against 3.3e-4
        await pilot.press("plus", "plus", "plus")  # 4e-4 > 2/λmax: gradient descent overshoots
        await settle(pilot)
        assert snap(app).lr > app.frame.diag.curvature.stability_limit
        assert "red" in limit_style(app)


# ---- g: gradient check -------------------------------------------------------------------

async def test_g_shows_the_gradient_check_per_tensor(tui_app, settle, wait_until):
    app = tui_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("space")
        await pilot.press("g")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, GradCheckScreen)
        await wait_until(pilot, lambda: screen.result is not None, what="the gradient check")
        r = screen.result
        assert r.error == "" and r.step == 1
        assert [k.name for k in r.value.tensors] == ["W1", "b1", "W2", "b2"]
        assert all(k.band in ("good", "acceptable") for k in r.value.tensors)
        text = body_text(screen)
        for k in r.value.tensors:
            assert f"d{k.name}" in text and f"{k.rel_error:.3e}" in text
        assert "worst: good" in text or "worst: acceptable" in text
        await pilot.press("escape")
        assert app.screen is app.main


# ---- b: polynomial baseline overlay ---------------------------------------------------------

async def test_b_cycles_the_baseline_degree_and_shows_its_loss_beside_the_network(tui_app, settle):
    app = tui_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        fit = app.main.query_one(FitPlot)
        assert fit.baseline is None
        seen = []
        for _ in range(5):
            await pilot.press("b")
            await settle(pilot)
            base = app.frame.diag.baseline
            seen.append(None if base is None else base.degree)
            if base is not None:
                assert fit.baseline is base
                assert f"poly{base.degree} J" in fit.border_subtitle and "net" in fit.border_subtitle
                assert len(base.x_grid) == 200
        assert seen == [1, 2, 3, 4, None]
        assert fit.baseline is None and fit.border_subtitle == ""
        # Degree 2 fits y = 3x² + 3x exactly, far below the untrained network.
        await pilot.press("b", "b")
        await settle(pilot)
        base = app.frame.diag.baseline
        assert base.degree == 2 and base.train_loss < 1e-6 < snap(app).loss
        np.testing.assert_allclose(base.fit.coefficients, [0, 3, 3], atol=1e-6)
        assert "Baseline: degree-2 polynomial J" in str(app.main.query_one("#notice").render())
        # Any command recomputes the overlay; at unchanged parameters it equals the last one up
        # to its arrays, which must never be compared with == (that raised in the fit plot).
        await pilot.press("g", "escape")
        await settle(pilot)
        await pilot.pause()
        assert app.frame.diag.baseline is not base and fit.baseline is app.frame.diag.baseline
        assert app.is_running and app.return_code is None


# ---- l: LR range test, and applying its suggestion -----------------------------------------

async def test_l_runs_the_lr_range_test_and_enter_applies_the_suggestion(tui_app, settle, wait_until):
    app = tui_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, LRFindScreen)
        await wait_until(pilot, lambda: screen.result is not None, what="the LR range test")
        test = screen.result.value.test
        assert snap(app).step == 0  # the sweep ran on a clone
        assert 1e-8 < test.suggested < 1e-2 and test.suggested != pytest.approx(5e-5)
        assert f"suggested lr {test.suggested:.3g}" in body_text(screen)
        plot = screen.query_one(CurvePlot)
        assert plot.xlog and len(plot.series) == 2
        await pilot.pause()
        assert "plot unavailable" not in str(plot.render())
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is app.main
        applied = float(f"{test.suggested:.3g}")  # shown and applied to 3 significant digits
        assert snap(app).lr == applied == pytest.approx(test.suggested, rel=5e-3)
        assert f"lr {applied:g} " in status_text(app)
        # The change is an lr event in the run log, like + and -.
        assert app.session._trainer.events[-1].name == "lr"


async def test_l_again_in_the_lr_screen_applies_and_escape_does_not(tui_app, settle, wait_until):
    app = tui_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("l")
        await wait_until(pilot, lambda: isinstance(app.screen, LRFindScreen) and app.screen.result is not None)
        await pilot.press("escape")
        await settle(pilot)
        assert snap(app).lr == pytest.approx(5e-5)
        await pilot.press("l")
        await wait_until(pilot, lambda: isinstance(app.screen, LRFindScreen) and app.screen.result is not None)
        suggested = app.screen.result.value.test.suggested
        await pilot.press("l")
        await settle(pilot)
        assert snap(app).lr == pytest.approx(suggested, rel=5e-3)


# ---- o: overfit a tiny batch -----------------------------------------------------------------

async def test_o_overfits_two_samples_and_gives_the_verdict(tui_app, settle, wait_until):
    # A healthy setup (normalised, tanh hidden, linear output) fits 2 samples to about 0.
    app = tui_app(normalize=True, output_activation="linear", hidden_activation="tanh")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("o")
        screen = app.screen
        assert isinstance(screen, OverfitScreen)
        await wait_until(pilot, lambda: screen.result is not None, what="the overfit check")
        o = screen.result.value
        assert o.samples == (0, 1) and o.reached_zero
        text = body_text(screen)
        assert "verdict: reached" in text and "about 0" in text


async def test_o_on_the_trained_story_names_the_dead_samples(tui_app, settle, wait_until):
    app = tui_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await train(pilot, settle)
        await pilot.press("o")
        screen = app.screen
        await wait_until(pilot, lambda: screen.result is not None, what="the overfit check")
        o = screen.result.value
        assert not o.reached_zero and o.dead_samples == (0, 1)
        assert "dead output" in body_text(screen)
        assert snap(app).step == 5000  # the live run was not touched


# ---- chain-rule inspector -------------------------------------------------------------------

async def test_enter_on_a_dead_sample_shows_the_zero_factor(tui_app, settle, wait_until):
    app = tui_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await train(pilot, settle)
        assert snap(app).dead[3]
        table = app.main.query_one(SampleTable)
        table.focus()
        await pilot.press("down", "down", "down", "enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ChainRuleScreen) and screen.position == 3
        await wait_until(pilot, lambda: screen.chain is not None, what="the chain rule")
        c = screen.chain
        assert c.sample == 3 and c.Z <= 0 and c.dA_dZ == 0.0 and "dA/dZ" in c.zero_factors
        assert all(v == 0 for v in c.dW_sample)
        shown = body(screen)
        text = shown.plain
        assert "∂A/∂Z = g'(Z)     = 0" in text and "← 0: no gradient flows" in text
        # The zero factor is highlighted.
        start = text.index("= 0", text.index("∂A/∂Z"))
        styles = [str(s.style) for s in shown.spans if s.start <= start + 2 < s.end]
        assert any("red" in s for s in styles)
        # Down moves to a live sample: every factor non-zero, nothing highlighted as zero.
        for _ in range(10):
            await pilot.press("down")
        await settle(pilot)
        await wait_until(pilot, lambda: screen.chain is not None and screen.position == 13)
        assert screen.chain.zero_factors == ()
        assert "every factor is non-zero" in body_text(screen)
        # a from inside the inspector: a linear output has g' = 1, the chain follows live.
        await pilot.press("up")
        await pilot.press("a", "a", "a")
        await settle(pilot)
        await wait_until(pilot, lambda: screen.chain is not None and screen.chain.output_activation == "linear")
        assert screen.chain.dA_dZ == 1.0 and "dA/dZ" not in screen.chain.zero_factors
        await pilot.press("escape")
        await settle(pilot)
        assert app.frame.diag.chain is None  # closing stops the per-frame inspection


# ---- findings panel: dead samples and units with the cure, loss at init, bias/variance -------

async def test_findings_panel_names_dead_samples_and_units_with_the_cure(tui_app, settle):
    app = tui_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        panel = app.main.query_one(FindingsPanel)
        text = panel.render().plain
        assert "Loss at init: J₀ 140,437.8 vs all zeros 143,400.6 (ΣY²/2m), mean 63,800.1" in text
        assert "close to the all zeros predictor" in text  # its meaning, at step 0
        await train(pilot, settle)
        text = panel.render().plain
        assert "dead_output: 5 of 20 samples (0-4; x = 0-4)" in text
        assert "z to standardise the data (training restarts), then press a until the output is linear" in text
        assert "dead_hidden: 7 of 10 units in layer 1" in text
        assert "--normalize" not in text  # the TUI names keys
        assert "Bias/variance:" in text


# ---- the session side -------------------------------------------------------------------------

def test_diagnosis_commands_exist_and_frames_pickle():
    for name in (S.GRADCHECK, S.LR_FIND, S.OVERFIT, S.BASELINE, S.INSPECT, S.SET_LR):
        Command(name)
    frames = []
    s = Session(Trainer(TrainConfig(), story_problem()), frames.append, lambda n: None)
    for cmd in (Command(S.STEP, 100), Command(S.GRADCHECK), Command(S.LR_FIND), Command(S.OVERFIT),
                Command(S.BASELINE), Command(S.INSPECT, 2)):
        s.send(cmd)
    s._publish(force_findings=True)
    while s._drain(block=False):
        s._publish(force_findings=True)
    d = frames[-1].diag
    assert d.gradcheck.request == 2 and d.lr_find.request == 3 and d.overfit.request == 4
    assert d.baseline.degree == 1 and d.chain.position == 2
    back = pickle.loads(pickle.dumps(frames[-1]))
    assert back.diag.lr_find.value.test.suggested == d.lr_find.value.test.suggested
    assert back.diag.curvature.lambda_max == d.curvature.lambda_max


def test_set_lr_refuses_rates_out_of_range():
    notices = []
    t = Trainer(TrainConfig(), story_problem())
    s = Session(t, lambda f: None, notices.append)
    s._apply(Command(S.SET_LR, float("nan")))
    s._apply(Command(S.SET_LR, 1e9))
    assert t.config.lr == 5e-5 and len(notices) == 2 and all(n.severity == "warning" for n in notices)
    s._apply(Command(S.SET_LR, 1e-4))
    assert t.config.lr == 1e-4 and t.events[-1].name == "lr"


def test_curvature_is_not_recomputed_per_frame_while_running():
    t = Trainer(TrainConfig(), story_problem())
    live = LiveDiagnostics(curvature_interval=3.0)
    first = live.refresh(t, full=False, running=True, now=100.0).curvature
    t.run(10)
    assert live.refresh(t, full=False, running=True, now=101.0).curvature is first  # too soon
    later = live.refresh(t, full=False, running=True, now=103.5).curvature
    assert later is not first
    t.run(10)
    assert live.refresh(t, full=False, running=False, now=103.6).curvature is not later  # paused: at once


def test_a_failing_check_is_reported_not_raised(monkeypatch):
    from core.diagnosis import diagnostics

    def broken(trainer):
        raise ValueError("the loss overflowed at the first rate")
    monkeypatch.setattr(diagnostics, "lr_find", broken)
    notices = []
    s = Session(Trainer(TrainConfig(), story_problem()), lambda f: None, notices.append)
    s._apply(Command(S.LR_FIND))
    r = s._diag._diag.lr_find
    assert r.value is None and r.error == "ValueError: the loss overflowed at the first rate"
    assert notices[-1].severity == "error" and "lr_find failed" in notices[-1].text
