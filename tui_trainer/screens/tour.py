"""`tui-trainer tour`: the story as a lesson (tui_trainer/tour/), on the training app itself.

TourApp is the training app (the same session, the same run log) with a lesson screen and two
keys: enter plays the next stage, q quits (saving the run, as always). Other keys are off, so
every stage starts from the state the one before left. The screen: the status line, the
stage's text, the loss curve and the fit plot; it fits 80×24.
"""
from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.reactive import reactive, var
from textual.screen import Screen
from textual.widgets import Static

from core.engine.config import TrainConfig
from core.engine.data import story_problem
from core.engine.trainer import Trainer

from ..app import TrainerApp
from ..protocol import Frame, Notice
from ..tour.driver import StageError
from ..tour.stages import Stage, lesson
from ..widgets.fit_plot import FitPlot
from ..widgets.loss_curve import LossCurve
from ..widgets.status_line import StatusLine

ALLOWED = {"next_stage", "quit"}   # the tour's own keys; the training keys are the stages' job


class TourScreen(Screen):
    DEFAULT_CSS = """
    TourScreen #lesson-box { height: 11; border: round $accent; border-title-color: $text; padding: 0 1; }
    TourScreen #plots { height: 1fr; }
    TourScreen #plots > * { width: 1fr; height: 1fr; border: round $primary-darken-2;
                            border-title-color: $text-muted; border-subtitle-color: $text-muted; }
    TourScreen #hint { height: 1; padding: 0 1; background: $panel; }
    TourScreen.-tall #lesson-box { height: 14; }
    """
    AUTO_FOCUS = None
    # The app hands every screen it calls `main` these (TrainerApp): frames, notices, N, errors.
    frame: var[Frame | None] = var(None)
    notice: reactive[Notice | None] = reactive(None)
    multi: reactive[int] = reactive(10)
    error: reactive[str] = reactive("")

    def compose(self) -> ComposeResult:
        yield StatusLine(id="status")
        with VerticalScroll(id="lesson-box"):
            yield Static(id="lesson")
        with Horizontal(id="plots"):
            yield LossCurve(id="loss")
            yield FitPlot(id="fit")
        yield Static(id="hint")

    # Set first thing in on_mount: Textual's is_mounted turns True only after on_mount has
    # returned, so a frame or a stage that came before (the first frame often does: the process
    # backend builds it on the app's side at once) would otherwise never reach the widgets.
    _ready = False
    _stage: tuple[str, str, str] | None = None   # the stage's text, hint and title

    def on_mount(self) -> None:
        self._ready = True
        self.query_one("#loss").border_title = "Loss J (log scale)"
        self.query_one("#fit").border_title = "Fit: y •, ŷ ─, dead ŷ x"
        self.watch_frame(self.frame)
        if self._stage is not None:
            self.show_stage(*self._stage)

    def on_resize(self, event) -> None:
        self.set_class(event.size.height >= 36, "-tall")

    def shows(self, frame: Frame) -> bool:
        """The status line and both plots hold `frame`, and the plots have drawn it (used by
        tests: a snapshot of this frame, not of the one before it)."""
        plots = (self.query_one(LossCurve), self.query_one(FitPlot))
        return (self._ready and self.query_one(StatusLine).frame is frame
                and all(p.snapshot is frame.snapshot and p.drawn for p in plots))

    def watch_frame(self, frame: Frame | None) -> None:
        if frame is None or not self._ready:
            return
        self.query_one(StatusLine).frame = frame
        fit = self.query_one(FitPlot)
        fit.baseline = frame.diag.baseline
        fit.border_subtitle = "" if frame.diag.baseline is None else f"poly{frame.diag.baseline.degree} overlay"
        for plot in (self.query_one(LossCurve), fit):
            plot.snapshot = frame.snapshot

    def watch_error(self, error: str) -> None:
        if error:
            self.show_stage(f"Training stopped by an error: {error}", "q: quit", "Error")

    def show_stage(self, text: str, hint: str, title: str) -> None:
        self._stage = (text, hint, title)
        if not self._ready:   # on_mount shows it
            return
        self.query_one("#lesson", Static).update(Text(text))
        self.query_one("#lesson-box").border_title = title
        self.query_one("#hint", Static).update(Text(hint, style="bold"))


class TourApp(TrainerApp):
    TITLE = "tui-trainer tour"
    CSS_PATH = "../styles/app.tcss"   # relative to this module, as the training app's
    BINDINGS = [Binding("enter", "next_stage", "Next stage"),
                Binding("q", "quit", "Quit", priority=True), Binding("ctrl+c", "quit", show=False, priority=True)]

    def __init__(self, runs_dir: Path | None = None, backend: str | None = "thread",
                 stages: list[Stage] | None = None) -> None:
        # No findings panel here: the session skips diagnose(), which tries cures on copies.
        super().__init__(Trainer(TrainConfig(), story_problem()), runs_dir, backend, pause_on_trouble=True,
                         findings=False)
        self.main = TourScreen()
        self.stages = stages if stages is not None else lesson()
        self.stage = 0            # the stage shown
        self.playing = False      # a stage is driving the run: enter waits
        self.exported: str | None = None

    # ---- the driver (tui_trainer/tour/driver.py) ---------------------------------------------
    def runs_folder(self) -> Path:
        return self.runs_dir or Path.cwd() / "runs"

    def on_session_notice(self, message) -> None:
        super().on_session_notice(message)
        if message.notice.path:
            self.exported = message.notice.path

    # ---- keys ------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return action in ALLOWED

    def on_frame_ready(self, message) -> None:
        first = self.frame is None
        super().on_frame_ready(message)
        if first:
            self._show()

    def action_next_stage(self) -> None:
        if self.playing or self.stage + 1 >= len(self.stages) or self.frame is None:
            return
        self.stage += 1
        self.playing = True
        self._show(working=True)
        self.run_worker(self._play(self.stages[self.stage]), group="tour", exclusive=True)

    async def _play(self, stage: Stage) -> None:
        try:
            await stage.play(self)
        except StageError as e:
            self.main.show_stage(f"{e}", "q: quit", stage.title)
            return
        self.playing = False
        self._show()

    @property
    def done(self) -> bool:
        """The stage shown has finished playing (used by tests)."""
        return not self.playing and self.frame is not None

    def _show(self, working: bool = False) -> None:
        stage = self.stages[self.stage]
        title = f"{self.stage + 1}/{len(self.stages)}  {stage.title}"
        if working:
            self.main.show_stage("…", "working: the engine is training (q quits)", title)
            return
        last = self.stage + 1 == len(self.stages)
        self.main.show_stage(stage.text(self.frame), "q: quit" if last else "enter: next stage · q: quit", title)
