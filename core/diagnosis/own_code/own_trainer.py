"""Train with a learner's own functions: a Trainer whose step is the learner's file.

`OwnTrainer` is the engine's Trainer (state, history, snapshots, events, pickling: every view
and every check reads it as usual) with one thing replaced: each step's cost, gradient and new
θ come from the file's L_model_forward, compute_cost, L_model_backward and update_parameters,
run in a child process (own_step.py). The engine still makes its own pass at the same θ,
which fills what the history row records beside the loss (dead units and samples, the dev
loss), and the course's reference checks the learner's step at the same θ (beside.py) until
the first step where the learner's code leaves it: `divergence`, the `own_code_differs`
finding.

What the file's code fixes cannot change from the keys: the activations it hard-codes, and
L2 / L1 and mini-batches, which its functions do not take. Those setters raise `FixedByFile`
(a ValueError; the session shows it as a notice). An error in the learner's code stops
training with status "stopped" and the reason in `diverged_reason` (the function, the error,
file, line and code); a reset reads the file anew, so a fixed file trains again.
"""
from __future__ import annotations

import dataclasses
import math

import numpy as np

from core.engine.activations import get_activation
from core.engine.fast_step import choose_z_buffers, make_backward, make_forward, make_row_writer
from core.engine.losses import fused_output
from core.engine.records import ACT_CODES
from core.engine.row_extras import extend_row_writer
from core.engine.trainer import Trainer

from .beside import Divergence, diverges, reference_for
from .compare import ATOL, RTOL
from .own_step import OwnModel, StepResult
from .probe import detect

LOSS_OF_COST = {"cross-entropy": "bce", "mse": "mse"}

STOPPED = "stopped"  # Trainer.status when the learner's code failed
CODE_ERROR = 3       # the run's code for it (fast_step's: 1 loss, 2 gradient)


class FixedByFile(ValueError):
    """A setting the learner's file decides; the message says where to change it."""


class OwnTrainer(Trainer):
    STEP_CHUNK = 0  # the learner's functions take the whole batch, and so does the engine's pass beside them

    def __init__(self, config, data, model: OwnModel, split=None, window: int = 4096, archive: int = 4096):
        self.model = model
        self.divergence: Divergence | None = None
        self._error = ""
        super().__init__(config, data, split, window, archive)
        if config.l2 or config.l1 or self.batch < self.m:
            raise FixedByFile(f"--l2, --l1 and --batch-size do not apply to --model: {model.display}'s "
                              "functions train on the whole training set without regularisation")

    # ---- what the file fixes ----------------------------------------------------------------
    def _fixed(self, what: str, where: str) -> None:
        raise FixedByFile(f"{what} is your code's ({self.model.display}, {where}): change it there, "
                          "then 0 reads the file again")

    def set_output_activation(self, name: str) -> None:
        self._fixed(f"The output activation ({self.config.output_activation})", "L_model_forward and L_model_backward")

    def set_hidden_activation(self, name: str) -> None:
        self._fixed(f"The hidden activation ({self.config.hidden_activation})", "L_model_forward and L_model_backward")

    def set_l2(self, rate: float) -> None:
        self._fixed("Regularisation (none)", "compute_cost and L_model_backward")

    set_l1 = set_l2

    def set_batch_size(self, size: int) -> None:
        self._fixed("The batch (the whole training set)", "your functions take the X and Y they are given")

    # ---- restarts -------------------------------------------------------------------------
    def _setup(self, seed: int, batch_base: int = 0, epochs_at_base: float = 0.0,
               ceiling: float | None = None) -> None:
        self.divergence = None  # a fresh run is compared afresh
        super()._setup(seed, batch_base, epochs_at_base, ceiling)

    def reset(self, seed: int | None = None) -> None:
        """Back to step 0 reading the file anew: the learner may have fixed it meanwhile, even
        its activations or its cost (read again, as at the start)."""
        self.model.reload()
        self._follow_file()
        super().reset(seed)

    def _follow_file(self) -> None:
        proc = self.model.process()
        if isinstance(proc, str):
            return  # the first step says why it cannot run
        found = detect(proc, self.config.leaky_slope)
        c = self.config
        if found.output not in (None, c.output_activation):
            Trainer.set_output_activation(self, found.output)  # an event, as the key would log
        if found.hidden not in (None, c.hidden_activation):
            Trainer.set_hidden_activation(self, found.hidden)
        loss = LOSS_OF_COST.get(found.cost)
        if loss not in (None, c.loss) and (loss == "mse" or fits_cross_entropy(self)):
            self.config = self.config.with_(loss=loss)  # reset() prepares the data for it

    def _diverge(self, code: int) -> None:
        if code != CODE_ERROR:
            return super()._diverge(code)
        self.status = STOPPED
        self.diverged_reason = f"your code stopped training at step {self.step_count}: {self._error}"

    def __getstate__(self) -> dict:
        return {**super().__getstate__(), "model": self.model, "divergence": self.divergence}

    def __setstate__(self, state: dict) -> None:
        self.model, self._error = state["model"], ""
        super().__setstate__(state)
        self.divergence = state["divergence"]

    # ---- the step ------------------------------------------------------------------------
    def _compile(self) -> None:
        self._run_fn, self._acts = compile_own_step(self)
        self._reference = reference_for(self.config)

    def own_step(self) -> StepResult | None:
        """The learner's step at the current θ; None when the learner's code failed (the
        reason is kept for _diverge)."""
        result = self.model.step(self.data.X, self.data.Y, self.params, self.config.lr)
        if isinstance(result, str):
            self._error = result
            return None
        return result

    def own_gradient(self) -> dict:
        """The learner's gradient at the current θ, for the gradient check (diagnostics.py);
        ValueError saying why when the learner's code fails."""
        result = self.model.step(self.data.X, self.data.Y, self.params, self.config.lr)
        if isinstance(result, str):
            raise ValueError(result)
        return {"d" + k: np.asarray(result.grads["d" + k], dtype=float) for k in self.params}

    def investigate(self, step: int) -> None:
        """The learner's step disagreed with the engine's at this θ: the same step again with
        its forward output, compared function by function with the course's reference."""
        X, Y, lr = self.data.X, self.data.Y, self.config.lr
        result = self.model.step(X, Y, self.params, lr, keep_forward=True)
        if isinstance(result, str):
            return  # it ran a moment ago: nothing to add if it does not now
        d = diverges(step, result, X, Y, self.params, lr, self._reference)
        if d is not None:
            self.divergence = dataclasses.replace(d, returned_at=self._returned_at(d.function, X, Y, lr))

    def _returned_at(self, function: str, X, Y, lr: float) -> str:
        again = self.model.step(X, Y, self.params, lr, lines=True)  # deterministic: the same step
        info = (again.returned or {}).get(function) if isinstance(again, StepResult) else None
        return self.model.where(info["line"], info["code"]) if info and info.get("line") else ""


