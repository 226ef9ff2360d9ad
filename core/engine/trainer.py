"""The trainer: one full-batch gradient-descent update per `step()`, with diagnostics.

The maths is the course's (see `network.py`), run on preallocated buffers so a step costs a
few dozen NumPy calls and no large allocations. Everything a step measures is written into a
row of the bounded `History`; `step()` also returns it as a `StepRecord`.

Gradients are kept as m * dJ/dθ (dAL = AL - Y with no 1/m) and the 1/m is folded into the
learning rate: the same numbers as the course's dW = dZ A_prev^T / m, with fewer array passes.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .activations import get_activation
from .config import TrainConfig, check_lr
from .data import Dataset, Prepared, Split, make_split, prepare
from .history import History
from .losses import BCE_EPS, compute_cost
from .network import initialize_parameters

OK, DIVERGED = "ok", "diverged"
ACT_CODES = ("relu", "leaky_relu", "tanh", "sigmoid", "swish", "linear")


@dataclass(frozen=True)
class Event:
    """A change made between steps: at `step`, after `tick` step calls in this session."""
    tick: int
    step: int
    name: str
    value: object


@dataclass(frozen=True)
class StepRecord:
    tick: int
    step: int
    loss: float            # J(θ_t), before this step's update; nan if it overflowed
    dev_loss: float | None
    lr: float              # the rate used for θ_t -> θ_{t+1}
    hidden_activation: str
    output_activation: str
    dead_output: int
    dead_hidden: tuple[int, ...]
    grad_norms: dict[str, float]
    update_ratios: dict[str, float]
    Z_L: np.ndarray = field(repr=False)
    A_L: np.ndarray = field(repr=False)
    status: str = OK


def _bce_cost_and_dAL(AL: np.ndarray, Y: np.ndarray, dAL: np.ndarray) -> float:
    P = np.clip(AL, BCE_EPS, 1 - BCE_EPS)
    dAL[...] = (1 - Y) / (1 - P) - Y / P
    return float(-np.sum(Y * np.log(P) + (1 - Y) * np.log(1 - P)) / Y.shape[1])


def _all_finite(a: np.ndarray) -> bool:
    return bool(np.isfinite(a).all())


class Trainer:
    """Steps a network on a dataset. Not thread-safe: one thread owns a trainer."""

    def __init__(self, config: TrainConfig, data: Dataset, split: Split | None = None,
                 window: int = 4096, archive: int = 4096):
        self.dataset = data
        self.split = split if split is not None else make_split(data.m, config.dev_fraction, config.seed)
        self.config = config
        self.initial_config = config
        self.events: list[Event] = []
        self.listeners: list = []  # callables(Event), e.g. a run-log writer
        self.tick = 0
        self._window, self._archive = window, archive
        self._setup(config.seed)

    # ---- construction ----------------------------------------------------------------
    def _setup(self, seed: int) -> None:
        c = self.config
        self.data: Prepared = prepare(self.dataset, self.split, c.normalize)
        X, Y = self.data.X, self.data.Y
        self.m = X.shape[1]
        self.layer_dims = c.layer_dims(X.shape[0], Y.shape[0])
        self.L = len(self.layer_dims) - 1
        self.seed = seed
        self._layout_parameters(initialize_parameters(self.layer_dims, c.init, seed))
        names = self.tensor_names
        cols = ["tick", "step", "loss", "dev_loss", "lr", "hidden_code", "output_code", "dead_output"]
        cols += [f"dead_hidden{l}" for l in range(1, self.L)]
        cols += [f"wsq_{k}" for k in names] + [f"gsq_{k}" for k in names] + ["wsq_total", "gsq_total"]
        self.history = History(cols, self._window, self._archive)
        self.step_count = 0
        self.status = OK
        self.diverged_reason = ""
        self._bad_loss = math.nan
        self.loss_ceiling = self._ceiling()
        self._alloc_buffers()
        self._compile()

    # A loss a million times the starting one (or the mean predictor's, whichever is larger)
    # only comes from a run that is blowing up. Stopping there, rather than at overflow, keeps
    # parameters from which a lower learning rate can actually carry on.
    CEILING_FACTOR = 1e6

    def _ceiling(self) -> float:
        d, c = self.data, self.config
        _, As = self.forward(d.X)
        with np.errstate(all="ignore"):
            j0 = compute_cost(As[-1], d.Y, c.loss)
            j_mean = compute_cost(np.full_like(d.Y, d.Y.mean()), d.Y, c.loss) if c.loss == "mse" else 0.0
        ref = max(j0 if math.isfinite(j0) else 0.0, j_mean)
        return self.CEILING_FACTOR * ref if ref > 0 else math.inf

    def _layout_parameters(self, init: dict[str, np.ndarray]) -> None:
        """Each layer's [W | b] is one (n_l, n_{l-1}+1) block of a flat θ, so Z = [W | b] [A; 1]
        is a single matmul and dW, db come out of one matmul too. W[l] and b[l] are views."""
        L = self.L
        sizes = [self.layer_dims[l] * (self.layer_dims[l - 1] + 1) for l in range(1, L + 1)]
        P = sum(sizes)
        self.n_params = P
        # θ and m·∇J sit side by side so one multiply and one matmul give every squared norm.
        # One spare row follows: the output layer's [dW | db] block is last, so its extended
        # gradient matmul (see _alloc_buffers) writes in place, its extra row landing there.
        k_L = self.layer_dims[L - 1] + 1
        self._tg_spare = np.zeros(2 * P + k_L)
        self._tg = self._tg_spare[:2 * P]
        self._theta, self._G = self._tg[:P], self._tg[P:]
        self._tgsq = np.ones(2 * P + 1)  # [θ², G², 1]: the last entry stays 1
        self._U = np.empty(P)
        self._theta_prev = np.empty(P)  # θ before the last update, for a divergence rollback
        self.params, self.grads = {}, {}
        self._Wb, self._dWb = [], []
        index = np.arange(P)
        tensor_idx = {}
        a = 0
        for l, size in zip(range(1, L + 1), sizes):
            shape = (self.layer_dims[l], self.layer_dims[l - 1] + 1)
            Wb, dWb, idx = (v[a:a + size].reshape(shape) for v in (self._theta, self._G, index))
            self._Wb.append(Wb)
            self._dWb.append(dWb)
            self.params[f"W{l}"], self.params[f"b{l}"] = Wb[:, :-1], Wb[:, -1:]
            self.grads[f"dW{l}"], self.grads[f"db{l}"] = dWb[:, :-1], dWb[:, -1:]
            Wb[:, :-1], Wb[:, -1:] = init[f"W{l}"], init[f"b{l}"]
            tensor_idx[f"W{l}"], tensor_idx[f"b{l}"] = idx[:, :-1].ravel(), idx[:, -1:].ravel()
            a += size
        self.tensor_names = list(tensor_idx)
        self._tensor_idx = tensor_idx

    # The row matrix below has (2P + 1) x columns entries: trivial for the story, but 6 GB for
    # hidden 4096,4096. Past this size each tensor's squared norm is summed from a view of
    # [θ², G²] instead (no extra memory; a few calls more, which only small networks notice).
    ROW_MATRIX_BYTES = 8 << 20

    def _const_row(self, lr: float, hcode: float, ocode: float) -> np.ndarray:
        """The history columns that only change with a setting: lr, activation codes, and
        dev_loss = NaN without a dev set (zero elsewhere)."""
        col = self.history.col
        c = np.zeros(len(col))
        c[col["lr"]], c[col["hidden_code"]], c[col["output_code"]] = lr, hcode, ocode
        if not self.data.has_dev:
            c[col["dev_loss"]] = math.nan
        return c

    def _row_matrix(self, lr: float, hcode: float, ocode: float) -> np.ndarray | None:
        """M such that [θ², G², 1] @ M is a whole history row, bar the columns the step
        writes itself (tick, step, loss, dev_loss with a dev set, dead counts): each tensor's
        squared norms, the totals, and, from the trailing 1, the columns that only change
        with a setting. None when M would exceed ROW_MATRIX_BYTES (see _norm_writer)."""
        P, col = self.n_params, self.history.col
        if (2 * P + 1) * len(col) * 8 > self.ROW_MATRIX_BYTES:
            return None
        M = np.zeros((2 * P + 1, len(col)))
        for k, idx in self._tensor_idx.items():
            M[idx, col[f"wsq_{k}"]] = 1.0
            M[P + idx, col[f"gsq_{k}"]] = 1.0
        M[:P, col["wsq_total"]] = 1.0
        M[P:2 * P, col["gsq_total"]] = 1.0
        M[2 * P] = self._const_row(lr, hcode, ocode)
        return M

    def _norm_writer(self, k_const: slice, const_row: np.ndarray):
        """For networks too large for the row matrix: fill a row's squared norms from views of
        [θ², G²] (each tensor's, then the totals) and its setting columns k_const."""
        P, col, sq = self.n_params, self.history.col, self._tgsq[:-1]
        views = []
        a = 0
        for l in range(1, self.L + 1):
            shape = (self.layer_dims[l], self.layer_dims[l - 1] + 1)
            size = shape[0] * shape[1]
            for half, prefix in ((sq[:P], "wsq_"), (sq[P:], "gsq_")):
                block = half[a:a + size].reshape(shape)
                views += [(col[f"{prefix}W{l}"], block[:, :-1]), (col[f"{prefix}b{l}"], block[:, -1])]
            a += size
        views += [(col["wsq_total"], sq[:P]), (col["gsq_total"], sq[P:])]
        add = np.add.reduce

        def write(row: np.ndarray) -> None:
            for k, v in views:
                row[k] = add(v, axis=None)
            row[k_const] = const_row
        return write

    def _alloc_buffers(self) -> None:
        m, dims = self.m, self.layer_dims
        self._zero = np.zeros(())  # a 0-d operand: cheaper than the float 0.0, no (n, m) buffer
        # Activations carry a constant row of ones underneath for the bias column of [W | b].
        self._X_aug = np.vstack([self.data.X, np.ones((1, m))])
        self._bufs = []
        for l, n in enumerate(dims[1:], start=1):
            B = {k: np.empty((n, m)) for k in ("Z", "G")}
            # dZ carries a row of ones too: dZ_ext [A_prev; 1]^T gives [dW | db] and, in its
            # last row, each unit's sum of A_prev over the samples (zero exactly when a ReLU
            # unit is dead), so counting dead units costs no extra pass over the activations.
            B["dZ_ext"] = np.ones((n + 1, m))
            B["dZ"] = B["dZ_ext"][:n]
            if l < self.L:
                B["dWb_ext"] = np.empty((n + 1, dims[l - 1] + 1))  # copied into G after the matmul
            else:
                k = dims[l - 1] + 1
                B["dWb_ext"] = self._tg_spare[2 * self.n_params - n * k:].reshape(n + 1, k)
            if l < self.L:
                B["A_aug"] = np.ones((n + 1, m))
                B["A"] = B["A_aug"][:n]
                # Full [W | b]^T dZ: BLAS reads the transposed block as it is (W^T alone is a
                # strided view that NumPy would copy); the bias row of the result is ignored.
                B["dA_aug"] = np.empty((n + 1, m))
                B["dA"] = B["dA_aug"][:n]
            else:
                B["A"] = np.empty((n, m))
            self._bufs.append(B)

    # ---- the step --------------------------------------------------------------------
    def _compile(self) -> None:
        """Bind buffers and kernels for the current activations and learning rate into one
        closure: rebuilt only when a setting changes, so the step itself does no lookups."""
        c = self.config
        hid = get_activation(c.hidden_activation, c.leaky_slope)
        out = get_activation(c.output_activation, c.leaky_slope)
        acts = [hid] * (self.L - 1) + [out]
        L, m, dims = self.L, self.m, self.layer_dims
        Y = self.data.Y
        bufs = self._bufs
        zero = self._zero
        for l, (B, act) in enumerate(zip(bufs, acts), start=1):
            # Z is written straight into A where nothing needs it afterwards: a linear layer's
            # A is its Z, and a hidden ReLU's derivative needs only A (relu'(Z) = sign(A)), so
            # its ReLU runs in place. The output layer keeps Z^[L]: records show it.
            in_place = act.name == "linear" or (act.name == "relu" and l < L)
            B["Zw"] = B["A"] if in_place else B["Z"]
            if act.name == "swish" and "S" not in B:
                B["S"] = np.empty_like(B["Z"])  # scratch only swish's derivative needs
        A_in = [self._X_aug] + [B["A_aug"] for B in bufs[:-1]]  # [A_prev; 1] for each layer
        fwd = [(Wb, A, B["Zw"], B["A"], a.forward_into)
               for Wb, A, B, a in zip(self._Wb, A_in, bufs, acts)]
        # Dead hidden units are counted (ReLU only) from the sums row of the layer above's
        # extended gradient matmul; other layers multiply dZ without the ones row.
        count_hidden = hid.name == "relu"

        def grad_matmul(l):
            """(dZ_ext or None, [A_prev; 1]^T, matmul output, its [dW | db] rows or None) for
            layer l: None where dZ itself is the operand and the output is the gradient."""
            B = bufs[l - 1]
            if count_hidden and l > 1:
                ext = B["dWb_ext"]  # the output layer's lies over its G block: nothing to copy
                return B["dZ_ext"], A_in[l - 1].T, ext, None if l == L else ext[:-1]
            return None, A_in[l - 1].T, self._dWb[l - 1], None

        BL = bufs[-1]
        ZL, GL, SL, R = BL["Zw"], BL["G"], BL.get("S"), BL["dZ"]
        R_flat = R.reshape(-1)  # R = dAL, then dZL in place
        DL, AinT_L, outL, from_L = grad_matmul(L)
        DL = R if DL is None else DL
        dWbL = self._dWb[-1]
        half_over_m = 0.5 / m
        out_grad = out.grad_into
        mse = c.loss == "mse"
        back = []  # hidden layers from L-1 down to 1
        for l in range(L - 1, 0, -1):
            B = bufs[l - 1]
            back.append((self._Wb[l].T, B["dA_aug"], B["dA"], B["Zw"], B["A"], B["G"], B.get("S"), B["dZ"],
                         hid.grad_into, *grad_matmul(l), self._dWb[l - 1]))
        # Written after the row matmul: (column, units, what to count the nonzeros of).
        counts = []
        if out.name == "relu":
            counts.append((self.history.col["dead_output"], dims[L] * m, GL))  # relu' = sign(A)
        if count_hidden:
            for l in range(1, L):
                sums = bufs[l]["dWb_ext"][-1, :dims[l]]  # Σ_samples A[l] per unit, from layer l+1
                counts.append((self.history.col[f"dead_hidden{l}"], dims[l], sums))
        tg, tgsq, U, theta, G = self._tg, self._tgsq, self._U, self._theta, self._G
        theta_prev, copyto = self._theta_prev, np.copyto
        ceiling = self.loss_ceiling
        tgsq_head = tgsq[:-1]
        hist = self.history
        k_wt, k_gt = hist.col["wsq_total"], hist.col["gsq_total"]
        lr = c.lr
        lr_vec = np.full(self.n_params, lr / m)  # an array operand is cheaper than a float
        hcode, ocode = float(ACT_CODES.index(hid.name)), float(ACT_CODES.index(out.name))
        M = self._row_matrix(lr, hcode, ocode)
        # What the matmul writes for the setting-only columns, for when an overflowed square
        # (θ finite, θ² not) turns them into NaN: 0·inf poisons every column of the matmul.
        k_const = slice(hist.col["dev_loss"], hist.col["wsq_" + self.tensor_names[0]])
        const_row = self._const_row(lr, hcode, ocode)[k_const]
        write_norms = None if M is not None else self._norm_writer(k_const, const_row)
        dot, subtract, multiply, count_nonzero, copyto = np.dot, np.subtract, np.multiply, np.count_nonzero, np.copyto
        isfinite = math.isfinite
        dev_cost = self._dev_cost if self.data.has_dev else None
        bce_cost_and_dAL = _bce_cost_and_dAL
        all_finite = _all_finite

        def run_fn(n: int, should_stop) -> tuple[int, int]:
            """Up to n updates. Returns (steps attempted, code): code 0 is fine, 1 means the
            loss was non-finite, 2 that θ or the gradient was (nothing updated then)."""
            tick, step, seq = self.tick, self.step_count, hist.seq
            tick0, step0, seq0 = tick, step, seq
            rows, n_rows, stride = hist.row_views, len(hist.row_views), hist.stride
            code = 0
            done = 0
            while done < n:
                if should_stop is not None and should_stop():
                    break
                done += 1
                for Wb, A, Zw, Abuf, f in fwd:
                    dot(Wb, A, Zw)
                    A_L = f(Zw, Abuf, zero)
                if mse:
                    subtract(A_L, Y, R)  # dAL = AL - Y: the derivative of the loss
                    loss = dot(R_flat, R_flat) * half_over_m
                else:
                    loss = bce_cost_and_dAL(A_L, Y, R)
                if not loss <= ceiling:  # also true for NaN
                    self._bad_loss = float(loss)
                    code = 1
                    break
                gp = out_grad(ZL, A_L, GL, SL)
                if gp is not None:
                    multiply(R, gp, R)
                dot(DL, AinT_L, outL)
                if from_L is not None:
                    copyto(dWbL, from_L)
                dZ = R
                for WbT, dA_aug, dA, Z, Ah, Gh, Sh, dZh, g, D, AinT, out_l, from_l, dWb in back:
                    dot(WbT, dZ, dA_aug)  # its first rows are W^T dZ = dA of the layer below
                    gp = g(Z, Ah, Gh, Sh)
                    dZ = dA if gp is None else multiply(dA, gp, dZh)
                    dot(dZ if D is None else D, AinT, out_l)
                    if from_l is not None:
                        copyto(dWb, from_l)
                row = rows[seq % n_rows]
                multiply(tg, tg, tgsq_head)
                if write_norms is None:
                    dot(tgsq, M, row)
                else:
                    write_norms(row)
                if not (isfinite(row[k_gt]) and isfinite(row[k_wt])):
                    if not all_finite(tg):
                        self._bad_loss = float(loss)
                        code = 2
                        break
                    row[k_const] = const_row  # a squared norm overflowed while θ, ∇J are finite
                row[2] = loss  # tick and step: filled for the whole block below
                if dev_cost is not None:
                    row[3] = dev_cost()
                for k, n_units, a in counts:
                    row[k] = n_units - count_nonzero(a)
                if seq % stride == 0:
                    row[0], row[1] = tick, step
                    hist.archive(seq)
                    stride = hist.stride
                seq += 1
                multiply(G, lr_vec, U)
                copyto(theta_prev, theta)  # (θ - U) + U is not θ once U dwarfs θ: keep a copy
                subtract(theta, U, theta)
                tick += 1
                step += 1
            self.tick, self.step_count, hist.seq = tick + (code != 0), step, seq  # a failed attempt is a step call
            hist.fill_counter(0, seq0, tick0)  # each committed row is one tick and one step on
            hist.fill_counter(1, seq0, step0)
            return done, code

        self._run_fn = run_fn
        self._acts = acts

    def _dev_cost(self) -> float:
        return compute_cost(self.predict(self.data.X_dev), self.data.Y_dev, self.config.loss)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """AL for inputs X (in training units) at the current parameters."""
        return self.forward(X)[1][-1]

    def forward(self, X: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Z[l] and A[l] for every layer at the current parameters (allocates; for display)."""
        c = self.config
        Zs, As = [], []
        A = X
        # Huge parameters or inputs overflow to inf/NaN here as in the step: shown, not warned.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            for l in range(1, self.L + 1):
                act = c.output_activation if l == self.L else c.hidden_activation
                Z = self.params[f"W{l}"] @ A + self.params[f"b{l}"]
                A = get_activation(act, c.leaky_slope).forward(Z)
                Zs.append(Z)
                As.append(A)
        return Zs, As

    # ---- running -----------------------------------------------------------------------
    def run(self, n: int, should_stop=None) -> int:
        """Up to n steps without building records (the fast path). Stops early on divergence
        or when should_stop() turns true (checked every step). Returns steps attempted."""
        if self.status != OK or n <= 0:
            return 0
        # Overflow is expected when a run diverges; it is detected and reported, not warned.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            done, code = self._run_fn(n, should_stop)
        if code:
            self._diverge(code)
        return done

    def step(self) -> StepRecord:
        """Exactly one full-batch update; returns what it measured."""
        if self.status != OK:
            raise RuntimeError(f"training has diverged ({self.diverged_reason}); change the learning rate or reset first")
        before = len(self.history)
        tick, step = self.tick, self.step_count
        self.run(1)
        return self._record(tick, step, committed=len(self.history) > before)

    def _record(self, tick: int, step: int, committed: bool) -> StepRecord:
        c = self.config
        ZL = self._bufs[-1]["Zw"].copy()
        AL = self._bufs[-1]["A"].copy()
        if not committed:
            # The failed attempt's loss: above the ceiling, or nan where it overflowed.
            return StepRecord(tick, step, self._bad_loss, None, c.lr, c.hidden_activation, c.output_activation,
                              0, tuple([0] * (self.L - 1)), {}, {}, ZL, AL, DIVERGED)
        return self.record_from_row(self.history.last(), ZL, AL)

    def record_from_row(self, row: np.ndarray, ZL=None, AL=None) -> StepRecord:
        col = self.history.col
        names = self.tensor_names
        gn = {f"d{k}": math.sqrt(row[col[f"gsq_{k}"]]) / self.m for k in names}
        lr = float(row[col["lr"]])
        ratios = {}
        for k in names:
            if k.startswith("W"):
                w = math.sqrt(row[col[f"wsq_{k}"]])
                ratios[k] = lr * gn["d" + k] / w if w > 0 else math.inf
        dev = float(row[col["dev_loss"]])
        return StepRecord(
            tick=int(row[0]), step=int(row[1]), loss=float(row[2]),
            dev_loss=None if math.isnan(dev) else dev, lr=lr,
            hidden_activation=ACT_CODES[int(row[5])], output_activation=ACT_CODES[int(row[6])],
            dead_output=int(row[7]),
            dead_hidden=tuple(int(row[col[f"dead_hidden{l}"]]) for l in range(1, self.L)),
            grad_norms=gn, update_ratios=ratios,
            Z_L=ZL if ZL is not None else np.empty((0, 0)), A_L=AL if AL is not None else np.empty((0, 0)),
        )

    def _diverge(self, code: int) -> None:
        at = self.step_count
        if code == 1 and at > 0:
            # θ_t already overflows the loss: go back to θ_{t-1}, whose loss was finite,
            # so a lower learning rate can carry on from there.
            np.copyto(self._theta, self._theta_prev)
            self.step_count -= 1
            self.history.pop()
        if code == 2:
            what = "the gradient became non-finite"
        elif math.isfinite(self._bad_loss):
            what = f"the loss reached {self._bad_loss:.3g}, over {self.CEILING_FACTOR:g}x its starting value,"
        else:
            what = "the loss became non-finite"
        self.status = DIVERGED
        self.diverged_reason = (f"{what} at step {at} with lr={self.config.lr:g}; "
                                f"parameters kept from step {self.step_count}")
        self._emit("diverged", self.diverged_reason)

    # ---- changes between steps -------------------------------------------------------
    def _emit(self, name: str, value) -> None:
        ev = Event(self.tick, self.step_count, name, value)
        self.events.append(ev)
        for fn in self.listeners:
            fn(ev)

    def _change(self, name: str, value, **config_changes) -> None:
        self.config = self.config.with_(**config_changes)
        if self.status == DIVERGED:
            self.status, self.diverged_reason = OK, ""
        self._emit(name, value)
        self._compile()

    def set_lr(self, lr: float) -> None:
        lr = check_lr(lr)
        self._change("lr", lr, lr=lr)

    def set_output_activation(self, name: str) -> None:
        self._change("output_activation", name, output_activation=name)

    def set_hidden_activation(self, name: str) -> None:
        self._change("hidden_activation", name, hidden_activation=name)

    def reset(self, seed: int | None = None) -> None:
        """Back to step 0 with the same seed, or re-initialise from a new one."""
        new_seed = self.seed if seed is None else int(seed)
        self.config = self.config.with_(seed=new_seed) if seed is not None else self.config
        self._setup(new_seed)
        self._emit("seed" if seed is not None else "reset", new_seed)

    def set_normalize(self, on: bool) -> None:
        """Standardising changes the data the weights were fitted to, so training restarts."""
        self.config = self.config.with_(normalize=bool(on))
        self._setup(self.seed)
        self._emit("normalize", bool(on))

    def apply_event(self, name: str, value) -> None:
        """Re-apply a logged user change (used by rerun)."""
        if name == "lr":
            self.set_lr(float(value))
        elif name == "output_activation":
            self.set_output_activation(str(value))
        elif name == "hidden_activation":
            self.set_hidden_activation(str(value))
        elif name == "seed":
            self.reset(int(value))
        elif name == "reset":
            self.reset()
        elif name == "normalize":
            self.set_normalize(bool(value))
        elif name == "diverged":
            pass  # produced by the engine itself, not a change to replay
        else:
            raise ValueError(f"unknown event {name!r}")

    # ---- reading state -----------------------------------------------------------------
    def parameters(self) -> dict[str, np.ndarray]:
        return {k: v.copy() for k, v in self.params.items()}

    def set_parameters(self, params: dict[str, np.ndarray]) -> None:
        """Load W[l], b[l] (course shapes) into the trainer, e.g. from a logged step."""
        for k, v in params.items():
            target = self.params[k]
            v = np.asarray(v, dtype=float)
            if v.shape != target.shape:
                raise ValueError(f"{k} has shape {v.shape}, the network needs {target.shape}")
            target[...] = v

    def clone(self) -> "Trainer":
        """An independent trainer at the same parameters and settings (fresh history and
        events), for experiments such as an LR range test that must not touch this run."""
        t = Trainer(self.config, self.dataset, self.split, window=256, archive=256)
        t.set_parameters(self.params)
        t.step_count = self.step_count
        return t

    # ---- pickling: a trainer can be handed to another process (the TUI's training process) --
    # θ, ∇J and the step's buffers are views into shared blocks and the step is a closure, none
    # of which pickle as such: the state is the settings, data, θ and the bookkeeping, and the
    # buffers and closure are rebuilt on arrival. Listeners (callables) stay behind.
    _STATE = ("dataset", "split", "config", "initial_config", "events", "tick", "_window", "_archive",
              "seed", "step_count", "status", "diverged_reason", "_bad_loss", "loss_ceiling")

    def __getstate__(self) -> dict:
        state = {k: getattr(self, k) for k in self._STATE}
        state.update(history=self.history, theta=self._theta.copy(), theta_prev=self._theta_prev.copy())
        return state

    def __setstate__(self, state: dict) -> None:
        self.dataset, self.split, self.config = state["dataset"], state["split"], state["config"]
        self._window, self._archive = state["_window"], state["_archive"]
        self.listeners = []
        self._setup(state["seed"])
        for k in self._STATE:
            setattr(self, k, state[k])
        self.history = state["history"]
        self._theta[...] = state["theta"]
        self._theta_prev[...] = state["theta_prev"]
        self._compile()  # binds the unpickled history

    def params_finite(self) -> bool:
        return bool(np.isfinite(self._theta).all())

    def __repr__(self) -> str:
        c = self.config
        return (f"Trainer(layer_dims={self.layer_dims}, {c.hidden_activation}/{c.output_activation}, "
                f"loss={c.loss}, lr={c.lr:g}, step={self.step_count}, status={self.status})")
