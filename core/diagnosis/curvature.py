"""Curvature of the loss at the current parameters: the largest Hessian eigenvalue λmax and
the stability limit 2/λmax.

Why it matters: on a quadratic bowl, gradient descent multiplies the error along the top
eigenvector by (1 - lr·λmax) each step, so it overshoots and grows once lr > 2/λmax. The
network is small, so power iteration on Hessian-vector products is cheap; each product is a
centred difference of the reference gradient (core.network.cost_and_grads), no second
derivatives needed. Near ReLU kinks the difference straddles the kink, which is fine for an
estimate of scale.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..engine.chunks import give_way
from ..engine.network import cost_and_grads


@dataclass(frozen=True)
class Curvature:
    lambda_max: float       # largest eigenvalue of the Hessian of J (can be ≤ 0 off a minimum)
    stability_limit: float  # 2/λmax; inf when λmax ≤ 0 (no direction overshoots)
    lr: float
    iterations: int
    converged: bool

    @property
    def lr_ratio(self) -> float:
        """lr / (2/λmax): above 1, the steepest direction overshoots and grows."""
        return self.lr / self.stability_limit if math.isfinite(self.stability_limit) else 0.0

    @property
    def unstable(self) -> bool:
        return self.lr > self.stability_limit


def _flatten(tree: dict[str, np.ndarray], names: list[str], prefix: str = "") -> np.ndarray:
    return np.concatenate([tree[prefix + k].ravel() for k in names])


def _unflatten(v: np.ndarray, like: dict[str, np.ndarray], names: list[str]) -> dict[str, np.ndarray]:
    out, a = {}, 0
    for k in names:
        n = like[k].size
        out[k] = v[a:a + n].reshape(like[k].shape)
        a += n
    return out


class HessianOperator:
    """v ↦ H v for J at fixed parameters, by centred differences of the backprop gradient."""

    def __init__(self, X, Y, params, hidden_activation, output_activation, loss="mse", leaky_slope=0.01):
        self.X, self.Y = X, Y
        self.names = list(params)
        self.params = {k: np.asarray(v, dtype=float) for k, v in params.items()}
        self.theta = _flatten(self.params, self.names)
        self.acts = (hidden_activation, output_activation, loss, leaky_slope)
        # A step small against θ but far above rounding in the gradient.
        self.eps = 1e-5 * max(1.0, float(np.linalg.norm(self.theta)) / math.sqrt(self.theta.size))
        self.products = 0

    @property
    def size(self) -> int:
        return self.theta.size

    def gradient(self, theta: np.ndarray) -> np.ndarray:
        h, o, loss, slope = self.acts
        _, g = cost_and_grads(self.X, self.Y, _unflatten(theta, self.params, self.names), h, o, loss, slope)
        return _flatten(g, self.names, "d")

    def __call__(self, v: np.ndarray) -> np.ndarray:
        self.products += 1
        n = float(np.linalg.norm(v))
        if n == 0:
            return np.zeros_like(v)
        u = v / n
        with np.errstate(all="ignore"):
            gp = self.gradient(self.theta + self.eps * u)
            gm = self.gradient(self.theta - self.eps * u)
        return (gp - gm) / (2 * self.eps) * n


def _power_iteration(op, v0: np.ndarray, shift: float, iters: int, tol: float,
                     stop=None) -> tuple[float, int, bool]:
    """Dominant eigenvalue of (H - shift·I) by power iteration with Rayleigh quotients.
    stop() true before a product gives up (engine.chunks.Abandoned)."""
    v = v0 / np.linalg.norm(v0)
    lam = 0.0
    for i in range(1, iters + 1):
        give_way(stop)
        w = op(v) - shift * v
        new = float(v @ w)
        nw = float(np.linalg.norm(w))
        if not (math.isfinite(nw) and math.isfinite(new)) or nw == 0:
            return new if math.isfinite(new) else math.nan, i, nw == 0
        v = w / nw
        if abs(new - lam) <= tol * max(abs(new), 1e-300):
            return new, i, True
        lam = new
    return lam, iters, False


def top_eigenvalue(op, iters: int = 100, tol: float = 1e-6, seed: int = 0, stop=None) -> tuple[float, int, bool]:
    """Largest (most positive) eigenvalue of the symmetric operator `op`.

    Plain power iteration finds the eigenvalue largest in *magnitude*; off a minimum that can
    be negative. Then a second run on H - λ·I (all eigenvalues shifted ≥ 0) finds the top one."""
    v0 = np.random.default_rng(seed).standard_normal(op.size)
    lam, n1, ok1 = _power_iteration(op, v0, 0.0, iters, tol, stop)
    if not math.isfinite(lam) or lam >= 0:
        return lam, n1, ok1
    mu, n2, ok2 = _power_iteration(op, v0, lam, iters, tol, stop)
    return mu + lam, n1 + n2, ok1 and ok2


def curvature_at(X, Y, params, hidden_activation, output_activation, loss="mse", leaky_slope=0.01,
                 lr: float = math.nan, iters: int = 100, tol: float = 1e-6, seed: int = 0,
                 stop=None) -> Curvature:
    op = HessianOperator(X, Y, params, hidden_activation, output_activation, loss, leaky_slope)
    lam, n, ok = top_eigenvalue(op, iters, tol, seed, stop)
    limit = 2.0 / lam if math.isfinite(lam) and lam > 0 else math.inf
    return Curvature(lam, limit, float(lr), n, ok)


# Past this many samples λmax is estimated on an evenly spaced subset of them: J's Hessian is a
# mean over samples, which this many estimate well, and each of the ~20 Hessian-vector products
# is two backprop passes (at 1M samples the whole set took seconds, asked several times a second).
CURVATURE_SAMPLES = 20_000


def curvature(trainer, iters: int = 100, tol: float = 1e-6, stop=None) -> Curvature:
    """λmax and 2/λmax for the trainer's current parameters and training data. stop: asked
    before each Hessian-vector product (~2 ms each at its 20k samples; ~40 ms in all)."""
    c, d = trainer.config, trainer.data
    X, Y = d.X, d.Y
    if X.shape[1] > CURVATURE_SAMPLES:
        idx = np.linspace(0, X.shape[1] - 1, CURVATURE_SAMPLES).astype(int)
        X, Y = X[:, idx], Y[:, idx]
    return curvature_at(X, Y, trainer.parameters(), c.hidden_activation, c.output_activation,
                        c.loss, c.leaky_slope, c.lr, iters, tol, stop=stop)
