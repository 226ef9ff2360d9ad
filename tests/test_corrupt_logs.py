"""A corpus of corrupt run logs (types, ranges, sizes, order, nesting, encoding), each through
`rerun`, `replay` (loading) and `replay GOOD BAD` (compare): one line on stderr naming the file
(once), the line and the field, exit status 2, no traceback, in bounded time. Then
Hypothesis-made records and line edits: whatever a log holds, a result or a one-line refusal.

The commands are called in-process (tui_trainer.cli.main) with the replay screen stubbed out,
so a corrupt log that slipped through would fail the test instead of opening a screen; a few
subprocess cases check the real exit status."""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import core.logs.reader as reader
import tui_trainer.replay_app as replay_app
from core.engine.config import TrainConfig
from core.engine.data import story_problem
from core.engine.trainer import Trainer
from core.logs.reader import open_log
from core.logs.record import LogError
from core.logs.replay import load_replay
from core.logs.rerun import rerun
from core.logs.restore import trainer_from_log
from core.logs.writer import RunLogWriter
from tui_trainer.cli import main

ROOT = Path(__file__).resolve().parents[1]
SECONDS = 3.0  # per command: every refusal comes from reading, never from training


def write_good(path: Path) -> Path:
    """A streamed session with a dev split, θ every 4th step and every kind of event."""
    t = Trainer(TrainConfig(dev_fraction=0.2), story_problem())
    w = RunLogWriter(path, t, with_params=True)
    for i in range(14):
        if i == 3:
            t.set_lr(1e-4)
        elif i == 5:
            t.set_output_activation("linear")
        elif i == 7:
            t.reset()
        elif i == 9:
            t.reset(seed=7)
        elif i == 11:
            t.set_normalize(True)
        w.step(t.step(), t.parameters() if i % 4 == 0 else None)
    w.close()
    return path


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Path:
    return write_good(tmp_path_factory.mktemp("logs") / "good.jsonl")


# ---- the corpus ------------------------------------------------------------------------------------

class Raw(str):
    """A JSON token written as is (1e400, a deep nesting) where json.dumps would refuse or fold it."""


def find(recs: list[dict], where) -> int:
    """Index of the record `where` picks: "run", "end", (type, k) the k-th of a type, or
    ("event", name)."""
    if where in ("run", "end"):
        return next(i for i, r in enumerate(recs) if r["type"] == where)
    kind, k = where
    if kind == "event" and isinstance(k, str):
        return next(i for i, r in enumerate(recs) if r["type"] == "event" and r["name"] == k)
    return [i for i, r in enumerate(recs) if r["type"] == kind][k]


def dump(rec: dict) -> str:
    raws: list[str] = []

    def sub(v):
        if isinstance(v, Raw):
            raws.append(str(v))
            return f"@@RAW{len(raws) - 1}@@"
        if isinstance(v, dict):
            return {k: sub(x) for k, x in v.items()}
        if isinstance(v, list):
            return [sub(x) for x in v]
        return v
    text = json.dumps(sub(rec))
    for i, r in enumerate(raws):
        text = text.replace(f'"@@RAW{i}@@"', r)
    return text


DELETE = object()


def set_field(where, path: str, value):
    """A variant: the record `where` with the field at dotted `path` set to `value` (DELETE
    removes it). Expected: that record's line, and the last part of the path as the field."""
    def mutate(recs: list[dict]) -> tuple[list[str], int]:
        i = find(recs, where)
        rec = json.loads(json.dumps(recs[i]))
        *parents, key = path.split(".")
        target = rec
        for p in parents:
            target = target[int(p)] if isinstance(target, list) else target[p]
        if isinstance(target, list):
            key = int(key)
        if value is DELETE:
            del target[key]
        else:
            target[key] = value
        out = [dump(r) for r in recs]
        out[i] = dump(rec)
        return out, i + 1
    return mutate


def edit_lines(fn, line):
    """A variant made on the lines themselves; `line` is the line the message must name
    (a number, or a function of the records)."""
    def mutate(recs):
        lines = [dump(r) for r in recs]
        out = fn(lines, recs)
        return out, (line(recs) if callable(line) else line)
    return mutate


def step_line(k):
    return lambda recs: find(recs, ("step", k)) + 1


