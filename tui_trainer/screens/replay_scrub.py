"""What the replay and compare screens share: a cursor over logged positions moved by the
scrub keys, and the few labels both print for a log."""
from __future__ import annotations

from pathlib import Path

from textual import events
from textual.binding import Binding
from textual.reactive import reactive
from textual.screen import Screen

from core.logs.replay import Replay
from core.text import printable

NARROW_BELOW = 100  # columns, as the training screen
PAGES = 10          # PgUp/PgDn move a tenth of the log

SCRUB_BINDINGS = [
    Binding("left", "move(-1)", "◀ step", key_display="←", priority=True),
    Binding("right", "move(1)", "step ▶", key_display="→", priority=True),
    Binding("pageup", "page(-1)", "◀◀", key_display="PgUp", priority=True),
    Binding("pagedown", "page(1)", "▶▶", key_display="PgDn", priority=True),
    Binding("home", "jump(0)", "first", key_display="Home", priority=True),
    Binding("end", "jump(-1)", "last", key_display="End", priority=True),
]


def log_name(replay: Replay) -> str:
    return printable(Path(replay.path).name)


def x_label(*replays: Replay) -> str:
    if all(r.tick_is_step for r in replays):
        return "step"
    return "tick (step attempts in the session; steps restart after a reset)"


def step_text(replay: Replay, row: int) -> str:
    s, t = int(replay.step[row]), int(replay.tick[row])
    return f"{s}" if s == t else f"{s} (tick {t})"


class ScrubScreen(Screen):
    """A cursor over positions 0..n-1 moved by the scrub keys; subclasses draw position `pos`."""

    pos: reactive[int] = reactive(0)

    @property
    def positions(self) -> int:
        raise NotImplementedError

    def action_move(self, delta: int) -> None:
        self._go(self.pos + delta)

    def action_page(self, direction: int) -> None:
        self._go(self.pos + direction * max(1, self.positions // PAGES))

    def action_jump(self, where: int) -> None:
        self._go(where if where >= 0 else self.positions - 1)

    def _go(self, p: int) -> None:
        if self.positions:
            self.pos = min(max(p, 0), self.positions - 1)

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.width < NARROW_BELOW, "-narrow")
