"""The plot widgets: whole-number step ticks, and a picture rebuilt only when its data changed."""
from __future__ import annotations

import re

from tui_trainer.widgets.fit_plot import FitPlot
from tui_trainer.widgets.loss_curve import LossCurve
from tui_trainer.widgets.plot_base import step_label, step_ticks

SIZE = (120, 40)


def test_step_ticks_are_whole_numbers_with_short_labels():
    assert step_ticks(0, 1_000_000) == ([0.0, 2e5, 4e5, 6e5, 8e5, 1e6], ["0", "200k", "400k", "600k", "800k", "1M"])
    assert step_ticks(0, 2500)[1] == ["0", "500", "1k", "1.5k", "2k", "2.5k"]
    assert step_ticks(5000, 5003)[1] == ["5k", "5.001k", "5.002k", "5.003k"]  # labels never collide
    assert step_ticks(0, 1) == ([0.0, 1.0], ["0", "1"])
    assert step_ticks(7, 7) == ([7.0], ["7"])
    for lo, hi in ((0, 346_049), (1, 17), (12_345, 987_654)):
        ticks, labels = step_ticks(lo, hi)
        assert all(t == int(t) and lo <= t <= hi for t in ticks) and len(set(labels)) == len(labels)
    assert step_label(1_500_000) == "1.5M" and step_label(999) == "999"


async def test_the_loss_axis_has_whole_step_labels(tui_app, settle):
    app = tui_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.multi = 1000
        for _ in range(3):
            await pilot.press("n")
        await settle(pilot)
        await pilot.pause()
        text = app.main.query_one(LossCurve).render().plain
        assert "1k" in text or "2k" in text
        assert not re.search(r"\d\.\d*\d{3}", text.splitlines()[-2])  # no 115349.8-style labels


async def test_a_plot_is_rebuilt_only_when_what_it_shows_changes(tui_app, settle):
    app = tui_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.pause()
        built = []
        for plot in (app.main.query_one(LossCurve), app.main.query_one(FitPlot)):
            original = plot.draw_plot
            plot.draw_plot = lambda w, plot=plot, original=original: built.append(type(plot).__name__) or original(w)
        await pilot.press("plus")  # a new frame, the same θ and history: nothing to redraw
        await settle(pilot)
        await pilot.pause()
        assert built == []
        await pilot.press("space")  # a step: both plots change
        await settle(pilot)
        await pilot.pause()
        await pilot.pause()
        assert sorted(set(built)) == ["FitPlot", "LossCurve"]