DEEP = Raw("[" * 50_000 + "]" * 50_000)
STEP, PARAMS, END = ("step", 2), ("params", 1), "end"

CORPUS = {
    # the run record: version
    "version 0": (set_field("run", "version", 0), "version"),
    "version -5": (set_field("run", "version", -5), "version"),
    "version text": (set_field("run", "version", "1"), "version"),
    "version float": (set_field("run", "version", 1.0), "version"),
    "version null": (set_field("run", "version", None), "version"),
    "version missing": (set_field("run", "version", DELETE), "version"),
    # the run record: config
    "config a list": (set_field("run", "config", [1, 2]), "config"),
    "config missing": (set_field("run", "config", DELETE), "config"),
    "layer_dims floats 1e7": (set_field("run", "config.layer_dims", [1, 1e7, 1e7, 1]), "layer_dims"),
    "layer_dims 10 million units": (set_field("run", "config.layer_dims", [1, 10**7, 10**7, 1]), "layer_dims"),
    "layer_dims with null": (set_field("run", "config.layer_dims", [1, None, 1]), "layer_dims"),
    "layer_dims too short": (set_field("run", "config.layer_dims", [1, 1]), "layer_dims"),
    "layer_dims text": (set_field("run", "config.layer_dims", "1,10,1"), "layer_dims"),
    "layer_dims zero units": (set_field("run", "config.layer_dims", [1, 0, 1]), "layer_dims"),
    "layer_dims negative": (set_field("run", "config.layer_dims", [1, -3, 1]), "layer_dims"),
    "layer_dims two outputs": (set_field("run", "config.layer_dims", [1, 10, 2]), "layer_dims"),
    "layer_dims wrong inputs": (set_field("run", "config.layer_dims", [3, 10, 1]), "layer_dims"),
    "layer_dims 200 layers": (set_field("run", "config.layer_dims", [1] + [2] * 200 + [1]), "layer_dims"),
    "layer_dims too many parameters": (set_field("run", "config.layer_dims", [1, 4096, 4096, 4096, 1]), "layer_dims"),
    "layer_dims huge integer": (set_field("run", "config.layer_dims", [1, 10**40, 1]), "layer_dims"),
    "layer_dims nested": (set_field("run", "config.layer_dims", [[1], [10], [1]]), "layer_dims"),
    "hidden disagrees": (set_field("run", "config.hidden", [3]), "hidden"),
    "hidden_activation unknown": (set_field("run", "config.hidden_activation", "softmax"), "hidden_activation"),
    "output_activation a list": (set_field("run", "config.output_activation", ["relu"]), "output_activation"),
    "loss unknown": (set_field("run", "config.loss", "hinge"), "loss"),
    "init a number": (set_field("run", "config.init", 7), "init"),
    "lr zero": (set_field("run", "config.lr", 0), "lr"),
    "lr negative": (set_field("run", "config.lr", -1e-3), "lr"),
    "lr text": (set_field("run", "config.lr", "abc"), "lr"),
    "lr 1e400": (set_field("run", "config.lr", Raw("1e400")), "lr"),
    "seed null": (set_field("run", "config.seed", None), "seed"),
    "seed negative": (set_field("run", "config.seed", -1), "seed"),
    "seed huge": (set_field("run", "config.seed", 2**64), "seed"),
    "seed 1e30": (set_field("run", "config.seed", Raw("1e30")), "seed"),
    "seed text": (set_field("run", "config.seed", "4"), "seed"),
    "normalize text": (set_field("run", "config.normalize", "yes"), "normalize"),
    "normalize 1": (set_field("run", "config.normalize", 1), "normalize"),
    "leaky_slope 2": (set_field("run", "config.leaky_slope", 2.0), "leaky_slope"),
    "dev_fraction 1.5": (set_field("run", "config.dev_fraction", 1.5), "dev_fraction"),
    # the run record: data
    "data missing": (set_field("run", "data", DELETE), "data"),
    "raw missing": (set_field("run", "data.raw", DELETE), "raw"),
    "raw.X null": (set_field("run", "data.raw.X", None), "X"),
    "raw.X empty": (set_field("run", "data.raw.X", []), "X"),
    "raw.X empty rows": (set_field("run", "data.raw.X", [[]]), "X"),
    "raw.X 3-D": (set_field("run", "data.raw.X", [[[float(i)] for i in range(20)]]), "X"),
    "raw.X ragged": (set_field("run", "data.raw.X", [[1.0] * 20, [2.0] * 19]), "X"),
    "raw.X text": (set_field("run", "data.raw.X", [["1.5"] * 20]), "X"),
    "raw.X true": (set_field("run", "data.raw.X", [[True] * 20]), "X"),
    "raw.X 1e400": (set_field("run", "data.raw.X.0.3", Raw("1e400")), "X"),
    "raw.X 1e200": (set_field("run", "data.raw.X.0.3", 1e200), "X"),
    "raw.X null cell": (set_field("run", "data.raw.X.0.3", None), "X"),
    "raw.X deep": (set_field("run", "data.raw.X", DEEP), None),
    "raw.Y wrong length": (set_field("run", "data.raw.Y", [[1.0] * 7]), "Y"),
    "raw.Y two rows": (set_field("run", "data.raw.Y", [[1.0] * 20, [1.0] * 20]), "Y"),
    "raw.Y object": (set_field("run", "data.raw.Y", {"a": 1}), "Y"),
    "feature_names too many": (set_field("run", "data.raw.feature_names", ["a", "b"]), "feature_names"),
    "feature_names a number": (set_field("run", "data.raw.feature_names", [5]), "feature_names"),
    "feature_names lone surrogate": (set_field("run", "data.raw.feature_names", ["\ud800"]), "feature_names"),
    "feature_names very long": (set_field("run", "data.raw.feature_names", ["x" * 20_000]), "feature_names"),
    "target_name a list": (set_field("run", "data.raw.target_name", ["y"]), "target_name"),
    "source a number": (set_field("run", "data.raw.source", 3), "source"),
    "train_idx out of range": (set_field("run", "data.train_idx.0", 25), "train_idx"),
    "train_idx negative": (set_field("run", "data.train_idx.0", -1), "train_idx"),
    "train_idx empty": (set_field("run", "data.train_idx", []), "train_idx"),
    "train_idx unsorted": (set_field("run", "data.train_idx", [3, 1, 2]), "train_idx"),
    "train_idx text": (set_field("run", "data.train_idx", "0-15"), "train_idx"),
    "train_idx floats": (set_field("run", "data.train_idx.0", 0.5), "train_idx"),
    "dev_idx overlaps train": (set_field("run", "data.dev_idx", [0]), "dev_idx"),
    "dev_idx out of range": (set_field("run", "data.dev_idx.0", 10**6), "dev_idx"),
    "data.normalize text": (set_field("run", "data.normalize", "no"), "normalize"),
    # step records
    "loss a list": (set_field(STEP, "loss", [1.0]), "loss"),
    "loss an object": (set_field(STEP, "loss", {"v": 1.0}), "loss"),
    "loss text": (set_field(STEP, "loss", "abc"), "loss"),
    "loss 1e400": (set_field(STEP, "loss", Raw("1e400")), "loss"),
    "loss -1e400": (set_field(STEP, "loss", Raw("-1e400")), "loss"),
    "loss true": (set_field(STEP, "loss", True), "loss"),
    "loss missing": (set_field(STEP, "loss", DELETE), "loss"),
    "loss deep": (set_field(STEP, "loss", DEEP), None),
    "dev_loss text": (set_field(STEP, "dev_loss", "abc"), "dev_loss"),
    "dev_loss 1e400": (set_field(STEP, "dev_loss", Raw("1e400")), "dev_loss"),
    "step lr zero": (set_field(STEP, "lr", 0.0), "lr"),
    "step lr text": (set_field(STEP, "lr", "fast"), "lr"),
    "step hidden_activation unknown": (set_field(STEP, "hidden_activation", "gelu"), "hidden_activation"),
    "step output_activation null": (set_field(STEP, "output_activation", None), "output_activation"),
    "dead_output negative": (set_field(STEP, "dead_output", -1), "dead_output"),
    "dead_output over m": (set_field(STEP, "dead_output", 10**6), "dead_output"),
    "dead_output float": (set_field(STEP, "dead_output", 1.5), "dead_output"),
    "dead_hidden two layers": (set_field(STEP, "dead_hidden", [0, 0]), "dead_hidden"),
    "dead_hidden text": (set_field(STEP, "dead_hidden", ["a"]), "dead_hidden"),
    "dead_hidden too many units": (set_field(STEP, "dead_hidden", [11]), "dead_hidden"),
    "dead_hidden an object": (set_field(STEP, "dead_hidden", {"a": 1}), "dead_hidden"),
    "grad_norms a list": (set_field(STEP, "grad_norms", [1.0]), "grad_norms"),
    "grad_norms text value": (set_field(STEP, "grad_norms.dW1", "x"), "grad_norms"),
    "grad_norms 100 entries": (set_field(STEP, "grad_norms", {f"k{i}": 1.0 for i in range(100)}), "grad_norms"),
    "update_ratios 1e400": (set_field(STEP, "update_ratios.W1", Raw("1e400")), "update_ratios"),
    "status unknown": (set_field(STEP, "status", "weird"), "status"),
    "status control characters": (set_field(STEP, "status", "ok\u202e\x1b[31m"), "status"),
    "step negative": (set_field(STEP, "step", -1), "step"),
    "step float": (set_field(STEP, "step", 2.5), "step"),
    "step text": (set_field(STEP, "step", "2"), "step"),
    "step null": (set_field(STEP, "step", None), "step"),
    "step missing": (set_field(STEP, "step", DELETE), "step"),
    "step past tick": (set_field(STEP, "step", 99), "step"),
    "step does not fit tick": (set_field(("step", 8), "step", 5), "step"),
    "tick missing": (set_field(STEP, "tick", DELETE), "tick"),
    "tick negative": (set_field(STEP, "tick", -1), "tick"),
    "tick 1e12 float": (set_field(STEP, "tick", Raw("1e12")), "tick"),
    "tick 10**12": (set_field(STEP, "tick", 10**12), "tick"),
    "tick and step 10**12": (lambda recs: set_field(("step", 13), "tick", 10**12)(
        [*recs[:find(recs, ("step", 13))], {**recs[find(recs, ("step", 13))], "step": 10**12}, *recs[find(recs, ("step", 13)) + 1:]]),
        "out of range"),
    "tick behind": (set_field(("step", 10), "tick", 1), "tick"),
    "type a list": (set_field(STEP, "type", ["step"]), "type"),
    "type null": (set_field(STEP, "type", None), "type"),
    "type a number": (set_field(STEP, "type", 5), "type"),
    "type an object": (set_field(STEP, "type", {}), "type"),
    # params records
    "W1 missing": (set_field(PARAMS, "W1", DELETE), "W1"),
    "W1 wrong shape": (set_field(PARAMS, "W1", [[0.1]] * 3), "W1"),
    "W1 3-D": (set_field(PARAMS, "W1", [[[0.1]]] * 10), "W1"),
    "W1 ragged": (set_field(PARAMS, "W2", [[0.1] * 10, [0.2] * 3]), "W2"),
    "W1 text": (set_field(PARAMS, "W1", [["w"]] * 10), "W1"),
    "W1 null": (set_field(PARAMS, "W1", None), "W1"),
    "b1 1e400": (set_field(PARAMS, "b1.0.0", Raw("1e400")), "b1"),
    "b2 empty": (set_field(PARAMS, "b2", []), "b2"),
    "W2 deep": (set_field(PARAMS, "W2", DEEP), None),
    "params step does not fit tick": (set_field(PARAMS, "step", 0), "step"),
    # events
    "event name unknown": (set_field(("event", "lr"), "name", "momentum"), "name"),
    "event name a number": (set_field(("event", "lr"), "name", 3), "name"),
    "event value missing": (set_field(("event", "lr"), "value", DELETE), "value"),
    "lr event text": (set_field(("event", "lr"), "value", "x"), "value"),
    "lr event zero": (set_field(("event", "lr"), "value", 0), "value"),
    "lr event 1e400": (set_field(("event", "lr"), "value", Raw("1e400")), "value"),
    "seed event huge": (set_field(("event", "seed"), "value", 2**70), "value"),
    "seed event negative": (set_field(("event", "seed"), "value", -4), "value"),
    "seed event null": (set_field(("event", "seed"), "value", None), "value"),
    "seed event text": (set_field(("event", "seed"), "value", "7"), "value"),
    "normalize event text": (set_field(("event", "normalize"), "value", "on"), "value"),
    "activation event unknown": (set_field(("event", "output_activation"), "value", "softmax"), "value"),
    "reset event mid-run step": (set_field(("event", "reset"), "step", 5), "step"),
    "event step does not fit": (set_field(("event", "lr"), "step", 0), "step"),
    # end
    "end status unknown": (set_field(END, "status", "done"), "status"),
    "end reason a number": (set_field(END, "reason", 5), "reason"),
    "end step does not fit": (set_field(END, "step", 1), "step"),
    # order and structure
    "a record after the end": (edit_lines(lambda ls, recs: ls + [ls[find(recs, ("step", 3))]], lambda recs: len(recs) + 1),
                               "after the end"),
    "two end records": (edit_lines(lambda ls, recs: ls + [ls[-1]], lambda recs: len(recs) + 1), "after the end"),
    "a second run record": (edit_lines(lambda ls, recs: ls[:5] + [ls[0]] + ls[5:], 6), "second run record"),
    "steps swapped": (edit_lines(lambda ls, recs: _swap(ls, find(recs, ("step", 2)), find(recs, ("step", 6))),
                                 None), "tick"),
    "a step record twice": (edit_lines(lambda ls, recs: _dup(ls, find(recs, ("step", 4))),
                                       lambda recs: find(recs, ("step", 4)) + 2), "tick"),
    # the steps after it no longer fit their ticks: the first of them is named
    "an event moved late": (edit_lines(lambda ls, recs: _move(ls, find(recs, ("event", "reset")), len(ls) - 2),
                                       None), "step"),
    "not JSON mid-file": (edit_lines(lambda ls, recs: _put(ls, 4, "step 3 loss 1.5"), 5), "not valid JSON"),
    "cut line mid-file": (edit_lines(lambda ls, recs: _put(ls, 4, ls[4][:30]), 5), "not valid JSON"),
    "NaN": (edit_lines(lambda ls, recs: _put(ls, find(recs, STEP), ls[find(recs, STEP)].replace(
        '"loss": ', '"loss": NaN, "x": ', 1)), step_line(2)), "NaN"),
    "Infinity": (edit_lines(lambda ls, recs: _put(ls, find(recs, STEP), ls[find(recs, STEP)].replace(
        '"loss": ', '"loss": -Infinity, "x": ', 1)), step_line(2)), "Infinity"),
    "a JSON list line": (edit_lines(lambda ls, recs: _put(ls, 4, "[1, 2, 3]"), 5), "no record type"),
    "a JSON text line": (edit_lines(lambda ls, recs: _put(ls, 4, '"step"'), 5), "no record type"),
    "a record without type": (edit_lines(lambda ls, recs: _put(ls, 4, '{"step": 3, "tick": 3}'), 5), "no record type"),
    "first line a step": (edit_lines(lambda ls, recs: ls[1:], 1), "first line is not a run record"),
    "deep nesting line": (edit_lines(lambda ls, recs: _put(ls, 4, str(DEEP)), 5), "too deeply"),
    "deep object line": (edit_lines(lambda ls, recs: _put(ls, 4, '{"a":' * 30_000 + "1" + "}" * 30_000), 5),
                         "too deeply"),
    "a number of 5000 digits": (edit_lines(lambda ls, recs: _put(ls, find(recs, STEP), ls[find(recs, STEP)].replace(
        '"loss": ', '"loss": ' + "9" * 5000 + ', "x": ', 1)), step_line(2)), "not valid JSON"),
}


