"""The compiled training step: the course's forward, cost, backward and update (`network.py`)
on the trainer's preallocated buffers, plus the row of diagnostics each step writes.

`compile_step` binds buffers and kernels for the current activations and learning rate into
four closures (forward with the cost, backward, write_row, update) and a loop over them. It
runs again only when a setting changes, so a step does no attribute or dict lookups: at the
story's size a step is a few dozen NumPy calls on 10 x 20 arrays, and every extra Python
operation shows (each closure call costs about 0.5 % of a story step).

Gradients are kept as G = m·dJ/dθ (dAL = AL - Y with no 1/m) and the 1/m is folded into the
learning rate: the same numbers as the course's dW = dZ A_prev^T / m, with fewer array passes.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Callable

import numpy as np

from .activations import Activation, get_activation
from .chunked_step import chunked_forward
from .losses import BCE_EPS, fused_output
from .minibatch import batched
from .row_extras import extend_row_writer
from .records import ACT_CODES, setting_columns
from .row_norms import const_row, norm_writer, row_matrix
from .step_loop import RunFn, make_loop

if TYPE_CHECKING:
    from .trainer import Trainer


dot, subtract, multiply, copyto = np.dot, np.subtract, np.multiply, np.copyto
try:
    # The C function behind np.count_nonzero(a): its Python wrapper costs ~0.3 µs a call, and a
    # story step makes two (about 5 % of the step). Same result; the public one if NumPy moves it.
    from numpy._core.multiarray import count_nonzero
except ImportError:  # pragma: no cover - NumPy 1.x or a future layout
    count_nonzero = np.count_nonzero


def compile_step(t: Trainer) -> tuple[RunFn, list[Activation]]:
    """The step loop for trainer t's settings, and the activation of each layer."""
    c = t.config
    hid = get_activation(c.hidden_activation, c.leaky_slope)
    out = get_activation(c.output_activation, c.leaky_slope)
    acts = [hid] * (t.L - 1) + [out]
    fused = fused_output(c.loss, out.name)
    if t.chunks is None:
        forward, backward = _passes(t, t.X_aug, t.Y_step, t, hid, out, fused)
        # t.batch columns a step: the training set, or a mini-batch the feeder loads (minibatch.py).
        forward = batched(forward, t.feeder)
    else:  # large data: the same passes a chunk of samples at a time (chunked_step.py)
        passes = {size: _passes(part, part.X_aug, part.Y, t, hid, out, fused) for size, part in t.chunks.parts.items()}
        forward = chunked_forward(t.chunks, passes, t.data.X, t.data.Y, t.flat.G, hid.name == "relu",
                                  t.flat.theta)
        backward = _nothing  # the chunks' backward passes already summed G
    codes = float(ACT_CODES.index(hid.name)), float(ACT_CODES.index(out.name))
    write_row = make_row_writer(t, hid, out, c.lr, *codes)
    write_row = extend_row_writer(t, write_row)  # L2 / L1, accuracy: only where they apply
    update = make_update(t.flat, c.lr / t.batch)
    run = make_loop(forward, backward, write_row, update, t.history, t.loss_ceiling)
    run.prepare = getattr(forward, "prepare", None)  # large data: Trainer.prepare_step
    return run, acts


def _passes(owner, X_aug: np.ndarray, Y: np.ndarray, t: Trainer, hid: Activation, out: Activation,
            fused: bool) -> tuple[Callable, Callable]:
    """forward and backward on owner's buffers (trainer t's own, or a chunk size's Part:
    anything with bufs, flat and L) for the inputs [X; 1] and targets Y."""
    acts = [hid] * (t.L - 1) + [out]
    choose_z_buffers(owner.bufs, acts)
    A_in = [X_aug] + [B["A_aug"] for B in owner.bufs[:-1]]  # [A_prev; 1] for each layer
    forward = make_forward(t.flat.Wb, A_in, owner.bufs, acts, t.zero, t.config.loss, Y, fused)
    return forward, make_backward(owner, A_in, hid, out, fused)


def _nothing() -> None:
    pass


def choose_z_buffers(bufs: list[dict], acts: list[Activation]) -> None:
    """Set each layer's Zw, the buffer its matmul writes Z into. Z goes straight into A where
    nothing needs it afterwards: a linear layer's A is its Z, and a hidden ReLU's derivative
    needs only A (relu'(Z) = sign(A)), so its ReLU runs in place. The output layer keeps
    Z^[L]: records show it."""
    L = len(bufs)
    for l, (B, act) in enumerate(zip(bufs, acts), start=1):
        in_place = act.name == "linear" or (act.name == "relu" and l < L)
        B["Zw"] = B["A"] if in_place else B["Z"]
        if act.name == "swish" and "S" not in B:
            B["S"] = np.empty_like(B["Z"])  # scratch only swish's derivative needs


