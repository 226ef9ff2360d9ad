"""Every bad input to every subcommand: one line on stderr naming the file or option and the
problem, exit status 2, no traceback. The real console entry point runs in a subprocess
(`python -m tui_trainer ...`) for a sample of the cases; the full matrix runs in-process.

The corpus lives in tests/data/bad/: `ok_*` files are reasonable and must be accepted, every
other file must be refused.
"""
from __future__ import annotations

import argparse
import contextlib
import functools
import io
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from core.engine.csv_data import DataError, load_csv
from core.logs.runlog import loads_strict

ROOT = Path(__file__).resolve().parents[1]
BAD = Path(__file__).resolve().parent / "data" / "bad"
BAD_REL = BAD.relative_to(ROOT)

# Every subcommand, as a checklist: a new subcommand must be added here
# (test_every_subcommand_is_listed), and the cases below are generated only for the options
# and positional arguments each one really has, so no collected case can only skip.
SUBCOMMANDS = ("run", "baseline", "gradcheck", "lr-find", "diagnose", "rerun", "replay", "check", "tour")
# What the positional argument of a subcommand reads: a run log, or a learner's Python file.
POSITIONAL_KIND = {"rerun": "log", "replay": "log", "check": "python"}
COURSE_FILE = str(ROOT / "examples" / "course_correct.py")
# Extra arguments that keep a subcommand quick should the input be accepted after all.
FAST = {"run": ["--steps", "2"], "gradcheck": [], "baseline": [], "diagnose": ["--steps", "2"]}


@functools.lru_cache(maxsize=None)
def subparsers() -> dict[str, argparse.ArgumentParser]:
    from tui_trainer.cli import build_parser
    p = build_parser()
    sp = next(a for a in p._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sp.choices)


def has_option(parser: argparse.ArgumentParser, opt: str) -> bool:
    return opt in parser._option_string_actions


