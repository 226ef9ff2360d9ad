"""The baseline a network's bias is judged against: a simple model that *generalises*.

A polynomial with as many terms as samples reproduces the training set and nothing else (a
degree-4 fit of 10 features has 1,001 terms: on 354 samples its train J is 1e-28 and its dev J
40x the mean predictor's). "What the data allows" is what a simple model predicts on samples
it has not seen, so the baseline is:
- least squares on polynomial features (MSE) or logistic regression on the features
  (cross-entropy), with at most one term per SAMPLES_PER_TERM training samples;
- its degree chosen by FOLDS-fold cross-validation on the training split (the dev split stays
  unseen), the lowest degree within rounding of the best;
- reported with its train J, its cross-validated J (the held-out figure bias is judged by) and
  its dev J when there is a dev split.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..engine.chunks import give_way
from .baseline import _monomials, fit_baseline
from .by_identity import MISSING, ByIdentity
from ..engine.losses import cross_entropy_from_logits

FOLDS = 5
SAMPLES_PER_TERM = 5   # a least-squares fit needs several samples per coefficient to generalise
DEGREES = (1, 2, 3, 4)
MAX_CELLS = 2_000_000  # design-matrix size above which a degree is skipped (cost)
RIDGE = 1e-3           # logistic regression: keeps separable classes from driving weights to ∞
NEWTON_STEPS = 30
# Past this many training samples the degree is chosen by cross-validation on an evenly spaced
# subset of them (the final fit and its J use every sample): at 1M samples the folds took 14 s.
CV_SAMPLES = 50_000


@dataclass(frozen=True)
class Baseline:
    kind: str              # "polynomial" (least squares) or "logistic"
    degree: int
    terms: int
    train_loss: float      # J on the training split, in the network's units
    cv_loss: float         # mean J on the held-out folds: what the data allows
    dev_loss: float | None
    chosen_by: str

    @property
    def name(self) -> str:
        if self.kind == "logistic":
            return f"logistic regression ({self.terms} terms)"
        if self.degree == 1:
            return f"linear least squares ({self.terms} terms)"
        return f"a degree-{self.degree} polynomial ({self.terms} terms)"

    def to_dict(self) -> dict:
        return {"kind": self.kind, "name": self.name, "degree": self.degree, "terms": self.terms,
                "train_loss": self.train_loss, "cv_loss": self.cv_loss, "dev_loss": self.dev_loss,
                "chosen_by": self.chosen_by}


def folds(m: int, k: int = FOLDS) -> list[np.ndarray]:
    """k disjoint held-out index sets covering 0..m-1, fixed (the same every call)."""
    perm = np.random.default_rng(12345).permutation(m)
    return [np.sort(perm[i::k]) for i in range(k)]


def _kept(m: int, held: np.ndarray) -> np.ndarray:
    """0..m-1 without the held-out fold (a mask: setdiff1d sorted m numbers per fold)."""
    keep = np.ones(m, dtype=bool)
    keep[held] = False
    return np.flatnonzero(keep)


def _cv_subset(X: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    m = X.shape[1]
    if m <= CV_SAMPLES:
        return X, Y
    idx = np.linspace(0, m - 1, CV_SAMPLES).round().astype(np.int64)
    return X[:, idx], Y[:, idx]


def _mse_cv(X: np.ndarray, Y: np.ndarray, degree: int) -> float:
    m, total = X.shape[1], 0.0
    for held in folds(m):
        keep = _kept(m, held)
        fit = fit_baseline(X[:, keep], Y[:, keep], degree)
        total += float(np.sum((fit.predict(X[:, held]) - Y[:, held]) ** 2)) / 2
    return total / m


def _logistic_fit(A: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Weights w minimising mean cross-entropy of σ(A w) + RIDGE/2 |w[1:]|², by Newton's method."""
    m, p = A.shape
    w = np.zeros(p)
    reg = np.full(p, RIDGE)
    reg[0] = 0.0  # the bias is not shrunk
    for _ in range(NEWTON_STEPS):
        z = np.clip(A @ w, -500, 500)
        s = 1.0 / (1.0 + np.exp(-z))
        g = A.T @ (s - y) / m + reg * w
        H = (A.T * (s * (1 - s))) @ A / m + np.diag(reg + 1e-12)
        step = np.linalg.solve(H, g)
        w -= step
        if np.max(np.abs(step)) < 1e-10:
            break
    return w


