"""The training controller: one thread owns the Trainer; everyone else sends it commands.

The UI never calls the trainer. It calls `Session.send(Command(...))`; the owning thread applies
commands between short training chunks (about 20 ms each, so a key acts well within 100 ms)
and hands back `Frame`s (a Snapshot plus the controller's own state) and `Notice`s through
the two callbacks, at most `fps` frames a second while running.

The API is deliberately small and free of Textual: `send`, `run_loop`, `close`, `frame_drawn`
(the UI's acknowledgement of a frame), two callbacks, and picklable commands, frames and
notices, so a separate-process backend can offer the same.
"""
from __future__ import annotations

import math
import queue
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from core.logs.csv_log import export_csv
from core.diagnosis.diagnostics import CHECKS, Diagnostics, LiveDiagnostics
from core.files import export_path, make_folder, write_atomic
from core.logs.runlog import export_lines
from core.diagnosis.snapshot import Snapshot, take_snapshot
from core.engine.trainer import Trainer

# The orders the `a` and `h` keys cycle through.
OUTPUT_CYCLE = ("relu", "leaky_relu", "swish", "linear", "sigmoid")
HIDDEN_CYCLE = ("relu", "leaky_relu", "tanh", "swish", "linear", "sigmoid")
LR_MIN, LR_MAX = 1e-12, 1e3

# Command names.
STEP = "step"                  # value: number of steps (only while paused)
RUN = "run"                    # toggle run / pause
PAUSE = "pause"
SCALE_LR = "scale_lr"          # value: factor
CYCLE_OUTPUT = "cycle_output"
CYCLE_HIDDEN = "cycle_hidden"
TOGGLE_NORMALIZE = "toggle_normalize"
NEW_SEED = "new_seed"
RESET = "reset"
EXPORT = "export"              # value: directory to write into
# Diagnosis (issue 4): run where the trainer lives; results come back in Frame.diag.
GRADCHECK = "gradcheck"        # gradient check on the current parameters
LR_FIND = "lr_find"            # LR range test on a clone
OVERFIT = "overfit"            # overfit a 2-sample batch on a copy
BASELINE = "baseline"          # cycle the polynomial overlay: off → 1 → 2 → 3 → 4 → off
INSPECT = "inspect"            # value: position in the training split to show the chain rule of, or None
SET_LR = "set_lr"              # value: the new learning rate (e.g. the LR range test's suggestion)
COMMANDS = (STEP, RUN, PAUSE, SCALE_LR, CYCLE_OUTPUT, CYCLE_HIDDEN, TOGGLE_NORMALIZE,
            NEW_SEED, RESET, EXPORT, GRADCHECK, LR_FIND, OVERFIT, BASELINE, INSPECT, SET_LR)


@dataclass(frozen=True)
class Command:
    name: str
    value: object = None

    def __post_init__(self):
        if self.name not in COMMANDS:
            raise ValueError(f"unknown command {self.name!r}")


@dataclass(frozen=True, eq=False)
class Frame:
    """What the screen draws: the trainer's snapshot and the controller's state."""
    snapshot: Snapshot
    running: bool
    applied: int        # commands applied so far (equals the number sent once all are done)
    diag: Diagnostics = field(default_factory=Diagnostics)  # curvature, checks, chain rule...


@dataclass(frozen=True)
class Notice:
    """Something to tell the user once (an export path, a restart, a refused change)."""
    text: str
    severity: str = "information"   # 'information' | 'warning' | 'error'
    path: str | None = None         # the file an export wrote


def next_in(cycle: tuple[str, ...], current: str) -> str:
    """The entry after `current`, or the first one when `current` is not in the cycle."""
    if current not in cycle:
        return cycle[0]
    return cycle[(cycle.index(current) + 1) % len(cycle)]