def _swap(ls, i, j):
    ls = list(ls)
    ls[i], ls[j] = ls[j], ls[i]
    return ls


def _dup(ls, i):
    return ls[:i + 1] + [ls[i]] + ls[i + 1:]


def _move(ls, i, j):
    ls = list(ls)
    ls.insert(j, ls.pop(i))
    return ls


def _put(ls, i, text):
    ls = list(ls)
    ls[i] = text
    return ls


BYTES = {  # encodings: (bytes from the good log's text, line, what the message says)
    "invalid UTF-8 mid-file": (lambda t: _line_bytes(t, 4, b"\xff\xfe{}"), 5, "not UTF-8"),
    "latin-1 feature name": (lambda t: t.encode().replace(b'"feature_names": ["x"]', b'"feature_names": ["\xe9"]'),
                             1, "not UTF-8"),
    "NUL byte": (lambda t: _line_bytes(t, 4, b'{"type": "step", "step": 3\x00}'), 5, "not valid JSON"),
    "UTF-16": (lambda t: t.encode("utf-16"), 1, "not UTF-8"),
    "blank lines only": (lambda t: b"\n\n  \n", None, "empty file"),
    "empty": (lambda t: b"", None, "empty file"),
    "cut off at the end": (lambda t: t.encode()[:-25], None, "cut off"),
}


