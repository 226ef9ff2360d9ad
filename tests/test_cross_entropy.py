"""Cross-entropy done exactly: the fused dZ^[L] = AL − Y for a sigmoid output, J from the
logits, 0/1 targets never standardised, and the gradient check on saturated states
(issue 11, items 1, 2 and 9)."""
from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from core.diagnosis.diagnostics import engine_gradient_check
from core.diagnosis.gradcheck import gradient_check
from core.engine.config import TrainConfig
from core.engine.csv_data import load_csv
from core.engine.data import Dataset, make_split, prepare
from core.engine.losses import compute_cost, cross_entropy_from_logits, loss_backward
from core.engine.network import cost_and_grads
from core.engine.trainer import Trainer

DATA = Path(__file__).parent / "data"


def one_unit(b2: float) -> dict:
    """A 1-1-1 network whose output logit is b2 on every sample (W2 = 0)."""
    return {"W1": np.array([[1.0]]), "b1": np.array([[0.0]]), "W2": np.array([[0.0]]), "b2": np.array([[b2]])}


@pytest.mark.parametrize("z", [28.0, 30.0, 37.0, 60.0, 800.0])
def test_dz_of_a_confident_mistake_is_exactly_a_minus_y(z):
    # Y = 0 with Z^[L] = z: dJ/dZ^[L] = σ(z) − 0 ≈ 1, and J = softplus(z) ≈ z.
    X, Y = np.array([[1.0]]), np.array([[0.0]])
    J, g = cost_and_grads(X, Y, one_unit(z), "relu", "sigmoid", "bce")
    assert g["db2"][0, 0] == pytest.approx(1.0, rel=1e-12)
    assert J == pytest.approx(z, rel=1e-12)


@pytest.mark.parametrize("z", [-800.0, -40.0, 0.0, 40.0, 800.0])
def test_the_trainer_step_agrees_with_the_reference_when_saturated(z):
    X, Y = np.array([[1.0, 2.0]]), np.array([[0.0, 1.0]])
    t = Trainer(TrainConfig(hidden=(1,), output_activation="sigmoid", loss="bce", lr=1e-3), Dataset(X, Y))
    t.set_parameters(one_unit(z))
    t.run(1)
    J_ref, g = cost_and_grads(X, Y, one_unit(z), "relu", "sigmoid", "bce")
    assert t.history.last()[t.history.col["loss"]] == pytest.approx(J_ref, rel=1e-12)
    assert t.grads["db2"][0, 0] / 2 == pytest.approx(g["db2"][0, 0], rel=1e-12, abs=1e-300)
    # db2 = mean(σ(z) − Y) = σ(z) − 1/2: ±1/2 when saturated (one sample always wrong by 1)
    assert g["db2"][0, 0] == pytest.approx(0.5 * math.tanh(z / 2), abs=1e-15)  # σ(z) − 1/2


def test_gradcheck_agrees_with_backprop_on_saturated_cross_entropy():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3, 12))
    Y = (rng.random((1, 12)) > 0.5).astype(float)
    t = Trainer(TrainConfig(hidden=(4,), hidden_activation="tanh", output_activation="sigmoid", loss="bce"),
                Dataset(X, Y, ("a", "b", "c")))
    p = t.parameters()
    p["b2"] = np.array([[35.0]])  # every sample past σ's rounding to 1.0: half are confident mistakes
    p["W2"] = p["W2"] * 5
    t.set_parameters(p)
    g = engine_gradient_check(t)
    assert g.worst in ("good", "acceptable"), g.tensors
    assert all(c.band in ("good", "acceptable") for c in gradient_check(X, Y, p, "tanh", "sigmoid", "bce"))


def test_cross_entropy_from_logits_is_never_negative_and_matches_the_probability_form():
    Z = np.linspace(-30, 30, 61).reshape(1, -1)
    for y in (0.0, 0.3, 1.0):
        Y = np.full_like(Z, y)
        assert cross_entropy_from_logits(Z, Y) >= 0
        Zc = Z[np.abs(Z) <= 20].reshape(1, -1)  # where the clipped probability form is still exact
        A = 1 / (1 + np.exp(-Zc))
        Yc = np.full_like(Zc, y)
        assert cross_entropy_from_logits(Zc, Yc) == pytest.approx(compute_cost(A, Yc, "bce"), rel=1e-9)


