"""The layers hold: core/ is pure NumPy (engine -> diagnosis -> logs, files.py a leaf), the
CLI's --help does not load Textual, and no module in core/ or tui_trainer/ grows past 300 lines.

The import contracts are read from the source (an ast walk, every import statement including
those inside functions), so a lazy import inside a function breaks them as surely as one at
the top of a file; test_core_imports_no_ui also imports core for real."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MAX_LINES = 300

CORE_MODULES = ["core.engine.activations", "core.engine.losses", "core.engine.network", "core.engine.data", "core.engine.csv_data", "core.engine.config",
                "core.engine.history", "core.engine.trainer", "core.diagnosis.evaluation", "core.diagnosis.gradcheck", "core.diagnosis.baseline", "core.logs.runlog"]
UI_PACKAGES = ("tui_trainer", "textual", "plotext", "textual_plotext", "rich")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> set[str]:
    """Every module `path` imports, relative imports resolved to absolute names. For
    `from pkg import name` both pkg and pkg.name are listed (name may be a submodule)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base_name = ".".join(base + ([node.module] if node.module else []))
            else:
                base_name = node.module or ""
            found.add(base_name)
            found.update(f"{base_name}.{alias.name}" for alias in node.names if alias.name != "*")
    return found


def within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def py_files(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py"))


def breaches(files: list[Path], forbidden: tuple[str, ...]) -> list[str]:
    return [f"{f.relative_to(ROOT)} imports {name}" for f in files for name in sorted(imported_modules(f))
            if any(within(name, bad) for bad in forbidden)]


# (the files the rule covers, the packages they must not import, why)
CONTRACTS = {
    "core-is-not-ui": ("core", ("tui_trainer", "textual", "plotext", "textual_plotext"),
                       "core is the NumPy library the TUI and the CLI are built on"),
    "engine-below-diagnosis-and-logs": ("core/engine", ("core.diagnosis", "core.logs"),
                                        "the engine trains; diagnosis and logs read it, never the reverse"),
    "diagnosis-below-logs": ("core/diagnosis", ("core.logs",), "diagnosis reads the engine; logs record both"),
    "files-is-a-leaf": ("core/files.py", ("core",), "atomic writes and run-file names serve every layer"),
}


@pytest.mark.parametrize("contract", sorted(CONTRACTS))
def test_import_contract(contract):
    where, forbidden, why = CONTRACTS[contract]
    target = ROOT / where
    files = [target] if target.is_file() else py_files(where)
    assert files, f"{where} has no Python files: the contract would hold vacuously"
    assert breaches(files, forbidden) == [], f"{contract} ({why})"


def test_the_contract_checker_sees_relative_and_lazy_imports(tmp_path, monkeypatch):
    """The checker itself: a relative import two levels up inside a function is found."""
    pkg = tmp_path / "core" / "engine"
    pkg.mkdir(parents=True)
    (pkg / "bad.py").write_text("def f():\n    from ..logs.writer import RunWriter\n    import textual.app\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert {"core.logs.writer", "core.logs.writer.RunWriter", "textual.app"} <= imported_modules(pkg / "bad.py")
    assert breaches([pkg / "bad.py"], ("core.logs", "textual")) == [
        "core/engine/bad.py imports core.logs.writer", "core/engine/bad.py imports core.logs.writer.RunWriter",
        "core/engine/bad.py imports textual.app"]


def test_core_imports_no_ui():
    code = ("import sys, importlib\n"
            f"for m in {CORE_MODULES!r}: importlib.import_module(m)\n"
            "import pkgutil, core\n"
            "for info in pkgutil.walk_packages(core.__path__, 'core.'): importlib.import_module(info.name)\n"
            f"bad = [m for m in sys.modules if m.split('.')[0] in {UI_PACKAGES!r}]\n"
            "print(','.join(bad))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout.strip()
    assert out == "", f"core imported UI modules: {out}"


def test_help_does_not_import_textual():
    code = ("import sys\nfrom tui_trainer.cli import build_parser\nbuild_parser()\n"
            "print('textual' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout.strip()
    assert out == "False"


def test_no_module_over_300_lines():
    """One concept per module: a file past 300 lines is several modules waiting to be split."""
    sizes = {str(p.relative_to(ROOT)): len(p.read_text(encoding="utf-8").splitlines())
             for p in py_files("core", "tui_trainer")}
    assert len(sizes) > 20
    too_long = {f: n for f, n in sorted(sizes.items()) if n > MAX_LINES}
    assert too_long == {}, f"over {MAX_LINES} lines: {too_long}"