def _standardise(A: np.ndarray, ref: np.ndarray) -> np.ndarray:
    mu, sd = ref.mean(axis=0), ref.std(axis=0)
    mu[0], sd[0] = 0.0, 1.0  # the constant column stays 1
    sd[sd == 0] = 1.0
    return (A - mu) / sd


def _logistic_j(X_fit, Y_fit, X_eval, Y_eval) -> float:
    A_fit = np.column_stack([np.ones(X_fit.shape[1]), X_fit.T])
    A_eval = np.column_stack([np.ones(X_eval.shape[1]), X_eval.T])
    w = _logistic_fit(_standardise(A_fit, A_fit), Y_fit.ravel())
    return cross_entropy_from_logits((_standardise(A_eval, A_fit) @ w).reshape(1, -1), Y_eval)


def _logistic(X, Y, X_dev, Y_dev) -> Baseline | None:
    m, terms = X.shape[1], X.shape[0] + 1
    if terms * SAMPLES_PER_TERM > m:
        return None
    Xc, Yc = _cv_subset(X, Y)
    mc = Xc.shape[1]
    cv = sum(_logistic_j(Xc[:, _kept(mc, h)], Yc[:, _kept(mc, h)], Xc[:, h], Yc[:, h]) * len(h)
             for h in folds(mc)) / mc
    dev = _logistic_j(X, Y, X_dev, Y_dev) if X_dev.shape[1] else None
    return Baseline("logistic", 1, terms, _logistic_j(X, Y, X, Y), cv, dev,
                    f"the features as they are; {FOLDS}-fold cross-validation on the training split")


# Each degree's cross-validated J, by the training data's identity (by_identity.py). A
# baseline given up for a key (stop) resumes at the degree it stopped at: at 1M samples,
# starting over each time, it never finished while someone pressed a key a few times a second.
_CV_SCORES = ByIdentity()


def _cv_score(X, Y, deg: int, stop=None) -> float:
    """The degree's cross-validated J (nan: x^deg overflows, or the fit fails)."""
    cv = _CV_SCORES.get((X, Y), deg)
    if cv is not MISSING:
        return cv
    give_way(stop)  # each degree's folds: ~20-30 ms at 1M samples
    Xc, Yc = _cv_subset(X, Y)
    try:
        with np.errstate(all="ignore"):
            cv = _mse_cv(Xc, Yc, deg)
    except (ValueError, np.linalg.LinAlgError):
        cv = math.nan
    _CV_SCORES.put((X, Y), deg, value=cv)
    return cv


def _polynomial(X, Y, X_dev, Y_dev, j_mean: float, stop=None) -> Baseline | None:
    m = X.shape[1]
    scored = []
    for deg in DEGREES:
        n_terms = len(_monomials(X.shape[0], deg))
        if n_terms * SAMPLES_PER_TERM > m or n_terms * m > MAX_CELLS:
            break
        cv = _cv_score(X, Y, deg, stop)
        if not math.isfinite(cv):
            break  # x^deg overflows: compare with the lower degrees only
        scored.append((deg, n_terms, cv))
    if not scored:
        return None
    best = min(cv for _, _, cv in scored)
    deg, n_terms, cv = next(s for s in scored if s[2] <= best + 1e-9 * j_mean)
    fit = fit_baseline(X, Y, deg, X_dev, Y_dev, stop=stop)
    cv = 0.0 if cv < 1e-12 * j_mean else cv  # an exact fit leaves rounding residue only
    return Baseline("polynomial", deg, n_terms, fit.train_loss, cv, fit.dev_loss,
                    f"degree 1-{scored[-1][0]} by {FOLDS}-fold cross-validation on the training split, "
                    f"at most one term per {SAMPLES_PER_TERM} samples")


def generalising_baseline(X: np.ndarray, Y: np.ndarray, X_dev: np.ndarray, Y_dev: np.ndarray,
                          loss: str, j_mean: float, stop=None) -> Baseline | None:
    """The simple model bias is judged against, or None when the data is too small for one.
    stop() true between two degrees of the polynomial gives up (engine.chunks.Abandoned)."""
    if X.shape[1] < 2 * FOLDS:
        return None
    with np.errstate(all="ignore"):
        if loss == "bce":
            return _logistic(X, Y, X_dev, Y_dev)
        return _polynomial(X, Y, X_dev, Y_dev, j_mean, stop)
