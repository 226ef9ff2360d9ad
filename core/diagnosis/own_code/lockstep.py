"""Train with a learner's own functions, the reference beside it from the same θ.

Each step runs the learner's L_model_forward, compute_cost, L_model_backward and
update_parameters (in the child process, each call under the time limit) and the reference's
at the same θ. The first step where the learner's output, cost, gradient or update leaves the
reference is the divergence: the step, the function and the tensor, with its errors. The
reference also runs on its own from the starting θ, for the loss curve beside the learner's.

This is the engine of `--model` (training the learner's code live); a function the file does
not define is the reference's.
"""
from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field

import numpy as np

from .compare import SCHEMAS, first_difference
from .course import Course
from .judge import at
from .runner import LearnerProcess

STEP_FUNCTIONS = ("L_model_forward", "compute_cost", "L_model_backward", "update_parameters")


@dataclass
class Divergence:
    step: int
    function: str
    tensor: str
    max_abs_error: float | None
    max_rel_error: float | None
    message: str

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Lockstep:
    losses: list[float] = field(default_factory=list)  # J by the learner's functions, one per step
    reference_losses: list[float] = field(default_factory=list)  # the reference's own run
    divergence: Divergence | None = None  # the first step where the learner's code leaves the reference
    error: str | None = None  # the learner's code raised or did not return: where (its run stops there)
    uses_reference: tuple[str, ...] = ()  # step functions the file does not define


class LearnerSteps:
    """One gradient-descent step by the learner's functions, and the reference's at the same θ."""

    def __init__(self, proc: LearnerProcess, course: Course, file: str):
        self.proc, self.course, self.file = proc, course, file
        self.missing = tuple(n for n in STEP_FUNCTIONS if n not in proc.loaded.names)

    def call(self, name: str, *args):
        """(value, None) or (None, where it went wrong)."""
        if name in self.missing:
            return getattr(self.course, name)(*copy.deepcopy(args)), None
        o = self.proc.call(name, args)
        if o.kind == "ok":
            return o.value, None
        return None, f"{name}: {o.error} at {at(self.file, o.line, o.code)}"

    def step(self, X, Y, theta, lr):
        """{function: output} for the four step functions, or an error message."""
        out = {}
        (out["L_model_forward"], err) = self.call("L_model_forward", X, theta)
        if err is None:
            AL, caches = _unpack(out["L_model_forward"])
            for name, args in (("compute_cost", (AL, Y)), ("L_model_backward", (AL, Y, caches))):
                out[name], err = self.call(name, *args)
                if err:
                    break
        if err is None:
            out["update_parameters"], err = self.call("update_parameters", theta, out["L_model_backward"], lr)
        return out, err

    def reference(self, X, Y, theta, lr):
        c = self.course
        AL, caches = c.L_model_forward(X, theta)
        grads = c.L_model_backward(AL, Y, caches)
        return {"L_model_forward": (AL, caches), "compute_cost": c.compute_cost(AL, Y),
                "L_model_backward": grads, "update_parameters": c.update_parameters(theta, grads, lr)}


def _unpack(forward):
    try:
        AL, caches = forward
        return AL, caches
    except (TypeError, ValueError):
        return forward, None


def first_divergence(step: int, learner: dict, reference: dict) -> Divergence | None:
    for name in STEP_FUNCTIONS:
        d = first_difference(learner[name], reference[name], SCHEMAS[name])
        if d:
            return Divergence(step, name, d.tensor, d.max_abs, d.max_rel,
                              f"step {step}: {name} leaves the reference: {d.message}")
    return None


def train_side_by_side(proc: LearnerProcess, X, Y, params: dict, learning_rate: float, steps: int,
                       course: Course, file: str = "") -> Lockstep:
    """`steps` steps of both from `params`; the learner's run stops at its first error."""
    runner = LearnerSteps(proc, course, file or proc.path)
    result = Lockstep(uses_reference=runner.missing)
    theta = {k: np.array(v, dtype=float) for k, v in params.items()}
    theta_ref = copy.deepcopy(theta)
    for step in range(steps):
        own = runner.reference(X, Y, theta_ref, learning_rate)
        result.reference_losses.append(float(own["compute_cost"]))
        theta_ref = own["update_parameters"]
        if result.error is not None:
            continue
        mine, err = runner.step(X, Y, theta, learning_rate)
        if err:
            result.error = f"step {step}: {err}"
            continue
        result.losses.append(_number(mine["compute_cost"]))
        if result.divergence is None:
            result.divergence = first_divergence(step, mine, runner.reference(X, Y, theta, learning_rate))
        theta = mine["update_parameters"]
        if not isinstance(theta, dict):
            result.error = f"step {step}: update_parameters returned {type(theta).__name__}, not a dict of parameters"
    return result


def _number(x) -> float:
    try:
        return float(np.asarray(x, dtype=float).reshape(-1)[0])
    except (TypeError, ValueError, IndexError):
        return float("nan")
