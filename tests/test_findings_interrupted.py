"""Issue 13: a key never waits behind the findings. After a change the findings train copies
for ~100 ms (cure checks); a key arriving meanwhile stops them before the next copy, its frame
goes out, and the findings are tried again after it. Nothing of a run given up is kept."""
from __future__ import annotations

import pytest

from core.diagnosis import findings as F
from core.diagnosis.cures import Interrupted
from core.diagnosis.evaluation import evaluate
from core.engine.config import TrainConfig
from core.engine.data import story_problem
from core.engine.trainer import Trainer
from tui_trainer import session as S
from tui_trainer.session import Command, Session


def story(steps: int) -> Trainer:
    t = Trainer(TrainConfig(), story_problem())
    t.run(steps)
    return t


class Asked:
    def __init__(self, answer: bool):
        self.answer, self.calls = answer, 0

    def __call__(self) -> bool:
        self.calls += 1
        return self.answer


def test_diagnose_gives_up_before_a_copy_and_keeps_nothing(monkeypatch):
    monkeypatch.setattr(F, "_MEMO", {})
    t = story(5000)  # dead samples: DEAD_OUTPUT's cures are checked on copies
    with pytest.raises(Interrupted):
        F.diagnose(t, evaluate(t), interrupted=Asked(True))
    assert F._MEMO == {}
    asked = Asked(False)
    found = F.diagnose(t, evaluate(t), interrupted=asked)
    assert asked.calls > 0  # the copies were trained now: nothing was kept from the run given up
    assert "dead_output" in [f.code for f in found]
    monkeypatch.setattr(F, "_MEMO", {})
    assert [(f.code, f.cure) for f in F.diagnose(t, evaluate(t))] == [(f.code, f.cure) for f in found]


def test_a_waiting_key_goes_before_the_findings(monkeypatch):
    monkeypatch.setattr(F, "_MEMO", {})
    frames = []
    s = Session(story(5000), frames.append, lambda n: None)
    s._apply(Command(S.STEP, 1))
    s.send(Command(S.STEP, 1))  # the next key, already waiting
    assert s._publish(force_findings=True) is False and frames == []
    assert s._drain(block=False)
    assert s._publish(force_findings=True) is True
    assert frames[-1].fresh and "dead_output" in [f.code for f in frames[-1].snapshot.findings]
    assert frames[-1].snapshot.step == 5002