def _line_bytes(text: str, i: int, new: bytes) -> bytes:
    lines = text.encode().split(b"\n")
    lines[i] = new
    return b"\n".join(lines)


def variants(good: Path) -> dict[str, tuple[bytes, int | None, str | None]]:
    """name -> (file contents, the line the message names, what else it names)."""
    text = good.read_text()
    recs = [json.loads(line) for line in text.splitlines()]
    out = {}
    for name, (mutate, field) in CORPUS.items():
        lines, line = mutate(recs)
        out[name] = (("\n".join(lines) + "\n").encode(), line, field)
    for name, (make, line, what) in BYTES.items():
        out[name] = (make(text), line, what)
    return out


@pytest.fixture(scope="module")
def corpus(good):
    return variants(good)


def test_the_corpus_has_over_a_hundred_variants(corpus):
    assert len(corpus) >= 100


@pytest.fixture
def no_screen(monkeypatch):
    """replay's screen replaced: a corrupt log must be refused before it would open."""
    def opened(*replays):
        raise AssertionError("a screen was opened for a corrupt log")
    monkeypatch.setattr(replay_app, "run_replay", opened)


def refused(capsys, argv: list[str], name: str) -> str:
    t0 = time.perf_counter()
    code = main(argv)
    took = time.perf_counter() - t0
    out, err = capsys.readouterr()
    assert code == 2, (argv, out, err)
    assert took < SECONDS, f"{argv}: {took:.1f} s"
    assert err.count("\n") == 1 and err.startswith("tui-trainer: error: "), err
    assert "Traceback" not in err and out == ""
    assert err.count(name) == 1, f"the file is named once: {err}"
    assert err.isprintable() or err[:-1].isprintable(), f"escaped: {err!r}"
    return err


