"""What crosses the boundary between the screen and the training: commands one way, frames and
notices the other.

Plain frozen dataclasses, free of Textual and picklable, so the same objects travel through a
thread's queue or a pipe to the training process. The session applies commands
(tui_trainer/session/); widgets and screens draw frames and notices.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from core.diagnosis.cure_chain import NextStep
from core.diagnosis.diagnostics import GRADCHECK, LR_FIND, OVERFIT, Diagnostics
from core.diagnosis.snapshot import Snapshot
from core.diagnosis.trouble import Trouble

# Command names; the value each one takes is in brackets.
STEP = "step"                  # [number of steps] train by hand (only while paused)
RUN = "run"                    # toggle run / pause
PAUSE = "pause"
SCALE_LR = "scale_lr"          # [factor]
CYCLE_OUTPUT = "cycle_output"
CYCLE_HIDDEN = "cycle_hidden"
TOGGLE_NORMALIZE = "toggle_normalize"
NEW_SEED = "new_seed"
RESET = "reset"
EXPORT = "export"              # [directory to write into]
# Diagnosis: run where the trainer lives; results come back in Frame.diag. GRADCHECK (gradient
# check on the current parameters), LR_FIND (LR range test on a clone) and OVERFIT (a 2-sample
# batch on a copy) are named by core.diagnosis.diagnostics, which runs them.
BASELINE = "baseline"          # cycle the polynomial overlay: off → 1 → 2 → 3 → 4 → off
INSPECT = "inspect"            # [position in the training split, or None] the chain rule of one sample
SET_LR = "set_lr"              # [the new learning rate] (e.g. the LR range test's suggestion)
TABLE_VIEW = "table_view"      # [core.diagnosis.sample_rows.TableView] the sample table's rows, filter, order
COMMANDS = (STEP, RUN, PAUSE, SCALE_LR, CYCLE_OUTPUT, CYCLE_HIDDEN, TOGGLE_NORMALIZE,
            NEW_SEED, RESET, EXPORT, GRADCHECK, LR_FIND, OVERFIT, BASELINE, INSPECT, SET_LR, TABLE_VIEW)

# Watching while training runs (session/watching.py).
TOGGLE_TROUBLE = "toggle_trouble"  # pause on trouble on / off
CYCLE_PACE = "cycle_pace"          # as fast as possible → 1000 → 100 → 10 steps a second
COMMANDS += (TOGGLE_TROUBLE, CYCLE_PACE)

# Playground's training controls (session/problem_keys.py).
STEP_L2 = "step_l2"                # [+1 or -1] the L2 rate one notch up or down
STEP_L1 = "step_l1"                # [+1 or -1] the L1 rate likewise
CYCLE_BATCH = "cycle_batch"        # full batch → 1 → 4 → 10 → 32 → 100 → full
COMMANDS += (STEP_L2, STEP_L1, CYCLE_BATCH)


@dataclass(frozen=True)
class Command:
    """One request from the screen to the training; applied in the order sent."""
    name: str
    value: object = None

    def __post_init__(self):
        if self.name not in COMMANDS:
            raise ValueError(f"unknown command {self.name!r}")


@dataclass(frozen=True, eq=False)
class Frame:
    """What the screen draws: the trainer's snapshot and the session's state."""
    snapshot: Snapshot
    running: bool
    applied: int        # commands applied so far (equals the number sent once all are done)
    diag: Diagnostics = field(default_factory=Diagnostics)  # curvature, checks, chain rule...
    trouble: Trouble | None = None      # what made training pause by itself, at which step
    pause_on_trouble: bool = True
    pace: int | None = None             # steps a second; None: as fast as possible
    next_step: NextStep | None = None   # what still blocks a good fit, and the key for it
    # The findings were computed at this frame's state. False: carried over from an earlier
    # frame (a key's frame goes out before its findings are computed; a later frame has them).
    fresh: bool = True


@dataclass(frozen=True)
class Notice:
    """Something to tell the user once (an export path, a restart, a refused change)."""
    text: str
    severity: str = "information"   # 'information' | 'warning' | 'error'
    path: str | None = None         # the file an export wrote
