"""Issue 17 (1M rows): the trainer crosses to the training process with its arrays uncopied
(session/handoff.py), to a child forked from the fork server (session/starting.py); and on
large data whatever a frame costs gives way to a key: the child's first frame, the baseline,
the loss at init, λmax."""
from __future__ import annotations

import collections
import pickle

import numpy as np

from core.engine.config import TrainConfig
from core.engine.data import Dataset
from core.engine.trainer import Trainer
from tui_trainer import protocol as P
from tui_trainer.session.handoff import recv_object, send_object
from tui_trainer.session.ahead import LARGE_SAMPLES as LIGHT_START_SAMPLES
from tui_trainer.session.loop import Session


class Wire:
    """Both ends of a Connection in one object: what was sent, in order, and each size."""

    def __init__(self) -> None:
        self.messages: collections.deque = collections.deque()
        self.sizes: list[int] = []

    def send(self, obj) -> None:
        self.messages.append(pickle.dumps(obj))
        self.sizes.append(len(self.messages[-1]))

    def send_bytes(self, buf) -> None:
        self.messages.append(bytes(buf))
        self.sizes.append(len(self.messages[-1]))

    def recv(self):
        return pickle.loads(self.messages.popleft())

    def recv_bytes(self) -> bytes:
        return self.messages.popleft()

    def recv_bytes_into(self, buf: bytearray) -> int:
        data = self.messages.popleft()
        buf[:len(data)] = data
        return len(data)


def large_trainer(m: int = 20_000) -> Trainer:
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (1, m))
    return Trainer(TrainConfig(hidden=(4,), lr=0.01, dev_fraction=0.2), Dataset(X, 2 * X + 1 + 0.1 * rng.normal(size=(1, m))))


def test_the_trainer_arrives_whole_and_trains_as_the_original():
    t = large_trainer()
    t.run(3)
    wire = Wire()
    send_object(wire, t)
    got = recv_object(wire)
    assert not wire.messages
    assert np.array_equal(got.dataset.X, t.dataset.X) and np.array_equal(got.split.dev_idx, t.split.dev_idx)
    assert got.dataset.X.flags.writeable and got.flat.theta.flags.writeable
    assert got.loss_ceiling == t.loss_ceiling   # carried over, not recomputed (a pass over all samples)
    t.run(5)
    got.run(5)
    assert np.array_equal(got.flat.theta, t.flat.theta) and got.step_count == t.step_count == 8


def test_the_arrays_go_as_their_own_messages_not_inside_one_pickle():
    t = large_trainer()
    data_bytes = t.dataset.X.nbytes + t.dataset.Y.nbytes
    wire = Wire()
    send_object(wire, t)
    stream = wire.sizes[1]   # the pickle itself (after the list of sizes)
    assert stream < data_bytes / 4, (stream, data_bytes)
    assert t.dataset.X.nbytes in wire.sizes[2:] and t.dataset.Y.nbytes in wire.sizes[2:]


def session_on(t: Trainer, frames: list) -> Session:
    return Session(t, frames.append, lambda n: None, pause_on_trouble=False)


def test_on_large_data_the_first_frame_gives_way_to_a_waiting_key():
    t = large_trainer(2 * LIGHT_START_SAMPLES)
    frames: list = []
    s = session_on(t, frames)
    s._key_waiting = lambda: True
    assert s._publish(force_findings=False, light=True, first=True) is False and not frames
    assert s._publish(force_findings=False, light=True) is True   # a key's frame is never given up
    assert len(frames) == 1 and not frames[0].fresh
    # ...and it does not start the cure chain (~40 ms at 1M samples): the findings bring it
    assert frames[0].next_step is None


def test_on_large_data_the_first_frame_goes_out_when_no_key_waits():
    frames: list = []
    s = session_on(large_trainer(2 * LIGHT_START_SAMPLES), frames)
    assert s._publish(force_findings=False, light=True, first=True) is True and len(frames) == 1
    assert frames[0].next_step is None and not frames[0].fresh
    assert s._publish(force_findings=True) is True   # the findings' frame, owed after it
    assert frames[-1].fresh and frames[-1].next_step is not None


def test_the_session_answers_a_key_sent_before_it_started():
    """A key pressed on the preview reaches a session whose first frame gave way to it: its
    frame (one step later) comes first, and then the owed findings."""
    frames: list = []
    s = session_on(large_trainer(2 * LIGHT_START_SAMPLES), frames)
    s.send(P.Command(P.STEP, 1))
    import threading
    th = threading.Thread(target=s.run_loop, daemon=True)
    th.start()
    try:
        deadline = 200
        while not any(f.fresh for f in frames) and deadline:
            th.join(0.05)
            deadline -= 1
    finally:
        s.close()
        th.join(5)
    assert frames[0].applied == 1 and frames[0].snapshot.step == 1   # no frame before the key's
    assert any(f.fresh for f in frames)


