"""Where the step's numbers live: one flat θ and one flat m·∇J, and the per-layer buffers.

Every buffer is made once per network (and again on reset), so a step allocates nothing.
"""
from __future__ import annotations

import numpy as np


class FlatParams:
    """θ and m·∇J as flat vectors, with each layer's [W | b] one (n_l, n_{l-1}+1) block of them,
    so Z = [W | b] [A; 1] is a single matmul and dW, db come out of one matmul too.
    `params` / `grads` hold the course's W[l], b[l] / dW[l], db[l] as views into the blocks."""

    def __init__(self, layer_dims: list[int], init: dict[str, np.ndarray]):
        L = len(layer_dims) - 1
        shapes = [(layer_dims[l], layer_dims[l - 1] + 1) for l in range(1, L + 1)]
        sizes = [n * k for n, k in shapes]
        P = sum(sizes)
        self.n_params = P
        # θ and m·∇J sit side by side so one multiply and one matmul give every squared norm.
        # One spare row follows: the output layer's [dW | db] block is last, so its extended
        # gradient matmul (see alloc_buffers) writes in place, its extra row landing there.
        self.tg_spare = np.zeros(2 * P + shapes[-1][1])
        self.tg = self.tg_spare[:2 * P]
        self.theta, self.G = self.tg[:P], self.tg[P:]
        self.tgsq = np.ones(2 * P + 1)  # [θ², G², 1]: the last entry stays 1
        self.U = np.empty(P)           # the update lr/m · G
        self.theta_prev = np.empty(P)  # θ before the last update, for a divergence rollback
        self.shapes = shapes
        self.params, self.grads = {}, {}
        self.Wb, self.dWb = [], []
        self.tensor_idx = {}  # tensor name -> its entries' positions in θ
        index = np.arange(P)
        a = 0
        for l, (shape, size) in enumerate(zip(shapes, sizes), start=1):
            Wb, dWb, idx = (v[a:a + size].reshape(shape) for v in (self.theta, self.G, index))
            self.Wb.append(Wb)
            self.dWb.append(dWb)
            self.params[f"W{l}"], self.params[f"b{l}"] = Wb[:, :-1], Wb[:, -1:]
            self.grads[f"dW{l}"], self.grads[f"db{l}"] = dWb[:, :-1], dWb[:, -1:]
            Wb[:, :-1], Wb[:, -1:] = init[f"W{l}"], init[f"b{l}"]
            self.tensor_idx[f"W{l}"], self.tensor_idx[f"b{l}"] = idx[:, :-1].ravel(), idx[:, -1:].ravel()
            a += size
        self.tensor_names = list(self.tensor_idx)


def alloc_buffers(flat: FlatParams, layer_dims: list[int], X: np.ndarray) -> tuple[np.ndarray, list[dict]]:
    """([X; 1], one dict of buffers per layer). Keys: Z, A, G (the activation's derivative),
    dZ / dZ_ext, dWb_ext, and below the output layer A_aug, dA / dA_aug."""
    m, L = X.shape[1], len(layer_dims) - 1
    # Activations carry a constant row of ones underneath for the bias column of [W | b].
    X_aug = np.vstack([X, np.ones((1, m))])
    bufs = []
    for l, n in enumerate(layer_dims[1:], start=1):
        B = {k: np.empty((n, m)) for k in ("Z", "G")}
        # dZ carries a row of ones too: dZ_ext [A_prev; 1]^T gives [dW | db] and, in its
        # last row, each unit's sum of A_prev over the samples (zero exactly when a ReLU
        # unit is dead), so counting dead units costs no extra pass over the activations.
        B["dZ_ext"] = np.ones((n + 1, m))
        B["dZ"] = B["dZ_ext"][:n]
        k = layer_dims[l - 1] + 1
        if l < L:
            B["dWb_ext"] = np.empty((n + 1, k))  # copied into G after the matmul
            B["A_aug"] = np.ones((n + 1, m))
            B["A"] = B["A_aug"][:n]
            # Full [W | b]^T dZ: BLAS reads the transposed block as it is (W^T alone is a
            # strided view that NumPy would copy); the bias row of the result is ignored.
            B["dA_aug"] = np.empty((n + 1, m))
            B["dA"] = B["dA_aug"][:n]
        else:
            B["dWb_ext"] = flat.tg_spare[2 * flat.n_params - n * k:].reshape(n + 1, k)
            B["A"] = np.empty((n, m))
        bufs.append(B)
    return X_aug, bufs
