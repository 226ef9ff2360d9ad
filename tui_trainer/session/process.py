"""The process backend: the trainer in its own process, behind the same API as `Session`.

With training in a thread, the UI and NumPy share one GIL; NumPy hardly releases it on the
story's tiny arrays, so drawing ~10 frames a second cost training most of its speed and keys
waited behind training chunks. Here a child process owns the Trainer and runs the very same
`Session` loop; the app's side only moves pickled objects through two pipes:

    parent → child   first, on a pipe of its own: the trainer (handoff.py, its arrays uncopied)
                     then ("cmd", Command) | ("close",) | ("save", folder) | ("exit",)
    child → parent   ("frame", Frame) | ("notice", Notice) | ("stopped",) | ("error", text, traceback)
                     | ("saved", path or None, error or None) | ("checkpoint", Checkpoint)

Commands travel as the `Command` objects themselves, so every command the Session knows (and
any added later) works here without being listed again. Frames collapse: the reader hands the
UI only the newest of the frames waiting (through a Pacer, one at a time), notices in order.
The child (child.py) stops when the app closes it or goes away. An exception in the child
comes back as `TrainingError` from `run_loop`, which the app shows like any training error.

Should the child be killed, nothing it reported is lost: a checkpoint comes before each frame
(checkpoint.py), from which this side saves the run on quit, exports it, and starts a new
training process at the last θ the screen showed (`successor`).

The child is started with 'spawn' (or 'forkserver'), never 'fork': forking a threaded Textual
app can copy a lock held by another thread into the child. The app itself uses the fork
server (starting.py).
"""
from __future__ import annotations

import multiprocessing as mp
import os
import threading
import time
from pathlib import Path
from typing import Callable

from core.diagnosis.evaluation import forget
from core.diagnosis.snapshot import take_snapshot
from core.engine.trainer import Trainer

from ..protocol import Command, Frame, Notice
from . import starting
from .checkpoint import Keeper
from .child import child_main
from .handoff import send_object, widen_pipe
from .loop import Session
from .memory import release_freed_memory
from .pacing import Pacer
from .recovery import Recovery, how_it_ended

BACKENDS = ("process", "thread")
BACKEND_ENV = "TUI_TRAINER_BACKEND"


class TrainingError(RuntimeError):
    """An exception raised in the training process; `remote_traceback` is its traceback text."""

    def __init__(self, text: str, remote_traceback: str = "") -> None:
        super().__init__(text)
        self.remote_traceback = remote_traceback


class TrainingLost(TrainingError):
    """The training process ended without being asked to (killed, out of memory)."""


def backend_name(name: str | None = None) -> str:
    """The backend to use: `name`, else $TUI_TRAINER_BACKEND, else 'process'."""
    name = name or os.environ.get(BACKEND_ENV) or "process"
    if name not in BACKENDS:
        raise ValueError(f"{BACKEND_ENV} must be one of {', '.join(BACKENDS)}, not {name!r}")
    return name


def make_session(trainer: Trainer, on_frame: Callable[[Frame], None], on_notice: Callable[[Notice], None],
                 backend: str | None = None, fps: float = 10.0, **options):
    """A Session (thread backend) or a ProcessSession, by `backend_name(backend)`; options are
    Session's keyword arguments (pause_on_trouble, lr_given)."""
    if backend_name(backend) == "thread":
        return Session(trainer, on_frame, on_notice, fps, **options)
    return ProcessSession(trainer, on_frame, on_notice, fps, options=options)


