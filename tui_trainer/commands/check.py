"""`tui-trainer check PATH`: a learner's own course functions, checked against the reference.

The file is the learner's own code and runs in a child process (core/diagnosis/own_code);
exit status 0 when nothing fails, 1 when a function fails or raises, 2 on bad input."""
from __future__ import annotations

import json
from pathlib import Path

from ..options import positive_float

NOTEBOOK_HINT = "a notebook; export it first (jupyter nbconvert --to script) and check the .py file"


def register(sub, common) -> None:
    c = sub.add_parser("check", help="check your own course functions (a .py file) against the reference, "
                                     "function by function, and name the likely mistake")
    c.add_argument("path", metavar="PATH", help="a Python file with any of the course's functions "
                                                "(linear_forward, L_model_backward, ...)")
    c.add_argument("--json", action="store_true", help="print the report as JSON")
    c.add_argument("--time-limit", type=positive_float, default=5.0, metavar="SECONDS",
                   help="time limit for each call of your code (default: 5)")
    c.set_defaults(handler=cmd_check)


def readable_source(path: str) -> Path:
    """The file, or ValueError with one line saying why it cannot be checked."""
    p = Path(path)
    if not p.exists():
        raise ValueError(f"{path}: no such file")
    if p.is_dir():
        raise ValueError(f"{path}: is a directory, not a Python file")
    if p.suffix == ".ipynb":
        raise ValueError(f"{path}: {NOTEBOOK_HINT}")
    if p.suffix != ".py":
        raise ValueError(f"{path}: not a Python file (expected a .py file)")
    try:
        data = p.read_bytes()
    except OSError as e:
        raise ValueError(f"{path}: cannot read ({e.strerror or e})") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"{path}: not Python source (not UTF-8 text)") from None
    if "\0" in text:
        raise ValueError(f"{path}: not Python source (it contains NUL bytes)")
    return p


def cmd_check(args) -> int:
    from core.diagnosis.own_code import check_file
    from core.diagnosis.own_code.child import COURSE_NAMES
    from core.files import clean

    path = readable_source(args.path)
    report = check_file(path, args.time_limit, display=args.path)
    if report.summary()["missing"] == len(report.functions):
        raise ValueError(f"{args.path}: defines none of the course's functions ({', '.join(COURSE_NAMES)})")
    if args.json:
        print(json.dumps(clean(report.to_dict()), allow_nan=False))
    else:
        print_report(report)
    return 1 if report.failed else 0


def print_report(report) -> None:
    output = report.output_activation or "not known"
    print(f"{report.file}: cost {report.cost}, output layer {output}")
    for note in report.notes:
        print(f"  note: {note}")
    messages = {f.message for f in report.functions}
    if len(messages) == 1 and report.functions[0].status == "error":  # a syntax error: nothing ran
        print(f"  ERROR   {messages.pop()}")
        print(f"summary: 0 pass, 0 fail, 0 missing, {len(report.functions)} error")
        return
    width = max(len(f.name) for f in report.functions)
    for f in report.functions:
        label = f.status.upper() if f.status in ("fail", "error") else f.status
        print(f"  {label:<8}{f.name:<{width}}  {f.message}")
        if f.likely_mistake:
            print(f"  {'':<8}{'':<{width}}  likely mistake ({f.likely_mistake}): {f.explanation}")
    s = report.summary()
    print(f"summary: {s['pass']} pass, {s['fail']} fail, {s['missing']} missing, {s['error']} error")