def test_a_widened_pipe_takes_a_large_frame_before_the_app_reads_it():
    """A frame at 1M samples (~350 KB) and the state after it (~1.5 MB) went through a 64 KB
    pipe: the training process waited in write() for the app's relay thread to read."""
    import multiprocessing as mp
    import threading

    import pytest

    from tui_trainer.session.handoff import widen_pipe
    recv, send = mp.get_context("spawn").Pipe(duplex=False)
    try:
        if not widen_pipe(recv):
            pytest.skip("this system cannot widen a pipe")
        writer = threading.Thread(target=send.send_bytes, args=(bytes(900_000),), daemon=True)
        writer.start()
        writer.join(5.0)
        assert not writer.is_alive()   # all of it in the pipe, nobody reading yet
        assert len(recv.recv_bytes()) == 900_000
    finally:
        recv.close()
        send.close()


def test_the_baseline_gives_way_to_a_key_and_resumes_where_it_stopped(monkeypatch):
    """The findings' first frame at 1M samples spent ~180 ms fitting the polynomial baseline
    (bias_variance), with a key waiting: it now stops between degrees, keeps no baseline, and
    the next try goes on from the degree it stopped at (starting over, under keys pressed a few
    times a second it never finished)."""
    import pytest

    from core.diagnosis import baseline_select
    from core.diagnosis.bias_variance import _CACHE, baseline_for, bias_variance
    from core.diagnosis.evaluation import evaluate
    from core.engine.chunks import Abandoned
    t = large_trainer()
    asked, scored = [], []
    mse_cv = baseline_select._mse_cv
    monkeypatch.setattr(baseline_select, "_mse_cv", lambda X, Y, deg: scored.append(deg) or mse_cv(X, Y, deg))

    def stop() -> bool:
        asked.append(1)
        return len(asked) > 3   # a key comes after the first degree
    with pytest.raises(Abandoned):
        bias_variance(t, evaluate(t), stop=stop)
    assert id(t.data) not in {k[0] for k in _CACHE}
    assert scored == [1]
    whole = bias_variance(t, evaluate(t))
    assert whole.baseline is not None and baseline_for(t) is whole.baseline
    assert scored == [1, *baseline_select.DEGREES[1:]]  # degree 1 was not scored again


def test_a_training_process_forked_from_the_fork_server_trains(monkeypatch):
    """The app's way (starting.py): the fork server is started before the data loads, and
    the session's child is forked from it and handed the trainer."""
    import multiprocessing as mp
    import threading

    import pytest

    from tui_trainer.session import starting
    from tui_trainer.session.process import ProcessSession
    if "forkserver" not in mp.get_all_start_methods():
        pytest.skip("no fork server here")
    monkeypatch.setattr(starting, "START_METHOD", starting.START_METHOD)  # restored after
    assert starting.start_fork_server() and starting.START_METHOD == "forkserver"
    frames: list = []
    got = threading.Event()

    def on_frame(f) -> None:
        frames.append(f)
        s.frame_drawn()
        if f.applied >= 1:
            got.set()
    s = ProcessSession(large_trainer(2000), on_frame, lambda n: None, options={"pause_on_trouble": False})
    assert s._ctx.get_start_method() == "forkserver"
    loop = threading.Thread(target=s.run_loop, daemon=True)
    loop.start()
    s.send(P.Command(P.STEP, 3))
    try:
        assert got.wait(30.0)
        assert s.pid is not None and frames[-1].snapshot.step >= 3
    finally:
        s.close()
        loop.join(15.0)
    assert not loop.is_alive()


def test_the_loss_at_init_gives_way_to_a_key_between_chunks(monkeypatch):
    """A findings frame's loss at init, one pass over all samples (~110 ms at 1M), stops
    between chunks of samples when a key waits; asked again, it is the whole answer."""
    import pytest

    from core.diagnosis.loss_at_init import loss_at_init
    from core.engine import chunks
    monkeypatch.setattr(chunks, "CHUNK", 1024)
    t = large_trainer()
    with pytest.raises(chunks.Abandoned):
        loss_at_init(t, stop=lambda: True)
    assert loss_at_init(t, stop=lambda: False) == loss_at_init(t)


def test_the_baseline_fit_gives_way_between_its_parts():
    """At 1M samples the polynomial baseline is one fit on all of them (~100 ms): it asks
    between the design, the solve and the predictions."""
    import pytest

    from core.diagnosis.baseline import fit_baseline
    from core.engine.chunks import Abandoned
    t = large_trainer()
    d = t.data
    for after in (0, 1, 2):
        asked = []
        with pytest.raises(Abandoned):
            fit_baseline(d.X, d.Y, 1, d.X_dev, d.Y_dev, stop=lambda: asked.append(1) or len(asked) > after)
    assert fit_baseline(d.X, d.Y, 1, d.X_dev, d.Y_dev, stop=lambda: False) == fit_baseline(d.X, d.Y, 1, d.X_dev, d.Y_dev)


def test_lambda_max_gives_way_to_a_key_between_products():
    """λmax (~40 ms at 1M samples, on 20k of them) asks before each Hessian-vector product."""
    import pytest

    from core.diagnosis.curvature import curvature
    from core.engine.chunks import Abandoned
    from core.engine.data import story_problem
    t = Trainer(TrainConfig(normalize=True), story_problem())
    asked = []
    with pytest.raises(Abandoned):
        curvature(t, iters=50, tol=1e-4, stop=lambda: asked.append(1) or len(asked) > 1)
    assert len(asked) == 2   # the second product was not made
    assert curvature(t, iters=50, tol=1e-4, stop=lambda: False) == curvature(t, iters=50, tol=1e-4)


