"""The full-batch step in chunks of samples (core/engine/chunked_step.py) against the step on
the whole batch at once: the same history rows (loss, norms, dead counts, accuracy, dev loss)
and parameters, to rounding, for every kind of run; and a step abandoned mid-way by a key
leaves θ, the history and the counters as they were."""
import numpy as np
import pytest

from core.engine import chunked_step
from core.engine.chunked_step import cache_chunk
from core.engine.config import TrainConfig
from core.engine.data import Dataset, story_problem
from core.engine.trainer import Trainer

RTOL = 1e-9


class Chunked(Trainer):
    STEP_CHUNK = 7  # 20 story samples: chunks of 7, 7 and 6, so both Part sizes run


class Whole(Trainer):
    STEP_CHUNK = 0


def binary_data(m=23):
    rng = np.random.default_rng(3)
    X = rng.standard_normal((2, m))
    return Dataset(X, (X[0:1] + X[1:2] > 0.2).astype(float), ("a", "b"))


def three_features(m=23):
    rng = np.random.default_rng(4)
    X = rng.standard_normal((3, m))
    return Dataset(X, (X[0:1] * 2 + X[1:2] - X[2:3]), ("a", "b", "c"))


CASES = {
    "story relu/relu": (story_problem, dict()),
    "story normalised, linear out": (story_problem, dict(normalize=True, output_activation="linear", lr=0.01)),
    "two hidden relu, dev set": (story_problem, dict(hidden=(6, 4), normalize=True, lr=0.01, dev_fraction=0.25)),
    "tanh/sigmoid cross-entropy": (binary_data, dict(hidden_activation="tanh", output_activation="sigmoid",
                                                     loss="bce", lr=0.1)),
    "relu/relu cross-entropy (clipped)": (binary_data, dict(loss="bce", lr=0.05)),
    "swish, leaky out, L2 and L1": (binary_data, dict(hidden_activation="swish", output_activation="leaky_relu",
                                                      l2=0.1, l1=0.01, lr=0.05)),
    "three features, leaky hidden": (three_features, dict(hidden=(3,), hidden_activation="leaky_relu",
                                                         output_activation="linear", lr=0.05)),
}


def pair(make, kw):
    data = make()
    cfg = TrainConfig(**kw)
    return Chunked(cfg, data), Whole(cfg, data)


@pytest.mark.parametrize("case", CASES)
def test_chunked_steps_match_the_whole_batch(case):
    chunked, whole = pair(*CASES[case])
    assert chunked.chunks is not None and whole.chunks is None
    for _ in range(3):
        assert chunked.run(40) == whole.run(40)
        rec_c, rec_w = chunked.step(), whole.step()
        assert rec_c.status == rec_w.status
        np.testing.assert_allclose(rec_c.Z_L, rec_w.Z_L, rtol=RTOL, atol=1e-12)
        np.testing.assert_allclose(rec_c.A_L, rec_w.A_L, rtol=RTOL, atol=1e-12)
    rows_c, rows_w = chunked.history.rows(), whole.history.rows()
    np.testing.assert_allclose(rows_c, rows_w, rtol=RTOL, atol=1e-12)
    np.testing.assert_allclose(chunked.flat.theta, whole.flat.theta, rtol=RTOL, atol=1e-12)


def test_dead_counts_are_counted_over_every_chunk():
    """The story at its default settings kills output samples and can kill hidden units:
    the counts are the whole batch's, not the last chunk's."""
    chunked, whole = pair(story_problem, dict(lr=5e-4))
    chunked.run(300), whole.run(300)
    col = whole.history.col
    for name in ("dead_output", "dead_hidden1"):
        assert np.array_equal(chunked.history.rows()[:, col[name]], whole.history.rows()[:, col[name]])
    assert whole.history.rows()[:, col["dead_output"]].max() > 0  # the test sees dead samples


def test_a_key_mid_step_abandons_the_step_untouched():
    chunked = pair(story_problem, {})[0]
    chunked.run(5)
    theta, rows, tick, step = chunked.flat.theta.copy(), len(chunked.history), chunked.tick, chunked.step_count
    calls = []

    def key_after_first_chunk():
        calls.append(1)
        return len(calls) > 2  # false before the step and before its first chunk, then true

    assert chunked.run(3, interrupt=key_after_first_chunk) == 0
    assert np.array_equal(chunked.flat.theta, theta)
    assert (len(chunked.history), chunked.tick, chunked.step_count, chunked.status) == (rows, tick, step, "ok")
    # The next run does that step as if nothing had happened.
    whole = pair(story_problem, {})[1]
    whole.run(6), chunked.run(1)
    np.testing.assert_allclose(chunked.flat.theta, whole.flat.theta, rtol=RTOL)


def test_keys_held_down_slow_training_but_cannot_stop_it(monkeypatch):
    """A key always waiting: steps are abandoned for STARVE_S, then one completes."""
    now = [100.0]
    monkeypatch.setattr(chunked_step, "clock", lambda: now[0])
    chunked = pair(story_problem, {})[0]
    done = []
    for _ in range(10):
        done.append(chunked.run(1, interrupt=_true_after_start()))
        now[0] += 0.125  # (exact in binary)
    assert done == [0, 0, 0, 0, 1] * 2 and chunked.step_count == 2


