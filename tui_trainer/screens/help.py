"""Help: what each key does (from command_table.py) and the formulas behind the screen."""
from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ..command_table import help_rows

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
    for key, what in help_rows():
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
