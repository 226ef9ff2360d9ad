"""Every record after the `run` record checked before it is used: its fields by type, range
and size (against the network and data of the run record, a LogShape), where it stands in the
file (nothing after the end, no second run record, no tick far behind an earlier one), and,
in session order, against the records before it.

The consistency rule: a step attempt moves tick and step together, so tick − step stays fixed
between changes; only a reset, a new seed or a normalisation restart (step back to 0) and a
divergence (an attempt that is not a step, and maybe a step rolled back) move it, and each
of those is an event carrying the new tick and step. A step record whose step does not fit its
tick was not written by a trainer. (A logged value that a rerun would compute differently,
a loss or an lr, is not corruption but a difference: `rerun` reports it, exit status 1.)
"""
from __future__ import annotations

from ..engine.activations import ACTIVATION_NAMES
from ..engine.config import MAX_BATCH, MAX_PENALTY
from .check_run import MAX_SEED, LogShape
from .fields import FieldError, boolean, finite_numbers, int_list, integer, matrix, need, number, obj, text
from .limits import MAX_TICK

KINDS = ("step", "params", "event", "end")
STATUSES = ("ok", "diverged")
RESTARTS = ("reset", "seed", "normalize")      # events that put the step count back to 0
EVENT_NAMES = ("lr", "output_activation", "hidden_activation", *RESTARTS, "diverged", "l2", "l1", "batch_size", "pace")


class RecordError(ValueError):
    """A record that is well-formed alone but cannot stand where it is; one line."""


class RecordChecker:
    def __init__(self, shape: LogShape) -> None:
        self.shape = shape
        self.newest = -1           # the highest tick seen so far, in file order
        self.end_line = 0          # the line of the end record, once seen
        self.offset = 0            # tick − step since the last change
        self.last_tick = {"step": -1, "params": -1}
        L = shape.L
        self.tensor_names = {f"{p}{l}" for l in range(1, L + 1) for p in ("dW", "db", "W")}

    # ---- one record, as it arrives -------------------------------------------------------------
    def arrival(self, lineno: int, rec: dict) -> str | None:
        """Check a record in file order; its kind, or None for a type a later version added."""
        kind = text(rec["type"], "type")
        if kind == "run":
            raise RecordError("a second run record (a log holds one session; were two logs joined?)")
        if self.end_line:
            raise RecordError(f"a {kind} record after the end record (line {self.end_line})")
        if kind not in KINDS:
            return None
        step = integer(need(rec, "step", ""), "step", 0, MAX_TICK)
        tick = integer(need(rec, "tick", ""), "tick", 0, MAX_TICK)
        if step > tick:
            raise FieldError("step", f"{step} is past the record's tick {tick} (steps never outrun step attempts)")
        if tick < self.newest - 1:
            raise FieldError("tick", f"{tick} is behind tick {self.newest} of an earlier record (records out of order)")
        self.newest = max(self.newest, tick)
        getattr(self, "_" + kind)(rec)
        if kind == "end":
            self.end_line = lineno
        return kind

    def _step(self, rec: dict) -> None:
        s = self.shape
        number(need(rec, "loss", ""), "loss", nullable=True)
        if "dev_loss" in rec:
            number(rec["dev_loss"], "dev_loss", nullable=True)
        if "lr" in rec:
            number(rec["lr"], "lr", positive=True)
        for key in ("hidden_activation", "output_activation"):
            if key in rec:
                text(rec[key], key, ACTIVATION_NAMES)
        if rec.get("dead_output") is not None:
            integer(rec["dead_output"], "dead_output", 0, s.m_train)
        if rec.get("dead_hidden"):
            dead = int_list(rec["dead_hidden"], "dead_hidden", 0, max(s.layer_dims), length=s.L - 1)
            for l, n in enumerate(dead, start=1):
                if n > s.layer_dims[l]:
                    raise FieldError(f"dead_hidden[{l - 1}]", f"{n} dead units, but layer {l} has {s.layer_dims[l]}")
        for key in ("grad_norms", "update_ratios"):
            if key in rec:
                self._norms(rec[key], key)
        if "status" in rec:
            text(rec["status"], "status", STATUSES)
        for key in ("penalty", "accuracy", "dev_accuracy"):
            if key in rec:
                number(rec[key], key, nullable=True)

    def _norms(self, v, field: str) -> None:
        obj(v, field)
        if len(v) > 2 * self.shape.L:
            raise FieldError(field, f"has {len(v)} entries; the network has {2 * self.shape.L} tensors")
        if not self.tensor_names.issuperset(v):
            for k in v:
                text(k, f"{field} key")
        finite_numbers(v, field)

    def _params(self, rec: dict) -> None:
        dims = self.shape.layer_dims
        for l in range(1, len(dims)):
            matrix(need(rec, f"W{l}", ""), f"W{l}", (dims[l], dims[l - 1]), nullable=True)
            matrix(need(rec, f"b{l}", ""), f"b{l}", (dims[l], 1), nullable=True)

    def _event(self, rec: dict) -> None:
        name = text(need(rec, "name", ""), "name", EVENT_NAMES)
        value = need(rec, "value", "")
        if name == "lr":
            number(value, "value", positive=True)
        elif name in ("output_activation", "hidden_activation"):
            text(value, "value", ACTIVATION_NAMES)
        elif name == "seed" or (name == "reset" and value is not None):
            integer(value, "value", 0, MAX_SEED)
        elif name == "normalize":
            boolean(value, "value")
        elif name == "diverged":
            text(value, "value")
        elif name == "pace" and value is not None:  # the TUI's steps a second; null: as fast as possible
            integer(value, "value", 1, MAX_TICK)
        elif name in ("l2", "l1") and not 0 <= number(value, "value") <= MAX_PENALTY:
            raise FieldError("value", f"{value:g} is out of range (0 to {MAX_PENALTY:g})")
        elif name == "batch_size":
            integer(value, "value", 0, MAX_BATCH)

    def _end(self, rec: dict) -> None:
        if "status" in rec:
            text(rec["status"], "status", STATUSES)
        if rec.get("reason") is not None:
            text(rec["reason"], "reason")

    # ---- in session order: against the records before --------------------------------------------
    def in_order(self, rec: dict) -> None:
        """Check a record (already passed by arrival) against the ones before it in session
        order, (tick, kind) as core.logs.rerun.in_tick_order gives them."""
        kind, tick, step = rec["type"], rec["tick"], rec["step"]
        if kind == "event":
            self._event_in_order(rec, tick, step)
            return
        self._fits(kind, tick, step)
        if kind in self.last_tick:
            if tick == self.last_tick[kind]:
                raise FieldError("tick", f"{tick} has a {kind} record already (each step attempt is logged once)")
            self.last_tick[kind] = tick

    def _event_in_order(self, rec: dict, tick: int, step: int) -> None:
        name = rec["name"]
        if name in RESTARTS:
            if step != 0:
                raise FieldError("step", f"is {step}; a {name} event restarts training at step 0")
            self.offset = tick
            return
        if name == "diverged":
            if tick - step - self.offset not in (1, 2):
                raise FieldError("step", f"{step} does not fit tick {tick}: a divergence moves tick − step "
                                         f"from {self.offset} by 1 (or 2 with a rollback), not {tick - step - self.offset}")
            self.offset = tick - step
            return
        self._fits("event", tick, step)

    def _fits(self, kind: str, tick: int, step: int) -> None:
        if tick - step != self.offset:
            raise FieldError("step", f"{step} does not fit tick {tick}: since the last change tick − step "
                                     f"is {self.offset}, so step {tick - self.offset} (was the record edited?)")