def _true_after_start():
    """An interrupt that lets the step begin (the check before it) and is true from then on."""
    calls = []
    return lambda: bool(calls.append(1)) or len(calls) > 1


def test_a_divergence_is_caught_and_rolled_back_as_before():
    chunked, whole = pair(story_problem, dict(lr=0.5))
    assert chunked.run(100) == whole.run(100)
    assert chunked.status == whole.status == "diverged"
    assert chunked.step_count == whole.step_count
    np.testing.assert_allclose(chunked.flat.theta, whole.flat.theta, rtol=RTOL)


def test_a_pickled_chunked_trainer_goes_on_identically():
    import pickle
    chunked = pair(story_problem, dict(normalize=True, output_activation="linear", lr=0.01))[0]
    chunked.run(10)
    copy = pickle.loads(pickle.dumps(chunked))
    assert copy.chunks is not None
    chunked.run(10), copy.run(10)
    assert np.array_equal(chunked.flat.theta, copy.flat.theta)


def test_large_data_steps_in_chunks_with_small_buffers():
    m = 3 * Trainer.STEP_CHUNK + 5
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (1, m))
    t = Trainer(TrainConfig(hidden=(10,), normalize=True, output_activation="linear", lr=0.1),
                Dataset(X, 2 * X + 1, ("x",)))
    assert t.chunks is not None
    # Cache-sized chunks: 2,048 samples for 10 hidden units (+1 output), 1,024 for 64.
    assert max(B["Z"].shape[1] for B in t.bufs) == 2048
    assert sorted(t.chunks.parts) == [m % 2048, 2048]
    assert cache_chunk([1, 64, 1]) == 1024 and cache_chunk([1, 10, 1], most=7) == 7
    t.run(3)
    assert t.status == "ok" and t.step_count == 3


# ---- a step prepared ahead (Trainer.prepare_step) ----------------------------------------------

def _prepared_run(t, steps, between=lambda t, i: None):
    """Each step prepared first, as the TUI does while paused between keys."""
    for i in range(steps):
        between(t, i)
        assert t.prepare_step()
        t.run(1)


@pytest.mark.parametrize("case", ["story relu/relu", "two hidden relu, dev set", "tanh/sigmoid cross-entropy",
                                  "swish, leaky out, L2 and L1"])
def test_prepared_steps_are_the_steps_bit_for_bit(case):
    make, kw = CASES[case]
    plain, ahead = Chunked(TrainConfig(**kw), make()), Chunked(TrainConfig(**kw), make())
    plain.run(30)
    _prepared_run(ahead, 30)
    assert np.array_equal(plain.history.rows(), ahead.history.rows(), equal_nan=True)
    assert np.array_equal(plain.flat.theta, ahead.flat.theta)
    assert np.array_equal(plain.step().Z_L, (ahead.prepare_step(), ahead.step())[1].Z_L)


def test_a_prepared_step_leaves_the_gradient_shown_alone_and_is_used_once():
    t = pair(story_problem, {})[0]
    t.run(3)
    G, theta = t.flat.G.copy(), t.flat.theta.copy()
    assert t.prepare_step() and t.chunks.ready is not None
    assert np.array_equal(t.flat.G, G) and np.array_equal(t.flat.theta, theta)
    generation = t.chunks.generation
    assert t.prepare_step() and t.chunks.generation == generation  # already prepared: no pass
    t.run(1)
    assert t.chunks.ready is None and t.chunks.generation == generation  # the step used it


def test_a_prepared_step_is_not_used_after_theta_or_a_setting_changed():
    """θ moved by hand, another hidden activation (a recompile), the rate: each time
    the step computes its own passes, and the run matches one never prepared."""
    changes = {
        0: lambda t: t.set_parameters({"b2": t.params["b2"] + 0.5}),
        1: lambda t: t.set_hidden_activation("tanh"),
        2: lambda t: t.run(1),  # the prepared step taken, then one prepared anew
        3: lambda t: t.set_lr(t.config.lr / 2),
    }

    def prepare_then_change(t, i):
        if i in changes:
            assert t.prepare_step()
            changes[i](t)

    plain, ahead = pair(story_problem, {})[0], pair(story_problem, {})[0]
    for i in range(6):
        if i in changes:
            changes[i](plain)
        plain.run(1)
    _prepared_run(ahead, 6, prepare_then_change)
    assert np.array_equal(plain.history.rows(), ahead.history.rows(), equal_nan=True)
    assert np.array_equal(plain.flat.theta, ahead.flat.theta)


def test_preparing_gives_up_for_a_key_and_small_data_has_nothing_to_prepare():
    t = pair(story_problem, {})[0]
    theta, G = t.flat.theta.copy(), t.flat.G.copy()
    assert not t.prepare_step(stop=_true_after_start())
    assert t.chunks.ready is None and np.array_equal(t.flat.G, G) and np.array_equal(t.flat.theta, theta)
    assert not pair(story_problem, {})[1].prepare_step()  # the whole batch at once: no chunks
