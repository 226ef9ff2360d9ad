"""Where the TUI writes run logs: runs/ in the folder it started in, or, when that cannot be
written (the working folder deleted, runs/ read-only or not a folder), a folder of the system's
temporary folder, as the headless `run` does on Ctrl+C (tui_trainer/commands/run.py).

The runs folder is fixed at start as an absolute path: the working folder may vanish later, and
Path.cwd() then raises. A deleted working folder is not re-created by writing into it: the log
goes to the temporary folder instead, and the message says where.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable

FALLBACK_NAME = "tui-trainer-runs"


def fallback_folder() -> Path:
    return Path(tempfile.gettempdir()) / FALLBACK_NAME


def start_folder(runs_dir: Path | str | None = None) -> Path:
    """The runs folder as an absolute path: runs_dir, else runs/ in the working folder; the
    temporary one when the working folder is already gone."""
    try:
        return Path(os.path.abspath(runs_dir if runs_dir is not None else "runs"))
    except OSError:  # os.getcwd() fails: the working folder was deleted before we started
        return fallback_folder()


def gone_reason(directory: Path) -> str:
    """Why `directory` is not written into without trying: its parent folder was deleted
    (writing would create it again, somewhere the user no longer looks). "" when usable."""
    if directory.exists() or directory.parent.exists():
        return ""
    return f"the folder {directory.parent} no longer exists"


def write_in_folder(directory: Path, write: Callable[[Path], Path]) -> tuple[Path, str]:
    """write(folder) into `directory`, or into the temporary folder when that cannot be done.
    Returns (path written, "" or why it is not in `directory`). Raises OSError naming both
    folders when neither can be written."""
    directory = Path(directory)
    why = gone_reason(directory)
    if not why:
        try:
            return write(directory), ""
        except OSError as e:
            why = str(e)
    fallback = fallback_folder()
    if fallback == directory:
        raise OSError(why)
    try:
        return write(fallback), why
    except OSError as e:
        raise OSError(f"{why}; the temporary folder failed too: {e}") from None