def positionals(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    return [a for a in parser._actions if not a.option_strings and a.required]


@dataclass(frozen=True)
class Case:
    id: str
    args: tuple[str, ...]
    needles: tuple[str, ...]  # each must appear in the message (case-insensitive)
    needs: str = ""           # the option a subcommand must have for the case to apply
    xfail: str = ""           # a known bug elsewhere, described where it lives
    trains: bool = False      # the fault comes mid-run: training goes on, so a summary is printed


def data_case(file: str, *needles: str) -> Case:
    path = str(BAD_REL / file)
    return Case(f"data-{file}", ("--data", path), (path, *needles), "--data")


MISSING = str(BAD_REL / "no_such_file.csv")
DATA_CASES = [
    Case("data-missing", ("--data", MISSING), (MISSING, "no such file"), "--data"),
    Case("data-directory", ("--data", str(BAD_REL)), (str(BAD_REL), "directory"), "--data"),
    data_case("empty.csv", "empty"),
    data_case("blank_lines_only.csv", "empty"),
    data_case("header_only.csv", "header only", "no data rows"),
    data_case("non_numeric.csv", "line 3", "'y'", "'abc' is not a number"),
    data_case("nan_cell.csv", "line 3", "'nan' is not a finite number"),
    data_case("inf_cell.csv", "line 3", "'inf' is not a finite number"),
    data_case("neg_inf_cell.csv", "line 3", "'-Infinity' is not a finite number"),
    data_case("overflow_cell.csv", "line 3", "'1e400' is not a finite number"),
    data_case("too_large_cell.csv", "line 3", "'-2e200' is too large"),
    data_case("empty_cell.csv", "line 3", "empty cell"),
    data_case("ragged_long.csv", "line 3 has 3 fields", "header has 2"),
    data_case("ragged_short.csv", "line 3 has 1 field", "header has 2"),
    data_case("unterminated_quote.csv", "line 3", "field"),
    data_case("single_column.csv", "at least 2 columns", "found 1"),
    data_case("semicolon.csv", "at least 2 columns", "';'"),
    data_case("binary_garbage.bin", "not a text csv file"),
    data_case("binary_nul.csv", "not a text csv file", "nul"),
    data_case("latin1.csv", "not a text csv file", "utf-8"),
    data_case("duplicate_header.csv", "'x' twice"),
    data_case("empty_header_name.csv", "empty column name"),
    Case("data-under-a-file", ("--data", str(BAD_REL / "empty.csv" / "x.csv")), ("x.csv", "no such file"), "--data"),
    Case("target-unknown", ("--data", str(BAD_REL / "ok_named_target.csv"), "--target", "nope"),
         ("ok_named_target.csv", "no column named 'nope'", "price, size, rooms"), "--target"),
    Case("target-story", ("--target", "foo"), ("--target", "'foo'", "story"), "--target"),
    Case("dev-fraction-one-row", ("--data", str(BAD_REL / "ok_one_row.csv"), "--dev-fraction", "0.5"),
         ("--dev-fraction", "at least 2 samples"), "--dev-fraction"),
    Case("bce-on-regression-targets", ("--loss", "bce"), ("--loss bce", "[0, 1]"), "--loss"),
]


def opt_case(opt: str, value: str, *needles: str, xfail: str = "") -> Case:
    # argparse reads "--lr -inf" as a missing value ("expected one argument"), so values that
    # start with "-" are attached with "=", as a user would have to.
    args = (f"{opt}={value}",) if value.startswith("-") else (opt, value)
    return Case(f"{opt.lstrip('-')}={value!r}", args, (opt, *needles), opt, xfail)


OPTION_CASES = [
    opt_case("--lr", "-1", "positive"),
    opt_case("--lr", "abc", "'abc' is not a number"),
    opt_case("--lr", "0", "positive"),
    opt_case("--lr", "inf", "finite"),
    opt_case("--lr", "-inf", "positive"),
    opt_case("--lr", "nan", "finite"),
    opt_case("--lr", "", "not a number"),
    opt_case("--lr", "1e-400", "positive"),
    opt_case("--hidden", "0", "at least 1 unit"),
    opt_case("--hidden", "-5", "at least 1 unit"),
    opt_case("--hidden", "10,0", "at least 1 unit"),
    opt_case("--hidden", "a,b", "'a,b'", "layer sizes"),
    opt_case("--hidden", "", "layer sizes"),
    opt_case("--hidden", "10,", "layer sizes"),
    opt_case("--hidden", "2.5", "layer sizes"),
    opt_case("--hidden", "5000", "4096"),
    opt_case("--hidden-activation", "foo", "invalid choice: 'foo'", "relu"),
    opt_case("--output-activation", "ReLU", "invalid choice: 'ReLU'", "relu"),
    opt_case("--loss", "mae", "invalid choice: 'mae'", "mse"),
    opt_case("--init", "zeros", "invalid choice: 'zeros'", "he"),
    opt_case("--steps", "-1", "negative"),
    opt_case("--steps", "1.5", "whole number"),
    opt_case("--steps", "abc", "whole number"),
    opt_case("--dev-fraction", "1", "[0, 1)"),
    opt_case("--dev-fraction", "-0.1", "[0, 1)"),
    opt_case("--dev-fraction", "nan", "[0, 1)"),
    opt_case("--dev-fraction", "half", "not a number"),
    opt_case("--seed", "-1", "negative"),
    opt_case("--seed", str(2**63), "2**63"),
    opt_case("--seed", "x", "whole number"),
    opt_case("--leaky-slope", "1", "[0, 1)"),
    opt_case("--leaky-slope", "-0.5", "[0, 1)"),
    opt_case("--degree", "0", "between 1 and 6"),
    opt_case("--degree", "7", "between 1 and 6"),
    opt_case("--degree", "two", "whole number"),
    opt_case("--log-every", "0", "at least 1"),
    opt_case("--time-limit", "0", "positive finite"),
    opt_case("--time-limit", "-1", "positive finite"),
    opt_case("--time-limit", "nan", "positive finite"),
    opt_case("--time-limit", "soon", "'soon' is not a number"),
    opt_case("--l2", "-1", "from 0 (off) to 1000"),
    opt_case("--l2", "abc", "'abc' is not a number"),
    opt_case("--l1", "nan", "from 0 (off) to 1000"),
    opt_case("--batch-size", "-3", "full batch"),
    opt_case("--batch-size", "x", "whole number"),
    opt_case("--dataset", "nope", "invalid choice: 'nope'", "circle"),
    opt_case("--noise", "-5", "percentage from 0 to 50"),
    opt_case("--features", "zz", "unknown feature 'zz'"),
    Case("samples-too-few", ("--dataset", "circle", "--samples", "0"), ("samples", "from 4 to 100000"), "--samples"),
    opt_case("--start-lr", "0", "positive finite"),
    opt_case("--num", "1", "between 10 and 10000"),
    Case("start-lr-above-end-lr", ("--start-lr", "1", "--end-lr", "0.1"), ("--start-lr 1", "below --end-lr 0.1"), "--end-lr"),
    opt_case("--sample", "x", "whole number"),
    Case("sample-out-of-range", ("--sample", "99"), ("--sample 99", "not a training sample"), "--sample"),
    Case("log-directory", ("--log", str(BAD_REL)), (str(BAD_REL), "directory"), "--log"),
    Case("log-missing-dir", ("--log", "/nonexistent/dir/x.jsonl"), ("/nonexistent/dir/x.jsonl", "no such file"), "--log"),
    Case("log-under-a-file", ("--log", str(BAD_REL / "empty.csv" / "x.jsonl")), ("x.jsonl", "not a directory"), "--log"),
    Case("log-dev-full", ("--log", "/dev/full"), ("/dev/full", "no space"), "--log", trains=True),
    Case("log-unwritable-dir", ("--log", "/sys/x.jsonl"), ("/sys/x.jsonl", "permission denied"), "--log"),
    Case("csv-directory", ("--csv", str(BAD_REL)), (str(BAD_REL), "directory"), "--csv"),
    Case("csv-missing-dir", ("--csv", "/nonexistent/dir/x.csv"), ("/nonexistent/dir/x.csv", "no such file"), "--csv"),
    Case("csv-unwritable-dir", ("--csv", "/sys/x.csv"), ("/sys/x.csv", "permission denied"), "--csv"),
    Case("csv-dev-full", ("--csv", "/dev/full"), ("/dev/full", "no space"), "--csv", trains=True),
    Case("unknown-option", ("--bogus",), ("unrecognized arguments", "--bogus"), ""),
]

CASES = DATA_CASES + OPTION_CASES


@pytest.fixture(scope="module")
def good_log(tmp_path_factory) -> str:
    """A real run log, for subcommands whose positional argument is a log (e.g. rerun)."""
    path = tmp_path_factory.mktemp("log") / "good.jsonl"
    r = cli("run", "--steps", "3", "--log", str(path))
    assert r.returncode == 0, r.stderr
    return str(path)


def cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tui_trainer", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout, env={**os.environ, "COLUMNS": "200"})


def applicable(parser, case: Case) -> bool:
    return not case.needs or has_option(parser, case.needs)


# The full subcommand x case matrix runs in-process through cli.main, the function the console
# script calls (same code, no interpreter start-up per case). The console script itself runs a
# few cases of each kind of failure for `run` (a data file, an option's value, a check after
# parsing, a log or CSV that cannot be written, one that fails mid-run) and one or two for every
# other subcommand: that proves the wiring (python -m, exit status, stderr) at ~0.3 s a case.
RUN_SAMPLE = {"data-missing", "data-binary_garbage.bin", "data-nan_cell.csv", "target-unknown", "lr='abc'",
              "hidden-activation='foo'", "dev-fraction='1'", "log-dev-full", "log-unwritable-dir", "csv-directory"}
OTHERS_SAMPLE = {"data-empty.csv", "lr='abc'", "degree='0'", "time-limit='soon'"}


def in_sample(sub: str, case_id: str) -> bool:
    return case_id in (RUN_SAMPLE if sub == "run" else OTHERS_SAMPLE)


def in_process(*args: str) -> subprocess.CompletedProcess:
    from tui_trainer.cli import main
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(list(args))
    return subprocess.CompletedProcess(args, rc, out.getvalue(), err.getvalue())


@functools.lru_cache(maxsize=None)
def jobs_for(good_log) -> dict[tuple[str, str], list[str]]:
    jobs = {}
    for name, parser in subparsers().items():
        valid = COURSE_FILE if POSITIONAL_KIND.get(name) == "python" else good_log
        base = [name, *([valid] * len(positionals(parser)))]
        for case in CASES:
            if applicable(parser, case):
                jobs[(name, case.id)] = [*base, *case.args, *FAST.get(name, [])]
    return jobs


def check_one_line_error(r: subprocess.CompletedProcess, needles=(), trains: bool = False) -> str:
    assert "Traceback" not in r.stderr, r.stderr
    lines = r.stderr.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}:\n{r.stderr}"
    line = lines[0]
    assert line.startswith("tui-trainer: error: "), line
    for n in needles:
        assert n.lower() in line.lower(), f"{n!r} not in {line!r}"
    assert r.returncode == 2, (r.returncode, line)
    if not trains:
        assert r.stdout == "", r.stdout
    return line


