"""Polynomial regression baseline: what a simple least-squares fit achieves on the same split,
in the same J units as the network (J = sum((yhat - y)^2) / (2m))."""
from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations_with_replacement

import numpy as np

from ..engine.chunks import give_way

MIN_DEGREE, MAX_DEGREE = 1, 6
# A fit that reproduces Y (the story is a degree-2 polynomial) leaves a J of pure rounding,
# ~1e-26 with one BLAS build and twice that with another: below this fraction of the mean
# predictor's J it is reported as the exact 0 it stands for.
ROUNDING = 1e-12


@dataclass(frozen=True)
class BaselineFit:
    degree: int
    coefficients: list[float]  # one feature: lowest degree first, as numpy's Polynomial
    terms: list[str]           # e.g. ["1", "x", "x^2"]
    train_loss: float
    dev_loss: float | None

    def predict(self, X: np.ndarray) -> np.ndarray:
        return (_design(X, self.degree) @ np.asarray(self.coefficients)).reshape(1, -1)


def _monomials(n_x: int, degree: int) -> list[tuple[int, ...]]:
    return [c for d in range(degree + 1) for c in combinations_with_replacement(range(n_x), d)]


def _design(X: np.ndarray, degree: int) -> np.ndarray:
    """The (m, terms) matrix of every monomial of the features, column by column: each one is
    an earlier column (its monomial without the last factor) times that feature, the same
    products in the same order as multiplying out the factors. Column-major, so each column
    is written in one pass and LAPACK takes it as it is: at 1M samples stacking rows of
    np.prod took 90-170 ms, which a key pressed meanwhile waited for."""
    terms = _monomials(X.shape[0], degree)
    A = np.empty((X.shape[1], len(terms)), order="F")
    column = {}
    for j, c in enumerate(terms):
        if not c:
            A[:, j] = 1.0
        elif len(c) == 1:
            A[:, j] = X[c[0]]
        else:
            np.multiply(A[:, column[c[:-1]]], X[c[-1]], out=A[:, j])
        column[c] = j
    return A


def _term_name(c: tuple[int, ...], names: tuple[str, ...]) -> str:
    if not c:
        return "1"
    parts = []
    for j in sorted(set(c)):
        k = c.count(j)
        parts.append(names[j] if k == 1 else f"{names[j]}^{k}")
    return "*".join(parts)


def _cost(pred: np.ndarray, Y: np.ndarray, floor: float = 0.0) -> float:
    J = float(np.sum((pred - Y) ** 2) / (2 * Y.shape[1]))
    return 0.0 if J < floor else J


def fit_baseline(X: np.ndarray, Y: np.ndarray, degree: int, X_dev=None, Y_dev=None,
                 feature_names: tuple[str, ...] | None = None, stop=None) -> BaselineFit:
    """stop: asked between the design, the solve and the predictions (each ~30 ms at 1M
    samples); true gives up (engine.chunks.Abandoned)."""
    if not MIN_DEGREE <= degree <= MAX_DEGREE:
        raise ValueError(f"degree must be between {MIN_DEGREE} and {MAX_DEGREE}, got {degree}")
    names = feature_names or (("x",) if X.shape[0] == 1 else tuple(f"x{j + 1}" for j in range(X.shape[0])))
    with np.errstate(all="ignore"):
        A = _design(X, degree)
    if not np.isfinite(A).all():
        raise ValueError(f"the inputs are too large for a degree-{degree} polynomial "
                         f"(x^{degree} overflows); standardise them (--normalize)")
    # Scale columns before solving: x^6 at x = 19 is ~5e7, which would ruin the conditioning.
    scale = np.abs(A).max(axis=0)
    scale[scale == 0] = 1.0
    give_way(stop)
    coef, *_ = np.linalg.lstsq(A / scale, Y.ravel(), rcond=None)
    del A
    give_way(stop)
    coef = coef / scale
    fit = BaselineFit(degree, [float(c) for c in coef],
                      [_term_name(c, names) for c in _monomials(X.shape[0], degree)], 0.0, None)
    with np.errstate(all="ignore"):  # a huge target may overflow the squared error: J is then inf
        j_mean = float(np.var(Y)) / 2
        floor = ROUNDING * j_mean if np.isfinite(j_mean) else 0.0
        train = _cost(fit.predict(X), Y, floor)
        give_way(stop)
        dev = _cost(fit.predict(X_dev), Y_dev, floor) if X_dev is not None and X_dev.shape[1] > 0 else None
    return BaselineFit(degree, fit.coefficients, fit.terms, train, dev)