@pytest.mark.parametrize("variant", [*CORPUS, *BYTES])
def test_a_corrupt_log_is_refused_in_one_line(tmp_path, good, corpus, capsys, no_screen, variant):
    data, line, what = corpus[variant]
    name = "bad-" + "".join(c if c.isalnum() else "-" for c in variant) + ".jsonl"
    bad = tmp_path / name
    bad.write_bytes(data)
    for argv in (["rerun", str(bad)], ["replay", str(bad)], ["replay", str(good), str(bad)]):
        err = refused(capsys, argv, name)
        if line is not None:
            assert f"line {line}:" in err or f"line {line} " in err, err
        elif what != "empty file":
            assert "line " in err, err
        if what is not None:
            assert what in err, err


# ---- sizes and time -------------------------------------------------------------------------------

def test_a_line_past_the_limit_is_refused_without_reading_on(tmp_path, good, capsys, monkeypatch, no_screen):
    monkeypatch.setattr(reader, "MAX_LINE_BYTES", 4096)
    bad = tmp_path / "long.jsonl"
    lines = good.read_text().splitlines()
    bad.write_text("\n".join(lines[:3] + ['{"type": "step", "pad": "' + "x" * 10_000 + '"}'] + lines[3:]) + "\n")
    for argv in (["rerun", str(bad)], ["replay", str(bad)]):
        assert "line 4 is longer than" in refused(capsys, argv, "long.jsonl")