def test_every_subcommand_is_listed():
    assert set(subparsers()) == set(SUBCOMMANDS), "SUBCOMMANDS must list exactly the CLI's subcommands"
    with_positional = {sub for sub, parser in subparsers().items() if positionals(parser)}
    assert with_positional == set(POSITIONAL_KIND), "say in POSITIONAL_KIND what the positional argument reads"


def _params():
    """(subcommand, case) for every case that applies to that subcommand's options."""
    for sub, parser in subparsers().items():
        for case in CASES:
            if applicable(parser, case):
                marks = [pytest.mark.xfail(strict=True, reason=case.xfail)] if case.xfail else []
                yield pytest.param(sub, case, id=f"{sub}-{case.id}", marks=marks)


def _reading(*kinds: str) -> list[str]:
    """Subcommands whose positional argument is a file of one of these kinds."""
    return [sub for sub in subparsers() if POSITIONAL_KIND.get(sub) in kinds]


@pytest.mark.parametrize("sub,case", list(_params()))
def test_bad_input_one_line_exit_2(sub, case, good_log):
    args = jobs_for(good_log)[(sub, case.id)]
    check_one_line_error(in_process(*args), case.needles, case.trains)


@pytest.mark.parametrize("sub,case", [p for p in _params() if in_sample(p.values[0], p.values[1].id)])
def test_bad_input_console_script(sub, case, good_log):
    check_one_line_error(cli(*jobs_for(good_log)[(sub, case.id)]), case.needles, case.trains)