class Session:
    CHUNK_SECONDS = 0.02
    FINDINGS_INTERVAL = 0.3   # diagnosis at most about three times a second while running
    DRAW_WAIT = 0.1           # longest pause in training for the UI to draw a frame
    GIL_YIELD = 0.001         # pause after each chunk for a UI thread sharing the GIL (0: none to share)

    def __init__(self, trainer: Trainer, on_frame: Callable[[Frame], None],
                 on_notice: Callable[[Notice], None], fps: float = 10.0):
        self._trainer = trainer
        self._on_frame = on_frame
        self._on_notice = on_notice
        self._frame_interval = 1.0 / fps
        self._queue: queue.SimpleQueue[Command | None] = queue.SimpleQueue()
        self._closed = threading.Event()
        self._running = False
        self._applied = 0
        self._chunk = 64          # steps per chunk, adapted to CHUNK_SECONDS
        self._findings: tuple = ()  # the last diagnose()'s Findings, carried between frames
        self._diag = LiveDiagnostics()
        self._last_findings = -math.inf
        self._last_frame = -math.inf
        # Set by the UI once it has drawn the last frame. Training waits for it (briefly): a
        # thread backend shares one GIL with the UI, and drawing uncontended is what keeps keys
        # and frames prompt. A backend in another process can ignore it.
        self._drawn = threading.Event()
        self._drawn.set()
        # Quitting must not lose training: what the last export (or the start) covered, and
        # whether the owning thread has let go of the trainer, so the UI side may save it.
        self._saved_mark = self._mark()
        self._loop_active = False
        self._loop_done = threading.Event()
        self._loop_done.set()

    # ---- the UI side -------------------------------------------------------------------
    def send(self, cmd: Command) -> None:
        """Queue a command for the owning thread (thread-safe, never blocks)."""
        self._queue.put(cmd)

    def frame_drawn(self) -> None:
        """The UI has drawn the latest frame (thread-safe)."""
        self._drawn.set()

    def close(self) -> None:
        """Ask the loop to finish after its current chunk."""
        self._closed.set()
        self._queue.put(None)

    # ---- the owning thread ---------------------------------------------------------------
    def run_loop(self, cancelled: Callable[[], bool] = lambda: False) -> None:
        """Own the trainer until close() or cancelled(): apply commands, train while running,
        deliver frames. Blocks; run it in exactly one thread."""
        self._loop_active = True
        self._loop_done.clear()
        try:
            self._publish(force_findings=True)
            while not (self._closed.is_set() or cancelled()):
                changed = self._drain(block=not self._running)
                if self._running and not self._drawn.is_set():
                    self._drawn.wait(self.DRAW_WAIT)
                    changed = self._drain(block=False) or changed
                if self._running:
                    self._train_chunk()
                    changed = changed or not self._running  # it stopped (diverged): show that frame
                if changed or (self._running and time.monotonic() - self._last_frame >= self._frame_interval):
                    self._publish(force_findings=not self._running)
        finally:
            self._running = False
            self._loop_active = False
            self._loop_done.set()

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
        path = write_atomic(export_path(make_folder(directory)), export_lines(self._trainer))
        self._saved_mark = self._mark()
        return path

    def _drain(self, block: bool) -> bool:
        """Apply every queued command; when paused, wait briefly for the first one."""
        changed = False
        try:
            cmd = self._queue.get(timeout=0.1) if block else self._queue.get_nowait()
        except queue.Empty:
            return False
        while cmd is not None:
            self._apply(cmd)
            self._applied += 1
            changed = True
            try:
                cmd = self._queue.get_nowait()
            except queue.Empty:
                break
        return changed

    def _train_chunk(self) -> None:
        t = self._trainer
        t0 = time.perf_counter()
        t.run(self._chunk)
        dt = time.perf_counter() - t0
        # Aim each chunk at CHUNK_SECONDS so commands wait at most that long.
        if dt > 0:
            target = self._chunk * self.CHUNK_SECONDS / dt
            self._chunk = int(min(max(target, 1), 4 * self._chunk, 200_000))
        if t.status != "ok":
            self._running = False
            self._notice(f"Training diverged: {t.diverged_reason}. Lower the learning rate (-) or reset (0).",
                         "error")
        # Let the UI thread take the GIL between chunks.
        time.sleep(self.GIL_YIELD)

    def _apply(self, cmd: Command) -> None:
        t = self._trainer
        name, value = cmd.name, cmd.value
        if name == RUN:
            self._running = not self._running and self._can_train()
        elif name == PAUSE:
            self._running = False
        elif name == STEP:
            if not self._running and self._can_train():
                t.run(int(value))
                if t.status != "ok":
                    self._notice(f"Training diverged: {t.diverged_reason}.", "error")
        elif name == SCALE_LR:
            self._scale_lr(float(value))
        elif name == CYCLE_OUTPUT:
            new = next_in(OUTPUT_CYCLE, t.config.output_activation)
            t.set_output_activation(new)
            self._notice(f"Output activation → {new} (weights kept)")
        elif name == CYCLE_HIDDEN:
            new = next_in(HIDDEN_CYCLE, t.config.hidden_activation)
            t.set_hidden_activation(new)
            self._notice(f"Hidden activation → {new} (weights kept)")
        elif name == TOGGLE_NORMALIZE:
            on = not t.config.normalize
            t.set_normalize(on)
            self._notice(f"Normalisation {'on' if on else 'off'}: training restarted from step 0")
        elif name == NEW_SEED:
            seed = (t.seed + 1) % 2**63
            t.reset(seed)
            self._notice(f"New seed {seed}: re-initialised at step 0")
        elif name == RESET:
            t.reset()
            self._notice(f"Back to step 0 with seed {t.seed}")
        elif name == EXPORT:
            self._export(Path(str(value)))
        elif name in CHECKS:
            self._check(name)
        elif name == BASELINE:
            self._baseline_notice(self._diag.cycle_baseline(t))
        elif name == INSPECT:
            self._diag.inspect(value)
        elif name == SET_LR:
            self._set_lr(float(value))

    def _can_train(self) -> bool:
        if self._trainer.status != "ok":
            self._notice("Training has diverged: change the learning rate (- / +), an activation, or reset (0) first",
                         "warning")
            return False
        return True

    def _scale_lr(self, factor: float) -> None:
        t = self._trainer
        lr = t.config.lr * factor
        if not (LR_MIN <= lr <= LR_MAX):
            self._notice(f"Learning rate kept at {t.config.lr:g}: {lr:g} is outside [{LR_MIN:g}, {LR_MAX:g}]",
                         "warning")
            return
        t.set_lr(lr)

    def _check(self, kind: str) -> None:
        """A one-shot check; its request number is this command's, so the UI knows its answer."""
        result = self._diag.check(self._trainer, kind, self._applied + 1)
        if result.error:
            self._notice(f"{kind} failed: {result.error}", "error")

    def _baseline_notice(self, base) -> None:
        if base is None:
            degree = self._diag.baseline_degree
            self._notice("Baseline overlay off" if degree is None else
                         "Baseline overlay: only for the MSE loss (its J is a squared error)", "information")
            return
        dev = "" if base.dev_loss is None else f" (dev {base.dev_loss:.4g})"
        net_dev = "" if base.net_dev_loss is None else f" (dev {base.net_dev_loss:.4g})"
        self._notice(f"Baseline: degree-{base.degree} polynomial J {base.train_loss:.4g}{dev} vs the network's "
                     f"J {base.net_train_loss:.4g}{net_dev} (b: next degree)")

    def _set_lr(self, lr: float) -> None:
        t = self._trainer
        if not (math.isfinite(lr) and LR_MIN <= lr <= LR_MAX):
            self._notice(f"Learning rate kept at {t.config.lr:g}: {lr:g} is outside [{LR_MIN:g}, {LR_MAX:g}]",
                         "warning")
            return
        t.set_lr(lr)
        self._notice(f"Learning rate → {lr:.3g}")

    def _export(self, directory: Path) -> None:
        """Write the run log and, beside it, the CSV of its steps; a failure is reported and
        training carries on."""
        try:
            path = write_atomic(export_path(make_folder(directory)), export_lines(self._trainer))
        except OSError as e:
            self._notice(f"Export failed: {e}", "error")
            return
        self._saved_mark = self._mark()
        try:
            csv_path = export_csv(path.with_suffix(".csv"), self._trainer)
        except OSError as e:
            self._notice(f"Exported run log to {path}; CSV failed: {e}", "error", path=str(path))
            return
        self._notice(f"Exported run log to {path} and CSV to {csv_path}", path=str(path))

    def _notice(self, text: str, severity: str = "information", path: str | None = None) -> None:
        self._on_notice(Notice(text, severity, path))

    def _publish(self, force_findings: bool) -> None:
        now = time.monotonic()
        with_findings = force_findings or now - self._last_findings >= self.FINDINGS_INTERVAL
        snap = take_snapshot(self._trainer, with_findings=with_findings, previous_findings=self._findings)
        if with_findings:
            self._findings, self._last_findings = snap.findings, now
        self._last_frame = now
        self._drawn.clear()
        diag = self._diag.refresh(self._trainer, full=with_findings, running=self._running, now=now)
        self._on_frame(Frame(snap, self._running, self._applied, diag))
