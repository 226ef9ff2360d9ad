"""The replay app: a saved run log (or two, to compare) on screen, from the keyboard, without
training. Logs are loaded before the app starts, so a bad file never opens a screen."""
from __future__ import annotations

from textual.app import App
from textual.binding import Binding
from textual.screen import Screen

from core.logs.replay import Replay

from .screens.replay import CompareScreen, ReplayScreen


class ReplayApp(App):
    TITLE = "tui-trainer replay"
    CSS_PATH = ["styles/app.tcss", "styles/replay.tcss"]
    BINDINGS = [Binding("q", "quit", "Quit", priority=True)]

    def __init__(self, *replays: Replay) -> None:
        super().__init__()
        if len(replays) not in (1, 2):
            raise ValueError(f"replay takes one log, or two to compare; got {len(replays)}")
        self.replays = replays

    def get_default_screen(self) -> Screen:
        if len(self.replays) == 1:
            return ReplayScreen(self.replays[0])
        return CompareScreen(*self.replays)


def run_replay(*replays: Replay) -> int:
    app = ReplayApp(*replays)
    app.run()
    return app.return_code or 0