@pytest.mark.parametrize("sub", _reading("log", "python"))
@pytest.mark.parametrize("bad", ["no_such.jsonl", "empty.csv", "binary_garbage.bin", "ok_bom.csv", "."])
def test_bad_positional_file(sub, bad, good_log):
    """Subcommands that read a file given as a positional argument (a run log, a Python file)
    refuse a missing, empty, binary, wrong-kind or directory path the same way."""
    path = str(BAD_REL / bad) if bad != "." else str(BAD_REL)
    run = cli if bad == "binary_garbage.bin" else in_process
    check_one_line_error(run(sub, path, *FAST.get(sub, [])), [path])


@pytest.mark.parametrize("sub", _reading("log"))
def test_truncated_or_foreign_log(sub, good_log, tmp_path):
    text = Path(good_log).read_text()
    cut = tmp_path / "cut.jsonl"
    cut.write_text(text[: len(text) - 7])  # the last line loses its end
    check_one_line_error(in_process(sub, str(cut)), [str(cut), "line"])
    foreign = tmp_path / "foreign.jsonl"
    foreign.write_text('{"a": 1}\n[1, 2]\n')
    check_one_line_error(in_process(sub, str(foreign)), [str(foreign)])
    nan = tmp_path / "nan.jsonl"
    nan.write_text(text.replace('"loss": ', '"loss": NaN, "x": ', 1))
    check_one_line_error(in_process(sub, str(nan)), [str(nan)])


def test_no_subcommand_bad_option_is_one_line():
    check_one_line_error(cli("--lr", "-3"), ["--lr"])
    check_one_line_error(cli("frobnicate"), ["invalid choice", "frobnicate"])


# ---- reasonable files are accepted --------------------------------------------------------

OK_FILES = sorted(p.name for p in BAD.glob("ok_*.csv"))
BAD_FILES = sorted(p.name for p in BAD.iterdir() if not p.name.startswith("ok_"))


def test_corpus_is_covered():
    """Every refused file in the corpus has a subprocess case above."""
    covered = {c.id.removeprefix("data-") for c in DATA_CASES}
    assert set(BAD_FILES) <= covered, set(BAD_FILES) - covered
    assert len(OK_FILES) >= 6


@pytest.mark.parametrize("name", BAD_FILES)
def test_bad_file_is_a_data_error(name):
    with pytest.raises(DataError) as e:
        load_csv(BAD / name)
    msg = str(e.value)
    assert "\n" not in msg and name in msg


