"""Findings: the diagnosis engine's findings when it has any, and always the dead counts with
the one-line reason they matter."""
from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from core.diagnosis.diagnostics import Diagnostics
from core.diagnosis.snapshot import Snapshot

from .check_views import bias_variance_text, loss_at_init_text
from .relayout import RelayoutOnHeightChange

DEAD_REASON = ("Z^[L] ≤ 0 → ReLU outputs 0 and passes back no gradient of its own: only the weights the other "
               "samples move can lift Z^[L] above 0 again.")
DEAD_UNIT_REASON = ("A hidden unit with Z ≤ 0 on every sample passes back no gradient, so its own weights never "
                    "change: it stays dead whatever the rate.")


def index_ranges(idx) -> str:
    """[0, 1, 2, 5, 7, 8] -> '0–2, 5, 7–8'."""
    idx = sorted(int(i) for i in idx)
    parts, start = [], None
    for k, i in enumerate(idx):
        if start is None:
            start = i
        if k + 1 == len(idx) or idx[k + 1] != i + 1:
            parts.append(str(start) if start == i else f"{start}–{i}")
            start = None
    return ", ".join(parts)


class FindingsPanel(RelayoutOnHeightChange, Widget):
    DEFAULT_CSS = """
    FindingsPanel { height: auto; }
    """

    snapshot: reactive[Snapshot | None] = reactive(None)
    """The snapshot whose dead counts and findings are listed."""
    diag: reactive[Diagnostics | None] = reactive(None)
    """Loss at init and the bias/variance verdict (set before each snapshot)."""

    def render(self) -> Text:
        s = self.snapshot
        if s is None:
            return Text("")
        t = Text()
        if s.diverged:
            t.append(f"Diverged: {s.diverged_reason}\n", style="bold red")
        if s.output_can_die:
            dead = [i for i in range(s.m) if s.dead[i]]
            if dead:
                t.append(f"Dead outputs: {len(dead)} of {s.m} samples (#{index_ranges(dead)}) stuck at ŷ = 0\n",
                         style="bold red")
            else:
                t.append(f"Dead outputs: 0 of {s.m} samples\n", style="bold")
        else:
            t.append(f"Dead outputs: none possible with a {s.output_activation} output\n", style="bold green")
        for l, dead_units in enumerate(s.dead_units, start=1):
            n = s.hidden_active[l - 1].shape[0]
            style = "bold red" if len(dead_units) else "bold"
            t.append(f"Dead hidden units (layer {l}): {len(dead_units)} of {n}\n", style=style)
        if not s.findings:
            # The diagnosis engine explains what it finds; without findings, say why dead matters.
            if s.output_can_die:
                t.append(DEAD_REASON, style="italic")
            elif any(len(u) for u in s.dead_units):
                t.append(DEAD_UNIT_REASON, style="italic")
        for f in s.findings:
            t.append("\n")
            t.append(f"{f.code}: ", style="bold yellow")
            t.append(f.message)
            if f.cure:
                t.append(f"\n  → {f.cure}", style="cyan")
        d = self.diag
        if d is not None and d.loss_at_init is not None:
            t.append("\n")
            # Its meaning matters before training; afterwards one line (unless it is off).
            t.append_text(loss_at_init_text(d.loss_at_init, with_meaning=s.step == 0))
        if d is not None and d.bias_variance is not None and s.step > 0:
            t.append("\n")
            t.append_text(bias_variance_text(d.bias_variance))
        t.rstrip()
        return t
