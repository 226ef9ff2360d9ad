"""The plot widgets: whole-number step ticks, decade labels that never share a row, and a
picture rebuilt only when its data changed."""
from __future__ import annotations

import re

import numpy as np
import pytest
from textual_plotext.plot import Plot

from tui_trainer.widgets.fit_plot import FitPlot
from tui_trainer.widgets.loss_curve import LossCurve, decade_ticks
from tui_trainer.widgets.plot_base import MIN_HEIGHT, canvas_rows, step_label, step_ticks

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


def log_axis_lines(values: np.ndarray, width: int, height: int) -> tuple[list[str], list[str]]:
    """The y labels decade_ticks gives, and the lines plotext draws with them (as LossCurve)."""
    plt = Plot()
    plt.plot(list(range(len(values))), values.tolist(), marker="braille", label="train")
    plt.yscale("log")
    ticks, labels = decade_ticks(values, canvas_rows(height))
    plt.yticks(ticks, labels)
    plt.xlabel("step")
    plt.plotsize(width, height)
    plt._set_size(width, height)
    return labels, re.sub(r"\x1b\[[0-9;]*m", "", plt.build()).split("\n")


# losses spanning 0.4, 1, 5.25 (the tour's cure 3), 8 and 12 decades
LOSSES = [np.geomspace(3.0, 7.5, 50), np.geomspace(1e3, 1e4, 50), np.geomspace(0.679, 3.79e-6, 400),
          np.geomspace(1e5, 1e-3, 300) * (1 + 0.5 * np.sin(np.arange(300))), np.geomspace(1e4, 1e-8, 80)]


@pytest.mark.parametrize("height", range(MIN_HEIGHT, 26))
def test_decade_labels_never_share_a_row(height):
    # plotext prints one label of a row, and which one depends on the hash seed: each label
    # asked for must be printed, once, at the start of a row of its own.
    for values in LOSSES:
        labels, lines = log_axis_lines(values, 36, height)
        starts = [line.split("┤")[0].strip() for line in lines if "┤" in line]
        assert labels and sorted(starts) == sorted(labels), (height, labels, starts)
        lo, hi = np.log10(values.min()), np.log10(values.max())
        if 1 <= hi - lo <= min(5, canvas_rows(height) - 1):  # room for every decade: all of them
            assert len(labels) == np.floor(hi) - np.ceil(lo) + 1


def test_decade_labels_on_a_short_plot_are_every_kth_decade():
    values = np.geomspace(0.679, 3.79e-6, 400)  # the tour's cure 3 at 80x24: 5 canvas rows
    assert decade_ticks(values, 5)[1] == ["1e-05", "1e-03", "1e-01"]
    assert decade_ticks(values, 20)[1] == ["1e-05", "1e-04", "1e-03", "1e-02", "1e-01"]
    assert decade_ticks(values, 1)[1] == ["1e-05"]
    assert decade_ticks(np.array([3.0, 7.5]), 5)[1] == ["3", "7.5"]  # no decade: the ends
    assert decade_ticks(np.array([3.0, 7.5]), 1)[1] == ["7.5"]


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