EXPECTED_OK = {  # file: (feature names, target name, m)
    "ok_blank_lines.csv": (("x",), "y", 3),
    "ok_bom.csv": (("x",), "y", 3),
    "ok_comma_only_row.csv": (("x",), "y", 2),
    "ok_constant_target.csv": (("x",), "y", 4),
    "ok_cr_only.csv": (("x",), "y", 2),
    "ok_crlf.csv": (("x",), "y", 2),
    "ok_multi_features.csv": (("a", "b", "c"), "y", 4),
    "ok_named_target.csv": (("price", "size"), "rooms", 4),
    "ok_one_row.csv": (("x",), "y", 1),
    "ok_whitespace.csv": (("x",), "y", 3),
}


def test_ok_files_listed():
    assert set(OK_FILES) == set(EXPECTED_OK)


@pytest.mark.parametrize("name", OK_FILES)
def test_reasonable_file_is_accepted(name):
    feats, target, m = EXPECTED_OK[name]
    d = load_csv(BAD / name, target if name == "ok_named_target.csv" else None)
    assert (d.feature_names, d.target_name, d.m) == (feats, target, m)
    assert d.X.shape == (len(feats), m) and d.Y.shape == (1, m)


def test_values_survive_bom_whitespace_and_named_target():
    d = load_csv(BAD / "ok_bom.csv")
    assert d.feature_names == ("x",)  # the BOM is not part of the first name
    assert d.X.tolist() == [[1, 3, 5]] and d.Y.tolist() == [[2, 4, 6]]
    d = load_csv(BAD / "ok_whitespace.csv")
    assert d.X.tolist() == [[1, 3, 5]] and d.Y.tolist() == [[2, 4, 6]]
    d = load_csv(BAD / "ok_named_target.csv", "rooms")
    assert d.X.tolist() == [[100, 150, 200, 250], [50, 70, 90, 110]] and d.Y.tolist() == [[2, 3, 4, 5]]
    d = load_csv(BAD / "ok_named_target.csv", "price")
    assert d.feature_names == ("size", "rooms") and d.Y.tolist() == [[100, 150, 200, 250]]


def test_line_numbers_count_blank_lines(tmp_path):
    p = tmp_path / "gaps.csv"
    p.write_text("x,y\n\n1,2\n\n\n3,oops\n")
    with pytest.raises(DataError, match="line 6, column 'y'"):
        load_csv(p)


def test_oversized_field_is_a_data_error(tmp_path):
    p = tmp_path / "huge.csv"
    p.write_text("x,y\n1," + "9" * 200_000 + "\n")
    with pytest.raises(DataError, match="line 2: malformed CSV"):
        load_csv(p)


@pytest.mark.parametrize("name", ["ok_multi_features.csv", "ok_bom.csv", "ok_whitespace.csv", "ok_cr_only.csv"])
def test_reasonable_file_trains_from_the_cli(name):
    run = cli if name == "ok_bom.csv" else in_process
    r = run("run", "--steps", "20", "--json", "--normalize", "--data", str(BAD_REL / name))
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    s = loads_strict(r.stdout)
    assert s["steps"] + (s["status"] == "diverged") >= 1 and s["findings"] is not None


def test_named_target_for_baseline_and_gradcheck():
    path = str(BAD_REL / "ok_named_target.csv")
    r = in_process("baseline", "--degree", "1", "--json", "--data", path, "--target", "rooms")
    assert r.returncode == 0, r.stderr
    assert len(json.loads(r.stdout)["coefficients"]) == 3  # 1, price, size
    r = in_process("gradcheck", "--json", "--data", path, "--target", "rooms", "--normalize")
    assert r.returncode in (0, 1) and "Traceback" not in r.stderr, r.stderr
    assert len(loads_strict(r.stdout)["tensors"]) == 4


@pytest.mark.parametrize("sub", [
    "run", "diagnose", "baseline", "gradcheck", "lr-find"])
def test_constant_target_is_accepted(sub):
    """A target column with one value is a legitimate (if dull) problem, not a crash."""
    extra = {"run": ["--steps", "50"], "diagnose": []}.get(sub, FAST.get(sub, []))  # enough steps for the findings
    r = cli(sub, "--data", str(BAD_REL / "ok_constant_target.csv"), *extra)
    assert "Traceback" not in r.stderr, r.stderr[-300:]
    assert r.returncode in (0, 1), r.stderr  # gradcheck exits 1 for a "wrong" gradient
