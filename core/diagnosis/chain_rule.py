"""Chain-rule inspector: the three factors of one sample's gradient at the output layer.

For sample i (MSE, one output):  ∂L/∂W^[L] = ∂L/∂A · ∂A/∂Z · ∂Z/∂W
    ∂L/∂A = A - Y          (the derivative of the loss, the course's dAL)
    ∂A/∂Z = g'(Z)          (the output activation's derivative)
    ∂Z/∂W = A_prev         (the previous layer's activations)
and its share of dW^[L] = dZ · A_prevᵀ / m is dZ_i · A_prev_i / m. For a ReLU output with
Z ≤ 0, g'(Z) = 0: that factor wipes the whole product, so a dead sample gets no gradient of its
own. It is not frozen: the weights it shares with the other samples still move, and can lift its
Z^[L] above 0 again (or push it further down).

For a sigmoid output with cross-entropy the engine takes dZ = A − Y in one piece (losses.py);
∂L/∂A and ∂A/∂Z are shown as the factors they are, and dZ is the fused value.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..engine.activations import get_activation
from ..engine.losses import fused_output, loss_backward


@dataclass(frozen=True)
class ChainRule:
    sample: int                  # index in the dataset
    position: int                # column in the training matrix
    x: tuple[float, ...]         # inputs in original units
    y: float                     # target in training units
    Z: float                     # Z^[L]
    A: float                     # A^[L] = g(Z^[L])
    dL_dA: float                 # A - Y for MSE
    dA_dZ: float                 # g'(Z)
    dZ: float                    # dL_dA * dA_dZ
    A_prev: tuple[float, ...]    # ∂Z/∂W, one per unit of layer L-1
    dW_sample: tuple[float, ...]  # this sample's contribution to dW^[L] (already / m)
    db_sample: float
    dW: tuple[float, ...]        # the full dW^[L] over all training samples
    output_activation: str
    zero_factors: tuple[str, ...]  # which factors are exactly 0 (empty when the gradient flows)

    @property
    def dead(self) -> bool:
        return "dA/dZ" in self.zero_factors


def inspect_sample(trainer, sample: int) -> ChainRule:
    """`sample` is a dataset index; it must be in the training split."""
    train_idx = np.asarray(trainer.split.train_idx)
    hits = np.flatnonzero(train_idx == sample)
    if hits.size == 0:
        raise ValueError(f"sample {sample} is not in the training split")
    i = int(hits[0])
    c, d = trainer.config, trainer.data
    Zs, As = trainer.forward(d.X)
    ZL, AL = Zs[-1][:, i:i + 1], As[-1][:, i:i + 1]
    A_prev = As[-2][:, i] if len(As) > 1 else d.X[:, i]
    Y = d.Y[:, i:i + 1]
    act = get_activation(c.output_activation, c.leaky_slope)
    fused = fused_output(c.loss, c.output_activation)
    with np.errstate(all="ignore"):
        dL_dA = float(((AL - Y) / (AL * (1 - AL)) if fused else loss_backward(AL, Y, c.loss))[0, 0])
    dA_dZ = float(act.derivative(ZL, AL)[0, 0])
    dZ = float((AL - Y)[0, 0]) if fused else dL_dA * dA_dZ
    m = d.X.shape[1]
    dZ_all = As[-1] - d.Y if fused else loss_backward(As[-1], d.Y, c.loss) * act.derivative(Zs[-1], As[-1])
    A_prev_all = As[-2] if len(As) > 1 else d.X
    dW = (dZ_all @ A_prev_all.T / m)[0]
    zeros = tuple(name for name, v in (("dL/dA", dL_dA), ("dA/dZ", dA_dZ)) if v == 0.0)
    if not np.any(A_prev):
        zeros += ("dZ/dW",)
    x = d.x_to_original(d.X[:, i:i + 1]).ravel()
    return ChainRule(int(sample), i, tuple(float(v) for v in x), float(Y[0, 0]), float(ZL[0, 0]), float(AL[0, 0]),
                     dL_dA, dA_dZ, dZ, tuple(float(v) for v in A_prev),
                     tuple(float(v) for v in dZ * A_prev / m), dZ / m, tuple(float(v) for v in dW),
                     c.output_activation, zeros)
