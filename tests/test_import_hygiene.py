"""core/ is pure NumPy: importing it must not pull in the UI."""
import subprocess
import sys

CORE_MODULES = ["core.engine.activations", "core.engine.losses", "core.engine.network", "core.engine.data", "core.engine.csv_data", "core.engine.config",
                "core.engine.history", "core.engine.trainer", "core.diagnosis.evaluation", "core.diagnosis.gradcheck", "core.diagnosis.baseline", "core.logs.runlog"]


def test_core_imports_no_ui():
    code = ("import sys, importlib\n"
            f"for m in {CORE_MODULES!r}: importlib.import_module(m)\n"
            "import pkgutil, core\n"
            "for info in pkgutil.iter_modules(core.__path__): importlib.import_module('core.' + info.name)\n"
            "bad = [m for m in sys.modules if m.split('.')[0] in ('textual', 'plotext', 'textual_plotext', 'tui_trainer', 'rich')]\n"
            "print(','.join(bad))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "", f"core imported UI modules: {out}"


def test_help_does_not_import_textual():
    code = ("import sys\nfrom tui_trainer.cli import build_parser\nbuild_parser()\n"
            "print('textual' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "False"
