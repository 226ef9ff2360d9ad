"""Issue 14, items 1–3 without a screen: pause on trouble at the exact step, the pace and its
log event, the rate that follows the scale on `z`, and the cure chain's next step.

The session is driven in this thread (commands applied, chunks trained, frames published on
demand), so nothing here depends on timing."""
from __future__ import annotations

import numpy as np
import pytest

from core.diagnosis.cure_chain import next_step
from core.diagnosis.evaluation import evaluate
from core.diagnosis.trouble import TroubleWatch, quarter
from core.engine.config import TrainConfig
from core.engine.data import story_problem
from core.engine.rewind import step_back
from core.engine.trainer import Trainer
from core.logs.reader import open_log
from core.logs.rerun import rerun
from core.logs.restore import trainer_from_log
from core.logs.runlog import loads_strict
from tui_trainer import protocol as P
from tui_trainer.session import Command, Session
from tui_trainer.session.step_pace import PACES, StepPace

# The story on its defaults: samples 1..4 die one by one. Sample 0 (dead at init, alive from
# step 1) dies at step 59, but its target is 0, which ReLU's 0 fits: no trouble. Hidden units
# die too, but the layer is already 60 % dead at step 0.
STORY_DEATHS = [(430, 1), (702, 2), (963, 3), (1588, 4)]


class Direct:
    def __init__(self, pause_on_trouble=True, lr_given=False, **config):
        self.frames, self.notices = [], []
        self.s = Session(Trainer(TrainConfig(**config), story_problem()), self.frames.append, self.notices.append,
                         pause_on_trouble=pause_on_trouble, lr_given=lr_given)

    @property
    def trainer(self) -> Trainer:
        return self.s._trainer

    def do(self, name, value=None):
        self.s._apply(Command(name, value))
        self.s._publish(force_findings=True)
        return self.frames[-1]

    def run_until_paused(self, max_chunks=10_000):
        self.do(P.RUN)
        for _ in range(max_chunks):
            if not self.s._running:
                break
            self.s._train_chunk()
        self.s._publish(force_findings=True)
        return self.frames[-1]


def watched(trainer, chunk=500):
    """The session's loop without a session: the troubles met, in order."""
    w = TroubleWatch()
    while True:
        trouble = w.begin(trainer)
        if trouble is None:
            trainer.run(chunk, w.stopper(trainer))
            trouble = w.after_run(trainer)
        if trouble is not None:
            yield trouble


@pytest.mark.parametrize("chunk", [1, 2, 3, 37])  # 1–3: the runs of a slow pace; 37 never lines up with a death
def test_the_story_pauses_at_each_sample_death_exactly(chunk):
    t = Trainer(TrainConfig(), story_problem())
    troubles = watched(t, chunk=chunk)
    for step, sample in STORY_DEATHS:
        tr = next(troubles)
        assert (tr.kind, tr.step, tr.samples, t.step_count) == ("dead_output", step, (sample,), step)
        assert f"Step {step}: sample #{sample} (x = {sample}, y = {3 * sample**2 + 3 * sample})" in tr.text
    # the state shown is θ at that very step: the same θ as a run of exactly that many steps
    ref = Trainer(TrainConfig(), story_problem())
    ref.run(1588)
    assert np.array_equal(ref.flat.theta, t.flat.theta) and ref.tick == t.tick
    assert 4 in evaluate(t).dead_samples


def test_a_hidden_layer_is_news_each_quarter_and_divergence_once():
    t = Trainer(TrainConfig(normalize=True, output_activation="linear", lr=1.0, hidden=(16,), seed=1), story_problem())
    kinds = [(tr.kind, tr.step, len(tr.units)) for _, tr in zip(range(4), watched(t))]
    assert kinds == [("dead_hidden", 1, 4), ("dead_hidden", 2, 5), ("dead_hidden", 3, 6), ("dead_hidden", 6, 1)]
    assert [quarter(n, 16) for n in (3, 4, 9, 15, 16)] == [0, 1, 2, 3, 4]
    t = Trainer(TrainConfig(normalize=True, output_activation="linear", lr=2.0, hidden=(8,)), story_problem())
    tr = next(watched(t))
    assert tr.kind == "diverged" and "diverged" in tr.text


def test_step_back_refuses_what_it_cannot_undo():
    t = Trainer(TrainConfig(), story_problem())
    with pytest.raises(ValueError):
        step_back(t)  # nothing taken yet
    t.run(3)
    t.set_lr(1e-4)
    with pytest.raises(ValueError):
        step_back(t)  # an event came after the last step
    t.run(1)
    step_back(t)
    assert (t.step_count, t.tick, len(t.history)) == (3, 3, 3)


