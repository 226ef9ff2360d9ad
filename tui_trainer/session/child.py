"""The training process: owns the trainer and runs the Session loop for the app (process.py).

It keeps out of the terminal's signals (its own process group: the app decides how to quit and
asks it to save first), writes nothing to the terminal (errors travel through the pipe), and
stops when the app closes it or goes away (its command pipe reaches end-of-file).
"""
from __future__ import annotations

import os
import queue
import signal
import threading
import traceback
from dataclasses import replace
from pathlib import Path

from core.engine.trainer import Trainer

from ..protocol import Frame
from .checkpoint import Sender, resume_session
from .handoff import recv_object
from .loop import Session
from .memory import keep_freed_blocks


def child_main(trainer_conn, commands, out, fps: float, options: dict | None = None) -> None:
    """Own the trainer (read from `trainer_conn`, handoff.py): the Session loop in this
    process's main thread, commands read in another, then (after close) save requests until
    told to exit or the app goes away."""
    # Signals from the terminal (Ctrl+C, a closed window) go to the app, which asks us to save
    # before it ends: a process group of our own keeps them from reaching us first. SIGTERM
    # aimed at this process still ends it (multiprocessing's clean-up at exit relies on that).
    try:
        os.setpgid(0, 0)
    except OSError:
        pass
    for sig in (signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    _silence_output()
    keep_freed_blocks()  # memory.py: each frame reuses the last one's pages
    try:
        trainer: Trainer = recv_object(trainer_conn)
    except (EOFError, OSError):
        return  # the app went before it handed the trainer over
    except Exception as e:  # (out of memory, say) the app shows why; it still has the data
        _report(out, e)
        return
    finally:
        trainer_conn.close()
    send_lock = threading.Lock()
    gone = threading.Event()   # the app's end of a pipe is closed: nobody to talk to

    def emit(msg: tuple) -> None:
        if gone.is_set():
            return
        with send_lock:
            try:
                out.send(msg)
            except (OSError, ValueError):
                gone.set()
                session.close()

    def on_frame(frame: Frame) -> None:
        # The state first: whatever frame the app shows, it can rebuild the trainer behind it
        # should this process be killed (checkpoint.py). The bounded history (~1.5 MB, a few
        # ms to pickle and as many to unpickle) follows the frame, so a key's frame does not
        # wait for it.
        checkpoint = checkpoints.checkpoint(session, frame)
        with_history = checkpoint.history is not None
        emit(("checkpoint", replace(checkpoint, history=None, earlier=None) if with_history else checkpoint))
        emit(("frame", frame))
        if with_history:
            emit(("checkpoint", checkpoint))
        session.frame_drawn()  # nobody here shares our GIL: never wait for the screen

    options = dict(options or {})
    resume = options.pop("resume", None)   # a restart after a lost process: its export mark
    checkpoints = Sender()
    session = Session(trainer, on_frame, lambda n: emit(("notice", n)), fps, **options)
    resume_session(session, resume)
    session.GIL_YIELD = 0.0  # no UI thread in this process to yield to
    control: queue.SimpleQueue[tuple] = queue.SimpleQueue()

    def read_commands() -> None:
        try:
            while True:
                msg = commands.recv()
                if msg[0] == "cmd":
                    session.send(msg[1])
                elif msg[0] == "close":
                    session.close()
                else:
                    control.put(msg)
        except (EOFError, OSError):
            gone.set()
        session.close()
        control.put(("exit",))

    threading.Thread(target=read_commands, name="commands", daemon=True).start()
    try:
        session.run_loop(gone.is_set)
    except BaseException as e:  # reported to the app, which shows it; saving stays possible
        emit(("error", f"{e.__class__.__name__}: {e}", traceback.format_exc()))
    else:
        emit(("stopped",))
    while True:
        msg = control.get()
        if msg[0] == "exit":
            return
        if msg[0] == "save":
            emit(("saved", *_save(session, Path(msg[1]))))


def _report(out, e: BaseException) -> None:
    try:
        out.send(("error", f"{e.__class__.__name__}: {e}", traceback.format_exc()))
    except (OSError, ValueError):
        pass  # the app is gone too


def _save(session: Session, directory: Path) -> tuple[str | None, str | None]:
    try:
        path = session.save_unsaved(directory, timeout=1.0)
    except OSError as e:
        return None, str(e)
    except Exception as e:  # a bug must not leave the app waiting
        return None, f"{e.__class__.__name__}: {e}"
    return (None if path is None else str(path)), None


def _silence_output() -> None:
    """The terminal belongs to the app's screen: stray prints or warnings from here would
    scribble over it. Errors travel through the pipe instead."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        os.close(devnull)
    except OSError:
        pass
