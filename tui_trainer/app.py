"""The Textual app: keys become session commands; session frames go down to the screen.

What each key does is in command_table.py; the trainer lives with the session (a separate
process by default, or a thread: tui_trainer/session/), which the app never reaches around."""
from __future__ import annotations

from functools import partial
from pathlib import Path

from textual import work
from textual.app import App, SystemCommand
from textual.reactive import reactive, var
from textual.screen import Screen
from textual.worker import Worker, WorkerState, get_current_worker

from core.engine.trainer import Trainer

from . import protocol as P
from .command_table import KEYS, PAUSED_ONLY, bindings
from .lost_training import LostTraining
from .messages import FrameReady, SessionNotice
from .palette import SafePalettes
from .protocol import Command, Frame, Notice
from .quitting import Quitting, print_report
from .runs_folder import gone_reason, start_folder
from .screens.checks import ChainRuleScreen, CheckScreen, GradCheckScreen, LRFindScreen, OverfitScreen
from .screens.help import HelpScreen
from .screens.main import MainScreen
from .screens.plane import PlaneScreen
from .widgets.sample_table import SampleTable
from .session import make_session

MULTI_STEPS = (10, 100, 1000)


class TrainerApp(LostTraining, Quitting, SafePalettes, App):
    TITLE = "tui-trainer"
    CSS_PATH = "styles/app.tcss"
    BINDINGS = bindings()

    # A var, not a reactive: a reactive would repaint the whole screen on every frame; the
    # screen hands each frame to the widgets, which redraw only what changed.
    frame: var[Frame | None] = var(None)
    """Latest frame from the training thread."""
    multi: reactive[int] = reactive(MULTI_STEPS[0])
    """N, the step count of the `n` key."""

    def __init__(self, trainer: Trainer, runs_dir: Path | None = None, backend: str | None = "thread",
                 pause_on_trouble: bool = True, lr_given: bool = False, start_notice: Notice | None = None,
                 findings: bool = True) -> None:
        super().__init__()
        self.runs_dir = start_folder(runs_dir)  # absolute: the working folder may go later
        self.sent = 0  # commands sent; frame.applied catches up when the session is idle
        # backend: "thread" (tests reach into its trainer) or "process" (run_tui's default, see
        # tui_trainer/session/process.py); None reads $TUI_TRAINER_BACKEND.
        self.session = make_session(trainer, lambda f: self.post_message(FrameReady(f)),
                                    lambda n: self.post_message(SessionNotice(n)), backend,
                                    pause_on_trouble=pause_on_trouble, lr_given=lr_given, findings=findings)
        self.main = MainScreen()
        self.main.notice = start_notice  # e.g. the defaults chosen for the user's data
        self._init_quitting()  # quitting.py: q, Ctrl+C and the signals save first

    def get_default_screen(self) -> Screen:
        return self.main

    def on_mount(self) -> None:
        self._catch_signals()
        self.own_trainer()

    @work(thread=True, exclusive=True, exit_on_error=False, group="training")
    def own_trainer(self) -> None:
        worker = get_current_worker()
        self.session.run_loop(lambda: worker.is_cancelled)

    # ---- from the session --------------------------------------------------------------
    def on_frame_ready(self, message: FrameReady) -> None:
        running_changed = self.frame is None or self.frame.running != message.frame.running
        self.frame = message.frame
        self.main.frame = message.frame
        if isinstance(self.screen, (CheckScreen, ChainRuleScreen, PlaneScreen)):
            self.screen.frame = message.frame
        if running_changed:
            self.refresh_bindings()
        self.call_after_refresh(self.session.frame_drawn)

    def on_session_notice(self, message: SessionNotice) -> None:
        n = message.notice
        self.main.notice = n
        if isinstance(self.screen, PlaneScreen):
            self.screen.notice = n
        if n.severity != "information" or n.path:
            self.notify(n.text, severity=n.severity, timeout=6, markup=False)  # plain: "Z^[L]" is not markup

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "training" and event.state == WorkerState.ERROR:
            self.training_stopped(event.worker.error)  # lost_training.py: what still works

    @property
    def settled(self) -> bool:
        """Every command sent has been applied, training is paused, the frame's findings are
        its own (a key's frame goes out before them) and the plots have caught up with it
        (screens/main.py FOLLOW): used by tests."""
        f = self.frame
        return f is not None and f.applied == self.sent and not f.running and f.fresh and not self.main.catching_up

    # ---- keys (command_table.KEYS) ---------------------------------------------------------
    def send(self, name: str, value: object = None) -> None:
        if self.refused_while_lost(name):
            return
        self.sent += 1
        self.session.send(Command(name, value))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if (action, parameters) in PAUSED_ONLY and self.frame is not None and self.frame.running:
            return None  # shown greyed out while running
        return True

    def action_send(self, name: str, value: object = None) -> None:
        """A key that sends the session a command as it stands in the table."""
        self.send(name, value)

    def action_multi_step(self) -> None:
        self.send(P.STEP, self.multi)

    def action_cycle_multi(self) -> None:
        self.multi = MULTI_STEPS[(MULTI_STEPS.index(self.multi) + 1) % len(MULTI_STEPS)]
        self.main.multi = self.multi
        if isinstance(self.screen, PlaneScreen):
            self.screen.multi = self.multi

    def action_export(self) -> None:
        if self.lost is not None:
            self.export_while_lost()
            return
        self.send(P.EXPORT, str(self.runs_dir))

    # ---- diagnosis (issue 4): the session runs the checks; screens show the answers ----------
    def _open_check(self, screen_class, command: str, callback=None) -> None:
        if self.refused_while_lost(command):
            return
        self.send(command)
        screen = screen_class(self.sent)
        screen.frame = self.frame
        if isinstance(self.screen, (CheckScreen, ChainRuleScreen)):
            self.pop_screen()  # one check at a time
        self.push_screen(screen, callback)

    def action_gradcheck(self) -> None:
        self._open_check(GradCheckScreen, P.GRADCHECK)

    def action_lr_find(self) -> None:
        self._open_check(LRFindScreen, P.LR_FIND, self._apply_lr)

    def _apply_lr(self, lr: float | None) -> None:
        if lr is not None:
            self.send(P.SET_LR, lr)

    def action_overfit(self) -> None:
        self._open_check(OverfitScreen, P.OVERFIT)

    def inspect_sample(self, position: int | None) -> None:
        self.send(P.INSPECT, position)

    def on_sample_table_view_changed(self, message) -> None:
        self.send(P.TABLE_VIEW, message.view)

    # The sample table's keys, wherever the focus is (the table also binds them itself).
    def action_dead_only(self) -> None:
        self.main.query_one(SampleTable).action_toggle_dead_only()

    def action_worst_first(self) -> None:
        self.main.query_one(SampleTable).action_toggle_worst_first()

    def on_sample_table_inspect(self, message) -> None:
        if self.refused_while_lost(P.INSPECT):
            return
        self.inspect_sample(message.position)
        screen = ChainRuleScreen(message.position, message.m, message.row)
        screen.frame = self.frame
        if isinstance(self.screen, (CheckScreen, ChainRuleScreen)):
            self.pop_screen()
        self.push_screen(screen, lambda _: self.inspect_sample(None))

    def action_plane_view(self) -> None:
        """The 2-D view for two-input data (v); v or escape there comes back."""
        if isinstance(self.screen, PlaneScreen):
            self.pop_screen()
            return
        p = None if self.frame is None else self.frame.snapshot.problem
        if p is None or p.plane is None:
            self.main.notice = Notice("The 2-D view needs two inputs (x1, x2, e.g. --dataset circle); "
                                      "the fit plot shows this data", "warning")
            return
        screen = PlaneScreen()
        screen.frame, screen.notice, screen.multi = self.frame, self.main.notice, self.multi
        self.push_screen(screen)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def save_unsaved(self) -> bool:
        """Save the run log if training is not yet exported; notes the outcome in quit_report.
        Returns True when saving failed (never raises: quitting must not end in a traceback)."""
        try:
            path = self.session.save_unsaved(self.runs_dir)
        except OSError as e:
            self.quit_report.append((True, f"could not save the run log: {e}"))
            return True
        except Exception as e:  # a bug must not cost the user the terminal or the message
            self.quit_report.append((True, f"could not save the run log: {e.__class__.__name__}: {e}"))
            return True
        self.lost = self.lost or getattr(self.session, "lost", None)  # it may end training to save
        if self.lost is not None:
            self.quit_report.append((False, self.lost_report(path)))
        elif path is not None and path.parent != self.runs_dir:  # runs/ could not be written
            why = gone_reason(self.runs_dir) or f"{self.runs_dir} could not be written"
            self.quit_report.append((False, f"{why}; unsaved training saved to {path} instead"))
        elif path is not None:
            self.quit_report.append((False, f"unsaved training saved to {path}"))
        return False

    def on_unmount(self) -> None:
        self.session.close()
        self._release_signals()

    def get_system_commands(self, screen: Screen):
        yield from super().get_system_commands(screen)  # Textual's own include quitting
        for k in KEYS:
            if k.bound and k.action != "quit":
                yield SystemCommand(f"{k.label} ({k.shown})", k.help or k.label,
                                    partial(self.run_action, k.action_string))


def run_tui(app: TrainerApp) -> int:
    """Run the TUI; returns the exit status. The caller builds the app (TrainerApp(trainer,
    ...): training runs in a separate process unless backend or $TUI_TRAINER_BACKEND says
    "thread") and keeps no reference to the trainer: a trainer passed into this call would stay
    referenced by the caller's frame until it returned, and the app lets go of it once the
    training process has it (at 1M rows ~45 MB of prepared data and buffers)."""
    try:
        app.run()
    except OSError:
        # A closed terminal: Textual's shutdown prints the app's errors to it and meets EIO.
        # After the hang-up that is expected, and the run must still be saved below; without a
        # signal it is a real failure.
        if not app.ended_by_signal:
            raise
    if not app._quitting:  # ended some other way (an error): still try not to lose the run
        app.session.close()
        app.save_unsaved()
    print_report(app.quit_report)
    return app.exit_status()
