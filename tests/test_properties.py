"""Property tests: generated CSV text and option values either give a Dataset (or a finished
run) or a DataError / one clear line with exit status 2 -- never any other exception."""
from __future__ import annotations

import contextlib
import io
import math
import os
import tempfile

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.engine.csv_data import MAX_ABS, DataError, load_csv, parse_csv_text
from core.logs.runlog import loads_strict
from tui_trainer.cli import main

FAST = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check_dataset(d) -> None:
    n_x, m = d.X.shape
    assert n_x >= 1 and m >= 1
    assert d.Y.shape == (1, m)
    assert len(d.feature_names) == n_x and d.target_name not in d.feature_names
    assert np.isfinite(d.X).all() and np.isfinite(d.Y).all()


def parse_or_error(text: str, target=None):
    try:
        d = parse_csv_text(text, "gen.csv", target)
    except DataError as e:
        msg = str(e)
        assert msg.startswith("gen.csv: ") and "\n" not in msg and "\r" not in msg, msg
        return None
    check_dataset(d)
    return d


@FAST
@given(st.text(max_size=200))
def test_any_text_is_a_dataset_or_a_data_error(text):
    parse_or_error(text)


@FAST
@given(st.text(alphabet=st.sampled_from("0123456789.,-+e\n\r \t\"nainfINF;x"), max_size=120),
       st.one_of(st.none(), st.sampled_from(["x", "y", "", "0", "a,b"])))
def test_csv_like_text_is_a_dataset_or_a_data_error(text, target):
    parse_or_error(text, target)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_on_disk_are_a_dataset_or_a_data_error(raw):
    fd, path = tempfile.mkstemp(suffix=".csv")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
        try:
            check_dataset(load_csv(path))
        except DataError as e:
            assert str(e).startswith(path) and "\n" not in str(e)
    finally:
        os.unlink(path)


# A table of cells, some of them bad: the oracle knows which outcome to expect.
good_number = st.one_of(st.integers(-10**6, 10**6).map(str),
                        st.floats(-MAX_ABS, MAX_ABS, allow_nan=False, allow_infinity=False).map(repr))
bad_cell = st.sampled_from(["nan", "NaN", "inf", "-inf", "Infinity", "1e400", "-2e150", "abc", "", "1,5", "--1",
                            "0x10", "1.2.3"])


@st.composite
def tables(draw):
    cols = draw(st.integers(1, 4))
    rows = draw(st.integers(0, 5))
    header = [f"c{j}" for j in range(cols)]
    body = [[draw(good_number) for _ in range(cols)] for _ in range(rows)]
    bad = draw(st.booleans()) and rows > 0
    if bad:
        i, j = draw(st.integers(0, rows - 1)), draw(st.integers(0, cols - 1))
        body[i][j] = draw(bad_cell)
    ragged = draw(st.booleans()) and rows > 0 and not bad
    if ragged:
        i = draw(st.integers(0, rows - 1))
        body[i] = body[i][:-1] if draw(st.booleans()) else body[i] + ["1"]
    pad = draw(st.sampled_from(["", " ", "\t", "  "]))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    bom = draw(st.sampled_from(["", "\ufeff"]))
    blank = draw(st.booleans())
    lines = [",".join(pad + c + pad for c in header)]
    for r in body:
        lines.append(",".join(pad + c + pad for c in r))
        if blank:
            lines.append("")
    text = bom + newline.join(lines) + draw(st.sampled_from(["", newline]))
    return text, header, body, bad, ragged


@settings(max_examples=200, deadline=None)
@given(tables())
def test_table_oracle(t):
    text, header, body, bad, ragged = t
    d = parse_or_error(text)
    should_fail = bad or ragged or len(header) < 2 or not body
    if should_fail:
        assert d is None, f"accepted bad input {text!r}"
        return
    assert d is not None, f"refused good input {text!r}"
    values = np.array([[float(c) for c in r] for r in body])
    assert d.feature_names == tuple(header[:-1]) and d.target_name == header[-1]
    np.testing.assert_array_equal(d.X, values[:, :-1].T)
    np.testing.assert_array_equal(d.Y, values[:, -1:].T)


