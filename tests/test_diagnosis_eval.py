"""The diagnosis evaluation (core/diagnosis/labelled_runs.py): every labelled run must be right
- the findings it must raise raised, the forbidden ones not, nothing at all on a healthy run -
and every finding must carry evidence and offer only cures that helped a copy of the run.
`python -m core.diagnosis.evaluate` prints the same runs as a precision/recall table."""
from __future__ import annotations

import pytest

from core.diagnosis.evaluate import judge, scores
from core.diagnosis.finding import CODES, OWN_CODE_CODES
from core.diagnosis.labelled_runs import RUNS

SLOW_SECONDS = {"diabetes_relu_8", "diabetes_unnormalised", "diabetes_linear_unit"}


def params():
    for r in RUNS:
        slow = r.slow or r.name in SLOW_SECONDS
        yield pytest.param(r, id=r.name, marks=[pytest.mark.slow] if slow else [])


@pytest.mark.parametrize("run", params())
def test_labelled_run_is_diagnosed_right(run):
    o = judge(run)
    assert not o.missing, f"{run.name}: required {o.missing} not raised (raised {o.raised})"
    assert not o.forbidden, f"{run.name}: raised {o.forbidden}, which it must not ({[f.message for f in o.findings]})"
    assert not o.problems, o.problems
    if run.healthy:
        assert o.raised == ()


def test_the_catalogue_covers_every_code_with_real_and_healthy_runs():
    assert len(RUNS) >= 25 and len({r.name for r in RUNS}) == len(RUNS)
    assert sum(r.healthy for r in RUNS) >= 8 and sum(r.real for r in RUNS) >= 8
    # every code has a run that must raise it (a learner's file's: tests/test_own_model.py)
    assert {c for r in RUNS for c in r.must} == set(CODES) - set(OWN_CODE_CODES)
    for r in RUNS:
        assert r.healthy or r.must or r.must_not, r.name
        assert not (set(r.must) & set(r.must_not)), r.name


def test_scores_count_true_and_false_positives():
    healthy = next(r for r in RUNS if r.healthy)
    story = next(r for r in RUNS if r.name == "story")
    outs = [judge(healthy), judge(story)]
    s = scores(outs)
    assert s["dead_output"]["tp"] == 1 and s["dead_output"]["recall"] == 1.0
    assert all(v["fp"] == 0 for v in s.values())
