"""Pause on trouble in the TUI (issue 14, items 1 and 2): `r` on the story stops by itself at the
step the first sample that matters dies, that row marked in the table, the step in the status
line and the notice; `r` goes on to the next; `p` turns pausing off; `t` sets the pace."""
from __future__ import annotations

from tui_trainer.session.step_pace import PACES
from tui_trainer.widgets.notice_line import NoticeLine
from tui_trainer.widgets.sample_table import SampleTable
from tui_trainer.widgets.status_line import StatusLine

WIDE = (120, 40)


def status(app) -> str:
    return app.main.query_one(StatusLine).render().plain


async def run_until_paused(pilot, settle):
    await pilot.press("r")
    await settle(pilot)
    return pilot.app.frame


async def test_r_pauses_at_the_first_dead_sample_with_its_row_marked(tui_app, settle):
    app = tui_app(pause_on_trouble=True)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        f = await run_until_paused(pilot, settle)
        assert (f.snapshot.step, f.trouble.samples, f.running) == (430, (1,), False)
        assert app.main.query_one(SampleTable).highlight == {1}
        assert "step 430" in status(app) and "paused on trouble" in status(app)
        assert "Step 430: sample #1 (x = 1, y = 6) died" in app.main.query_one(NoticeLine).render().plain
        f = await run_until_paused(pilot, settle)  # r goes on, to the next death
        assert (f.snapshot.step, f.trouble.samples) == (702, (2,))
        assert app.main.query_one(SampleTable).highlight == {2}
        await pilot.press("space")  # training moves on: nothing marked any more
        await settle(pilot)
        assert not app.main.query_one(SampleTable).highlight and "paused on trouble" not in status(app)


async def test_p_turns_pausing_off_and_t_sets_the_pace(tui_app, settle, wait_until):
    app = tui_app(pause_on_trouble=True)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("p", "t")
        await settle(pilot)
        assert not app.frame.pause_on_trouble and app.frame.pace == PACES[1]
        assert "pace 1,000/s (p off)" in status(app)
        await pilot.press("t", "t", "t")  # back to as fast as possible: no pace shown
        await pilot.press("r")
        await wait_until(pilot, lambda: app.frame.running and app.frame.snapshot.step > 2000, what="training on")
        await pilot.press("r")
        await settle(pilot)
        assert app.frame.trouble is None and "pace" not in status(app)
        paces = [e.value for e in app.session._trainer.events if e.name == "pace"]
        assert paces == [1000, 100, 10, None]


def test_snapshot_paused_at_the_first_dead_sample(snap_compare, tui_app, settle):
    async def run_before(pilot) -> None:
        await settle(pilot)
        await run_until_paused(pilot, settle)
    assert snap_compare(tui_app(pause_on_trouble=True), terminal_size=WIDE, run_before=run_before)
