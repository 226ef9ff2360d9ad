"""Issue 12: every derived number and message follows its cause (2/λmax after a reset, the
divergence notice after recovery), and an export holds the whole session across resets.

The session's handlers are applied directly, in this thread, with frames published on demand:
no app and no timing."""
from __future__ import annotations

import os

import pytest

from core.engine.config import TrainConfig
from core.engine.data import story_problem
from core.engine.trainer import Trainer
from core.logs.reader import open_log
from core.logs.rerun import rerun
from core.logs.restore import trainer_from_log
from core.logs.runlog import loads_strict
from tui_trainer import session as S
from tui_trainer.session import Command, Session
from tui_trainer.session.handlers import shown


class Direct:
    """A session driven command by command, keeping every frame and notice it hands out."""

    def __init__(self, **config):
        self.frames, self.notices = [], []
        self.s = Session(Trainer(TrainConfig(**config), story_problem()), self.frames.append, self.notices.append)

    def do(self, name, value=None):
        self.s._apply(Command(name, value))
        self.s._publish(force_findings=True)
        return self.frames[-1]


def test_reset_recomputes_the_stability_limit():
    d = Direct()
    at_launch = d.do(S.PAUSE).diag.curvature.stability_limit
    trained = d.do(S.STEP, 1000).diag.curvature.stability_limit
    assert trained < at_launch / 2  # the story: 3.3e-4 at step 0, about 7.6e-5 after 1,000 steps
    after_reset = d.do(S.RESET).diag.curvature.stability_limit
    assert after_reset == pytest.approx(at_launch, rel=1e-6)


def test_recovering_from_a_divergence_replaces_its_notice():
    d = Direct(lr=10.0, output_activation="linear")
    d.do(S.STEP, 50)
    assert d.frames[-1].snapshot.diverged and d.notices[-1].text.startswith("Training diverged")
    d.do(S.SCALE_LR, 0.5)  # `-`: the divergence is cleared; the notice must not still say so
    assert not d.frames[-1].snapshot.diverged
    assert "diverged" not in d.notices[-1].text.replace("No longer diverged", "")
    assert d.notices[-1].text.startswith("No longer diverged")
    d.do(S.SCALE_LR, 0.5)  # a second `-` has nothing to clear and says nothing more
    assert len([n for n in d.notices if n.text.startswith("No longer")]) == 1


def test_export_after_a_reset_holds_every_step_and_reruns_identically(tmp_path):
    d = Direct()
    d.do(S.STEP, 30)
    d.do(S.RESET)
    d.do(S.STEP, 5)
    d.do(S.NEW_SEED)
    d.do(S.TOGGLE_NORMALIZE)
    d.do(S.EXPORT, str(tmp_path))
    (log,) = tmp_path.glob("run-*.jsonl")
    records = [loads_strict(line) for line in log.read_text(encoding="utf-8").splitlines()]
    steps = [r for r in records if r["type"] == "step"]
    assert [r["step"] for r in steps] == list(range(30)) + list(range(5))
    # (z also sets the rate from the new scale: an lr event, issue 14)
    assert [r["name"] for r in records if r["type"] == "event"] == ["reset", "seed", "normalize", "lr"]
    csv_rows = log.with_suffix(".csv").read_text(encoding="utf-8").splitlines()
    assert len(csv_rows) == 1 + 35  # header and every step, not a header alone
    head, recs = open_log(log)
    result = rerun(trainer_from_log(head), recs)
    assert result.identical and result.steps_compared == 35 and result.events_applied == 4


def test_kept_steps_stay_bounded():
    d = Direct()
    d.s.EARLIER_STEPS = 64
    for _ in range(3):
        d.do(S.STEP, 50)
        d.do(S.RESET)
    kept = d.s._earlier
    assert len(kept) <= 64 and kept[-1].step == 49  # thinned evenly, the newest kept
    assert [r.tick for r in kept] == sorted(r.tick for r in kept)


def test_export_notice_shows_paths_inside_the_working_directory_relative(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert shown(tmp_path / "runs" / "run-1.jsonl") == os.path.join("runs", "run-1.jsonl")
    assert shown("/somewhere/else.jsonl") == "/somewhere/else.jsonl"
    d = Direct()
    d.do(S.STEP, 2)
    d.do(S.EXPORT, str(tmp_path / "runs"))
    text = d.notices[-1].text
    assert "to runs/run-" in text and ".csv" in text and str(tmp_path) not in text
    assert d.notices[-1].path.startswith(str(tmp_path))  # the notice's path stays whole


def test_a_keys_findings_wait_longer_the_more_they_cost():
    """Findings that cost 180 ms (cures checked on copies) began 30 ms after each key, so
    someone stepping with space waited behind them: the quiet before them follows their cost."""
    d = Direct()
    assert d.s._quiet() == Session.FINDINGS_QUIET  # none computed yet
    d.s._trainer.run(5000)
    d.s._publish(force_findings=True)  # the cure checks train copies here
    cost = d.s._findings_cost
    assert cost > 0 and d.frames[-1].fresh
    assert d.s._quiet() == min(max(Session.FINDINGS_QUIET, Session.QUIET_PER_COST * cost), Session.QUIET_MOST)
    d.s._findings_cost = 10.0
    assert d.s._quiet() == Session.QUIET_MOST
    d.s._publish(force_findings=False, light=True)  # a key's frame: no findings, the cost stays
    assert d.s._findings_cost == 10.0 and not d.frames[-1].fresh


def test_after_close_the_commands_still_queued_are_dropped():
    """The app quits while the training process is inside a long command (a check: ~5 s at 1M
    rows): the commands queued behind it are not run, so the process answers and saves soon."""
    from tui_trainer import protocol as P
    from tui_trainer.session.loop import Session
    s = Session(Trainer(TrainConfig(), story_problem()), lambda f: None, lambda n: None)
    step = s._handlers[P.STEP]

    def step_then_quit(n):
        step(n)
        s.close()   # as the command reader does when the app's close comes meanwhile
    s._handlers[P.STEP] = step_then_quit
    for _ in range(3):
        s.send(P.Command(P.STEP, 2))
    assert s._drain(block=False)
    assert s._trainer.step_count == 2   # the first one only
