"""Rules for the test suite itself: the slow list names real tests, and the default run
(pyproject's addopts) runs in parallel and leaves the slow tests to `.ci/run`, which runs them
after the README's command."""
from __future__ import annotations

import ast
from pathlib import Path

from conftest import SLOW

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
README_COMMAND = 'python3 -m pip install -e ".[test]" && python3 -m pytest'


def test_every_slow_entry_names_a_test():
    for key, why in SLOW.items():
        file, name = key.split("::")
        name = name.partition("[")[0]  # file::function[id] marks one parameter set
        tree = ast.parse((TESTS / file).read_text(encoding="utf-8"))
        functions = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
        assert name in functions, f"SLOW lists {key}, which is not a test any more"
        assert why, key


def test_default_run_is_parallel_and_leaves_slow_tests_to_ci(pytestconfig):
    addopts = pytestconfig.getini("addopts")  # already split as a shell would
    assert "-n" in addopts and addopts[addopts.index("-m") + 1] == "not slow", addopts
    assert any(m.startswith("slow:") for m in pytestconfig.getini("markers"))
    assert '"pytest-xdist' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert README_COMMAND in (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert ci.index(README_COMMAND) < ci.index("python3 -m pytest -m slow")