def make_forward(Wbs: list[np.ndarray], A_in: list[np.ndarray], bufs: list[dict], acts: list[Activation],
                 zero: np.ndarray, loss: str, Y: np.ndarray, fused: bool = False) -> Callable[[], float]:
    """forward() -> J: Z = [W | b] [A_prev; 1], A = g(Z) layer by layer (L_model_forward),
    then the cost J (compute_cost), leaving m·dAL (the derivative of the loss, not of the
    activation) in the output layer's dZ buffer, which the backward pass turns into dZ^[L].
    `fused` (sigmoid + cross-entropy): it leaves m·dZ^[L] = AL − Y there itself, and J comes
    from the logits (losses.py, cross_entropy_from_logits)."""
    layers = [(Wb, A, B["Zw"], B["A"], a.forward_into) for Wb, A, B, a in zip(Wbs, A_in, bufs, acts)]
    dAL = bufs[-1]["dZ"]
    # The cost is written into each variant rather than called: a call per step shows at the
    # story's size.
    if fused:
        return _forward_fused(layers, bufs[-1], Y, zero)
    if loss != "mse":
        def forward_bce() -> float:
            for Wb, A_prev, Zw, A, g in layers:
                dot(Wb, A_prev, Zw)
                A_L = g(Zw, A, zero)
            return _bce_cost_and_dAL(A_L, Y, dAL)
        return forward_bce
    dAL_flat = dAL.reshape(-1)
    half_over_m = 0.5 / Y.shape[1]

    def forward_mse() -> float:
        for Wb, A_prev, Zw, A, g in layers:
            dot(Wb, A_prev, Zw)
            A_L = g(Zw, A, zero)
        subtract(A_L, Y, dAL)  # dAL = AL - Y
        return dot(dAL_flat, dAL_flat) * half_over_m  # J = sum((AL - Y)^2) / (2m)
    return forward_mse


def _forward_fused(layers: list[tuple], BL: dict, Y: np.ndarray, zero: np.ndarray) -> Callable[[], float]:
    """Sigmoid + cross-entropy: J = Σ(softplus(Z) − Y·Z)/m from the logits, dZ^[L] = AL − Y.
    The output's G buffer (g'(Z), unused here) holds softplus(Z)."""
    ZL, dZL, SP = BL["Zw"], BL["dZ"], BL["G"]
    Y_flat, Z_flat, inv_m = Y.reshape(-1), ZL.reshape(-1), 1.0 / Y.shape[1]
    logaddexp, vdot = np.logaddexp, np.vdot

    def forward_bce_logits() -> float:
        for Wb, A_prev, Zw, A, g in layers:
            dot(Wb, A_prev, Zw)
            A_L = g(Zw, A, zero)
        subtract(A_L, Y, dZL)
        logaddexp(0.0, ZL, SP)
        return (SP.sum() - vdot(Y_flat, Z_flat)) * inv_m
    return forward_bce_logits


def _bce_cost_and_dAL(AL: np.ndarray, Y: np.ndarray, dAL: np.ndarray) -> float:
    """Cross-entropy of an output that is not a sigmoid: of the output clipped to
    [BCE_EPS, 1 − BCE_EPS], and dAL its exact derivative (0 where the clip holds AL)."""
    P = np.clip(AL, BCE_EPS, 1 - BCE_EPS)
    dAL[...] = np.where(P == AL, (1 - Y) / (1 - P) - Y / P, 0.0)
    return float(-np.sum(Y * np.log(P) + (1 - Y) * np.log(1 - P)) / Y.shape[1])


def _gradient_matmuls(t: Trainer, A_in: list[np.ndarray], count_hidden: bool) -> list[tuple]:
    """Per layer: (dZ_ext or None, [A_prev; 1]^T, matmul output, its [dW | db] rows or None).
    Where dead hidden units are counted (ReLU), the layer above multiplies dZ_ext, whose ones
    row makes the output's last row Σ_samples A_prev per unit; the rows above are [dW | db],
    copied into G (the output layer's extended block lies over its G block: nothing to copy).
    Elsewhere dZ itself is the operand (None) and the output is the gradient block."""
    L, plans = t.L, []
    for l in range(1, L + 1):
        B, AinT = t.bufs[l - 1], A_in[l - 1].T
        if count_hidden and l > 1:
            ext = B["dWb_ext"]
            plans.append((B["dZ_ext"], AinT, ext, None if l == L else ext[:-1]))
        else:
            plans.append((None, AinT, t.flat.dWb[l - 1], None))
    return plans


