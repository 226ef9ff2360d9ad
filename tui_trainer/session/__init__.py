"""The training session: whoever owns the Trainer, and how the app talks to it.

- loop.py      the Session: applies commands between training chunks, hands back frames
- handlers.py  what each command does (one method per command name)
- pacing.py    how often frames reach the screen (one rate limit and the UI's acknowledgement)
- process.py   the same API with the trainer in a separate process (the default), child.py its
               other end; make_session picks the backend

What crosses to the screen (Command, Frame, Notice and the command names) is defined in
tui_trainer/protocol.py and re-exported here for the session's callers.
"""
from ..protocol import (BASELINE, COMMANDS, CYCLE_HIDDEN, CYCLE_OUTPUT, EXPORT, GRADCHECK, INSPECT, LR_FIND,
                        NEW_SEED, OVERFIT, PAUSE, RESET, RUN, SCALE_LR, SET_LR, STEP, TOGGLE_NORMALIZE, Command,
                        Frame, Notice)
from .handlers import HIDDEN_CYCLE, OUTPUT_CYCLE, next_in
from .loop import Session
from .pacing import Pacer, RateLimit
from .process import BACKEND_ENV, BACKENDS, ProcessSession, TrainingError, backend_name, make_session

__all__ = ["BASELINE", "CYCLE_HIDDEN", "CYCLE_OUTPUT", "EXPORT", "GRADCHECK", "INSPECT", "LR_FIND", "NEW_SEED",
           "OVERFIT", "PAUSE", "RESET", "RUN", "SCALE_LR", "SET_LR", "STEP", "TOGGLE_NORMALIZE", "COMMANDS", "Command", "Frame", "Notice", "HIDDEN_CYCLE", "OUTPUT_CYCLE", "next_in", "Session",
           "Pacer", "RateLimit", "BACKEND_ENV", "BACKENDS", "ProcessSession", "TrainingError",
           "backend_name", "make_session"]
