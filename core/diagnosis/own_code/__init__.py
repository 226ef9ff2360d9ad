"""Check a learner's own course functions against the reference, function by function.

`check_file(path)` runs the file in a child process (runner.py, child.py) on the reference's
cases (cases.py), compares each output in the course's layout (compare.py, course.py) and names
a likely mistake only when a planted variant from the catalogue reproduces it (catalogue.py,
judge.py). Reads the engine only.

Training with the learner's functions (`tui-trainer --model`): own_trainer.py (a Trainer whose
step is the file's, one request per step: own_step.py), beside.py (the reference's step at the
same θ and the first divergence), probe.py (the cost and activations the file uses) and
own_finding.py (the `own_code_differs` finding). lockstep.py does the same headless, on arrays.

The names below load on first use: the child process imports this package for course.py only,
and should not pay for the rest at every start.
"""
from __future__ import annotations

import importlib

_WHERE = {"check_file": "checker", "syntax_error": "checker", "Report": "checker",
          "CATALOGUE": "catalogue", "Mistake": "catalogue", "FunctionResult": "judge"}
__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
