"""Help: what each key does and the formulas behind the screen."""
from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

KEYS = (
    ("space", "one gradient-descent step (paused only)"),
    ("n", "N steps (paused only)"),
    ("N", "cycle N: 10 → 100 → 1000"),
    ("r", "run / pause"),
    ("a", "output activation: relu → leaky_relu → swish → linear → sigmoid (weights kept)"),
    ("h", "hidden activation: relu → leaky_relu → tanh → swish → linear → sigmoid (weights kept)"),
    ("+ / -", "learning rate × 2 / ÷ 2"),
    ("z", "normalisation on/off: restarts training from step 0"),
    ("s", "new seed and re-initialise"),
    ("0", "back to step 0 with the same seed"),
    ("e", "export the run log (JSONL, events included) to runs/"),
    ("g", "gradient check: backprop vs centred differences, relative error and band per tensor"),
    ("b", "polynomial baseline on the fit plot: degree 1 → 2 → 3 → 4 → off, its J beside the network's"),
    ("l", "LR range test on a copy (log-x plot); enter or l there applies the suggested rate"),
    ("o", "overfit a tiny batch (2 samples) on a copy: can the network reach about 0 loss?"),
    ("enter", "on a row of the sample table (tab or click to focus it): the chain rule for that sample"),
    ("?", "this help  (escape closes it)"),
    ("q", "quit, also while running"),
)

FORMULAS = """\
Forward, layer l:   Z[l] = W[l] A[l-1] + b[l]     A[l] = g(Z[l])
Loss (MSE):         J = Σ (A[L] − Y)² / (2m)
Backward:           dA[L] = A[L] − Y     the derivative of the loss, not of the activation
                    dZ = dA · g'(Z)      elementwise
                    dW = dZ · A_prevᵀ / m      db = Σ dZ / m      dA_prev = Wᵀ · dZ
Update:             W ← W − α dW

Why samples die:  with a ReLU output, a sample whose Z[L] ≤ 0 gets A[L] = 0 and
g'(Z[L]) = 0, so its dZ[L] = 0: it contributes nothing to dW and nothing can move it
back. Its ŷ stays exactly 0 (red rows, − signs). A linear or leaky ReLU output has
g' ≠ 0 everywhere, so the same samples get gradient again and recover (press a).
A hidden unit whose Z ≤ 0 on every sample is dead the same way (red rows in the grid).

Chain rule (enter on a sample):  ∂L/∂W[L] = ∂L/∂A · ∂A/∂Z · ∂Z/∂W = (A − Y) · g'(Z) · A_prev
For a dead sample g'(Z) = 0 is the zero factor that wipes its whole contribution to dW.

Stability limit (status line, 2/λmax):  λmax is the largest eigenvalue of the Hessian of J at
the current parameters (power iteration on Hessian-vector products). Gradient descent
multiplies the error along that direction by (1 − α λmax) each step: it overshoots and
grows once α > 2/λmax. Green: α < half the limit, yellow: closer, red: beyond it."""


def keys_table() -> Table:
    t = Table(show_header=False, box=None, padding=(0, 2, 0, 0))
    t.add_column(style="bold cyan", no_wrap=True)
    t.add_column()
    for key, what in KEYS:
        t.add_row(key, what)
    return t


class HelpScreen(ModalScreen):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Close help"),
        Binding("question_mark", "app.pop_screen", "Close help", show=False),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Static(Text("Keys", style="bold"))
            yield Static(keys_table())
            yield Static(Text("\nFormulas (course notation)", style="bold"))
            yield Static(Text(FORMULAS))

    def on_mount(self) -> None:
        self.query_one("#help").border_title = "Help"
        self.query_one("#help").border_subtitle = "escape or ? to close"
