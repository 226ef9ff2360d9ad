"""Issue 17: on large data the forward pass for a frame runs in chunks of samples (cache-sized,
and no 10 × m float arrays held at once). The chunks must change nothing: every number and
every dead sample and unit as from one pass over all samples."""
from __future__ import annotations

import numpy as np
import pytest

from core.diagnosis import evaluation as E
from core.engine import chunks
from core.engine.config import TrainConfig
from core.engine.data import Dataset
from core.engine.trainer import Trainer


def trainer(m: int, dev: float) -> Trainer:
    rng = np.random.default_rng(1)
    X = rng.uniform(-3, 3, (2, m))
    Y = (X[:1] ** 2 - X[1:] + rng.normal(0, 0.1, (1, m)))
    t = Trainer(TrainConfig(hidden=(7, 5), lr=1e-3, dev_fraction=dev), Dataset(X, Y))
    t.run(30)
    return t


def test_chunks_give_the_numbers_of_one_pass(monkeypatch):
    for dev in (0.0, 0.2):
        t = trainer(5003, dev)  # not a multiple of the chunk: the last one is short
        whole = E.evaluate(t)
        forward, calls = chunks.ForwardBuffers.forward, []
        monkeypatch.setattr(chunks, "CHUNK", 256)
        monkeypatch.setattr(chunks.ForwardBuffers, "forward",
                            lambda self, p, acts, X: calls.append(X.shape[1]) or forward(self, p, acts, X))
        chunked = E._evaluate(t)  # not evaluate(): it would give back `whole`, the same θ's
        monkeypatch.undo()
        assert max(calls) == 256 and len(calls) > 10  # it did run in chunks
        assert chunked.loss == whole.loss and chunked.rmse == whole.rmse
        assert chunked.dev_loss == whole.dev_loss and chunked.dev_rmse == whole.dev_rmse
        assert np.array_equal(chunked.Z_L, whole.Z_L) and np.array_equal(chunked.y_hat, whole.y_hat)
        assert np.array_equal(chunked.dead_samples, whole.dead_samples)
        assert all(np.array_equal(a, b) for a, b in zip(chunked.hidden_active, whole.hidden_active))
        assert all(np.array_equal(a, b) for a, b in zip(chunked.dead_units, whole.dead_units))


def test_outputs_uses_chunks_past_the_chunk_size(monkeypatch):
    t = trainer(1000, 0.0)
    seen = []
    forward = t.forward
    monkeypatch.setattr(t, "forward", lambda X: seen.append(X.shape[1]) or forward(X))
    E.outputs(t, t.data.X, chunk=300)
    assert seen == [300, 300, 300, 100]


def test_binned_counts_match_a_plain_count():
    from core.diagnosis.sample_bins import binned_true
    rng = np.random.default_rng(2)
    for m, per in ((1000, 10), (1003, 10), (7, 3), (5, 8)):
        flags = rng.random((3, m)) > 0.4
        starts = np.arange(0, m, per)
        expected = np.add.reduceat(flags.astype(np.int64), starts, axis=1)
        assert np.array_equal(binned_true(flags, per), expected)
        assert np.array_equal(binned_true(flags[0], per), expected[0])
    # Full bins at the edges of the narrow counter (uint16 below 65,536 per bin, int64 above).
    for per in (65535, 65536):
        flags = np.ones((2, 2 * per + 5), dtype=bool)
        assert binned_true(flags, per).tolist() == [[per, per, 5]] * 2


def test_table_rows_read_only_their_window(monkeypatch):
    from core.diagnosis import sample_rows as R
    t = trainer(5000, 0.2)
    ev = E.evaluate(t)
    read = []
    gather = R.Gathered.__getitem__
    monkeypatch.setattr(R.Gathered, "__getitem__", lambda self, pick: read.append(len(pick)) or gather(self, pick))
    rows = R.sample_rows(t, ev, R.TableView(100, 40))
    assert read == [40, 40]  # x and y of the window only
    assert np.array_equal(rows.x, t.dataset.X[0, rows.index]) and np.array_equal(rows.y, t.dataset.Y[0, rows.index])
    worst = R.sample_rows(t, ev, R.TableView(0, 10, worst_first=True))
    err = np.abs(worst.y_hat - worst.y)
    assert np.all(np.diff(err) <= 0)  # worst first still reads every y to order them


def test_loss_at_init_in_chunks_is_the_same(monkeypatch):
    from core.diagnosis import loss_at_init as LI
    t = trainer(5003, 0.0)
    whole = LI.loss_at_init(t)
    forward, calls = LI.L_model_forward, []
    monkeypatch.setattr(chunks, "CHUNK", 512)
    monkeypatch.setattr(LI, "L_model_forward", lambda X, *a: calls.append(X.shape[1]) or forward(X, *a))
    assert LI.loss_at_init(t) == whole
    assert calls == [512] * 9 + [5003 - 9 * 512]