def test_the_fork_server_outlives_a_closed_terminal(monkeypatch):
    """SIGHUP goes to the whole process group: the fork server must not die of it (the app's
    training process is forked from it and reported through it)."""
    import multiprocessing as mp
    import os
    import signal
    import time

    import pytest

    from tui_trainer.session import starting
    if "forkserver" not in mp.get_all_start_methods() or not hasattr(signal, "SIGHUP"):
        pytest.skip("no fork server or no SIGHUP here")
    from multiprocessing import forkserver
    monkeypatch.setattr(starting, "START_METHOD", starting.START_METHOD)
    assert starting.start_fork_server()
    pid = getattr(forkserver._forkserver, "_forkserver_pid", None)
    if pid is None:
        pytest.skip("this Python keeps the fork server's pid elsewhere")
    assert signal.getsignal(signal.SIGHUP) is not signal.SIG_IGN   # the app's own is back
    stat = f"/proc/{pid}/stat"
    if not os.path.exists(stat):
        pytest.skip("needs /proc to tell a running process from a dead one")
    os.kill(pid, signal.SIGHUP)
    time.sleep(0.3)
    with open(stat) as f:
        state = f.read().rsplit(")", 1)[1].split()[0]
    assert state not in ("Z", "X"), state   # not dead (a zombie until multiprocessing reaps it)


def test_the_trivial_losses_are_computed_once_per_targets():
    """A findings frame asked three times for them (~20 ms each at 1M samples)."""
    from core.diagnosis import loss_at_init as L
    Y = np.random.default_rng(0).normal(size=(1, 5000))
    first = L.trivial_losses(Y, "mse")
    assert L.trivial_losses(Y, "mse") is first
    assert L.trivial_losses(Y.copy(), "mse") == first and L.trivial_losses(Y.copy(), "mse") is not first
    assert L.trivial_losses(Y, "mse") == L._trivial_losses(Y, "mse")
    assert L.trivial_losses(Y[:, :100], "mse") != first   # another array: its own answer


def test_paused_the_session_prepares_the_next_step_and_a_step_key_uses_it():
    """Between keys on large data the training process computes the next step's passes
    (Trainer.prepare_step): `space` then only applies them."""
    import threading
    import time
    t = large_trainer(50_000)  # over Trainer.STEP_CHUNK: the step runs in chunks
    frames: list = []
    s = session_on(t, frames)
    th = threading.Thread(target=s.run_loop, daemon=True)
    th.start()
    try:
        deadline = time.monotonic() + 20
        while t.chunks.ready is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert t.chunks.ready is not None, "no step was prepared while paused"
        generation = t.chunks.generation
        s.send(P.Command(P.STEP, 1))
        while not any(f.applied == 1 for f in frames) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert t.step_count == 1
        while not (t.chunks.ready and t.chunks.ready[0] > generation) and time.monotonic() < deadline:
            time.sleep(0.01)  # the step's frame is out: the step after it is prepared
        assert t.chunks.generation == generation + 1   # that preparation's passes, none of the step's
    finally:
        s.close()
        th.join(5)


def test_preparing_a_step_stops_for_any_key_but_a_step():
    t = large_trainer(50_000)
    s = session_on(t, [])
    stops = []
    t.prepare_step = lambda stop=None: stops.append(stop) or True
    s._prepare_next_step()
    stop = stops[0]
    assert not stop()
    s.send(P.Command(P.STEP, 1))
    assert not stop()   # a step waits for the passes it needs
    s.send(P.Command(P.SCALE_LR, 0.5))
    assert stop()       # the rate's key goes first


def test_on_large_data_the_baseline_is_fitted_before_the_first_frame():
    """Its solve and design cannot stop for a key: before the first frame there is nothing on
    screen to press (session/ahead.py). With a key already waiting it gives way instead."""
    import threading

    from core.diagnosis.bias_variance import _CACHE
    t = large_trainer(2 * LIGHT_START_SAMPLES)
    fitted_at_first_frame = []

    def on_frame(frame) -> None:
        if not fitted_at_first_frame:
            fitted_at_first_frame.append(id(t.data) in {k[0] for k in _CACHE})
    s = Session(t, on_frame, lambda n: None, pause_on_trouble=False)
    th = threading.Thread(target=s.run_loop, daemon=True)
    th.start()
    try:
        for _ in range(200):
            if fitted_at_first_frame:
                break
            th.join(0.05)
    finally:
        s.close()
        th.join(5)
    assert fitted_at_first_frame == [True]

    t2 = large_trainer(2 * LIGHT_START_SAMPLES + 1)
    s2 = session_on(t2, [])
    s2._key_waiting = lambda: True
    s2._baseline_ahead()   # gives way at once: no baseline, no error
    assert id(t2.data) not in {k[0] for k in _CACHE}
