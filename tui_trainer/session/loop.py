"""The training loop: one thread owns the Trainer; everyone else sends it commands.

The UI never calls the trainer. It calls `Session.send(Command(...))`; the owning thread applies
commands between short training chunks (about 20 ms each, so a key acts well within 100 ms)
and hands back `Frame`s and `Notice`s (tui_trainer/protocol.py) through two callbacks, paced by
a `Pacer` (at most `fps` frames a second while running).

The API is deliberately small and free of Textual: `send`, `run_loop`, `close`, `frame_drawn`
(the UI's acknowledgement of a frame), `wait_stopped`, `save_unsaved` and two callbacks, so the
process backend (process.py) can offer the same. What each command does is in handlers.py.
"""
from __future__ import annotations

import queue
import threading
import time
from pathlib import Path
from typing import Callable

from core.engine.chunks import Abandoned
from core.diagnosis.diagnostics import LiveDiagnostics
from core.diagnosis.snapshot import take_snapshot
from core.engine.trainer import StepRecord, Trainer
from core.files import export_path, make_folder, write_atomic
from core.logs.runlog import export_lines

from ..protocol import STEP, Command, Frame, Notice
from ..runs_folder import write_in_folder
from .ahead import Ahead
from .handlers import Handlers, stopped_text
from .watching import Watching
from .pacing import CostShare, Pacer