# ---- option values through the real CLI entry point (in-process) ---------------------------

def run_cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(argv)
    return rc, out.getvalue(), err.getvalue()


def check_outcome(argv, rc, out, err) -> None:
    assert rc in (0, 2), (argv, rc, err)
    if rc == 2:
        lines = err.splitlines()
        assert len(lines) == 1 and lines[0].startswith("tui-trainer: error: "), (argv, err)
        assert out == ""
    else:
        loads_strict(out)  # the JSON summary / result, strict


def text_or(values):
    return st.one_of(st.text(max_size=6), values)


floats_text = st.floats().map(repr)
OPTIONS = {
    "--lr": text_or(st.one_of(floats_text, st.sampled_from(["1e-3", "5e-5", "0.1", "1e4", "1e308"]))),
    "--hidden": text_or(st.lists(st.integers(-2, 12), min_size=1, max_size=3).map(lambda v: ",".join(map(str, v)))),
    "--hidden-activation": text_or(st.sampled_from(["relu", "tanh", "sigmoid", "swish", "linear", "leaky_relu"])),
    "--output-activation": text_or(st.sampled_from(["relu", "tanh", "sigmoid", "swish", "linear", "leaky_relu"])),
    "--loss": text_or(st.sampled_from(["mse", "bce"])),
    "--init": text_or(st.sampled_from(["he", "xavier", "small"])),
    "--seed": text_or(st.integers(-5, 2**64).map(str)),
    "--dev-fraction": text_or(st.one_of(floats_text, st.sampled_from(["0", "0.2", "0.5", "0.95"]))),
    "--leaky-slope": text_or(floats_text),
    "--target": st.sampled_from(["y", "x", "", "z"]),
}


@st.composite
def argvs(draw, command: str, extra: dict):
    opts = {**OPTIONS, **extra}
    chosen = draw(st.lists(st.sampled_from(sorted(opts)), unique=True, max_size=4))
    argv = [command]
    for opt in chosen:
        v = draw(opts[opt])
        argv.append(f"{opt}={v}")  # "=" so values that start with "-" stay values
    return argv


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(argvs("run", {"--steps": text_or(st.integers(-3, 30).map(str))}))
def test_run_options_finish_or_fail_in_one_line(argv):
    argv = argv + ["--json"] + ([] if any(a.startswith("--steps") for a in argv) else ["--steps=5"])
    check_outcome(argv, *run_cli(argv))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(argvs("baseline", {"--degree": text_or(st.integers(-2, 9).map(str))}))
def test_baseline_options_finish_or_fail_in_one_line(argv):
    check_outcome(argv, *run_cli(argv + ["--json"]))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(argvs("gradcheck", {"--steps": text_or(st.integers(-3, 5).map(str))}))
def test_gradcheck_options_finish_or_fail_in_one_line(argv):
    rc, out, err = run_cli(argv + ["--json"])
    # gradcheck exits 1 when a tensor's gradient is "wrong": a result, not a usage error.
    if rc == 1:
        assert loads_strict(out)["worst"] == "wrong"
        return
    check_outcome(argv, rc, out, err)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables(), st.one_of(st.none(), st.sampled_from(["c0", "c1", "c2", "nope"])),
       st.sampled_from([[], ["--normalize"], ["--dev-fraction=0.5"], ["--loss=bce"]]))
def test_generated_csv_through_the_cli(t, target, extra):
    text = t[0]
    fd, path = tempfile.mkstemp(suffix=".csv")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        argv = ["run", "--steps=3", "--json", f"--data={path}", *extra] + ([f"--target={target}"] if target else [])
        rc, out, err = run_cli(argv)
        check_outcome(argv, rc, out, err)
        if rc == 0:
            s = loads_strict(out)
            assert s["status"] in ("ok", "diverged") and math.isfinite(s["steps"])
    finally:
        os.unlink(path)
