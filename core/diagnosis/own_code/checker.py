"""Check a learner's file function by function, in dependency order.

Each function gets the reference's own inputs, so one mistake does not hide the next; when a
function it calls is missing or failed, the reference's version stands in for that callee, so
L_model_backward is judged on its own lines, not on its linear_backward's. The cost is read from
the file's compute_cost, the output activation from its L_model_forward, and L_model_backward is
then checked with both.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import cases as C
from .catalogue import expected_output, mistakes_for
from .child import COURSE_NAMES
from .course import COSTS, Course
from .judge import FunctionResult, at, judge, missing
from .runner import LearnerProcess

CALLEES = {
    "linear_activation_forward": ("linear_forward", "sigmoid", "relu"),
    "L_model_forward": ("linear_activation_forward", "linear_forward", "sigmoid", "relu"),
    "linear_activation_backward": ("linear_backward", "sigmoid_backward", "relu_backward"),
    "L_model_backward": ("linear_activation_backward", "linear_backward", "sigmoid_backward", "relu_backward"),
}
STATUSES = ("pass", "fail", "missing", "error")


@dataclass
class Report:
    file: str
    cost: str  # "cross-entropy", "mse" or "unknown"
    functions: list[FunctionResult]
    output_activation: str | None = None  # what the file's L_model_forward uses, when known
    notes: list[str] = field(default_factory=list)  # top-level code that raised and was skipped

    def summary(self) -> dict[str, int]:
        return {s: sum(f.status == s for f in self.functions) for s in STATUSES}

    @property
    def failed(self) -> bool:
        return any(f.status in ("fail", "error") for f in self.functions)

    def to_dict(self) -> dict:
        return {"file": self.file, "cost": self.cost, "functions": [f.to_dict() for f in self.functions],
                "summary": self.summary()}


class Checker:
    def __init__(self, proc: LearnerProcess, file: str):
        self.proc, self.file = proc, file
        self.defined = set(proc.loaded.names)
        self.results: dict[str, FunctionResult] = {}
        self.cost: str | None = None
        self.output: str | None = None

    def run(self) -> Report:
        for name in ("sigmoid", "relu", "sigmoid_backward", "relu_backward"):
            self.simple(name, C.helper_forward_cases() if name in ("sigmoid", "relu") else C.helper_backward_cases())
        self.simple("linear_forward", C.linear_forward_cases())
        self.simple("linear_activation_forward", C.linear_activation_forward_cases())
        self.check_cost()
        self.check_forward()
        self.simple("linear_backward", C.linear_backward_cases())
        self.simple("linear_activation_backward", C.linear_activation_backward_cases())
        self.check_backward()
        self.simple("update_parameters", C.update_parameters_cases())
        self.check_init()
        notes = [f"{at(self.file, n['line'], n['code'])}: {n['error']} (top-level code; skipped, the rest of the file ran)"
                 for n in self.proc.loaded.notes]
        return Report(self.file, self.cost or "unknown", [self.results[n] for n in COURSE_NAMES], self.output, notes)

    # ---- running ------------------------------------------------------------------------
    def outcomes(self, name, cases):
        subs = [c for c in CALLEES.get(name, ()) if self.results.get(c) is None or self.results[c].status != "pass"]
        out = []
        for case in cases:
            o = self.proc.call(name, case.args, subs)
            out.append(o)
            if o.kind in ("timeout", "crashed"):
                break  # one time limit per function is enough to know
        return out

    def simple(self, name, cases, course: Course | None = None):
        if name not in self.defined:
            self.results[name] = missing(name)
            return None
        course = course or Course()
        result, variant = judge(name, cases, self.outcomes(name, cases), course, mistakes_for(name), self.file)
        self.results[name] = result
        return variant

    # ---- the cost, the output activation and L_model_backward -----------------------------
    def check_cost(self):
        name = "compute_cost"
        if name not in self.defined:
            self.results[name] = missing(name)
            return
        cases = C.compute_cost_cases()
        outs = self.outcomes(name, cases)
        tries = {cost: judge(name, cases, outs, Course(cost), mistakes_for(name), self.file)[0] for cost in COSTS}
        for accept in (lambda r: r.status == "pass", lambda r: r.likely_mistake is not None):
            for cost in COSTS:
                if accept(tries[cost]):
                    self.cost, self.results[name] = cost, tries[cost]
                    return
        result = tries["cross-entropy"]
        if result.status == "fail":
            result.message += (" — it matches neither cross-entropy -(1/m) sum(Y log AL + (1-Y) log(1-AL)) "
                               "nor MSE sum((AL - Y)^2) / (2m)")
        self.results[name] = result

    def check_forward(self):
        """Judge L_model_forward and read the output activation it uses. Without a known cost
        any output activation is taken; check_backward may tell the cost and call back."""
        name, cases = "L_model_forward", C.L_model_forward_cases()
        if name not in self.defined:
            self.results[name] = missing(name)
            return
        expected = expected_output(self.cost)
        result, variant = judge(name, cases, self.outcomes(name, cases), Course(self.cost or "cross-entropy", output=expected),
                                mistakes_for(name), self.file)
        self.results[name] = result
        if result.status == "pass":
            self.output = expected
        elif variant is not None and result.likely_mistake == "output_activation_wrong":
            self.output = variant.output
            if self.cost is None:
                self.results[name] = FunctionResult(name, "pass", message=(
                    f"matches the reference with a {variant.output} output layer on {len(cases)} cases "
                    "(compute_cost does not tell the cost, so any output activation is taken)"))
            else:
                result.explanation = output_explanation(variant.output, self.cost)

    def check_backward(self):
        name = "L_model_backward"
        output = self.output or expected_output(self.cost)
        cases = C.L_model_backward_cases(Course(self.cost or "cross-entropy", output=output))
        if name not in self.defined:
            self.results[name] = missing(name)
            return
        outs = self.outcomes(name, cases)
        costs = (self.cost,) if self.cost else COSTS
        tries = {cost: judge(name, cases, outs, Course(cost, output=output), mistakes_for(name), self.file)[0]
                 for cost in costs}
        for accept in (lambda r: r.status == "pass", lambda r: r.likely_mistake is not None, lambda r: True):
            fits = [cost for cost in costs if accept(tries[cost])]
            if fits:
                self.results[name] = tries[fits[0]]
                # The cost is read from here only when one family fits: a dAL taken from the
                # activation is wrong for both, and tells neither.
                if self.cost is None and len(fits) == 1 and tries[fits[0]].status in ("pass", "fail"):
                    self.cost = fits[0]
                    if self.output not in (None, expected_output(self.cost)):
                        self.check_forward()  # now the cost is known, the output can be wrong
                return

    # ---- initialize_parameters_deep: random, so checked by its properties ------------------
    def check_init(self):
        name = "initialize_parameters_deep"
        if name not in self.defined:
            self.results[name] = missing(name)
            return
        cases = C.initialize_cases()
        outs = self.outcomes(name, cases)
        for case, o in zip(cases, outs):
            if o.kind != "ok":
                self.results[name] = judge_init_error(name, case, o, self.file)
                return
            problem = init_problem(o.value, case.args[0])
            if problem:
                tensor, text = problem
                self.results[name] = FunctionResult(
                    name, "fail", tensor=tensor,
                    message=f"{text} (case {case.label}); returned at {at(self.file, o.line, o.code)}")
                return
        self.results[name] = FunctionResult(name, "pass", message=f"shapes, zero biases and random weights right on {len(cases)} cases")


def judge_init_error(name, case, o, file) -> FunctionResult:
    if o.kind == "timeout":
        text = f"{o.error} (case {case.label}); still running at {at(file, o.line, o.code)} — an infinite loop?"
    else:
        text = f"{o.error} at {at(file, o.line, o.code)} (case {case.label})"
    return FunctionResult(name, "error", message=text)


def init_problem(params, dims) -> tuple[str, str] | None:
    if not isinstance(params, dict):
        return "parameters", f"returned {type(params).__name__}, expected a dict W1, b1, ..., W{len(dims) - 1}, b{len(dims) - 1}"
    for l in range(1, len(dims)):
        for key, shape in ((f"W{l}", (dims[l], dims[l - 1])), (f"b{l}", (dims[l], 1))):
            if key not in params:
                return key, f"parameters has no key {key!r}"
            try:
                v = np.asarray(params[key], dtype=float)
            except (TypeError, ValueError):
                return key, f"{key} is {type(params[key]).__name__}, expected an array of shape {shape}"
            if v.shape != shape:
                return key, f"{key} has shape {v.shape}, expected {shape}"
            if not np.all(np.isfinite(v)):
                return key, f"{key} has NaN or infinite entries"
        W, b = np.asarray(params[f"W{l}"], dtype=float), np.asarray(params[f"b{l}"], dtype=float)
        if np.any(b != 0):
            return f"b{l}", f"b{l} is not zero: the course starts every bias at 0"
        if not np.any(W):
            return f"W{l}", f"W{l} is all zeros: every unit of layer {l} would compute the same thing forever"
        if W.shape[0] > 1 and np.all(W == W[0]):
            return f"W{l}", f"the rows of W{l} are identical: the units of layer {l} never become different"
    return None


def check_file(path, time_limit: float = 5.0, display: str | None = None) -> Report:
    """Check the course functions in the Python file at `path` (which must exist and compile;
    see syntax_error)."""
    display = display or str(path)
    problem = syntax_error(path)
    if problem:
        text = f"{problem['error']} at {at(display, problem['line'], problem['code'])}: the file cannot run, so nothing was checked"
        return Report(display, "unknown", [FunctionResult(n, "error", message=text) for n in COURSE_NAMES])
    with LearnerProcess(path, time_limit) as proc:
        return Checker(proc, display).run()


def syntax_error(path) -> dict | None:
    """Compile without running: the line of a syntax error, read by the parent itself."""
    with open(path, encoding="utf-8") as f:
        source = f.read()
    try:
        compile(source, str(path), "exec", dont_inherit=True)
    except SyntaxError as e:
        code = (e.text or "").strip()
        return {"error": f"{type(e).__name__}: {e.msg}", "line": e.lineno, "code": code}
    except ValueError as e:  # e.g. a NUL byte
        return {"error": f"{type(e).__name__}: {e}", "line": None, "code": ""}
    return None

WHY_OUTPUT = {
    "cross-entropy": "cross-entropy needs sigmoid there: AL must be a probability in (0, 1)",
    "mse": "MSE regression needs no activation (linear) there",
}
HARM = {
    "relu": "a ReLU output clips predictions at 0, where its gradient is 0, so those samples get no gradient of their own",
    "sigmoid": "a sigmoid output can only predict values in (0, 1)",
}


def output_explanation(used: str, cost: str | None) -> str:
    harm = f": {HARM[used]}" if cost == "mse" and used in HARM else ""
    return f"the output layer uses {used}, but {WHY_OUTPUT[cost]}{harm}"
