"""The replay app: a saved run log (or two, to compare) on screen, from the keyboard, without
training. A log's start is read and checked before the app starts, so a bad file never opens a
screen; the rest of a long log loads behind the first screen (ReplayScreen), and a bad record
found there stops the loading, is shown on screen and makes the app exit with status 2."""
from __future__ import annotations

import sys

from textual.app import App
from textual.binding import Binding
from textual.screen import Screen

from core.logs.replay import Replay, ReplayLoader

from .screens.replay import CompareScreen, ReplayScreen

PROG = "tui-trainer"
EXIT_BAD_LOG = 2


class ReplayApp(App):
    TITLE = "tui-trainer replay"
    CSS_PATH = ["styles/app.tcss", "styles/replay.tcss"]
    BINDINGS = [Binding("q", "quit", "Quit", priority=True)]

    def __init__(self, *sources: Replay | ReplayLoader) -> None:
        super().__init__()
        if len(sources) not in (1, 2):
            raise ValueError(f"replay takes one log, or two to compare; got {len(sources)}")
        self.loaders = [s if isinstance(s, ReplayLoader) else None for s in sources]
        self.replays = tuple(s.replay() if isinstance(s, ReplayLoader) else s for s in sources)
        self.load_error = ""  # the one line that stopped loading the rest of a log

    def get_default_screen(self) -> Screen:
        if len(self.replays) == 1:
            return ReplayScreen(self.replays[0], self.loaders[0])
        return CompareScreen(*self.replays)


def run_replay(*sources: Replay | ReplayLoader) -> int:
    app = ReplayApp(*sources)
    app.run()
    if app.load_error:
        print(f"{PROG}: error: {app.load_error}", file=sys.stderr)
        return EXIT_BAD_LOG
    return app.return_code or 0