@pytest.mark.parametrize("hidden, out", [("tanh", "sigmoid"), ("leaky_relu", "linear"), ("swish", "relu"),
                                         ("linear", "tanh"), ("relu", "relu")])
def test_chunk_buffers_give_the_numbers_of_one_pass(monkeypatch, hidden, out):
    """The reused buffers (chunks.ForwardBuffers) and Trainer.forward agree bit for bit for
    every activation, NaN and overflow included."""
    rng = np.random.default_rng(2)
    X = rng.uniform(-40, 40, (2, 3001))
    X[:, 7] = np.nan
    t = Trainer(TrainConfig(hidden=(6, 3), hidden_activation=hidden, output_activation=out),
                Dataset(X, X[:1] * 2))
    whole = t.forward(X)
    monkeypatch.setattr(chunks, "CHUNK", 500)
    ZL, AL = t.output(X)
    assert np.array_equal(ZL, whole[0][-1], equal_nan=True) and np.array_equal(AL, whole[1][-1], equal_nan=True)
    assert np.isnan(AL[:, 7]).all()


def test_an_evaluation_is_computed_once_per_state():
    t = trainer(300, 0.2)
    first = E.evaluate(t)
    assert E.evaluate(t) is first
    t.run(1)
    after_step = E.evaluate(t)
    assert after_step is not first and after_step.step == first.step + 1
    theta = t.parameters()
    t.set_parameters({k: v * 2 for k, v in theta.items()})  # the same step, another θ
    moved = E.evaluate(t)
    assert moved is not after_step and moved.loss != after_step.loss
    t.set_output_activation("linear")  # the same θ, another network
    assert E.evaluate(t) is not moved
    t.reset()  # back to step 0: new prepared data, even at step 0's θ
    assert E.evaluate(t).loss == E._evaluate(t).loss and E.evaluate(t) is not first


def test_a_key_gives_up_a_pass_over_large_data_between_chunks(monkeypatch):
    """A periodic frame's pass over 1M samples took ~40 ms that a key waited behind: it now
    stops between chunks, keeps nothing, and the next evaluation is whole."""
    from core.diagnosis.snapshot import take_snapshot
    from core.engine.chunks import Abandoned
    t = trainer(5003, 0.2)
    monkeypatch.setattr(chunks, "CHUNK", 256)
    asked = []
    with pytest.raises(Abandoned):
        take_snapshot(t, with_findings=False, interrupted=lambda: bool(asked.append(1)) or len(asked) > 3)
    assert len(asked) == 4  # it stopped at the first chunk after the key, not at the end
    assert t not in E._recent  # a pass given up is not kept
    assert E.evaluate(t, stop=lambda: False).loss == E._evaluate(t).loss


def test_forget_drops_a_kept_evaluation():
    t = trainer(300, 0.0)
    first = E.evaluate(t)
    E.forget(t)
    assert t not in E._recent and E.evaluate(t) is not first


def test_every_activations_exact_into_gives_forwards_numbers():
    """Activation.exact_into (the passes' kernel) is forward, bit for bit: NaN, ±inf, -0 and
    overflow included (forward_into's ReLU, for the step, maps NaN to 0)."""
    from core.engine.activations import ACTIVATION_NAMES, get_activation
    Z = np.array([[np.nan, np.inf, -np.inf, -0.0, 0.0, 1e-300, -800.0, 800.0, 3.5, -2.25]])
    for name in ACTIVATION_NAMES:
        act = get_activation(name)
        with np.errstate(all="ignore"):
            got, want = act.exact_into(Z, np.empty_like(Z)), act.forward(Z)
        assert np.array_equal(got, want, equal_nan=True), name
        assert np.array_equal(np.signbit(got), np.signbit(want)), name


@pytest.mark.parametrize("shape", [(1, 20), (1, 100_001), (2, 333)])
def test_the_loss_and_rmse_from_one_sum_are_output_cost_and_rmse_bit_for_bit(shape):
    from core.diagnosis.evaluation import _loss_and_rmse, _rmse
    from core.engine.config import TrainConfig
    from core.engine.losses import output_cost
    rng = np.random.default_rng(0)
    A, Y, c = rng.normal(size=shape) * 1e3, rng.normal(size=shape), TrainConfig()
    for y_std in (1.0, 3.7):
        assert _loss_and_rmse(A, A, Y, c, y_std) == (output_cost(A, A, Y, "mse", c.output_activation), _rmse(A, Y, y_std))