def test_session_pauses_on_trouble_and_its_log_reruns_identically(tmp_path):
    d = Direct()
    f = d.run_until_paused()
    assert (f.snapshot.step, f.trouble.samples, f.running) == (430, (1,), False)
    assert f.snapshot.dead[1] and "Step 430" in d.notices[-1].text and d.notices[-1].severity == "warning"
    d.do(P.CYCLE_PACE)
    f = d.run_until_paused()
    assert f.snapshot.step == 702 and f.trouble.samples == (2,)
    d.do(P.STEP, 7)  # training moves on: the trouble is no longer the news
    assert d.frames[-1].trouble is None
    d.do(P.EXPORT, str(tmp_path))
    (log,) = tmp_path.glob("run-*.jsonl")
    records = [loads_strict(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert [r["step"] for r in records if r["type"] == "step"] == list(range(709))
    assert [(r["name"], r["step"], r["value"]) for r in records if r["type"] == "event"] == [("pace", 430, 1000)]
    head, recs = open_log(log)
    result = rerun(trainer_from_log(head), recs)
    assert result.identical and result.steps_compared == 709


def test_pause_on_trouble_off_trains_through():
    d = Direct(pause_on_trouble=False)
    d.do(P.RUN)
    while d.trainer.step_count < 2000:
        d.s._train_chunk()
    assert d.s._running and d.s._trouble is None
    d.do(P.TOGGLE_TROUBLE)
    assert d.frames[-1].pause_on_trouble and "Pause on trouble on" in d.notices[-1].text


def test_the_pace_cycles_and_keeps_its_budget():
    p = StepPace()
    assert p.allowance(0.0, 64) == 64 and p.wait(0.0) == 0
    assert [p.cycle(0.0) for _ in PACES] == [1000, 100, 10, None]
    p.cycle(10.0)
    p.cycle(10.0)  # 100 steps a second from t = 10
    assert p.allowance(10.005, 64) == 0 and p.wait(10.005) == pytest.approx(0.005)
    assert p.allowance(10.1, 64) == 10
    p.took(10)
    assert p.allowance(10.1, 64) == 0
    assert p.allowance(20.0, 64) == 1  # a backlog of seconds is dropped, not caught up in a burst


def test_z_sets_the_rate_from_the_new_scale_unless_given():
    d = Direct()
    f = d.do(P.TOGGLE_NORMALIZE)
    lr = f.snapshot.lr
    assert 0.05 < lr < 1 and "half the stability limit 2/λmax" in d.notices[-1].text
    assert f.diag.curvature.stability_limit == pytest.approx(2 * lr, rel=0.05)
    kept = Direct(lr_given=True)
    kept.do(P.TOGGLE_NORMALIZE)
    assert kept.trainer.config.lr == 5e-5
    assert "kept (given with --lr)" in kept.notices[-1].text and "far too small" in kept.notices[-1].text


def test_the_cure_chain_leads_from_the_story_to_a_good_fit():
    t = Trainer(TrainConfig(), story_problem())
    t.run(5000)
    assert next_step(t, evaluate(t)).keys == ("a",)
    for act in ("leaky_relu", "swish", "linear"):
        t.set_output_activation(act)
    cut = next_step(t, evaluate(t))
    assert cut.blocker == "cut_off" and cut.keys == ("z", "s", "h") and "A^[1] = 0" in cut.text
    t.set_normalize(True)
    t.set_lr(0.1)
    assert next_step(t, evaluate(t)).blocker == "training"
    t.run(20_000)
    assert next_step(t, evaluate(t)).blocker == "kinks"
    t.set_hidden_activation("tanh")  # (a fresh tanh network gets there faster than the relu weights)
    t.reset()
    t.set_lr(0.35)
    t.run(20_000)
    done = next_step(t, evaluate(t))
    assert done.good and evaluate(t).rmse < 1.9


def test_dead_sets_are_those_of_a_forward_pass_at_the_current_theta():
    """dead_sets reads the (cached) evaluation: the same samples and units as Trainer.forward's
    Z at this θ, dead samples of a ReLU output included."""
    from core.diagnosis.trouble import dead_sets
    t = Trainer(TrainConfig(hidden=(6,), output_activation="relu", lr=0.5, seed=3), story_problem())
    t.run(40)
    Zs, _ = t.forward(t.data.X)
    got = dead_sets(t)
    assert got.samples == frozenset(np.flatnonzero((Zs[-1] <= 0).any(axis=0)).tolist()) and got.samples
    assert got.units == (frozenset(np.flatnonzero(~(Zs[0] > 0).any(axis=1)).tolist()),)
    assert got.sizes == (6,)


def test_begin_gives_way_to_a_key_on_large_data(monkeypatch):
    """On data larger than a chunk, begin's pass stops between chunks when stop() says a key
    came (engine.chunks.Abandoned), and the session's run of that chunk does no step."""
    from core.engine import chunks
    from core.engine.data import Dataset
    monkeypatch.setattr(chunks, "CHUNK", 64)
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (1, 1000))
    t = Trainer(TrainConfig(hidden=(4,), lr=0.01), Dataset(X, 2 * X + 1))
    w = TroubleWatch()
    with pytest.raises(chunks.Abandoned):
        w.begin(t, stop=lambda: True)
    assert w.begin(t, stop=lambda: False) is None  # it went on later, nothing lost
    from core.diagnosis.evaluation import forget
    forget(t)  # else begin reads the evaluation just made at this θ
    s = Session(t, lambda f: None, lambda n: None, pause_on_trouble=True)
    s._key_waiting = lambda: True
    assert s._run_watched(5) == 0 and t.step_count == 0
