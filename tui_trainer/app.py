"""The Textual app: keys become session commands; session frames go down to the screen.

The trainer lives in one thread worker (via Session); the app never touches it."""
from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.reactive import reactive
from textual.screen import Screen
from textual.worker import Worker, WorkerState, get_current_worker

from core.engine.trainer import Trainer

from . import session as S
from .messages import FrameReady, SessionNotice
from .screens.checks import ChainRuleScreen, CheckScreen, GradCheckScreen, LRFindScreen, OverfitScreen
from .screens.help import HelpScreen
from .screens.main import MainScreen
from .session import Command, Frame, Session
from .session_process import make_session

MULTI_STEPS = (10, 100, 1000)
CHECKS_GROUP = Binding.Group("Chk", compact=True)
# Signals that end the TUI like `q` (save the unsaved log, restore the terminal), with the
# usual 128 + signal number exit status.
SIGNAL_EXIT = {signal.SIGTERM: 143, signal.SIGINT: 130, signal.SIGHUP: 129}
# Actions that train by hand: off while the run loop is training.
MANUAL_ACTIONS = {"step", "multi_step"}


class TrainerApp(App):
    TITLE = "tui-trainer"
    CSS_PATH = "styles/app.tcss"
    BINDINGS = [
        Binding("space", "step", "Step", tooltip="One gradient-descent step", id="step"),
        Binding("n", "multi_step", "N steps", tooltip="Run N steps (N is in the status line)", id="multi_step"),
        Binding("N", "cycle_multi", "Cycle N", tooltip="Cycle N: 10 → 100 → 1000", id="cycle_multi"),
        Binding("r", "run_pause", "Run", id="run_pause"),
        Binding("a", "cycle_output", "Out g", tooltip="Cycle the output activation, keeping the weights"),
        Binding("h", "cycle_hidden", "Hid g", tooltip="Cycle the hidden activation, keeping the weights"),
        Binding("plus", "lr_up", "lr×2", key_display="+"),
        Binding("minus", "lr_down", "lr÷2", key_display="-"),
        Binding("z", "toggle_normalize", "Norm", tooltip="Toggle normalisation (restarts from step 0)"),
        Binding("s", "new_seed", "Seed", tooltip="New seed and re-initialise"),
        Binding("0", "reset", "Reset", tooltip="Back to step 0 with the same seed"),
        Binding("e", "export", "Export", tooltip="Export the run log to runs/"),
        # The diagnosis keys share one footer entry ("gblo Chk") so ? and q still fit at 120 columns.
        Binding("g", "gradcheck", "Gradient check", tooltip="Gradient check on the current parameters",
                group=CHECKS_GROUP),
        Binding("b", "baseline", "Baseline overlay", tooltip="Polynomial baseline on the fit plot: degree 1 → 2 → 3 → 4 → off",
                group=CHECKS_GROUP),
        Binding("l", "lr_find", "LR range test", tooltip="LR range test on a copy; enter applies the suggested rate",
                group=CHECKS_GROUP),
        Binding("o", "overfit", "Overfit 2 samples", tooltip="Overfit a tiny batch of 2 samples on a copy",
                group=CHECKS_GROUP),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("q", "quit", "Quit", priority=True),
        # Textual's default Ctrl+C only says "press ctrl+q"; here it quits like q (and saves).
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
    ]

    frame: reactive[Frame | None] = reactive(None)
    """Latest frame from the training thread."""
    multi: reactive[int] = reactive(MULTI_STEPS[0])
    """N, the step count of the `n` key."""

    def __init__(self, trainer: Trainer, runs_dir: Path | None = None, backend: str | None = "thread") -> None:
        super().__init__()
        self.runs_dir = runs_dir
        self.sent = 0  # commands sent; frame.applied catches up when the session is idle
        # backend: "thread" (tests reach into its trainer) or "process" (run_tui's default, see
        # session_process.py); None reads $TUI_TRAINER_BACKEND.
        self.session = make_session(trainer, lambda f: self.post_message(FrameReady(f)),
                                    lambda n: self.post_message(SessionNotice(n)), backend)
        self.main = MainScreen()
        self.quit_report: list[tuple[bool, str]] = []  # (is_error, line) to print once the screen is gone
        self._quitting = False
        self._signals: list[int] = []

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
        if isinstance(self.screen, (CheckScreen, ChainRuleScreen)):
            self.screen.frame = message.frame
        if running_changed:
            self.refresh_bindings()
        self.call_after_refresh(self.session.frame_drawn)

    def on_session_notice(self, message: SessionNotice) -> None:
        n = message.notice
        self.main.notice = n
        if n.severity != "information" or n.path:
            self.notify(n.text, severity=n.severity, timeout=6)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "training" and event.state == WorkerState.ERROR:
            error = f"{event.worker.error.__class__.__name__}: {event.worker.error}"
            self.main.error = error
            self.main.notice = S.Notice(f"Training stopped by an error: {error}", "error")
            self.notify(f"Training stopped by an error: {error}", severity="error", timeout=30)

    @property
    def settled(self) -> bool:
        """Every command sent has been applied and training is paused (used by tests)."""
        f = self.frame
        return f is not None and f.applied == self.sent and not f.running

    # ---- keys -------------------------------------------------------------------------------
    def send(self, name: str, value: object = None) -> None:
        self.sent += 1
        self.session.send(Command(name, value))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in MANUAL_ACTIONS and self.frame is not None and self.frame.running:
            return None  # shown greyed out while running
        return True

    def action_step(self) -> None:
        self.send(S.STEP, 1)

    def action_multi_step(self) -> None:
        self.send(S.STEP, self.multi)

    def action_cycle_multi(self) -> None:
        self.multi = MULTI_STEPS[(MULTI_STEPS.index(self.multi) + 1) % len(MULTI_STEPS)]
        self.main.multi = self.multi

    def action_run_pause(self) -> None:
        self.send(S.RUN)

    def action_cycle_output(self) -> None:
        self.send(S.CYCLE_OUTPUT)

    def action_cycle_hidden(self) -> None:
        self.send(S.CYCLE_HIDDEN)

    def action_lr_up(self) -> None:
        self.send(S.SCALE_LR, 2.0)

    def action_lr_down(self) -> None:
        self.send(S.SCALE_LR, 0.5)

    def action_toggle_normalize(self) -> None:
        self.send(S.TOGGLE_NORMALIZE)

    def action_new_seed(self) -> None:
        self.send(S.NEW_SEED)

    def action_reset(self) -> None:
        self.send(S.RESET)

    def action_export(self) -> None:
        self.send(S.EXPORT, str(self.runs_dir or Path.cwd() / "runs"))

    # ---- diagnosis (issue 4): the session runs the checks; screens show the answers ----------
    def _open_check(self, screen_class, command: str, callback=None) -> None:
        self.send(command)
        screen = screen_class(self.sent)
        screen.frame = self.frame
        if isinstance(self.screen, (CheckScreen, ChainRuleScreen)):
            self.pop_screen()  # one check at a time
        self.push_screen(screen, callback)

    def action_gradcheck(self) -> None:
        self._open_check(GradCheckScreen, S.GRADCHECK)

    def action_lr_find(self) -> None:
        self._open_check(LRFindScreen, S.LR_FIND, self._apply_lr)

    def _apply_lr(self, lr: float | None) -> None:
        if lr is not None:
            self.send(S.SET_LR, lr)

    def action_overfit(self) -> None:
        self._open_check(OverfitScreen, S.OVERFIT)

    def action_baseline(self) -> None:
        self.send(S.BASELINE)

    def inspect_sample(self, position: int | None) -> None:
        self.send(S.INSPECT, position)

    def on_sample_table_inspect(self, message) -> None:
        self.inspect_sample(message.position)
        screen = ChainRuleScreen(message.position, message.m)
        screen.frame = self.frame
        if isinstance(self.screen, (CheckScreen, ChainRuleScreen)):
            self.pop_screen()
        self.push_screen(screen, lambda _: self.inspect_sample(None))

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    async def action_quit(self) -> None:
        await self.quit_saving(0)

    async def quit_saving(self, return_code: int = 0) -> None:
        """Stop training, save the log if anything is unsaved, then exit (the terminal is
        restored by Textual as the app ends). What happened is printed after the screen is gone."""
        if self._quitting:
            return
        self._quitting = True
        self.session.close()
        failed = await asyncio.to_thread(self.save_unsaved)
        self.exit(return_code=return_code or (1 if failed else 0))

    def save_unsaved(self) -> bool:
        """Save the run log if training is not yet exported; notes the outcome in quit_report.
        Returns True when saving failed (never raises: quitting must not end in a traceback)."""
        try:
            path = self.session.save_unsaved(self.runs_dir or Path.cwd() / "runs")
        except OSError as e:
            self.quit_report.append((True, f"could not save the run log: {e}"))
            return True
        except Exception as e:  # a bug must not cost the user the terminal or the message
            self.quit_report.append((True, f"could not save the run log: {e.__class__.__name__}: {e}"))
            return True
        if path is not None:
            self.quit_report.append((False, f"unsaved training saved to {path}"))
        return False

    def _catch_signals(self) -> None:
        loop = asyncio.get_running_loop()
        for signum, code in SIGNAL_EXIT.items():
            try:
                loop.add_signal_handler(signum, self._on_signal, code)
            except (NotImplementedError, RuntimeError, ValueError):
                continue  # not the main thread, or not a Unix loop: keep the default
            self._signals.append(signum)

    def _on_signal(self, return_code: int) -> None:
        self.call_next(self.quit_saving, return_code)

    def on_unmount(self) -> None:
        self.session.close()
        loop = asyncio.get_running_loop()
        for signum in self._signals:
            loop.remove_signal_handler(signum)
        self._signals.clear()

    def get_system_commands(self, screen: Screen):
        yield from super().get_system_commands(screen)
        for b in self.BINDINGS:
            if b.action in ("quit",):
                continue
            yield SystemCommand(f"{b.description} ({b.key_display or b.key})", b.tooltip or b.description,
                                getattr(self, f"action_{b.action}"))


def run_tui(trainer: Trainer, backend: str | None = None) -> int:
    """Open the TUI on a trainer; returns the exit status. Training runs in a separate process
    unless backend (or $TUI_TRAINER_BACKEND) is "thread"."""
    app = TrainerApp(trainer, backend=backend)
    app.run()
    if not app._quitting:  # ended some other way (an error): still try not to lose the run
        app.session.close()
        app.save_unsaved()
    for is_error, line in app.quit_report:
        print(f"tui-trainer: {'error: ' if is_error else ''}{line}", file=sys.stderr if is_error else sys.stdout)
    return app.return_code or 0
