"""L2 / L1 regularisation and mini-batch gradient descent: the fast step against the reference
(network.py + penalty.py), the gradient check with the penalty, the seeded batches, the live
changes as events, and a rerun of a session with all of them, bit for bit."""
from __future__ import annotations

import pickle

import numpy as np
import pytest

from core.diagnosis.diagnostics import engine_gradient_check
from core.diagnosis.gradcheck import gradient_check
from core.engine.config import TrainConfig
from core.engine.network import cost_and_grads
from core.engine.penalty import add_penalty_grads, penalty_cost
from core.engine.playground import make_dataset
from core.engine.trainer import Trainer
from core.files import write_atomic
from core.logs.reader import open_log
from core.logs.rerun import rerun
from core.logs.restore import trainer_from_log
from core.logs.writer import RunLogWriter, export_lines

DATA = make_dataset("circle", noise=10, samples=60, seed=3)


def trainer(**kw) -> Trainer:
    cfg = dict(hidden=(5,), hidden_activation="tanh", output_activation="sigmoid", loss="bce", lr=0.2,
               normalize=True)
    return Trainer(TrainConfig(**{**cfg, **kw}), DATA)


def reference(t: Trainer, columns=None):
    """J (data + penalty) and dJ/dθ at t's parameters on the given training columns."""
    c, X, Y = t.config, t.data.X, t.data.Y
    if columns is not None:
        X, Y = X[:, columns], Y[:, columns]
    p = t.parameters()
    J, g = cost_and_grads(X, Y, p, c.hidden_activation, c.output_activation, c.loss, c.leaky_slope)
    return J + penalty_cost(p, t.m, c.l2, c.l1), add_penalty_grads(g, p, t.m, c.l2, c.l1)


@pytest.mark.parametrize("l2,l1", [(0.5, 0.0), (0.0, 0.3), (0.2, 0.1)])
def test_the_fast_step_adds_the_penalty_to_j_and_to_every_dw(l2, l1):
    t = trainer(l2=l2, l1=l1)
    t.run(3)
    J, g = reference(t)
    p = t.parameters()
    r = t.step()
    assert r.loss + r.penalty == pytest.approx(J, rel=1e-12)
    assert r.penalty == pytest.approx(penalty_cost(p, t.m, l2, l1), rel=1e-12) and r.penalty > 0
    for k in p:
        np.testing.assert_allclose(t.grads["d" + k] / t.m, g["d" + k], rtol=1e-10, atol=1e-15)
        np.testing.assert_allclose(t.params[k], p[k] - t.config.lr * g["d" + k], rtol=1e-12, atol=1e-15)
    # biases are not penalised: db is the data's gradient alone
    _, g0 = cost_and_grads(t.data.X, t.data.Y, p, "tanh", "sigmoid", "bce")
    np.testing.assert_allclose(g["db1"], g0["db1"], rtol=1e-12)


def test_without_a_rate_the_penalty_is_zero_and_the_step_unchanged():
    a, b = trainer(), trainer(l2=0.0, l1=0.0)
    ra, rb = a.step(), b.step()
    assert ra.penalty == 0.0 and ra.loss == rb.loss
    assert a.flat.theta.tobytes() == b.flat.theta.tobytes()


def test_the_reference_gradient_check_includes_the_penalty():
    t = trainer(l2=2.0, l1=0.5)
    t.run(20)
    c = t.config
    args = (t.data.X, t.data.Y, t.parameters(), c.hidden_activation, c.output_activation, c.loss, c.leaky_slope)
    assert all(k.band in ("good", "acceptable") for k in gradient_check(*args, l2=c.l2, l1=c.l1))
    # the penalised gradient against J without the penalty: caught on every W
    _, g = cost_and_grads(*args, l2=c.l2, l1=c.l1)
    bands = {k.name: k.band for k in gradient_check(*args, grads=g)}
    assert bands["W1"] in ("suspicious", "wrong") and bands["W2"] in ("suspicious", "wrong")


def test_the_engine_gradient_check_uses_the_full_batch_and_the_penalty():
    t = trainer(l2=1.0, batch_size=7)
    t.run(15)
    checks = engine_gradient_check(t).tensors
    assert all(k.band in ("good", "acceptable") for k in checks), checks


def test_a_mini_batch_step_is_the_reference_on_its_batch():
    t = trainer(batch_size=8, l2=0.4)
    assert (t.batch, t.m) == (8, 60)
    t.run(9)  # into the second epoch (60 // 8 = 7 batches of 8; 4 samples sit each epoch out)
    cols = t.feeder.batch_at(t.step_count)
    J, g = reference(t, cols)
    J_data, _ = cost_and_grads(t.data.X[:, cols], t.data.Y[:, cols], t.parameters(), "tanh", "sigmoid", "bce")
    p = t.parameters()
    r = t.step()
    assert r.loss == pytest.approx(J_data, rel=1e-12)  # the batch's data loss
    assert r.loss + r.penalty == pytest.approx(J, rel=1e-12)
    for k in p:
        # the step keeps batch·∇J, so the rate is divided by the batch, not the training set
        np.testing.assert_allclose(t.grads["d" + k] / t.batch, g["d" + k], rtol=1e-10, atol=1e-15)
        np.testing.assert_allclose(t.params[k], p[k] - t.config.lr * g["d" + k], rtol=1e-12, atol=1e-15)