def test_other_outputs_get_the_exact_derivative_of_the_clipped_cost():
    # A linear output at 1.5 or -0.5 is clipped into (0, 1): J does not change there, so dAL = 0.
    AL, Y = np.array([[1.5, -0.5, 0.25]]), np.array([[0.0, 1.0, 1.0]])
    d = loss_backward(AL, Y, "bce")
    assert d[0, 0] == 0 and d[0, 1] == 0 and d[0, 2] == pytest.approx(-4.0)
    rng = np.random.default_rng(1)
    X = rng.standard_normal((2, 8))
    Yb = (rng.random((1, 8)) > 0.5).astype(float)
    params = {"W1": rng.standard_normal((3, 2)), "b1": np.zeros((3, 1)),
              "W2": rng.standard_normal((1, 3)) * 3, "b2": np.array([[0.5]])}
    assert all(c.band in ("good", "acceptable", "zero") for c in gradient_check(X, Yb, params, "tanh", "linear", "bce"))


# ---- item 2: a 0/1 target is never standardised ------------------------------------------

def test_normalize_with_cross_entropy_standardises_x_only():
    ds = load_csv(DATA / "breast_cancer.csv")
    split = make_split(ds.m, 0.2, 4)
    p = prepare(ds, split, True, "bce")
    assert set(np.unique(p.Y)) == {0.0, 1.0} and (p.y_mean, p.y_std) == (0.0, 1.0)
    assert np.allclose(p.X.mean(axis=1), 0, atol=1e-12) and np.allclose(p.X.std(axis=1), 1)
    # a 0/1 target stays 0/1 with MSE too; a real-valued target is still standardised
    assert set(np.unique(prepare(ds, split, True, "mse").Y)) == {0.0, 1.0}
    d = load_csv(DATA / "diabetes.csv")
    assert prepare(d, make_split(d.m, 0.2, 4), True).Y.std() == pytest.approx(1.0)


def test_breast_cancer_cross_entropy_stays_non_negative_while_training():
    ds = load_csv(DATA / "breast_cancer.csv")
    t = Trainer(TrainConfig(hidden=(8,), hidden_activation="tanh", output_activation="sigmoid", loss="bce",
                            lr=0.5, normalize=True, dev_fraction=0.2), ds)
    t.run(300)
    rows = t.history.rows()
    assert (rows[:, t.history.col["loss"]] >= 0).all() and (rows[:, t.history.col["dev_loss"]] >= 0).all()
    assert t.history.last()[t.history.col["loss"]] < 0.2  # it learns: ln 2 = 0.69 at chance


# ---- item 9 and the command line ---------------------------------------------------------

def cli(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tui_trainer", *argv], capture_output=True, text=True, timeout=120)


def test_gradcheck_on_an_all_dead_network_says_there_is_nothing_to_check():
    r = cli("gradcheck", "--seed", "5", "--json")
    out = json.loads(r.stdout)
    assert r.returncode == 0 and out["nothing_to_check"] is True and out["worst"] == "zero"
    assert {k["band"] for k in out["tensors"]} == {"zero"}
    assert "Z^[L] <= 0 on all 20 samples" in out["why"]
    assert "nothing to check: the gradient is 0" in cli("gradcheck", "--seed", "5").stdout


def test_cross_entropy_on_a_non_sigmoid_output_is_refused_with_the_reason():
    # (with no --output-activation, own 0/1 data gets a sigmoid output: tests/test_data_defaults.py)
    r = cli("run", "--steps", "1", "--loss", "bce", "--output-activation", "relu", "--data", str(DATA / "breast_cancer.csv"))
    assert r.returncode == 2 and r.stdout == ""
    assert "--loss bce needs --output-activation sigmoid" in r.stderr and len(r.stderr.strip().splitlines()) == 1
