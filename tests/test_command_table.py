"""The command table (keys, footer, help, palette, session dispatch) and the session's pacing."""
from __future__ import annotations

import re
import time
from pathlib import Path

from tui_trainer import protocol as P
from tui_trainer.app import TrainerApp
from tui_trainer.command_table import KEYS, PAUSED_ONLY, bindings, help_rows
from tui_trainer.session import Pacer, RateLimit

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_keys() -> set[str]:
    """The backticked keys in the first column of README.md's key table."""
    text = README.read_text(encoding="utf-8")
    table = text[text.index("| key | action |"):]
    rows = table[:table.index("\n\n")].splitlines()[2:]
    return {k for row in rows for k in re.findall(r"`([^`]+)`", row.split("|")[1])}


def test_every_key_in_the_readme_is_in_the_table():
    keys = readme_keys()
    assert {"space", "n", "N", "r", "a", "+", "-", "?", "q", "enter"} <= keys
    assert keys <= {k.shown for k in KEYS}


def test_every_row_does_something_real():
    for k in KEYS:
        if k.sends:
            P.Command(*k.sends)  # a command the session knows
        elif k.action:
            assert callable(getattr(TrainerApp, f"action_{k.action}")), k.action
    assert len({k.key for k in KEYS}) == len(KEYS)


def test_bindings_help_and_footer_come_from_the_table():
    b = {x.key: x for x in bindings()}
    assert b["a"].action == "send('cycle_output')" and b["a"].description == "Out act"
    assert b["plus"].action == "send('scale_lr', 2.0)" and b["plus"].key_display == "+"
    assert b["ctrl+c"].action == "quit" and not b["ctrl+c"].show and b["q"].show and b["q"].priority
    assert "enter" not in b  # the sample table's own key: help only
    assert ("+ / -", "learning rate × 2 / ÷ 2") in help_rows()
    assert [k for k, _ in help_rows()][-2:] == ["?", "q"]
    assert [x.action for x in bindings("a", "space", on_app=True)] == ["app.send('cycle_output')",
                                                                       "app.send('step', 1)"]
    assert PAUSED_ONLY == {("send", (P.STEP, 1)), ("multi_step", ())}


def test_rate_limit():
    r = RateLimit(0.5)
    assert r.take(10.0) and not r.take(10.2) and r.take(10.2, force=True)
    assert not r.take(10.6) and r.take(10.7)


def test_pacer_hands_frames_one_at_a_time_and_the_newest_after_the_ack():
    got = []
    p = Pacer(got.append, fps=10, ack_timeout=60)
    p.offer(1)
    p.offer(2)
    p.offer(3)          # replaces 2, held back: the UI has not drawn 1
    assert got == [1] and not p.due(time.monotonic() + 1)
    p.ack()
    assert got == [1, 3]
    p.ack()
    assert got == [1, 3] and p.acked
    p.hand(4)           # a change goes out at once, acknowledged or not
    p.hand(5)
    assert got == [1, 3, 4, 5]


def test_pacer_due_waits_for_the_interval_and_a_silent_ui_only_for_the_timeout():
    got = []
    p = Pacer(got.append, fps=10, ack_timeout=0.05)
    assert p.due(time.monotonic())
    p.hand(1)
    p.ack()
    now = time.monotonic()
    assert not p.due(now) and p.due(now + 0.1)
    p.hand(2)           # never acknowledged
    p.offer(3)
    assert got == [1, 2]
    time.sleep(0.06)
    p.release()         # the timeout has passed: 3 goes
    assert got == [1, 2, 3]


def test_costly_frames_come_less_often_than_fps():
    """The session's pacer (share 0.3): a periodic frame that took 60 ms to make (1M samples)
    holds the next back for 200 ms, not the fps's 100; a cheap one leaves the fps alone."""
    p = Pacer(lambda f: None, fps=10, ack_timeout=60, share=0.3)
    p.hand(1)
    p.ack()
    p.rate.spent(0.06)
    now = time.monotonic()
    assert not p.due(now + 0.15) and p.due(now + 0.21)
    p.rate.spent(0.003)
    assert p.due(now + 0.11)