def test_each_epoch_is_a_seeded_shuffle_of_equal_batches():
    t = trainer(batch_size=8)
    per_epoch = 60 // 8
    epoch0 = np.concatenate([t.feeder.batch_at(s) for s in range(per_epoch)])
    epoch1 = np.concatenate([t.feeder.batch_at(s) for s in range(per_epoch, 2 * per_epoch)])
    assert len(set(epoch0)) == len(epoch0) == 56  # no sample twice in an epoch
    assert not np.array_equal(epoch0, epoch1)     # a fresh shuffle each epoch
    assert np.array_equal(trainer(batch_size=8).feeder.batch_at(3), t.feeder.batch_at(3))  # seeded
    assert not np.array_equal(trainer(batch_size=8, seed=5).feeder.batch_at(3), t.feeder.batch_at(3))
    t.run(per_epoch * 2 + 3)
    assert t.epoch == pytest.approx(2 + 3 / per_epoch)
    assert trainer().epoch == 0 and trainer(batch_size=100).batch == 60  # a batch past m is full batch


def test_live_changes_are_events_and_keep_theta_and_the_epoch_count():
    t = trainer(batch_size=10)
    t.run(12)
    theta = t.flat.theta.copy()
    t.set_l2(0.3)
    t.set_l1(0.1)
    t.set_batch_size(20)
    assert t.flat.theta.tobytes() == theta.tobytes()
    assert [(e.name, e.value) for e in t.events] == [("l2", 0.3), ("l1", 0.1), ("batch_size", 20)]
    assert t.epoch == pytest.approx(2.0) and t.batch == 20
    t.run(3)
    assert t.epoch == pytest.approx(3.0)
    with pytest.raises(ValueError, match="l2 rate"):
        t.set_l2(-1)
    with pytest.raises(ValueError, match="batch size"):
        t.set_batch_size(-2)


def test_a_pickled_trainer_keeps_its_batches():
    t = trainer(batch_size=8, l2=0.1)
    t.run(5)
    t.set_batch_size(6)
    t.run(4)
    u = pickle.loads(pickle.dumps(t))
    a, b = t.step(), u.step()
    assert a.loss == b.loss and t.flat.theta.tobytes() == u.flat.theta.tobytes()


def session(t: Trainer, log_step) -> None:
    """Mini-batches, L2 and live changes of λ, L1 and the batch size, with logged steps."""
    for n, change in ((40, lambda: t.set_l2(0.05)), (30, lambda: t.set_l2(0.5)), (25, lambda: t.set_l1(0.02)),
                      (20, lambda: t.set_batch_size(0)), (15, lambda: t.set_batch_size(12)), (35, None)):
        for i in range(n):
            log_step(t) if i % 3 == 0 else t.run(1)
        if change is not None:
            change()


def test_rerun_of_mini_batches_with_l2_and_a_live_lambda_change_is_bit_exact(tmp_path):
    path = tmp_path / "mb.jsonl"
    original = trainer(batch_size=8, l2=0.01, dev_fraction=0.25)
    writer = RunLogWriter(path, original)
    session(original, lambda t: writer.step(t.step()))
    writer.close()
    log, recs = open_log(path)
    assert log.header["config"]["batch_size"] == 8 and log.header["config"]["l2"] == 0.01
    again = trainer_from_log(log)
    res = rerun(again, recs)
    assert res.identical and res.complete, [m.describe() for m in res.mismatches]
    assert res.events_applied == 5 and res.steps_compared > 50
    assert again.flat.theta.tobytes() == original.flat.theta.tobytes()
    # and an export of the same session (the TUI's), from the history
    exported = write_atomic(tmp_path / "export.jsonl", export_lines(original))
    log, recs = open_log(exported)
    res = rerun(trainer_from_log(log), recs)
    assert res.identical and res.steps_compared == original.tick


def test_a_changed_lambda_in_the_log_is_caught_by_the_rerun(tmp_path):
    path = tmp_path / "mb.jsonl"
    original = trainer(batch_size=8, l2=0.01)
    writer = RunLogWriter(path, original)
    session(original, lambda t: writer.step(t.step()))
    writer.close()
    text = path.read_text().replace('"name": "l2", "value": 0.5', '"name": "l2", "value": 0.4')
    path.write_text(text)
    log, recs = open_log(path)
    res = rerun(trainer_from_log(log), recs)
    assert not res.identical and res.mismatches[0].what == "loss"


def test_the_step_records_accuracy_for_0_1_targets_only():
    t = trainer(dev_fraction=0.3)
    t.run(200)
    r = t.step()
    right = np.mean((t.predict(t.data.X) >= 0.5) == t.data.Y)
    assert r.accuracy is not None and abs(r.accuracy - right) <= 2 / t.m  # θ_t vs θ_t+1
    assert 0.5 < r.dev_accuracy <= 1
    story = Trainer(TrainConfig(), make_dataset("story"))
    assert story.step().accuracy is None
