"""Reading run logs, refusing anything else with one line (LogError): the whole file at once
(read_log) or line by line for logs too long to hold in memory (open_log)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Iterator

from .record import VERSION, LogError, loads_strict


@dataclass
class RunLog:
    path: str
    header: dict
    records: list[dict] = field(default_factory=list)

    @property
    def steps(self) -> list[dict]:
        return [r for r in self.records if r.get("type") == "step"]

    @property
    def events(self) -> list[dict]:
        return [r for r in self.records if r.get("type") == "event"]

    @property
    def end(self) -> dict | None:
        ends = [r for r in self.records if r.get("type") == "end"]
        return ends[-1] if ends else None


def read_log(path: str | Path) -> RunLog:
    p = _existing_file(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise LogError(f"{p}: not a readable run log ({e.__class__.__name__})") from None
    lines = text.splitlines()
    if not lines:
        raise LogError(f"{p}: empty file, not a run log")
    # Only a last line without its newline can have been cut off mid-write.
    unterminated = not text.endswith("\n")
    records = [_parse_line(p, i, line, last=unterminated and i == len(lines))
               for i, line in enumerate(lines, start=1) if line.strip()]
    if not records:
        raise LogError(f"{p}: empty file, not a run log")
    head = records[0]
    check_header(p, head)
    return RunLog(str(p), head, records[1:])


def open_log(path: str | Path) -> tuple[RunLog, Iterator[tuple[int, dict]]]:
    """A run log read line by line, for logs too long to hold in memory: the checked run
    record (as a RunLog with no records) and an iterator of (line number, record) for the
    rest. A truncated last line, a foreign file or a newer version is refused up front."""
    p = _existing_file(path)
    try:
        with open(p, "rb") as fb:
            _check_tail(p, fb)
        f = open(p, encoding="utf-8")
        first = f.readline()
    except (OSError, UnicodeDecodeError) as e:
        raise LogError(f"{p}: not a readable run log ({e.__class__.__name__})") from None
    head = _parse_line(p, 1, first, last=False)
    check_header(p, head)
    return RunLog(str(p), head), _iter_records(p, f)


def check_header(p: Path, head: dict) -> None:
    """Raise LogError unless `head` is a run record this version can read."""
    if head.get("type") != "run":
        raise LogError(f"{p}: first line is not a run record, not a run log")
    v = head.get("version")
    if not isinstance(v, int) or isinstance(v, bool):
        raise LogError(f"{p}: run record has no format version")
    if v > VERSION:
        raise LogError(f"{p}: log format version {v} is newer than this tui-trainer reads ({VERSION})")
    for key in ("config", "data"):
        if not isinstance(head.get(key), dict):
            raise LogError(f"{p}: run record has no {key}")


def _existing_file(path: str | Path) -> Path:
    p = Path(path)
    if not p.exists():
        raise LogError(f"{p}: no such file")
    if p.is_dir():
        raise LogError(f"{p}: is a directory, not a run log")
    return p


def _parse_line(p: Path, i: int, line: str, last: bool) -> dict:
    try:
        rec = loads_strict(line)
    except ValueError:
        if last:
            raise LogError(f"{p}: line {i} is cut off (truncated log)") from None
        raise LogError(f"{p}: line {i} is not valid JSON, not a run log") from None
    if not isinstance(rec, dict) or "type" not in rec:
        raise LogError(f"{p}: line {i} has no record type, not a run log")
    return rec


def _check_tail(p: Path, f: IO[bytes]) -> None:
    """A log whose last line lacks its newline and does not parse was cut off mid-write."""
    f.seek(0, os.SEEK_END)
    size = f.tell()
    if size == 0:
        raise LogError(f"{p}: empty file, not a run log")
    f.seek(size - 1)
    if f.read(1) == b"\n":
        return
    chunk, pos = b"", size
    while pos > 0 and b"\n" not in chunk:
        step = min(65536, pos)
        pos -= step
        f.seek(pos)
        chunk = f.read(step) + chunk
    tail = chunk.rsplit(b"\n", 1)[-1]
    try:
        loads_strict(tail.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        n_lines = 1 + sum(block.count(b"\n") for block in _blocks(f, size - len(tail)))
        raise LogError(f"{p}: line {n_lines} is cut off (truncated log)") from None


def _blocks(f: IO[bytes], end: int):
    f.seek(0)
    left = end
    while left > 0:
        b = f.read(min(1 << 20, left))
        if not b:
            return
        left -= len(b)
        yield b


def _iter_records(p: Path, f: IO[str]) -> Iterator[tuple[int, dict]]:
    with f:
        i = 1
        try:
            for line in f:
                i += 1
                if line.strip():
                    yield i, _parse_line(p, i, line, last=False)
        except UnicodeDecodeError:
            raise LogError(f"{p}: line {i} is not text, not a run log") from None

