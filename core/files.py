"""Files every layer writes: JSON-safe values, atomic writes and run-file names.

One module so that the log writer, the TUI's export and save-on-quit name and write files the
same way (a crash or a full disk never leaves a truncated file that looks complete).
"""
from __future__ import annotations

import math
import os
import tempfile
import time
from pathlib import Path
from typing import IO, Iterable

import numpy as np


def clean(obj):
    """JSON-safe copy: arrays to lists, NaN/Infinity to None."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, (np.floating,)):
        v = float(obj)
        return v if math.isfinite(v) else None
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.bool_,)):
        return bool(obj)
    if isinstance(obj, np.ndarray):
        return clean(obj.tolist())
    if isinstance(obj, dict):
        return {str(k): clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [clean(v) for v in obj]
    return obj


def open_for_writing(path: Path, newline: str | None = None) -> IO[str]:
    """Open a log for writing, or raise OSError with a message naming the path."""
    if path.is_dir():
        raise OSError(f"{path}: is a directory")
    try:
        return open(path, "w", encoding="utf-8", newline=newline)
    except OSError as e:
        raise OSError(f"{path}: cannot write ({e.strerror or e})") from None


def write_atomic(path: str | Path, lines: Iterable[str]) -> Path:
    """Write a finished file in one go: a temporary file in the same folder, then a rename, so
    a crash or a full disk never leaves a truncated file that looks complete."""
    path = Path(path)
    if path.is_dir():
        raise OSError(f"{path}: is a directory")
    if path.exists() and not path.is_file():
        # Renaming over a device or a pipe (e.g. /dev/full as root) would replace it.
        raise OSError(f"{path}: not a regular file")
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as e:
        raise OSError(f"{path}: cannot write ({e.strerror or e})") from None
    try:
        # mkstemp makes the file 0600; a finished log should get the usual permissions.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            for line in lines:
                f.write(line + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as e:
        # Whatever stopped the write (a full disk, Ctrl+C, a bad line), leave no temp file.
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if not isinstance(e, OSError):
            raise
        raise OSError(f"{path}: cannot write ({e.strerror or e})") from None
    return path


def unique_path(folder: str | Path, stem: str, suffix: str = ".jsonl") -> Path:
    """folder/stem.jsonl, or folder/stem-2.jsonl, ... if that exists (the folder is created)."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OSError(f"{folder}: cannot create folder ({e.strerror or e})") from None
    path, n = folder / f"{stem}{suffix}", 1
    while path.exists():
        n += 1
        path = folder / f"{stem}-{n}{suffix}"
    return path


def export_path(directory: Path, now: float | None = None) -> Path:
    """runs/run-YYYYmmdd-HHMMSS.jsonl, with -2, -3... if that second is already taken."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    path = directory / f"run-{stamp}.jsonl"
    n = 2
    while path.exists() or path.with_suffix(".csv").exists():  # the export writes both
        path = directory / f"run-{stamp}-{n}.jsonl"
        n += 1
    return path


def make_folder(directory: Path) -> Path:
    """Create the folder (and its parents) or raise OSError with a message naming it."""
    directory = Path(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OSError(f"{directory}: cannot create folder ({e.strerror or e})") from None
    return directory