def make_backward(t: Trainer, A_in: list[np.ndarray], hid: Activation, out: Activation,
                  fused: bool = False) -> Callable[[], None]:
    """backward(): from m·dAL (left by forward) to every [dW | db] of G: dZ = dA * g'(Z),
    [dW | db] = dZ [A_prev; 1]^T (linear_backward without the 1/m), dA_prev = W^T dZ.
    `fused`: forward left dZ^[L] itself, so the output's g'(Z) is not applied."""
    bufs, flat = t.bufs, t.flat
    matmuls = _gradient_matmuls(t, A_in, hid.name == "relu")
    BL = bufs[-1]
    # A^[L] is always the output's A buffer (a linear output's Z is written there).
    ZL, AL, GL, SL, R = BL["Zw"], BL["A"], BL["G"], BL.get("S"), BL["dZ"]  # R: dAL, then dZ^[L] in place
    DL, AinT_L, outL, from_L = matmuls[-1]
    DL = R if DL is None else DL
    dWbL = flat.dWb[-1]
    out_grad = (lambda Z, A, G, S: None) if fused else out.grad_into
    hidden = []  # layers L-1 down to 1
    for l in range(t.L - 1, 0, -1):
        B = bufs[l - 1]
        hidden.append((flat.Wb[l].T, B["dA_aug"], B["dA"], B["Zw"], B["A"], B["G"], B.get("S"), B["dZ"],
                       hid.grad_into, *matmuls[l - 1], flat.dWb[l - 1]))

    def backward() -> None:
        gp = out_grad(ZL, AL, GL, SL)
        if gp is not None:
            multiply(R, gp, R)
        dot(DL, AinT_L, outL)
        if from_L is not None:
            copyto(dWbL, from_L)
        dZ = R
        for WbT, dA_aug, dA, Z, A, G, S, dZ_buf, g, D, AinT, out_l, from_l, dWb in hidden:
            dot(WbT, dZ, dA_aug)  # its first rows are W^T dZ = dA of the layer below
            gp = g(Z, A, G, S)
            dZ = dA if gp is None else multiply(dA, gp, dZ_buf)
            dot(dZ if D is None else D, AinT, out_l)
            if from_l is not None:
                copyto(dWb, from_l)
    return backward


def dead_counts(t: Trainer, hid: Activation, out: Activation) -> list[tuple[int, int, np.ndarray]]:
    """(column, units, array whose nonzeros are the live ones) for each dead count a row has."""
    col, dims, bufs, counts = t.history.col, t.layer_dims, t.bufs, []
    if out.name == "relu":
        # relu'(Z^[L]) = sign(A^[L]): the same nonzeros (chunked: the step's whole A^[L]).
        live = bufs[-1]["G"] if t.chunks is None else t.chunks.AL
        counts.append((col["dead_output"], dims[t.L] * t.batch, live))
    if hid.name == "relu":
        for l in range(1, t.L):
            # Σ_samples A[l] per unit, from layer l+1 (chunked: summed over the chunks)
            sums = bufs[l]["dWb_ext"][-1, :dims[l]] if t.chunks is None else t.chunks.A_sums[l - 1]
            counts.append((col[f"dead_hidden{l}"], dims[l], sums))
    return counts


def make_row_writer(t: Trainer, hid: Activation, out: Activation, lr: float, hcode: float,
                    ocode: float) -> Callable[[np.ndarray, float], bool]:
    """write_row(row, J) fills a history row for the step about to update θ: squared norms and
    settings (row_norms.py), J, the dev loss, dead counts. False, leaving θ alone, when θ or
    the gradient is not finite."""
    flat, col = t.flat, t.history.col
    tg, tgsq, sq_head = flat.tg, flat.tgsq, flat.tgsq[:-1]
    k_loss, k_dev, k_wt, k_gt = col["loss"], col["dev_loss"], col["wsq_total"], col["gsq_total"]
    settings = setting_columns(col, flat.tensor_names)
    const = const_row(col, lr, hcode, ocode, t.data.has_dev)
    M = row_matrix(flat, col, const, t.ROW_MATRIX_BYTES)
    write_norms = norm_writer(flat, col, settings, const) if M is None else None
    # What the matmul writes for the setting columns, for when an overflowed square (θ finite,
    # θ² not) turns them into NaN: 0·inf poisons every column of the matmul.
    const_settings = const[settings]
    dev_cost = t.dev_cost if t.data.has_dev else None
    counts = dead_counts(t, hid, out)
    isfinite = math.isfinite

    def write_row(row: np.ndarray, loss: float) -> bool:
        multiply(tg, tg, sq_head)
        if M is not None:
            dot(tgsq, M, row)
        else:
            write_norms(row)
        if not (isfinite(row[k_gt]) and isfinite(row[k_wt])):
            if not np.isfinite(tg).all():
                return False
            row[settings] = const_settings  # a squared norm overflowed while θ, ∇J are finite
        row[k_loss] = loss
        if dev_cost is not None:
            row[k_dev] = dev_cost()
        for k, n_units, a in counts:
            row[k] = n_units - count_nonzero(a)
        return True
    return write_row


def make_update(flat, lr_over_m: float) -> Callable[[], None]:
    """update(): θ -= (lr/m)·G, keeping θ_t for a divergence rollback."""
    G, U, theta, theta_prev = flat.G, flat.U, flat.theta, flat.theta_prev
    lr_vec = np.full(flat.n_params, lr_over_m)  # an array operand is cheaper than a float

    def update() -> None:
        multiply(G, lr_vec, U)
        copyto(theta_prev, theta)  # (θ - U) + U is not θ once U dwarfs θ: keep a copy
        subtract(theta, U, theta)
    return update
