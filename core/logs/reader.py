"""Reading run logs, refusing anything else with one line (LogError) that names the file, the
line and the field: line by line for logs of any size (open_log) or the whole file at once
(read_log). Every record is checked before a caller sees it (core.logs.check_run for the run
record, core.logs.check_records for the rest), so nothing read from a log reaches the engine
unchecked. Memory is bounded by the longest line (at most limits.MAX_LINE_BYTES), time is
linear in the file's size."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Iterator

from .check_records import RecordChecker, RecordError
from .check_run import LogShape, check_run_record
from .fields import FieldError
from .limits import MAX_LINE_BYTES
from .record import VERSION, LogError, loads_strict
from .order import InTickOrder, in_tick_order

BLOCK = 1 << 20


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


def shown_path(p: str | Path) -> str:
    """The path as printed in a message: escaped when it holds control characters."""
    s = str(p)
    return s if s.isprintable() else repr(s)


def open_log(path: str | Path, check: bool = True) -> tuple[RunLog, Iterator[tuple[int, dict]]]:
    """A run log read line by line: the checked run record (as a RunLog with no records) and an
    iterator of (line number, record) for the rest, checked and in session order (tick, then
    events, params, step, end). A truncated last line, a foreign file or a newer version is
    refused up front; a bad record when the iterator reaches it. check=False leaves the records
    after the run record unchecked and in file order: for a second pass over a log whose
    records were all checked by a first one (rerun)."""
    p = _existing_file(path)
    name = shown_path(p)
    try:
        f = open(p, "rb")
    except OSError as e:
        raise LogError(f"{name}: cannot read ({e.strerror or e})") from None
    try:
        # The first line first: a file that is not a log at all (UTF-16, binary, CSV) is named
        # as such, not as a log with a cut-off last line.
        first = next(_records(name, f), None)
        if first is None:
            raise LogError(f"{name}: empty file, not a run log")
        shape = check_header(name, first[1], first[0])
        after_first = f.tell()
        _check_tail(name, f, after_first)
        f.seek(after_first)
    except (OSError, LogError) as e:
        f.close()
        raise e if isinstance(e, LogError) else LogError(f"{name}: cannot read ({e.strerror or e})") from None
    lines = _records(name, f, first[0])
    if not check:
        return RunLog(str(p), first[1]), _closing(lines, f)
    return RunLog(str(p), first[1]), InTickOrder(_checked(name, shape, lines, f))


def _closing(lines: Iterator[tuple[int, dict]], f: IO[bytes]) -> Iterator[tuple[int, dict]]:
    with f:
        yield from lines


def read_log(path: str | Path) -> RunLog:
    """The whole log in memory, every record checked, in file order: for short logs (tests,
    exports); long ones go through open_log."""
    head, records = open_log(path)
    kept = sorted(records, key=lambda item: item[0])
    return RunLog(head.path, head.header, [rec for _, rec in kept])


def check_header(name: str | Path, head: dict, lineno: int = 1) -> LogShape:
    """The LogShape of a run record this version can read; LogError (one line) otherwise."""
    name = shown_path(name)
    if head.get("type") != "run" or lineno != 1:
        kind = head.get("type")
        what = f"a {kind} record" if kind in ("step", "params", "event", "end") else "not a record"
        raise LogError(f"{name}: line {lineno}: first line is not a run record ({what}), not a run log")
    v = head.get("version")
    if type(v) is not int:
        raise LogError(f"{name}: line 1: run record has no format version")
    if v > VERSION:
        raise LogError(f"{name}: log format version {v} is newer than this tui-trainer reads ({VERSION})")
    if v < 1:
        raise LogError(f"{name}: line 1: run record's version {v} is not a format version (the first is 1)")
    try:
        return check_run_record(head)
    except FieldError as e:
        raise LogError(_field_message(name, 1, "run", e)) from None


def _checked(name: str, shape: LogShape, lines: Iterator[tuple[int, dict]], f: IO[bytes]):
    checker = RecordChecker(shape)

    def arrived():
        for lineno, rec in lines:
            try:
                kind = checker.arrival(lineno, rec)
            except (FieldError, RecordError) as e:
                raise LogError(_message(name, lineno, rec, e)) from None
            if kind is not None:
                yield lineno, rec

    with f:
        for lineno, rec in in_tick_order(arrived()):
            try:
                checker.in_order(rec)
            except (FieldError, RecordError) as e:
                raise LogError(_message(name, lineno, rec, e)) from None
            yield lineno, rec


def _message(name: str, lineno: int, rec: dict, e: Exception) -> str:
    if isinstance(e, FieldError):
        kind = rec.get("type")
        return _field_message(name, lineno, kind if kind in ("step", "params", "event", "end") else "", e)
    return f"{name}: line {lineno}: {e}"


def _field_message(name: str, lineno: int, kind: str, e: FieldError) -> str:
    what = f"{kind} record" if kind else "record"
    if e.problem == "missing":
        return f"{name}: line {lineno}: {what} has no {e.field}"
    return f"{name}: line {lineno}: {what}'s {e.field} {e.problem}"


def _existing_file(path: str | Path) -> Path:
    p = Path(path)
    if not p.exists():
        raise LogError(f"{shown_path(p)}: no such file")
    if p.is_dir():
        raise LogError(f"{shown_path(p)}: is a directory, not a run log")
    return p


def _records(name: str, f: IO[bytes], lineno: int = 0) -> Iterator[tuple[int, dict]]:
    """(line number, parsed record) for every non-blank line after line `lineno`; no line read
    past the limit."""
    while True:
        raw = f.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        lineno += 1
        if len(raw) > MAX_LINE_BYTES:
            raise LogError(_too_long(name, lineno))
        if raw.strip():
            yield lineno, _parse_line(name, lineno, raw, last=not raw.endswith(b"\n"))


def _too_long(name: str, lineno: int) -> str:
    return f"{name}: line {lineno} is longer than {MAX_LINE_BYTES >> 20} MiB, the limit for one record"


def _parse_line(name: str, i: int, raw: bytes, last: bool) -> dict:
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise LogError(f"{name}: line {i} is not UTF-8 text (byte {e.start + 1}), not a readable run log") from None
    if i == 1:
        line = line.removeprefix("\ufeff")  # a byte-order mark from an editor is not part of the record
    try:
        rec = loads_strict(line)
    except RecursionError:
        raise LogError(f"{name}: line {i} nests lists or objects too deeply, not a run log") from None
    except ValueError as e:
        if getattr(e, "msg", "") == "Extra data":
            raise LogError(f"{name}: line {i} holds more than one record (column {e.colno}): "
                           "each record is one line, not a run log") from None
        if last:
            raise LogError(f"{name}: line {i} is cut off (truncated log)") from None
        why = f"{e.msg} at column {e.colno}" if hasattr(e, "colno") else str(e)[:80]
        raise LogError(f"{name}: line {i} is not valid JSON, not a run log ({why})") from None
    if not isinstance(rec, dict) or "type" not in rec:
        raise LogError(f"{name}: line {i} has no record type, not a run log")
    return rec


def _check_tail(name: str, f: IO[bytes], after_first: int) -> None:
    """A log whose last line lacks its newline and does not parse was cut off mid-write. Looks
    back from the end only as far as the last newline (linear, never more than one line); the
    first line (read already, up to `after_first`) is not read again."""
    size = f.seek(0, os.SEEK_END)
    if size == 0:
        raise LogError(f"{name}: empty file, not a run log")
    f.seek(size - 1)
    if f.read(1) == b"\n":
        return
    start = _after_last_newline(f, size)
    if start is None:
        raise LogError(_too_long(name, _count_lines(f, size) + 1))
    if start < after_first:
        return  # the first line is the last one: already read
    lineno = _count_lines(f, start) + 1  # linear, and only for a file without its last newline
    f.seek(start)
    _parse_line(name, lineno, f.read(size - start), last=True)  # raises, saying why, unless it parses


def _after_last_newline(f: IO[bytes], size: int) -> int | None:
    """Where the last line starts, or None when it is longer than the limit."""
    pos = size
    while pos > 0:
        if size - pos > MAX_LINE_BYTES:
            return None
        n = min(BLOCK, pos)
        pos -= n
        f.seek(pos)
        k = f.read(n).rfind(b"\n")
        if k >= 0:
            return pos + k + 1
    return 0


def _count_lines(f: IO[bytes], end: int) -> int:
    """Newlines in the first `end` bytes (a line number for a message; read in blocks)."""
    f.seek(0)
    count, left = 0, end
    while left > 0:
        b = f.read(min(BLOCK, left))
        if not b:
            break
        left -= len(b)
        count += b.count(b"\n")
    return count
