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
Loss (bce):         J = −Σ [Y log A[L] + (1 − Y) log(1 − A[L])] / m
Backward:           dA[L] = A[L] − Y     the derivative of the loss, not of the activation (MSE)
                    dA[L] = −Y/A[L] + (1 − Y)/(1 − A[L])     (cross-entropy)
                    dZ = dA · g'(Z)      elementwise
                    dW = dZ · A_prevᵀ / m      db = Σ dZ / m      dA_prev = Wᵀ · dZ
Sigmoid + cross-entropy: dZ[L] = A[L] − Y in one piece (g' = A(1 − A) cancels dA[L]'s
denominators). Taken apart it collapses to 0 once A[L] rounds to 1 (Z[L] > 36.7), where the
true value is 1; J comes from the logits, Σ (log(1 + e^Z[L]) − Y·Z[L]) / m, which never
takes log 0.
Update:             W ← W − α dW

Why samples die:  with a ReLU output, a sample whose Z[L] ≤ 0 gets A[L] = 0 and
g'(Z[L]) = 0, so its dZ[L] = 0: it gets no gradient of its own and adds nothing to dW.
It is not frozen: the weights it shares with the other samples keep moving and can lift
its Z[L] above 0 again (or push it further down). Until then ŷ stays exactly 0 (red rows,
− signs). A linear or leaky ReLU output has g' ≠ 0 everywhere, so the same samples get a
gradient of their own again (press a). A hidden unit whose Z ≤ 0 on every sample is dead
the same way (red rows in the grid), and its own weights get no gradient at all.

Chain rule (enter on a sample):  ∂L/∂W[L] = ∂L/∂A · ∂A/∂Z · ∂Z/∂W = (A − Y) · g'(Z) · A_prev
For a dead sample g'(Z) = 0 is the zero factor that wipes its own contribution to dW.

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
