"""A learner's file as the trainer's step: one request to the child process per step, and its
results checked before they touch the network.

`OwnModel.step` runs the file's L_model_forward, compute_cost, L_model_backward and
update_parameters on θ (runner.step, child.py's Learner.step) and returns the cost, the grads
and the new parameters, or one line saying what went wrong, in the learner's file: the
function, the error, the file, line and code, and for a wrong shape the shape expected. Such a
line is all the app shows; never a traceback of ours. The child is started on first use (so
the model pickles and can be handed to the training process) and again after `reload`, which
reads the file anew.
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .checker import syntax_error
from .child import STEP_FUNCTIONS
from .judge import SIGNATURES, at
from .runner import LearnerProcess, Outcome

TIME_LIMIT = 2.0  # seconds for a step of the learner's code (with line numbers: for each call)


@dataclass
class StepResult:
    cost: float
    grads: dict
    params: dict
    forward: object = None  # (AL, caches) as L_model_forward returned them, when asked for
    returned: dict | None = None  # function -> {"line", "code"}: where each returned, when asked for


class OwnModel:
    def __init__(self, path: str | Path, display: str | None = None, time_limit: float = TIME_LIMIT):
        self.path = str(Path(path).resolve())
        self.display = display or str(path)
        self.time_limit = time_limit
        self.notes: list[str] = []  # top-level code of the file that raised (skipped; the rest ran)
        self._proc: LearnerProcess | None = None
        self._finalizer = None

    def __getstate__(self) -> dict:  # a child process does not cross to another process
        return {**self.__dict__, "_proc": None, "_finalizer": None}

    def where(self, line, code: str = "") -> str:
        return at(self.display, line, code)

    # ---- the child process ----------------------------------------------------------------
    def process(self) -> LearnerProcess | str:
        """The running child, started if need be; or why the file cannot run."""
        if self._proc is not None:
            return self._proc
        problem = syntax_error(self.path)
        if problem:
            return f"{problem['error']} at {self.where(problem['line'], problem['code'])}"
        proc = LearnerProcess(self.path, self.time_limit)
        try:
            loaded = proc.start()
        except OSError as e:
            proc.close()
            return str(e)
        self.notes = [f"{self.where(n['line'], n['code'])}: {n['error']}" for n in loaded.notes]
        missing = [n for n in STEP_FUNCTIONS if n not in loaded.names]
        if missing:
            proc.close()
            return ("the file defines no " + ", ".join(missing) + " (the course's "
                    + "; ".join(SIGNATURES[n] for n in missing) + ")" + self._notes_text())
        self._proc = proc
        self._finalizer = weakref.finalize(self, proc.close)
        return proc

    def _notes_text(self) -> str:
        return f"; its top-level code raised: {self.notes[0]}" if self.notes else ""

    def reload(self) -> None:
        """The next step reads the file anew (the learner may have fixed it)."""
        if self._finalizer is not None:
            self._finalizer()
        self._proc = self._finalizer = None

    close = reload

    # ---- one step -----------------------------------------------------------------------
    def step(self, X, Y, params: dict, lr: float, keep_forward: bool = False,
             lines: bool = False) -> StepResult | str:
        proc = self.process()
        if isinstance(proc, str):
            return proc
        reply = proc.step(X, Y, params, lr, keep_forward, lines)
        if isinstance(reply, Outcome):
            return self._ended(reply)
        if reply[0] == "raised":
            return self._raised(reply[1], reply[2])
        out = reply[1]
        problem = results_problem(out, params)
        if problem is None:
            return StepResult(float(np.asarray(out["cost"], dtype=float).reshape(-1)[0]), out["grads"],
                              out["params"], out["forward"], out["lines"] if lines else None)
        function, text = problem
        if lines:
            info = out["lines"].get(function)
            return text + (f"; returned at {self.where(info['line'], info['code'])}" if info else "")
        again = self.step(X, Y, params, lr, lines=True)  # deterministic: now with the line it returned at
        return again if isinstance(again, str) else text

    def _ended(self, o: Outcome) -> str:
        if o.kind == "timeout":
            return (f"no answer within {self.time_limit:g} s; still running at "
                    f"{self.where(o.line, o.code)} — an infinite loop?")
        last = f"; last at {self.where(o.line, o.code)}" if o.line else ""
        return f"{o.error}{last}"  # "the process running it ended (it ended with status 3)"

    def _raised(self, name: str | None, info: dict) -> str:
        where = self.where(info["line"], info["code"])
        if name is None:
            return f"your code: {info['error']}"
        if info.get("at_call"):
            return f"{name}: {info['error']} when called as {SIGNATURES[name]}; defined at {where}"
        return f"{name}: {info['error']} at {where}" + (self._notes_text() if "NameError" in info["error"] else "")


def results_problem(out: dict, params: dict) -> tuple[str, str] | None:
    """(function, what is wrong) when a result cannot be trained with: a cost that is not one
    number, grads or parameters missing a key or with another shape than θ's."""
    cost = _array(out["cost"])
    if cost is None or cost.size != 1:
        what = _what(out["cost"]) if cost is None else f"an array of shape {cost.shape}"
        return _problem("compute_cost", f"returned {what}, expected a single number (the cost J)")
    for name, prefix, label in (("L_model_backward", "d", "grads"), ("update_parameters", "", "parameters")):
        got = out["grads" if prefix else "params"]
        if not isinstance(got, dict):
            keys = ", ".join(prefix + k for k in params)
            return _problem(name, f"returned {_what(got)}, expected a dict of {label} with keys {keys}")
        for key, value in params.items():
            k = prefix + key
            if k not in got:
                return _problem(name, f"returned {label} without the key {k!r}")
            a = _array(got[k])
            if a is None or a.shape != value.shape:
                what = _what(got[k]) if a is None else f"shape {a.shape}"
                return _problem(name, f"returned {label}[{k!r}] with {what}, expected shape {value.shape}"
                                      + (f" (the shape of {key})" if prefix else ""))
    return None


def _problem(function: str, text: str) -> tuple[str, str]:
    return function, f"{function} {text}"


def _array(x):
    if isinstance(x, (dict, list, tuple)) or x is None:
        return None
    try:
        return np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        return None


def _what(x) -> str:
    if x is None:
        return "None"
    if isinstance(x, (tuple, list, dict)):
        return f"a {type(x).__name__} of {len(x)}"
    return f"a {type(x).__name__}"
