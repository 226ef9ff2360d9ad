"""Check a learner's own course functions against the reference, function by function.

`check_file(path)` runs the file in a child process (runner.py, child.py) on the reference's
cases (cases.py), compares each output in the course's layout (compare.py, course.py) and names
a likely mistake only when a planted variant from the catalogue reproduces it (catalogue.py,
judge.py). Reads the engine only.

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
