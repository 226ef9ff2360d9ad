"""Check a learner's own course functions against the reference, function by function.

`check_file(path)` runs the file in a child process (runner.py, child.py) on the reference's
cases (cases.py), compares each output in the course's layout (compare.py, course.py) and names
a likely mistake only when a planted variant from the catalogue reproduces it (catalogue.py,
judge.py). Reads the engine only.
"""
from .catalogue import CATALOGUE, Mistake  # noqa: F401
from .checker import Report, check_file, syntax_error  # noqa: F401
from .judge import FunctionResult  # noqa: F401
