"""The trainer: one gradient-descent update per `step()` (full batch, or a mini-batch:
`minibatch.py`), with diagnostics.

The maths is the course's (see `network.py`), run on preallocated buffers (`layout.py`) by a
compiled step (`fast_step.py`), so a step costs a few dozen NumPy calls and no large
allocations. Everything a step measures is written into a row of the bounded `History`
(columns in `records.py`); `step()` also returns it as a `StepRecord`.
"""
from __future__ import annotations

import math

import numpy as np

from .changes import Changes
from .outputs import Outputs
from .config import TrainConfig
from .data import Dataset, Prepared, Split, make_split, prepare
from .chunks import ForwardBuffers
from .chunked_step import STEP_CHUNK, step_output
from .fast_step import compile_step
from .history import History
from .layout import FlatParams
from .losses import compute_cost
from .minibatch import setup_step_inputs
from .network import initialize_parameters
from .records import ACT_CODES, DIVERGED, OK, Event, StepRecord, history_columns, record_from_row
from .row_norms import const_row, row_matrix

# Re-exported: callers import the record types and statuses from here.
__all__ = ["Trainer", "StepRecord", "Event", "OK", "DIVERGED", "ACT_CODES"]


class Trainer(Changes, Outputs):
    """Steps a network on a dataset. Not thread-safe: one thread owns a trainer."""

    def __init__(self, config: TrainConfig, data: Dataset, split: Split | None = None,
                 window: int = 4096, archive: int = 4096):
        self.dataset = data
        self.split = split if split is not None else make_split(data.m, config.dev_fraction, config.seed)
        self.config = config
        self.initial_config = config
        self.events: list[Event] = []
        self.listeners: list = []  # callables(Event), e.g. a run-log writer
        self.tick = 0
        self._window, self._archive = window, archive
        self._setup(config.seed)

    # ---- construction ----------------------------------------------------------------
    def _setup(self, seed: int, batch_base: int = 0, epochs_at_base: float = 0.0,
               ceiling: float | None = None) -> None:
        """ceiling: the loss ceiling when it is known (unpickling): otherwise a pass over all
        samples computes it (~50 ms at 1M, which a key pressed on the app's first screen
        waited for in the training process)."""
        c = self.config
        self.data: Prepared = prepare(self.dataset, self.split, c.normalize, c.loss)
        X, Y = self.data.X, self.data.Y
        self.m = X.shape[1]
        self.layer_dims = c.layer_dims(X.shape[0], Y.shape[0])
        self.L = len(self.layer_dims) - 1
        self.seed = seed
        self.flat = FlatParams(self.layer_dims, initialize_parameters(self.layer_dims, c.init, seed))
        self.params, self.grads = self.flat.params, self.flat.grads
        self.tensor_names, self.n_params = self.flat.tensor_names, self.flat.n_params
        self.history = History(history_columns(self.L, self.tensor_names), self._window, self._archive)
        self.step_count = 0
        self.status = OK
        self.diverged_reason = ""
        self._bad_loss = math.nan
        self._chunk_buffers = ForwardBuffers()  # for passes over all samples (outputs.py)
        self.loss_ceiling = self._ceiling() if ceiling is None else ceiling
        self.zero = np.zeros(())  # a 0-d operand: cheaper than the float 0.0, no (n, m) buffer
        self.batch_base, self.epochs_at_base = batch_base, epochs_at_base  # minibatch.py
        setup_step_inputs(self)  # t.batch, the step's buffers and, for mini-batches, its Feeder
        self._compile()

    # A full batch of more samples than this runs a chunk at a time (chunked_step.py): at 1M
    # samples the step's buffers shrink from ~180 MB to a few, and a key can act mid-step.
    # 0: never (OwnTrainer: the learner's step sees the whole batch).
    STEP_CHUNK = STEP_CHUNK

    # A loss a million times the starting one (or the mean predictor's, whichever is larger)
    # only comes from a run that is blowing up. Stopping there, rather than at overflow, keeps
    # parameters from which a lower learning rate can actually carry on.
    CEILING_FACTOR = 1e6

    def _ceiling(self) -> float:
        d, c = self.data, self.config
        with np.errstate(all="ignore"):
            j0 = self.cost_on(d.X, d.Y)
            j_mean = compute_cost(np.full_like(d.Y, d.Y.mean()), d.Y, c.loss) if c.loss == "mse" else 0.0
        ref = max(j0 if math.isfinite(j0) else 0.0, j_mean)
        return self.CEILING_FACTOR * ref if ref > 0 else math.inf

    # The row matrix (row_norms.py) has (2P + 1) x columns entries: trivial for the story, but
    # 6 GB for hidden 4096,4096. Past this size each tensor's squared norm is summed from a view
    # of [θ², G²] instead (no extra memory; a few calls more, which only small networks notice).
    ROW_MATRIX_BYTES = 8 << 20

    def _row_matrix(self, lr: float, hcode: float, ocode: float) -> np.ndarray | None:
        """The step's row matrix for these settings, or None past ROW_MATRIX_BYTES."""
        col = self.history.col
        return row_matrix(self.flat, col, const_row(col, lr, hcode, ocode, self.data.has_dev),
                          self.ROW_MATRIX_BYTES)

    # ---- the step --------------------------------------------------------------------
    def _compile(self) -> None:
        """Rebuild the step for the current settings: only when a setting changes."""
        self._run_fn, self._acts = compile_step(self)

    # ---- running -----------------------------------------------------------------------
    def run(self, n: int, should_stop=None, interrupt=None) -> int:
        """Up to n steps without building records (the fast path). Stops early on divergence
        or when should_stop() turns true (checked every step). interrupt() is also checked
        inside a step on large data, between its chunks (chunked_step.py): when true, that
        step is abandoned untouched. Returns steps attempted."""
        if self.status != OK or n <= 0:
            return 0
        if self.feeder is not None:
            self.feeder.seek(self.step_count)  # the batches follow the step number
        if self.chunks is not None:
            self.chunks.interrupt = interrupt
            should_stop = _either(should_stop, interrupt)
        # Overflow is expected when a run diverges; it is detected and reported, not warned.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            done, code, self._bad_loss = self._run_fn(n, should_stop, self.tick, self.step_count)
        self.tick += done  # a failed attempt is a step call too, but not a step
        self.step_count += done - (code != 0)
        if code:
            self._diverge(code)
        return done

    def prepare_step(self, stop=None) -> bool:
        """On large data, compute the next step's gradient now, while nothing else is asked of
        the trainer (chunked_step.py, prepare): the next step then only applies it, unless θ
        or a setting changed meanwhile. stop() true between two chunks gives up (False)."""
        prepare = getattr(self._run_fn, "prepare", None)
        if prepare is None or self.status != OK:
            return False
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            return prepare(stop)

    def step(self) -> StepRecord:
        """Exactly one full-batch update; returns what it measured."""
        if self.status != OK:
            raise RuntimeError(f"training has diverged ({self.diverged_reason}); change the learning rate or reset first")
        before = len(self.history)
        tick, step = self.tick, self.step_count
        self.run(1)
        return self._record(tick, step, committed=len(self.history) > before)

    def _record(self, tick: int, step: int, committed: bool) -> StepRecord:
        c = self.config
        ZL, AL = (a.copy() for a in step_output(self))
        if not committed:
            # The failed attempt's loss: above the ceiling, or nan where it overflowed.
            return StepRecord(tick, step, self._bad_loss, None, c.lr, c.hidden_activation, c.output_activation,
                              0, tuple([0] * (self.L - 1)), {}, {}, ZL, AL, DIVERGED)
        return self.record_from_row(self.history.last(), ZL, AL)

    def record_from_row(self, row: np.ndarray, ZL=None, AL=None) -> StepRecord:
        return record_from_row(row, self.history.col, self.tensor_names, self.batch, self.L, ZL, AL)

    def _diverge(self, code: int) -> None:
        at = self.step_count
        if code == 1 and at > 0:
            # θ_t already overflows the loss: go back to θ_{t-1}, whose loss was finite,
            # so a lower learning rate can carry on from there.
            np.copyto(self.flat.theta, self.flat.theta_prev)
            self.step_count -= 1
            self.history.pop()
        if code == 2:
            what = "the gradient became non-finite"
        elif math.isfinite(self._bad_loss):
            what = f"the loss reached {self._bad_loss:.3g}, over {self.CEILING_FACTOR:g}x its starting value,"
        else:
            what = "the loss became non-finite"
        self.status = DIVERGED
        self.diverged_reason = (f"{what} at step {at} with lr={self.config.lr:g}; "
                                f"parameters kept from step {self.step_count}")
        self._emit("diverged", self.diverged_reason)

    # ---- changes between steps -------------------------------------------------------
    def _emit(self, name: str, value) -> None:
        ev = Event(self.tick, self.step_count, name, value)
        self.events.append(ev)
        for fn in self.listeners:
            fn(ev)

    def _change(self, name: str, value, **config_changes) -> None:
        self.config = self.config.with_(**config_changes)
        if self.status == DIVERGED:
            self.status, self.diverged_reason = OK, ""
        self._emit(name, value)
        self._compile()

    # set_lr, set_output_activation, set_hidden_activation, set_l2, set_l1, set_batch_size,
    # apply_event (rerun re-applies a logged change): changes.py

    def reset(self, seed: int | None = None) -> None:
        """Back to step 0 with the same seed, or re-initialise from a new one."""
        new_seed = self.seed if seed is None else int(seed)
        self.config = self.config.with_(seed=new_seed) if seed is not None else self.config
        self._setup(new_seed)
        self._emit("seed" if seed is not None else "reset", new_seed)

    def set_normalize(self, on: bool) -> None:
        """Standardising changes the data the weights were fitted to, so training restarts."""
        self.config = self.config.with_(normalize=bool(on))
        self._setup(self.seed)
        self._emit("normalize", bool(on))

    def note(self, name: str, value) -> None:
        """Log a session change that leaves the maths alone (the TUI's pace), as an event."""
        self._emit(name, value)

    # ---- reading state -----------------------------------------------------------------
    def parameters(self) -> dict[str, np.ndarray]:
        return {k: v.copy() for k, v in self.params.items()}

    def set_parameters(self, params: dict[str, np.ndarray]) -> None:
        """Load W[l], b[l] (course shapes) into the trainer, e.g. from a logged step."""
        for k, v in params.items():
            target = self.params[k]
            v = np.asarray(v, dtype=float)
            if v.shape != target.shape:
                raise ValueError(f"{k} has shape {v.shape}, the network needs {target.shape}")
            target[...] = v

    def clone(self, **changes) -> "Trainer":
        """An independent trainer at the same parameters and settings (fresh history and
        events), for experiments such as an LR range test that must not touch this run;
        `changes` to its config, e.g. batch_size=0 for full-batch gradients."""
        t = Trainer(self.config.with_(**changes), self.dataset, self.split, window=256, archive=256)
        t.set_parameters(self.params)
        t.step_count = self.step_count
        return t

    # ---- pickling: a trainer can be handed to another process (the TUI's training process) --
    # θ, ∇J and the step's buffers are views into shared blocks and the step is a closure, none
    # of which pickle as such: the state is the settings, data, θ and the bookkeeping, and the
    # buffers and closure are rebuilt on arrival. Listeners (callables) stay behind.
    _STATE = ("dataset", "split", "config", "initial_config", "events", "tick", "_window", "_archive",
              "seed", "step_count", "status", "diverged_reason", "_bad_loss", "loss_ceiling",
              "batch_base", "epochs_at_base")

    def __getstate__(self) -> dict:
        state = {k: getattr(self, k) for k in self._STATE}
        state.update(history=self.history, theta=self.flat.theta.copy(),
                     theta_prev=self.flat.theta_prev.copy())
        return state

    def __setstate__(self, state: dict) -> None:
        self.dataset, self.split, self.config = state["dataset"], state["split"], state["config"]
        self._window, self._archive = state["_window"], state["_archive"]
        self.listeners = []
        self._setup(state["seed"], state["batch_base"], state["epochs_at_base"], state["loss_ceiling"])
        for k in self._STATE:
            setattr(self, k, state[k])
        self.history = state["history"]
        self.flat.theta[...] = state["theta"]
        self.flat.theta_prev[...] = state["theta_prev"]
        self._compile()  # binds the unpickled history

    def params_finite(self) -> bool:
        return bool(np.isfinite(self.flat.theta).all())

    def __repr__(self) -> str:
        c = self.config
        return (f"Trainer(layer_dims={self.layer_dims}, {c.hidden_activation}/{c.output_activation}, "
                f"loss={c.loss}, lr={c.lr:g}, step={self.step_count}, status={self.status})")


def _either(a, b):  # a should_stop true when either one is (None: never)
    if a is None or b is None:
        return a or b
    return lambda: a() or b()
