"""The findings about Playground's controls (core/diagnosis/findings_problem.py), beyond the
labelled runs: what each says and offers, and the penalty on the loss curve."""
from __future__ import annotations

import numpy as np

from core.diagnosis.evaluation import evaluate
from core.diagnosis.findings import diagnose
from core.diagnosis.findings_problem import batch_noise, batch_noise_only, penalty_cure
from core.diagnosis.findings_training import diverging
from core.diagnosis.snapshot import take_snapshot
from core.engine.config import TrainConfig
from core.engine.playground import make_dataset
from core.engine.trainer import Trainer
from tui_trainer.widgets.loss_curve import penalty_curve

BCE = dict(hidden=(4,), hidden_activation="tanh", output_activation="sigmoid", loss="bce", lr=0.5, normalize=True)


def trained(steps: int, **kw) -> Trainer:
    t = Trainer(TrainConfig(**{**BCE, **kw}), make_dataset("circle", 0, 200, 1))
    with np.errstate(all="ignore"):
        t.run(steps)
    return t


def findings(t: Trainer) -> dict:
    with np.errstate(all="ignore"):
        return {f.code: f for f in diagnose(t, evaluate(t))}


def test_strong_l2_names_lambda_and_offers_the_checked_lower_rate():
    f = findings(trained(2000, l2=3.0))
    assert set(f) == {"over_regularized"}  # high_bias is explained by λ, not raised beside it
    o = f["over_regularized"]
    assert "L2 λ 3" in o.message and o.evidence["penalty_share"] > 0.05
    assert o.cure_cli == "--l2 0.3" and o.keys == ("[",) and "press [ 2 times" in o.cure
    assert [c["helped"] for c in o.evidence["cure_checks"]] == [True]


def test_the_cure_steps_down_playgrounds_rates_tenfold():
    assert penalty_cure("l2", 3.0).value == 0.3 and penalty_cure("l1", 0.01).value == 0.001
    assert penalty_cure("l2", 0.003).value == 0.0 and penalty_cure("l2", 0.003).keys == ("[",)
    assert penalty_cure("l1", 1.0).keys == ("{",) and penalty_cure("l1", 1.0).flags == ("--l1",)


def test_a_divergence_alarm_from_batch_losses_becomes_minibatch_noise():
    t = trained(1000, batch_size=2)
    ev = evaluate(t)
    for _ in range(200):  # find a state where the raw-loss check cries divergence
        t.run(1)
        ev = evaluate(t)
        div, _ = diverging(t, ev)
        if div is not None:
            break
    assert div is not None
    kept, noise = batch_noise(t, ev, div)
    assert kept is None and noise.code == "minibatch_noise"
    assert "mini-batches of 2" in noise.message and "not divergence" in noise.message
    assert noise.evidence["step_loss_p90"] >= 10 * noise.evidence["step_loss_p10"]


def test_full_batch_runs_never_get_minibatch_noise():
    t = trained(500)
    ev = evaluate(t)
    assert batch_noise(t, ev, None) == (None, None) and not batch_noise_only(t)


def test_watchers_can_ask_whether_a_jump_is_batch_noise():
    assert batch_noise_only(trained(1000, batch_size=2))
    blown = Trainer(TrainConfig(hidden=(4,), output_activation="linear", normalize=True, lr=3.0, batch_size=10),
                    make_dataset("plane", 0, 200, 1))
    with np.errstate(all="ignore"):
        blown.run(300)
    assert not batch_noise_only(blown)  # diverged: the engine stopped it, nothing to explain away


def test_the_loss_curve_draws_the_penalty_only_when_it_was_on():
    on = take_snapshot(trained(50, l2=0.1), with_findings=False)
    assert np.all(penalty_curve(on) > 0) and len(penalty_curve(on)) == len(on.hist_step)
    off = take_snapshot(trained(50), with_findings=False)
    assert np.isnan(penalty_curve(off)).all()


def test_pause_on_trouble_is_not_fooled_by_mini_batches():
    from core.diagnosis.trouble import TroubleWatch
    t = trained(0, hidden_activation="relu", batch_size=2)
    watch = TroubleWatch()
    watch.begin(t)
    assert watch.stopper(t) is None  # a batch's dead counts are not news; the whole set's are, after the run
    kinds = []
    with np.errstate(all="ignore"):
        for _ in range(60):
            watch.begin(t)
            t.run(20, watch.stopper(t))
            trouble = watch.after_run(t)
            kinds.append(None if trouble is None else trouble.kind)
    assert t.step_count == 1200 and "diverging" not in kinds