class ProcessSession(Recovery):
    """Session's API (send, frame_drawn, close, run_loop, wait_stopped, save_unsaved) with the
    trainer in a child process. run_loop starts the child and relays what it sends; run it in
    exactly one thread, as with Session."""

    STOP_TIMEOUT = 10.0     # after close(), how long the child may take to answer before it is ended

    def __init__(self, trainer: Trainer, on_frame: Callable[[Frame], None],
                 on_notice: Callable[[Notice], None], fps: float = 10.0, context: str | None = None,
                 options: dict | None = None):
        self._trainer: Trainer | None = trainer   # handed to the child at start, then dropped
        self._keeper = Keeper(trainer)           # the child's newest state, should it be killed
        self.lost: str | None = None             # why training is gone (the child died or failed)
        self._options = dict(options or {})       # the child's Session's keyword arguments
        self._on_frame, self._on_notice, self._fps = on_frame, on_notice, fps
        self._ctx = mp.get_context(context or starting.START_METHOD)
        self._cmd_recv, self._cmd_send = self._ctx.Pipe(duplex=False)
        self._out_recv, self._out_send = self._ctx.Pipe(duplex=False)
        widen_pipe(self._out_recv)
        self._send_lock = threading.Lock()
        self._start_lock = threading.Lock()
        self._closed = threading.Event()
        self._loop_done = threading.Event()
        self._loop_done.set()
        self._process = None
        self._local: Session | None = None      # saves the trainer when no child ever started
        # The child already paces its frames (fps); here they go to the UI one at a time.
        # (Textual only merges a FrameReady with the one right behind it in its queue; with
        # other messages in between, frames the UI is too slow for would pile up.)
        self._pacer = Pacer(on_frame, fps)

    # ---- the UI side -------------------------------------------------------------------
    def send(self, cmd: Command) -> None:
        """Queue a command for the training process (thread-safe; a full pipe is not expected:
        the child reads commands in a thread of their own)."""
        self._post(("cmd", cmd))

    def frame_drawn(self) -> None:
        """The UI has drawn the last frame handed to it: hand it the newest one held back."""
        self._pacer.ack()

    def close(self) -> None:
        """Ask the training process to stop after its current chunk."""
        self._closed.set()
        self._post(("close",))

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def _post(self, msg: tuple) -> None:
        with self._send_lock:
            try:
                self._cmd_send.send(msg)
            except (OSError, ValueError):
                pass  # the child is gone; run_loop reports why

    # ---- the relay thread ----------------------------------------------------------------
    def run_loop(self, cancelled: Callable[[], bool] = lambda: False) -> None:
        """Start the child, then deliver its frames and notices until it stops. Raises
        TrainingError when training failed in the child or the child died."""
        with self._start_lock:
            if self._closed.is_set():
                return
            self._loop_done.clear()
            # The child first, without the trainer (forked from the fork server it is ready
            # at once; spawned, it first imports NumPy and the session, ~0.25 s).
            trainer_recv, trainer_send = self._ctx.Pipe(duplex=False)
            self._process = self._ctx.Process(
                target=child_main, name="tui-trainer-training", daemon=True,
                args=(trainer_recv, self._cmd_recv, self._out_send, self._fps, self._options))
            with starting.stderr_for_children():
                self._process.start()
        try:
            for end in (trainer_recv, self._cmd_recv, self._out_send):
                end.close()  # the child's ends: only it may hold them, so each side sees
                             # end-of-file when the other one goes
            # The trainer crosses while the preview is drawn (both only read it): at 1M samples
            # the child, forked from a fork server (starting.py) and ready long before the
            # preview's ~180 ms are over, spends ~120 ms reading and setting it up.
            sending = threading.Thread(target=_hand_over, args=(trainer_send, self._trainer),
                                       name="trainer-handoff", daemon=True)
            sending.start()
            self._preview(self._trainer)
            sending.join()
            self._trainer = None        # the child has it: the app keeps only the data (Keeper)
            release_freed_memory()      # the preview's arrays, the trainer's buffers and closure
            self._relay(cancelled)
        finally:
            self._loop_done.set()

    # Above this the preview no longer pays: at 1M samples it came ~0.05 s before the
    # child's own first frame (forked from the fork server, the child has the trainer within
    # ~0.15 s), and its per-sample arrays were the app's peak memory (131 MB against 102).
    PREVIEW_MAX_M = 100_000

    def _preview(self, trainer: Trainer) -> None:
        """A first frame from the trainer here, while the training process reads and sets up
        the trainer: the screen shows step 0 at once. Without findings (Frame.fresh False): the
        training process's frames bring them."""
        if trainer is None or trainer.m > self.PREVIEW_MAX_M:
            return
        try:
            frame = Frame(take_snapshot(trainer, with_findings=False), running=False, applied=0, fresh=False)
        except Exception:  # only a preview: the training process's first frame follows anyway
            return
        finally:
            forget(trainer)  # its evaluation: the training process evaluates from now on
        self._pacer.hand(frame)

    def _relay(self, cancelled: Callable[[], bool]) -> None:
        proc, conn = self._process, self._out_recv
        deadline = None
        applied = -1   # commands applied as of the last frame handed on
        while True:
            if deadline is None and (cancelled() or self._closed.is_set()):
                self.close()
                deadline = time.monotonic() + self.STOP_TIMEOUT
            if deadline is not None and time.monotonic() > deadline:
                proc.terminate()
                raise TrainingError("the training process did not stop in time and was ended")
            try:
                if not conn.poll(0.05):
                    self._pacer.release()  # a held frame, once the UI is free or lets it pass
                    continue
                frame = None
                while True:  # everything waiting: the newest frame wins, notices keep their order
                    msg = conn.recv()
                    kind = msg[0]
                    if kind == "frame":
                        frame = msg[1]
                        if frame.applied != applied or not frame.running:  # a key's: on at once,
                            applied = self._pass_on(frame, applied)        # not after the messages behind it
                            frame = None
                    elif kind == "checkpoint":  # the state behind the frame that follows it
                        self._keeper.keep(msg[1])
                    else:
                        if frame is not None:
                            applied = self._pass_on(frame, applied)
                            frame = None
                        if kind == "notice":
                            self._on_notice(msg[1])
                        elif kind == "stopped":
                            return
                        elif kind == "error":
                            self.lost = f"training failed: {msg[1]}"
                            raise TrainingError(msg[1], msg[2])
                    if not conn.poll():
                        break
                if frame is not None:
                    applied = self._pass_on(frame, applied)
            except (EOFError, OSError):
                proc.join(1.0)
                self.killed = True
                self.lost = self.lost or f"the training process {how_it_ended(proc.exitcode)}"  # (or _end_busy_child's)
                raise TrainingLost(f"{self.lost} at step {self._keeper.step}") from None

    def _pass_on(self, frame: Frame, applied: int) -> int:
        """A frame with a key's effect (more commands applied) goes to the UI at once, ahead of
        any periodic frame; periodic frames wait for the UI (the Pacer). Returns frame.applied."""
        if frame.applied != applied or not frame.running:
            self._pacer.hand(frame)
        else:
            self._pacer.offer(frame)
        return frame.applied

    # ---- after the loop: saving what would otherwise be lost on quit ---------------------
    def wait_stopped(self, timeout: float | None = None) -> bool:
        """Wait until run_loop has returned (it does so after close()); True once it has."""
        return self._loop_done.wait(timeout)

    def save_unsaved(self, directory: Path, timeout: float = 5.0) -> Path | None:
        """As Session.save_unsaved, written by the process that owns the trainer; then the
        child exits. Raises OSError with a readable message when nothing could be saved."""
        if not self.wait_stopped(timeout):  # busy: ended, and saved from its checkpoint (recovery.py)
            self._end_busy_child(timeout)
            return self.local_session().save_unsaved(directory, timeout)
        with self._start_lock:
            self._closed.set()   # no child starts after this
            proc = self._process
        if proc is None or not proc.is_alive():  # never started, or gone: the state is here
            return self.local_session().save_unsaved(directory, timeout)
        try:
            return self._ask_child_to_save(directory, timeout)
        finally:
            self._post(("exit",))
            proc.join(2.0)

    def _ask_child_to_save(self, directory: Path, timeout: float) -> Path | None:
        self._post(("save", str(directory)))
        deadline = time.monotonic() + timeout
        reply = None
        try:
            while reply is None and self._out_recv.poll(max(0.0, deadline - time.monotonic())):
                msg = self._out_recv.recv()
                reply = msg[1:] if msg[0] == "saved" else None
        except (EOFError, OSError):
            self._process.join(1.0)
            raise OSError(f"the training process ended (exit code {self._process.exitcode}); "
                          "run log not saved") from None
        if reply is None:
            raise OSError("the training process did not answer in time; run log not saved")
        path, error = reply
        if error:
            raise OSError(error)
        return None if path is None else Path(path)


def _hand_over(conn, trainer: Trainer) -> None:
    """The trainer to the child (handoff.py: its arrays uncopied). A child already gone is
    found by ProcessSession._relay, which says how it ended."""
    try:
        send_object(conn, trainer)
    except (OSError, ValueError):
        pass
    finally:
        conn.close()
