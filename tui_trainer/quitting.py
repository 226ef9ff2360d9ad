"""Quitting without losing the run: `q`, Ctrl+C, and the signals that end a terminal session.

Each one saves unsaved training first (runs/, or the temporary folder when runs/ cannot be
written: runs_folder.py), then ends the app; what happened is printed once the screen is gone.

Closing the terminal (SIGHUP) needs more: the terminal is gone, and Textual's output thread can
stop on a write to it while the app's next write waits for that thread forever (docs/UPSTREAM.md:
the app saved, then hung in its shutdown). So a signal also starts a watchdog thread. If the
app has not begun saving within SAVE_WAIT seconds (its event loop is stuck), the watchdog saves;
once the run is saved, if the app has not ended within EXIT_GRACE seconds, it prints the report
and ends the process with the signal's status. The handler is Python's own (signal.signal),
which runs even while the main thread waits on a lock, where the event loop's would not.
"""
from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading

# Signals that end the TUI like `q`, with the usual 128 + signal number exit status.
SIGNAL_EXIT = {signal.SIGTERM: 143, signal.SIGINT: 130, signal.SIGHUP: 129}
SAVE_WAIT = 1.0     # seconds for the event loop to start saving before the watchdog does
EXIT_GRACE = 1.5    # seconds from saved to ended before the watchdog ends the process


class Quitting:
    """A mixin of TrainerApp: needs `session`, `runs_dir`, `exit` and `is_headless`."""

    def _init_quitting(self) -> None:
        self.quit_report: list[tuple[bool, str]] = []  # (is_error, line) to print once the screen is gone
        self._quitting = False
        self._signals: dict[int, object] = {}          # signal -> the handler it had before
        self._save_lock = threading.Lock()
        self._save_failed: bool | None = None          # None: not saved yet
        self._saved = threading.Event()
        self._ended = threading.Event()                # App.run has returned
        self._watchdog: threading.Thread | None = None
        self._signal_exit: int | None = None           # 128 + n of the first signal that ended us

    def run(self, *args, **kwargs):
        try:
            return super().run(*args, **kwargs)
        finally:
            self._ended.set()

    async def action_quit(self) -> None:
        await self.quit_saving(0)

    async def quit_saving(self, return_code: int = 0) -> None:
        """Stop training, save the log if anything is unsaved, then exit (the terminal is
        restored by Textual as the app ends)."""
        if self._quitting:
            return
        self._quitting = True
        self.session.close()
        failed = await asyncio.to_thread(self.save_once)
        self.exit(return_code=return_code or (1 if failed else 0))

    def save_once(self) -> bool:
        """save_unsaved, once, whoever asks first (the app or the watchdog); True if it failed."""
        with self._save_lock:
            if self._save_failed is None:
                self._save_failed = self.save_unsaved()
                self._saved.set()
            return self._save_failed

    # ---- signals ---------------------------------------------------------------------------
    def _catch_signals(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return  # signal handlers belong to the main thread: keep the defaults
        loop = asyncio.get_running_loop()
        for signum, code in SIGNAL_EXIT.items():
            try:
                self._signals[signum] = signal.signal(signum, lambda s, f, c=code: self._on_signal(loop, c))
            except (OSError, ValueError):
                continue

    def _release_signals(self) -> None:
        for signum, previous in self._signals.items():
            signal.signal(signum, previous)
        self._signals.clear()

    def _on_signal(self, loop: asyncio.AbstractEventLoop, return_code: int) -> None:
        """In the main thread, between two bytecodes: hand the quit to the event loop, and
        start the watchdog in case the loop never gets to it."""
        if self._signal_exit is None:
            self._signal_exit = return_code
        if self._watchdog is None:
            self._watchdog = threading.Thread(target=self._watch_exit, args=(return_code,),
                                              name="exit-watchdog", daemon=True)
            self._watchdog.start()
        try:
            loop.call_soon_threadsafe(self.call_next, self.quit_saving, return_code)
        except RuntimeError:
            pass  # the loop has closed: the watchdog saves and ends

    @property
    def ended_by_signal(self) -> bool:
        return self._signal_exit is not None

    def exit_status(self) -> int:
        """The process's status once the app has ended: a terminating signal's (128 + n) once
        one came, even if the app then ended in an error (a closed terminal fails the writes
        of its shutdown), as a process killed by it would; else the app's return code."""
        return self._signal_exit if self._signal_exit is not None else (self.return_code or 0)

    def _watch_exit(self, return_code: int) -> None:
        if not self._saved.wait(SAVE_WAIT) and not self._quitting:
            self.session.close()  # the loop has not begun: save from here
        self.save_once()          # returns at once, or when the app's own save is done
        if not self._ended.wait(EXIT_GRACE):
            self._hard_exit(return_code)

    def _hard_exit(self, return_code: int) -> None:
        """The run is saved but the app is stuck ending: report and end the process now."""
        if self.is_headless:
            return  # a test's app has no terminal to be stuck on
        print_report(self.quit_report)
        os._exit(return_code)


def print_report(report: list[tuple[bool, str]]) -> None:
    """The quit report, errors on stderr. The terminal may be gone (closed window): then the
    lines go nowhere, and so does Python's own flush at exit (which would end in status 120)."""
    for is_error, line in report:
        stream = sys.stderr if is_error else sys.stdout
        try:
            print(f"tui-trainer: {'error: ' if is_error else ''}{line}", file=stream, flush=True)
        except (OSError, ValueError):
            _silence()
            return


def _silence() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
    except OSError:
        pass
