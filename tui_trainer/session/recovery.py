"""After the training process is lost (killed, out of memory, or failed): what the app can
still do from its side of the pipe with the newest checkpoint (checkpoint.py). A mixin of
ProcessSession, which owns `_keeper`, `_local`, `_process`, `_trainer`, `_closed`,
`_start_lock` and the callbacks."""
from __future__ import annotations

import signal
from pathlib import Path

from .. import protocol as P
from .checkpoint import resume_session
from .loop import Session


class Recovery:
    killed = False   # the process ended without being asked to (set by ProcessSession._relay)

    @property
    def recovered_step(self) -> int:
        """The step of the newest state the training process reported."""
        return self._keeper.step

    @property
    def records_step(self) -> int | None:
        """The step of the newest step record this side has (checkpoint.Keeper.records_step)."""
        return self._keeper.records_step

    def local_session(self) -> Session:
        """A Session on this side over the trainer the child had at its last checkpoint (or
        the one never handed over), to save or export it once the child is gone."""
        if self._local is None:
            trainer = self._trainer if self._process is None else self._keeper.trainer()
            self._local = Session(trainer, self._on_frame, self._on_notice)
            resume_session(self._local, None if self._process is None else self._keeper.resume())
        return self._local

    def _end_busy_child(self, waited: float) -> None:
        """The training process has not stopped `waited` s after close(): it is inside a command
        that costs seconds on large data (a check at 1M samples takes ~5 s, and keys can queue
        several). End it, and let the caller save the state it last reported (its checkpoint,
        as after a kill) rather than nothing: a random-key run at 1M rows lost its run so."""
        with self._start_lock:
            self._closed.set()   # no child starts after this
            proc = self._process
        self.lost = (f"the training process was still busy {waited:g} s after quitting "
                     "(a command that takes seconds at this data size, such as a check) and was ended")
        self.killed = True
        if proc is not None and proc.is_alive():
            proc.terminate()
            proc.join(2.0)

    def export_lost(self, directory: Path) -> None:
        """`e` with the training process gone: the run log and CSV written from this side."""
        self.local_session()._handlers[P.EXPORT](str(directory))

    def successor(self, **options):
        """A new training process at the last reported state; this one (failed, or killed) is
        told to exit. `options`: Session keyword arguments to change (pause_on_trouble)."""
        self._closed.set()
        self._post(("exit",))
        local = self._local
        trainer = local._trainer if local is not None else self._keeper.trainer()
        resume = ({"earlier": local._earlier, "saved_mark": local._saved_mark} if local is not None
                  else self._keeper.resume())
        return type(self)(trainer, self._on_frame, self._on_notice, self._fps, self._ctx.get_start_method(),
                          options={**self._options, **options, "resume": resume})


def how_it_ended(exitcode: int | None) -> str:
    """How a process ended, from multiprocessing's exit code (negative: the signal)."""
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        return f"was killed ({name})"
    return f"ended unexpectedly (exit code {exitcode})"