def test_one_endless_line_takes_linear_time(tmp_path, capsys, no_screen):
    """No newline at all (records separated by spaces): refused, in time linear in its size."""
    bad = tmp_path / "oneline.jsonl"
    rec = '{"type": "step", "step": 1, "tick": 1, "loss": 1.5} '
    times = {}
    for mb in (2, 8):
        bad.write_text(rec * (mb * 1_000_000 // len(rec)))
        t0 = time.perf_counter()
        err = refused(capsys, ["replay", str(bad)], "oneline.jsonl")
        times[mb] = time.perf_counter() - t0
        assert "line 1" in err
    assert times[8] < 8 * times[2] + 0.5, times  # 4x the size: nowhere near 16x the time


def test_a_huge_seed_in_a_valid_position_is_refused_before_numpy_sees_it(tmp_path, good):
    lines = good.read_text().splitlines()
    i = next(i for i, line in enumerate(lines) if '"name": "seed"' in line)
    lines[i] = lines[i].replace('"value": 7', '"value": 100000000000000000000000')
    bad = tmp_path / "seed.jsonl"
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(LogError, match=rf"seed\.jsonl: line {i + 1}: event record's value .* out of range"):
        head, records = open_log(bad)
        load_replay(head, records)


# ---- Hypothesis: any value in any field, any line edit -------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-2**70, max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4),
    max_leaves=8)
FIELDS = {
    "run": ["version", "config.layer_dims", "config.lr", "config.seed", "config.normalize", "config.loss",
            "data.raw.X", "data.raw.Y", "data.train_idx", "data.dev_idx", "data.raw.feature_names"],
    ("step", 1): ["type", "step", "tick", "loss", "dev_loss", "lr", "dead_output", "dead_hidden", "grad_norms",
                  "status", "hidden_activation"],
    ("params", 0): ["W1", "b1", "W2", "b2", "tick"],
    ("event", "lr"): ["name", "value", "tick", "step"],
    ("event", "seed"): ["value", "step"],
    "end": ["status", "step", "tick", "reason"],
}
PLACES = [(where, path) for where, paths in FIELDS.items() for path in paths]


def run_everything(path: Path) -> None:
    """Load, replay and rerun a log: LogError (one line, naming the file) is the only way out."""
    try:
        head, records = open_log(path)
        load_replay(head, records)
        head, records = open_log(path)
        rerun(trainer_from_log(head), records)
    except LogError as e:
        msg = str(e)
        assert "\n" not in msg and msg.count(path.name) == 1, msg


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(place=st.sampled_from(PLACES), value=JSON)
def test_any_value_in_any_field_is_read_or_refused_in_one_line(tmp_path, good, place, value):
    where, path = place
    recs = [json.loads(line) for line in good.read_text().splitlines()]
    lines, _ = set_field(where, path, value)(recs)
    bad = tmp_path / "h.jsonl"
    bad.write_text("\n".join(lines) + "\n")
    run_everything(bad)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(st.tuples(st.sampled_from(["drop", "dup", "swap", "cut"]), st.integers(0, 40), st.integers(0, 40)),
                      min_size=1, max_size=3))