def compile_own_step(t: OwnTrainer):
    """fast_step.compile_step's wiring, with the learner's step in the loop (own_loop)."""
    c = t.config
    hid = get_activation(c.hidden_activation, c.leaky_slope)
    out = get_activation(c.output_activation, c.leaky_slope)
    acts = [hid] * (t.L - 1) + [out]
    choose_z_buffers(t.bufs, acts)
    A_in = [t.X_aug] + [B["A_aug"] for B in t.bufs[:-1]]
    fused = fused_output(c.loss, out.name)
    forward = make_forward(t.flat.Wb, A_in, t.bufs, acts, t.zero, c.loss, t.Y_step, fused)
    backward = make_backward(t, A_in, hid, out, fused)
    codes = float(ACT_CODES.index(hid.name)), float(ACT_CODES.index(out.name))
    write_row = extend_row_writer(t, make_row_writer(t, hid, out, c.lr, *codes))
    return own_loop(t, forward, backward, write_row), acts


def own_loop(t: OwnTrainer, forward, backward, write_row):
    """run(n, should_stop, tick, step) as step_loop.make_loop's, each step the learner's: its
    cost is the row's loss, its gradient the row's norms, its parameters the next θ. The
    engine's own pass at θ comes first, for the rest of the row (dead counts, dev loss)."""
    hist, flat, ceiling = t.history, t.flat, t.loss_ceiling
    col = hist.col
    k_tick, k_step = col["tick"], col["step"]
    names = list(t.params)

    def run(n: int, should_stop, tick0: int, step0: int) -> tuple[int, int, float]:
        seq = seq0 = hist.seq
        rows, n_rows, stride = hist.row_views, len(hist.row_views), hist.stride
        code, bad_loss, done = 0, math.nan, 0
        for done in range(1, n + 1):
            if should_stop is not None and should_stop():
                done -= 1
                break
            mine = t.own_step()
            if mine is None:
                code = CODE_ERROR
                break
            J = forward()  # the engine's own pass at θ: the reference's J and m·∇J, the dead counts
            backward()
            if t.divergence is None and not agrees(t, mine, J, names):
                t.investigate(step0 + (seq - seq0))
                if t.divergence is not None and should_stop is not None:
                    done -= 1  # a watched run (pause on trouble) stops at θ of the step it names
                    break
            loss = mine.cost
            if not loss <= ceiling:
                code, bad_loss = 1, float(loss)
                break
            m = t.batch  # the engine keeps m·∇J
            for k in names:
                np.multiply(np.asarray(mine.grads["d" + k], dtype=float), m, out=t.grads["d" + k])
            row = rows[seq % n_rows]
            if not write_row(row, loss):
                code, bad_loss = 2, float(loss)
                break
            if seq % stride == 0:
                row[k_tick], row[k_step] = tick0 + (seq - seq0), step0 + (seq - seq0)
                hist.archive(seq)
                stride = hist.stride
            seq += 1
            np.copyto(flat.theta_prev, flat.theta)
            for k in names:
                t.params[k][...] = np.asarray(mine.params[k], dtype=float)
        hist.seq = seq
        hist.fill_counter(k_tick, seq0, tick0)
        hist.fill_counter(k_step, seq0, step0)
        return done, code, bad_loss
    return run


def agrees(t: OwnTrainer, mine: StepResult, J: float, names: list[str]) -> bool:
    """The learner's cost, gradient and update equal the engine's at this θ (compare.py's
    tolerances). Cheap, on every step; a disagreement is then looked at function by function."""
    m, lr = t.batch, t.config.lr
    if not close(mine.cost, J):
        return False
    for k in names:
        g = t.grads["d" + k] / m
        if not (close(mine.grads["d" + k], g) and close(mine.params[k], t.params[k] - lr * g)):
            return False
    return True


def close(got, want) -> bool:
    want = np.asarray(want, dtype=float)
    got = np.asarray(got, dtype=float)
    with np.errstate(invalid="ignore", over="ignore"):
        scale = float(np.max(np.abs(want))) if want.size else 0.0
        return bool(np.all(np.abs(got - want) <= ATOL * max(1.0, scale) + RTOL * np.abs(want)))


def fits_cross_entropy(t: OwnTrainer) -> bool:
    """Cross-entropy needs a sigmoid output and targets in [0, 1] (options.check_loss_fits)."""
    Y = t.dataset.Y
    return t.config.output_activation == "sigmoid" and bool(((Y >= 0) & (Y <= 1)).all())
