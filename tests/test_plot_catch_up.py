"""Issue 13: a key's frame redraws the plots only when their interval is up; otherwise they
catch up with the latest frame once keys pause (screens/main.py FOLLOW). The last frame is
always drawn, `settled` waits for it, and a catch-up never runs twice."""
from __future__ import annotations

from tui_trainer.screens import main as M
from tui_trainer.widgets.fit_plot import FitPlot
from tui_trainer.widgets.loss_curve import LossCurve

SIZE = (120, 40)


async def test_keys_faster_than_the_plots_end_with_the_plots_on_the_last_frame(tui_app, settle):
    app = tui_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        plots = [app.main.query_one(FitPlot), app.main.query_one(LossCurve)]
        for _ in range(4):  # well inside the plots' intervals (0.24 and 0.32 s)
            app.send("step", 1)
        await settle(pilot)
        assert not app.main.catching_up
        assert all(p.snapshot is app.frame.snapshot for p in plots)
        assert app.frame.snapshot.step == 4


async def test_a_key_frame_leaves_a_recently_drawn_plot_to_catch_up(tui_app, settle):
    app = tui_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.main
        for rate in screen._rates.values():
            rate.take(M.monotonic(), force=True)  # every panel just drawn
        frame = app.frame
        screen._applied = -1
        screen._push_frame(frame)  # a key's frame: urgent
        assert set(screen._catching_up) == M.FOLLOW  # the plots wait; the text panels did not
        assert not app.settled
        await settle(pilot)
        assert not screen.catching_up


async def test_a_catch_up_whose_timer_already_fired_runs_once(tui_app, settle):
    app = tui_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.main
        screen._catching_up["FitPlot"] = (None, 0.0)
        screen._catch_up("FitPlot")
        screen._catch_up("FitPlot")  # the stopped timer's callback, late: nothing left to do
        assert "FitPlot" not in screen._catching_up


async def test_a_catch_up_past_its_deadline_still_runs(tui_app, settle):
    # Keys kept coming past a plot's deadline: the catch-up is due at once. A timer of 0 s
    # died in Textual (ZeroDivisionError when its tick was late): the plot stayed behind and
    # the app's shutdown raised it (bench/fuzz_keys.py, 3 runs of 6).
    app = tui_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.main
        now = M.monotonic()
        screen._catching_up["FitPlot"] = (screen.set_timer(60, lambda: None), now - 1.0)
        screen._catch_up_later("FitPlot", screen._rates["FitPlot"], now)
        await pilot.pause(0.2)
        assert not screen.catching_up
        assert app.main.query_one(FitPlot).snapshot is app.frame.snapshot
