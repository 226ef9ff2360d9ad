"""The run log's old single-module name, kept so existing importers keep working.

The log now lives in one module per concept: the format in core.logs.record, writing in
core.logs.writer, reading in core.logs.reader, the trainer rebuilt from a log in
core.logs.restore; atomic writes and JSON-safe values in core.files. New code imports from those.
"""
from ..files import clean, open_for_writing, unique_path, write_atomic
from .reader import RunLog, check_header, open_log, read_log
from .record import (VERSION, LogError, dumps, end_record, event_record, loads_strict, params_record,
                     run_record, step_record)
from .restore import trainer_from_log
from .writer import RunLogWriter, export_lines, save_session

__all__ = ["VERSION", "LogError", "RunLog", "RunLogWriter", "check_header", "clean", "dumps", "end_record",
           "event_record", "export_lines", "loads_strict", "open_for_writing", "open_log", "params_record",
           "read_log", "run_record", "save_session", "step_record", "trainer_from_log", "unique_path",
           "write_atomic"]
