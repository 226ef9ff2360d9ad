"""Labelled runs for the diagnosis evaluation: each a small training run whose right diagnosis
is known, with the findings it must raise and those it must not raise. A healthy run must raise
none at all. `evaluate.py` scores the findings engine on them (precision and recall per code);
tests/test_diagnosis_eval.py requires every run to be right.

Synthetic runs use the story and generated data; real ones the public datasets shipped in
tests/data (see its README for sources and licences).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from ..engine.config import TrainConfig
from ..engine.csv_data import load_csv
from ..engine.data import Dataset, story_problem
from ..engine.playground import make_dataset

DATA = Path(__file__).resolve().parents[2] / "tests" / "data"
HEALTHY = "healthy"  # expect: no finding at all


@dataclass(frozen=True)
class LabelledRun:
    name: str
    data: Callable[[], Dataset]
    config: TrainConfig
    steps: int
    must: frozenset[str] = frozenset()      # codes it must raise (empty + healthy: none at all)
    must_not: frozenset[str] = frozenset()  # codes it must not raise
    healthy: bool = False
    lr_presses: int = 0                     # "+" presses before training (the story's item 5)
    output_presses: tuple[str, ...] = ()    # output activations switched to before training
    why: str = ""
    slow: bool = False                      # kept out of the default test run
    real: bool = False
    tags: tuple[str, ...] = field(default=())


def _csv(name: str, target: str | None = None) -> Callable[[], Dataset]:
    return lambda: load_csv(DATA / name, target)


def _iris_binary() -> Dataset:
    d = load_csv(DATA / "iris.csv")
    return Dataset(d.X, (d.Y == 2).astype(float), d.feature_names, "virginica", "iris")


def _noise(m: int = 12) -> Dataset:
    x = np.linspace(-1, 1, m)
    return Dataset(x.reshape(1, -1), np.random.default_rng(0).standard_normal(m).reshape(1, -1))


def _scaled(factor: float) -> Callable[[], Dataset]:
    def make() -> Dataset:
        x = np.linspace(-1, 1, 40)
        return Dataset((x * factor).reshape(1, -1), np.sin(3 * x).reshape(1, -1), ("x",), "y", "scaled")
    return make


def _heavy_tailed() -> Dataset:
    """Standardised features with a heavy tail (Student t, 2 degrees of freedom; max |z| ~ 11)."""
    rng = np.random.default_rng(3)
    X = rng.standard_t(2, size=(3, 300))
    X = (X - X.mean(axis=1, keepdims=True)) / X.std(axis=1, keepdims=True)
    y = np.tanh(X[0]) + 0.5 * X[1] - 0.3 * np.tanh(X[2]) + 0.1 * rng.standard_normal(300)
    return Dataset(X, y.reshape(1, -1), ("a", "b", "c"), "y", "heavy")


def _parabola() -> Dataset:
    x = np.linspace(-2, 2, 60)
    return Dataset(x.reshape(1, -1), (x**2).reshape(1, -1), ("x",), "y", "parabola")


def _imbalanced(noise: float) -> Callable[[], Dataset]:
    """About 10 % positives (7 % with label noise): x1 above a threshold, blurred by `noise`."""
    def make() -> Dataset:
        rng = np.random.default_rng(3)
        X = rng.normal(size=(2, 300))
        Y = ((X[0] + noise * rng.normal(size=300)) > 1.3 + noise).astype(float)
        return Dataset(X, Y.reshape(1, -1), ("a", "b"), "rare", "imbalanced")
    return make


def C(base: dict | None = None, **kw) -> TrainConfig:
    return TrainConfig(**{**(base or {}), **kw})


HEALTHY_MSE = dict(normalize=True, output_activation="linear", lr=0.05)
HEALTHY_BCE = dict(normalize=True, output_activation="sigmoid", loss="bce", lr=0.5)
CAPACITY = frozenset({"high_bias", "lr_too_low", "vanishing_gradients"})
story, f = story_problem, frozenset

RUNS: tuple[LabelledRun, ...] = (
    # ---- the story and variations ------------------------------------------------------------
    LabelledRun("story", story, C(), 5000, f({"dead_output", "dead_hidden", "unscaled_data"}),
                f({"diverging", "high_bias", "lr_too_low", "high_variance", "output_range"}),
                why="the forum thread: x >= 0 unnormalised, ReLU output"),
    LabelledRun("story_rate_killed", story, C(), 3000, f({"dead_hidden"}), CAPACITY,
                lr_presses=7, output_presses=("leaky_relu", "swish", "linear"),
                why="issue 11 item 5: + x7 kills every hidden unit; capacity findings are symptoms"),
    LabelledRun("story_healthy_relu", story, C(HEALTHY_MSE), 2000, healthy=True),
    LabelledRun("story_healthy_tanh_dev", story, C(HEALTHY_MSE, hidden_activation="tanh", dev_fraction=0.2),
                2000, healthy=True),
    LabelledRun("story_healthy_swish_seed1", story, C(HEALTHY_MSE, hidden_activation="swish", seed=1), 2000,
                healthy=True),
    LabelledRun("story_line", story, C(HEALTHY_MSE, lr=0.1, hidden=(1,), hidden_activation="linear"), 3000,
                f({"high_bias"}), f({"lr_too_low", "vanishing_gradients", "high_variance"}),
                why="a straight line cannot fit a parabola"),
    LabelledRun("story_sigmoid_output", story, C(output_activation="sigmoid"), 500, f({"output_range"}),
                f({"lr_too_low", "high_bias"}), why="targets up to 1,140 for an output in (0, 1)"),
    LabelledRun("story_relu_output_normalised", story, C(normalize=True), 0, f({"output_range"}),
                why="standardised targets are negative for 12 samples"),
    LabelledRun("story_lr_too_low", story, C(HEALTHY_MSE, lr=1e-5), 300, f({"lr_too_low"}),
                f({"high_bias", "diverging"}), why="lr 1e-5 against a limit of ~0.2"),
    LabelledRun("story_diverging", story, C(HEALTHY_MSE, lr=0.7, hidden_activation="tanh"), 2000,
                f({"diverging"}), why="lr 0.7 over 2/λmax ~ 0.2"),
    LabelledRun("deep_sigmoid", story, C(HEALTHY_MSE, hidden=(10,) * 6, hidden_activation="sigmoid",
                                         init="xavier"), 3000, f({"vanishing_gradients"}), f({"high_bias"})),
    LabelledRun("deep_tanh_small_init", story, C(HEALTHY_MSE, hidden=(10,) * 6, hidden_activation="tanh",
                                                 init="small"), 3000, f({"vanishing_gradients"}), f({"high_bias"})),
    LabelledRun("deep_relu_small_init", story, C(HEALTHY_MSE, hidden=(10,) * 6, init="small"), 3000,
                f({"dead_hidden"}), CAPACITY, why="tiny weights through six ReLU layers: whole units die"),
    LabelledRun("deep_tanh_learns", story, C(HEALTHY_MSE, hidden=(10,) * 6, hidden_activation="tanh",
                                             init="xavier"), 3000, healthy=True),
    # ---- generated data ------------------------------------------------------------------------
    LabelledRun("noise_memorised", _noise, C(hidden=(50,), normalize=True, output_activation="linear",
                                             hidden_activation="tanh", lr=0.1, seed=1, dev_fraction=0.5),
                10000, f({"high_variance"}), f({"high_bias"}), why="50 units on 6 samples of pure noise"),
    LabelledRun("bce_relu_output", lambda: Dataset(np.linspace(-2, 2, 20).reshape(1, -1),
                                                   (np.linspace(-2, 2, 20) > 0).astype(float).reshape(1, -1)),
                C(loss="bce", output_activation="relu"), 0, f({"loss_mismatch"})),
    LabelledRun("tiny_scale_inputs", _scaled(1e-3), C(output_activation="linear", hidden_activation="tanh", lr=0.05),
                500, f({"unscaled_data"}), why="x spread 6e-4: the first layer barely sees it"),
    LabelledRun("heavy_tailed_standardised", _heavy_tailed, C(output_activation="linear", hidden_activation="tanh",
                                                              lr=0.05, dev_fraction=0.2), 2000, healthy=True,
                why="issue 11 item 7: max |z| ~ 11 is not unscaled"),
    LabelledRun("parabola_healthy", _parabola, C(HEALTHY_MSE, hidden_activation="tanh", dev_fraction=0.25), 3000,
                healthy=True),
    LabelledRun("circle_healthy", lambda: make_dataset("circle", 0, 200, 1),
                C(HEALTHY_BCE, hidden=(8,), hidden_activation="tanh", dev_fraction=0.2), 1500, healthy=True),
    LabelledRun("parabola_line", _parabola, C(HEALTHY_MSE, hidden=(1,), hidden_activation="linear", dev_fraction=0.25),
                2000, f({"high_bias"}), f({"high_variance", "lr_too_low"}), why="a line through a parabola"),
    LabelledRun("xor_line", lambda: make_dataset("xor", 0, 200, 1),
                C(HEALTHY_BCE, hidden=(1,), hidden_activation="linear", dev_fraction=0.2), 1500,
                must_not=f({"high_bias"}), why="a linear model is as good as the linear baseline: not called bias"),
    # ---- real data (tests/data) -------------------------------------------------------------------
    LabelledRun("diabetes_overfit", _csv("diabetes.csv"), C(normalize=True, hidden=(16,), hidden_activation="tanh",
                                                           output_activation="linear", lr=0.05, dev_fraction=0.2),
                4000, f({"high_variance"}), f({"high_bias"}), real=True,
                why="issue 11 item 3: dev J risen far above its best while train J falls"),
    LabelledRun("diabetes_relu_8", _csv("diabetes.csv"), C(normalize=True, hidden=(8,), output_activation="linear",
                                                          lr=0.01, dev_fraction=0.2), 20000, healthy=True, real=True,
                slow=True, why="issue 11 item 4: better than least squares on dev: not high bias"),
    LabelledRun("diabetes_relu_8_short", _csv("diabetes.csv"), C(normalize=True, hidden=(8,),
                                                                output_activation="linear", lr=0.02,
                                                                dev_fraction=0.2), 3000, healthy=True, real=True,
                why="issue 11 item 4, shorter"),
    LabelledRun("diabetes_linear_unit", _csv("diabetes.csv"), C(normalize=True, hidden=(1,), hidden_activation="linear",
                                                               output_activation="linear", lr=0.05,
                                                               dev_fraction=0.2), 3000, healthy=True, real=True,
                why="issue 11 item 4: one linear unit equals least squares"),
    LabelledRun("diabetes_unnormalised", _csv("diabetes.csv"), C(output_activation="linear", lr=1e-6, hidden=(8,),
                                                                dev_fraction=0.2), 1000, f({"unscaled_data"}),
                f({"high_variance"}), real=True),
    LabelledRun("breast_cancer_healthy", _csv("breast_cancer.csv"), C(HEALTHY_BCE, hidden=(4,),
                                                                     hidden_activation="tanh", lr=0.05,
                                                                     dev_fraction=0.2), 300, healthy=True, real=True),
    LabelledRun("breast_cancer_overfit", _csv("breast_cancer.csv"), C(HEALTHY_BCE, hidden=(8,),
                                                                     hidden_activation="tanh", lr=0.1,
                                                                     dev_fraction=0.2), 1000, f({"high_variance"}),
                f({"high_bias"}), real=True, why="dev J 0.144 at step 120, 0.221 at 1,000 while train J falls"),
    LabelledRun("breast_cancer_unnormalised", _csv("breast_cancer.csv"),
                C(output_activation="sigmoid", loss="bce", hidden_activation="tanh", lr=0.01, dev_fraction=0.2),
                1000, f({"unscaled_data", "vanishing_gradients"}), f({"lr_too_low", "high_bias"}), real=True,
                why="issue 11 item 6: saturated by unscaled inputs; a higher rate is not the cure"),
    LabelledRun("iris_virginica_healthy", _iris_binary, C(HEALTHY_BCE, hidden=(4,), hidden_activation="tanh",
                                                         dev_fraction=0.2), 1500, healthy=True, real=True),
    LabelledRun("iris_petal_width_healthy", _csv("iris.csv", "petal_width"),
                C(HEALTHY_MSE, hidden=(6,), hidden_activation="tanh", dev_fraction=0.2), 2000, healthy=True,
                real=True),
    # ---- Playground's controls: regularisation, mini-batches, classes (findings_problem.py) ----
    LabelledRun("circle_l2_too_strong", lambda: make_dataset("circle", 0, 200, 1),
                C(HEALTHY_BCE, hidden=(4,), hidden_activation="tanh", l2=3.0), 2000, f({"over_regularized"}),
                f({"high_bias", "diverging"}), why="λ = 3 holds the weights small: a tenth of it fits"),
    LabelledRun("circle_l2_mild_healthy", lambda: make_dataset("circle", 0, 200, 1),
                C(HEALTHY_BCE, hidden=(4,), hidden_activation="tanh", l2=0.001), 2000, healthy=True),
    LabelledRun("circle_batch_2_noise", lambda: make_dataset("circle", 0, 200, 1),
                C(HEALTHY_BCE, hidden=(4,), hidden_activation="tanh", batch_size=2), 1000, f({"minibatch_noise"}),
                f({"diverging"}), why="step losses jump 70x from batch to batch; the training set's J is fine"),
    LabelledRun("plane_batch_10_diverging", lambda: make_dataset("plane", 0, 200, 1),
                C(HEALTHY_MSE, hidden=(4,), lr=3.0, batch_size=10), 300, f({"diverging"}), f({"minibatch_noise"}),
                why="a rate 4,000x the stability limit: the training set's J blows up too"),
    LabelledRun("rare_class_missed", _imbalanced(0.8), C(HEALTHY_BCE, hidden=(4,), hidden_activation="tanh"), 1000,
                f({"class_imbalance"}), why="7 % positives, a third of them found: 91 % accuracy by the majority"),
    LabelledRun("rare_class_found", _imbalanced(0.0), C(HEALTHY_BCE, hidden=(4,), hidden_activation="tanh"), 2000,
                must_not=f({"class_imbalance"}), why="10 % positives, separable: the network finds them"),
)
