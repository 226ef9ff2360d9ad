"""Judge one function: the learner's outcomes on the cases against the reference's outputs.

The verdict is pass / fail / error with the first differing tensor of the first failing case,
and a likely mistake only when a planted variant from the catalogue reproduces the learner's
output on every case (values and shapes, and raising where the learner's code raised).
"""
from __future__ import annotations

import copy
from dataclasses import asdict, dataclass

from .cases import Case
from .catalogue import Mistake
from .compare import SCHEMAS, describe, equal, first_difference, same
from .course import Course

SIGNATURES = {
    "initialize_parameters_deep": "initialize_parameters_deep(layer_dims) -> parameters",
    "sigmoid": "sigmoid(Z) -> A, cache", "relu": "relu(Z) -> A, cache",
    "sigmoid_backward": "sigmoid_backward(dA, cache) -> dZ", "relu_backward": "relu_backward(dA, cache) -> dZ",
    "linear_forward": "linear_forward(A, W, b) -> Z, cache",
    "linear_activation_forward": "linear_activation_forward(A_prev, W, b, activation) -> A, cache",
    "L_model_forward": "L_model_forward(X, parameters) -> AL, caches",
    "compute_cost": "compute_cost(AL, Y) -> cost",
    "linear_backward": "linear_backward(dZ, cache) -> dA_prev, dW, db",
    "linear_activation_backward": "linear_activation_backward(dA, cache, activation) -> dA_prev, dW, db",
    "L_model_backward": "L_model_backward(AL, Y, caches) -> grads",
    "update_parameters": "update_parameters(parameters, grads, learning_rate) -> parameters",
}


@dataclass
class FunctionResult:
    name: str
    status: str  # "pass", "fail", "missing" or "error"
    tensor: str | None = None
    max_abs_error: float | None = None
    max_rel_error: float | None = None
    likely_mistake: str | None = None
    message: str = ""
    explanation: str | None = None  # the likely mistake's one line; JSON carries it in "message"

    def full_message(self) -> str:
        if not self.explanation:
            return self.message
        return f"{self.message}. Likely mistake: {self.explanation}"

    def to_dict(self) -> dict:
        d = asdict(self)
        d["message"] = self.full_message()
        del d["explanation"]
        return d


class Raised:
    """The reference (or a planted variant) raised on a case, as NumPy does for bad shapes."""

    def __init__(self, error: Exception):
        self.error = error


def run_reference(course: Course, name: str, args: tuple):
    try:
        return getattr(course, name)(*copy.deepcopy(args))
    except Exception as e:  # noqa: BLE001 - a planted variant may fail on shapes, like the learner's
        return Raised(e)


def at(file: str, line: int | None, code: str = "") -> str:
    where = f"{file}:{line}" if line else file
    return f"{where} `{code}`" if code else where


def _reproduces(outcomes, variant_outs, ref_outs, schema) -> bool:
    differs = False
    for o, v, r in zip(outcomes, variant_outs, ref_outs):
        if o.kind == "ok":
            if isinstance(v, Raised) or not equal(o.value, v):
                return False
            differs = differs or isinstance(r, Raised) or not same(o.value, r, schema)
        elif o.kind != "raised" or not isinstance(v, Raised):
            return False
    return differs


def identify(name, cases, outcomes, ref_outs, course, mistakes: list[Mistake]):
    """The first catalogued mistake whose planted variant reproduces the learner's outputs,
    with the variant; (None, None) when none does."""
    schema = SCHEMAS[name]
    for mistake in mistakes:
        for variant in mistake.variants(course):
            outs = [run_reference(variant, name, c.args) for c in cases[:len(outcomes)]]
            if _reproduces(outcomes, outs, ref_outs, schema):
                return mistake, variant
    return None, None


def judge(name: str, cases: list[Case], outcomes, course: Course, mistakes: list[Mistake], file: str):
    """(FunctionResult, the matching variant or None)."""
    schema = SCHEMAS[name]
    ref_outs = [run_reference(course, name, c.args) for c in cases]
    first_bad, diff = None, None
    for i, o in enumerate(outcomes):
        if isinstance(ref_outs[i], Raised):
            continue  # cannot happen with the reference's own cases; never blame the learner for it
        if o.kind != "ok":
            first_bad = i
            break
        diff = first_difference(o.value, ref_outs[i], schema)
        if diff:
            first_bad = i
            break
    if first_bad is None:
        return FunctionResult(name, "pass", message=f"matches the reference on {len(cases)} cases"), None
    mistake, variant = identify(name, cases, outcomes, ref_outs, course, mistakes)
    o, case = outcomes[first_bad], cases[first_bad]
    result = FunctionResult(name, "fail" if o.kind == "ok" or mistake else "error")
    if o.kind == "ok":
        result.tensor, result.max_abs_error, result.max_rel_error = diff.tensor, diff.max_abs, diff.max_rel
        result.message = f"{diff.message} (case {case.label})"
        if diff.kind != "value" and o.line:
            result.message += f"; returned at {at(file, o.line, o.code)}"
    else:
        result.message = _failure(name, o, case, ref_outs[first_bad], schema, file)
    if mistake:
        result.likely_mistake, result.explanation = mistake.code, mistake.explanation
    return result, variant


def _failure(name, o, case: Case, ref_out, schema, file: str) -> str:
    expected = f"; expected {describe(ref_out, schema)}"
    if o.kind == "timeout":
        return (f"{o.error} (case {case.label}); still running at {at(file, o.line, o.code)} "
                "— an infinite loop?")
    if o.kind == "crashed":
        return f"{o.error} (case {case.label})" + (f"; last at {at(file, o.line, o.code)}" if o.line else "")
    if o.at_call:
        return (f"{o.error} when called as {SIGNATURES[name]} (case {case.label}); "
                f"defined at {at(file, o.line, o.code)}")
    return f"{o.error} at {at(file, o.line, o.code)} (case {case.label}){expected}"


def missing(name: str) -> FunctionResult:
    return FunctionResult(name, "missing", message=f"not defined in the file (the course's {SIGNATURES[name]})")