class Session(Watching, Handlers, Ahead):
    CHUNK_SECONDS = 0.01      # a command waits at most about one chunk
    # On large data a key stops even a step midway (engine/chunked_step.py): chunks need not be
    # short for the keys' sake, and the pause watcher's pass over all samples before each one
    # (~30 ms at 1M) was paid for every single 40 ms step.
    INTERRUPTIBLE_CHUNK_SECONDS = 0.1
    FRAME_SHARE = 0.3         # periodic frames take at most this share of the time (pacing.CostShare):
                              # at 1M samples one costs ~50 ms, and ten a second halved training
    FINDINGS_INTERVAL = 0.3   # diagnosis at most about three times a second while running,
    FINDINGS_SHARE = 0.02     # and at most this share of the loop's time (pacing.CostShare)
    FINDINGS_QUIET = 0.03     # paused: a key's findings once no other key came for this long,
    QUIET_PER_COST = 1.5      # or for this many times what the last findings cost (at most
    QUIET_MOST = 0.3          # this long): a key pressed while they run waits for them all
    GIL_YIELD = 0.001         # pause after each chunk for a UI thread sharing the GIL (0: none to share)
    EARLIER_STEPS = 4096      # step records kept from before resets (halved, evenly, past this)

    def __init__(self, trainer: Trainer, on_frame: Callable[[Frame], None],
                 on_notice: Callable[[Notice], None], fps: float = 10.0,
                 pause_on_trouble: bool = False, lr_given: bool = False, findings: bool = True):
        # pause_on_trouble: the app turns it on (watching.py); off, `r` trains until paused.
        # findings: False for a screen that shows none (the tour): diagnose() tries cures on copies.
        self._trainer = trainer
        self._with_findings = findings
        self._init_watching(pause_on_trouble, lr_given)
        self._on_notice = on_notice
        self._pacer = Pacer(on_frame, fps, share=self.FRAME_SHARE)
        self._findings_rate = CostShare(self.FINDINGS_INTERVAL, self.FINDINGS_SHARE)
        self._queue: queue.SimpleQueue[Command | None] = queue.SimpleQueue()
        self._closed = threading.Event()
        self._running = False
        self._applied = 0
        # Steps per chunk, adapted to CHUNK_SECONDS (×4 at most a chunk). It starts at one: at
        # 1M samples a step takes ~120 ms, and a first chunk of 64 held every key for 7 s.
        self._chunk = 1
        self._findings: tuple = ()  # the last diagnose()'s Findings, carried between frames
        self._findings_cost = 0.0   # seconds the last findings took
        self._diag = LiveDiagnostics()
        self._table_view = None   # the sample table's rows (TABLE_VIEW); None: the first ones
        self._earlier: list[StepRecord] = []  # steps from before the resets, for the export
        self._notices = 0         # notices sent: did a command say anything itself?
        self._others_sent = 0     # commands sent other than a step (_prepare_next_step)
        # Quitting must not lose training: what the last export (or the start) covered, and
        # whether the owning thread has let go of the trainer, so the UI side may save it.
        self._saved_mark = self._mark()
        self._loop_done = threading.Event()
        self._loop_done.set()
        self._handlers = self.handlers()

    # ---- the UI side -------------------------------------------------------------------
    def send(self, cmd: Command) -> None:
        """Queue a command for the owning thread (thread-safe, never blocks)."""
        if cmd.name != STEP:
            self._others_sent += 1
        self._queue.put(cmd)

    def frame_drawn(self) -> None:
        """The UI has drawn the latest frame (thread-safe)."""
        self._pacer.ack()

    def close(self) -> None:
        """Ask the loop to finish after its current chunk."""
        self._closed.set()
        self._queue.put(None)

    # ---- the owning thread ---------------------------------------------------------------
    def run_loop(self, cancelled: Callable[[], bool] = lambda: False) -> None:
        """Own the trainer until close() or cancelled(): apply commands, train while running,
        deliver frames. Blocks; run it in exactly one thread."""
        self._loop_done.clear()
        try:
            # On a large dataset the findings take seconds: the first frame goes out without
            # them, and they follow as after a key.
            owed = self._large()  # ahead.py; paused: a frame went out without its findings
            self._baseline_ahead()  # ahead.py: on large data, before there is anything to press
            owed = not self._publish(force_findings=not owed, light=owed, first=True) or owed
            while not (self._closed.is_set() or cancelled()):
                if not self._running:
                    self._prepare_next_step()
                changed = self._drain(block=not self._running,
                                      timeout=self._quiet() if owed else 0.1)
                if self._running and not self._pacer.acked:
                    # A thread backend shares one GIL with the UI: drawing uncontended is what
                    # keeps keys and frames prompt, so training pauses (one frame interval at
                    # most) until the screen has drawn. The training process acks at once.
                    self._pacer.wait_ack(self._pacer.rate.interval)
                    changed = self._drain(block=False) or changed
                if changed:  # a key's effect goes out at once, before the next chunk and the findings
                    self._publish(force_findings=False, light=True)
                    owed, changed = not self._running, False
                elif owed and not self._running:  # the keys have stopped: their findings follow
                    owed = not self._publish(force_findings=True)  # a key came meanwhile: still owed
                if self._running:
                    self._train_chunk()
                    changed = not self._running  # it stopped (diverged): show that frame
                # A key that came during the chunk goes first: its own frame follows at once, and
                # a periodic frame before it (~90 ms at 1M samples) would only delay it.
                if changed or (self._running and self._pacer.due(time.monotonic()) and not self._key_waiting()):
                    owed = not self._publish(force_findings=not self._running) or owed
        finally:
            self._running = False
            self._loop_done.set()

    def _drain(self, block: bool, timeout: float = 0.1) -> bool:
        """Apply every queued command; when paused, wait briefly for the first one. After
        close() the rest are dropped: at 1M rows a check takes ~5 s, and the steps taken
        before four queued ones were lost when the app, done waiting, saved what it had."""
        changed = False
        try:
            cmd = self._queue.get(timeout=timeout) if block else self._queue.get_nowait()
        except queue.Empty:
            return False
        while cmd is not None and not self._closed.is_set():
            self._apply(cmd)
            self._applied += 1
            changed = True
            try:
                cmd = self._queue.get_nowait()
            except queue.Empty:
                break
        return changed

    def _apply(self, cmd: Command) -> None:
        diverged, notices = self._trainer.status != "ok", self._notices
        was_running = self._running
        self._handlers[cmd.name](cmd.value)
        self._after_command(cmd.name, was_running)
        if diverged and self._trainer.status == "ok" and self._notices == notices:
            # The divergence notice would stay on screen, now false: say what changed instead.
            t = self._trainer
            self._notice(f"No longer diverged: lr {t.config.lr:g}, parameters of step {t.step_count}; "
                         "space, n or r trains again")

    def _train_chunk(self) -> None:
        t = self._trainer
        n = self._steps_due(self._chunk)  # the pace's share (watching.py)
        if n == 0:  # a slow pace: no step due yet
            time.sleep(min(self._pace_wait(), self.CHUNK_SECONDS))
            return
        t0 = time.perf_counter()
        done = self._run_watched(n)
        dt = time.perf_counter() - t0
        # Aim each chunk at CHUNK_SECONDS so commands wait at most that long (judged on full
        # chunks only: one cut short by trouble or the pace says nothing about the speed).
        if dt > 0 and done == n == self._chunk:
            seconds = self.CHUNK_SECONDS if t.chunks is None else self.INTERRUPTIBLE_CHUNK_SECONDS
            target = self._chunk * seconds / dt
            self._chunk = int(min(max(target, 1), 4 * self._chunk, 200_000))
        if t.status != "ok":
            self._running = False
            self._notice(stopped_text(t), "error")  # diverged, or (--model) the learner's code failed
        # Let the UI thread take the GIL between chunks.
        time.sleep(self.GIL_YIELD)

    def _quiet(self) -> float:
        """How long no key must come before a key's findings are computed. Findings that cost
        180 ms (cures checked on copies after 5,000 steps of the story, or a large dataset)
        started 30 ms after each key of someone stepping with space, and the next key waited
        behind them: the quiet grows with their cost."""
        return min(max(self.FINDINGS_QUIET, self.QUIET_PER_COST * self._findings_cost), self.QUIET_MOST)

    def _publish(self, force_findings: bool, light: bool = False, first: bool = False) -> bool:
        """Hand the UI a frame now: a change (a key's effect) never waits for the pacer.
        light: without new findings (a key's frame; they can take far longer than the frame).
        False: no frame, because a key came while the findings trained their copies (~100 ms
        after a change), or while a periodic frame's pass over a large dataset ran (~40 ms at
        1M samples): the key goes first, and the findings are tried again after it. A key's own
        frame (light) is not given up: under keys held down it is the only one drawn. The first
        frame is, though: the app shows its own preview meanwhile (process.py), and a key
        pressed on that preview waited ~180 ms at 1M samples for a frame it supersedes."""
        now = time.monotonic()
        large = self._large()
        give_way = not light or first
        with_findings = not light and self._findings_rate.take(now, force=force_findings)
        t0 = time.perf_counter()
        try:
            snap = take_snapshot(self._trainer, with_findings=with_findings and self._with_findings,
                                 previous_findings=self._findings, table_view=self._table_view,
                                 interrupted=self._key_waiting if give_way else None)
        except Abandoned:  # also the findings' cures.Interrupted
            return False
        if give_way and large and self._key_waiting():
            # On large data the rest (live diagnostics, next step) costs tens of ms that the
            # key's frame, which supersedes this one, would wait for.
            return False
        try:  # on large data its costly parts (~45-180 ms each at 1M) give way to a key too
            diag = self._diag.refresh(self._trainer, full=with_findings, running=self._running, now=now,
                                      light=light, stop=self._key_waiting if large and give_way else None)
        except Abandoned:
            return False
        fields = self._watch_fields(with_findings, diag, light=light and large)
        if with_findings:
            self._findings = snap.findings
            self._findings_cost = time.perf_counter() - t0
            self._findings_rate.spent(self._findings_cost)
        self._pacer.hand(Frame(snap, self._running, self._applied, diag, fresh=with_findings, **fields))
        if not (light or with_findings):  # a periodic frame: the next waits in proportion (findings have their own share)
            self._pacer.rate.spent(time.perf_counter() - t0)
        return True

    def _key_waiting(self) -> bool:
        return not self._queue.empty()

    def _notice(self, text: str, severity: str = "information", path: str | None = None) -> None:
        self._notices += 1
        self._on_notice(Notice(text, severity, path))

    def _keep_steps(self) -> None:
        """Before a reset, which starts the trainer's history afresh: keep its steps, so an
        export still holds the whole session and `rerun` can check every part of it."""
        t = self._trainer
        self._earlier += map(t.record_from_row, t.history.rows())
        while len(self._earlier) > self.EARLIER_STEPS:
            self._earlier = self._earlier[1::2]  # every other one, the newest kept

    # ---- after the loop: saving what would otherwise be lost on quit ---------------------
    def _mark(self) -> tuple[int, int]:
        """Step attempts and events so far: any change means there is something new to save."""
        return self._trainer.tick, len(self._trainer.events)

    @property
    def unsaved(self) -> bool:
        """Training or changes since the last export (False at step 0 with no events)."""
        return self._mark() != self._saved_mark

    def wait_stopped(self, timeout: float | None = None) -> bool:
        """Wait until run_loop has returned (it does so after close()); True once it has."""
        return self._loop_done.wait(timeout)

    def save_unsaved(self, directory: Path, timeout: float = 5.0) -> Path | None:
        """Once the loop has stopped, write the run log if anything is unsaved; returns the path
        or None when there was nothing to save. Raises OSError (with a readable message) when
        the file cannot be written, or when the loop did not stop in time."""
        if not self.wait_stopped(timeout):
            raise OSError("training did not stop in time; run log not saved")
        if not self.unsaved:
            return None
        return self._write_log(directory)

    def _write_log(self, directory: Path) -> Path:
        """The run log into `directory`, or into the temporary folder when that cannot be
        written (its folder deleted, read-only: runs_folder.py), said in a notice."""
        lines = export_lines(self._trainer, earlier_steps=self._earlier)
        path, why = write_in_folder(directory, lambda d: write_atomic(export_path(make_folder(d)), lines))
        if why:
            self._notice(f"{why}; saved under {path.parent} instead", "warning")
        self._saved_mark = self._mark()
        return path