def test_any_line_edit_is_read_or_refused_in_one_line(tmp_path, good, edits):
    lines = good.read_text().splitlines()
    for op, i, j in edits:
        i, j = i % len(lines), j % len(lines)
        if op == "drop" and len(lines) > 1:
            del lines[i]
        elif op == "dup":
            lines.insert(j, lines[i])
        elif op == "swap":
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "cut":
            lines[i] = lines[i][: j * 7]
    bad = tmp_path / "e.jsonl"
    bad.write_text("\n".join(lines) + "\n")
    run_everything(bad)


# ---- the real exit status ------------------------------------------------------------------------

@pytest.mark.parametrize("variant", ["loss a list", "layer_dims 10 million units", "raw.X deep", "a record after the end"])
def test_exit_status_from_a_subprocess(tmp_path, corpus, variant):
    data, line, what = corpus[variant]
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(data)
    for args in (["rerun", str(bad)], ["replay", str(bad)]):
        p = subprocess.run([sys.executable, "-m", "tui_trainer", *args], capture_output=True, text=True,
                           timeout=60, cwd=ROOT)
        assert p.returncode == 2 and p.stdout == "", p.stderr
        assert p.stderr.count("\n") == 1 and "bad.jsonl" in p.stderr and "Traceback" not in p.stderr
