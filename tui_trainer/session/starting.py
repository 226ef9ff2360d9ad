"""How the training process starts (process.py's children).

A spawned child starts a new Python and imports NumPy and the session: ~250 ms, during which
a key pressed on the app's preview frame waited. The app therefore starts multiprocessing's
fork server before it loads the data (`start_fork_server`): the server imports all that on
the other core while the CSV is read, and each training process is then forked from it, ready
in ~15 ms. The server is a clean single-threaded process, so forking it copies none of the
app's threads or locks (never 'fork' the app itself: a lock held by one of Textual's threads
would be copied held). It ends when the app does.
"""
from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import signal
import sys
import threading

START_METHOD = "spawn"   # how ProcessSession starts its child; start_fork_server() changes it
PRELOAD = ["tui_trainer.session.child"]


def start_fork_server() -> bool:
    """Start multiprocessing's fork server now, with the training process's modules imported
    in it, and have training processes forked from it from now on (a clean single-threaded
    process: none of the app's threads or locks): a child is ready in ~15 ms instead of
    ~250 ms. Call it early, before loading the data: the server imports on the other core
    meanwhile. False where there is no fork server (the children are then spawned)."""
    global START_METHOD
    if "forkserver" not in mp.get_all_start_methods():
        return False
    from multiprocessing import forkserver
    try:
        forkserver.set_forkserver_preload(PRELOAD)
        with _hangup_ignored():
            forkserver.ensure_running()
    except (OSError, ValueError):
        return False
    START_METHOD = "forkserver"
    return True


@contextlib.contextmanager
def _hangup_ignored():
    """The server shares the app's process group, so a closed terminal's SIGHUP reached it too:
    it died, and the app, which saves on SIGHUP, took the training process (forked from it,
    and reported through it) for dead and saved from its last checkpoint instead. An ignored
    signal stays ignored through exec: the server never sees SIGHUP, and still ends with the
    app (multiprocessing ends it when the app's end of its pipe closes)."""
    hup = getattr(signal, "SIGHUP", None)
    if hup is None or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(hup, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(hup, previous)


@contextlib.contextmanager
def stderr_for_children():
    """Starting a process also starts multiprocessing's resource tracker, which is handed
    sys.stderr's file descriptor; inside a Textual app sys.stderr is a capture object with no
    real descriptor (the start fails with "bad value(s) in fds_to_keep"). It gets /dev/null
    instead, which also keeps any message of its own off the app's screen."""
    saved = sys.stderr
    with open(os.devnull, "w") as devnull:
        sys.stderr = devnull
        try:
            yield
        finally:
            sys.stderr = saved
