"""Findings: the dead counts first (which samples, stuck where), then the diagnosis engine's
findings, most urgent first with its cure, so the top finding shows even in a short panel."""
from __future__ import annotations

import numpy as np
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from core.diagnosis.cure_chain import NextStep
from core.diagnosis.diagnostics import Diagnostics
from core.diagnosis.snapshot import Snapshot

from .check_views import bias_variance_text, loss_at_init_text
from .fmt import index_ranges, num
from .relayout import RelayoutOnHeightChange

__all__ = ["FindingsPanel", "index_ranges", "samples_title", "stuck_at"]

MAX_PARTS = 6  # runs of sample numbers listed before "… (N in all)"
DEAD_REASON = ("Z^[L] ≤ 0 → ReLU outputs 0 and passes back no gradient of its own: only the weights the other "
               "samples move can lift Z^[L] above 0 again.")
DEAD_UNIT_REASON = ("A hidden unit with Z ≤ 0 on every sample passes back no gradient, so its own weights never "
                    "change: it stays dead whatever the rate.")
RELU_AT_ZERO = ("{which}: Z^[L] = 0 exactly. ReLU'(0) is taken as 0 here, so {it} no gradient "
                "of {its} own yet.")


def stuck_at(s: Snapshot) -> str:
    """What a dead sample's ŷ reads, in y's units: 0, or under normalisation the value ReLU's 0
    maps back to (the training mean of y), said as such."""
    if not s.normalize or s.dead_y_hat is None:
        return "ŷ = 0"
    return f"ŷ = {num(s.dead_y_hat)} (ReLU's 0 in y's units)"


def samples_title(s: Snapshot | None) -> str:
    """The sample table's heading: what red means, and what a dead ŷ reads there."""
    if s is not None and not s.output_can_die:
        return f"Samples (a {s.output_activation} output: none can die)"
    if s is None or not s.normalize or s.dead_y_hat is None:
        return "Samples (red: dead, ŷ stuck at 0)"
    return f"Samples (red: dead; ŷ = {num(s.dead_y_hat)} is ReLU's 0 in y's units)"


def dead_lines(s: Snapshot, t: Text) -> None:
    if not s.output_can_die:
        t.append(f"Dead outputs: none possible with a {s.output_activation} output\n", style="bold green")
        return
    (dead, dead_text), (at_zero, zero_text) = dead_numbers(s)
    if not dead:
        t.append(f"Dead outputs: 0 of {s.m} samples\n", style="bold")
        return
    t.append(f"Dead outputs: {dead} of {s.m} samples (#{dead_text}) stuck at {stuck_at(s)}\n", style="bold red")
    if at_zero:
        one = at_zero == 1
        t.append(RELU_AT_ZERO.format(which=f"#{zero_text}", it="it gets" if one else "they get",
                                     its="its" if one else "their") + "\n", style="yellow")


def dead_numbers(s: Snapshot) -> tuple[tuple[int, str], tuple[int, str]]:
    """(how many, which) of the dead samples and of those at Z^[L] = 0 exactly, by dataset row
    (as the table's `#`): from every sample, or from a large dataset's summary (sample_bins.py)."""
    if s.samples is None:
        rows = np.arange(len(s.dead)) if s.rows is None else np.asarray(s.rows)
        dead = rows[np.asarray(s.dead, dtype=bool)]
        at_zero = rows[s.dead & (np.asarray(s.Z_L) == 0)]
        return (len(dead), index_ranges(dead, MAX_PARTS)), (len(at_zero), index_ranges(at_zero, MAX_PARTS))
    d = s.samples
    return (d.dead_total, run_ranges(d.dead_runs, d.dead_total)), (d.zero_total, run_ranges(d.zero_runs, d.zero_total))


def run_ranges(runs: np.ndarray, total: int) -> str:
    """index_ranges's wording from (first, last) runs: '0–4, 7, … (200 in all)'."""
    parts = [str(a) if a == b else f"{a}–{b}" for a, b in runs.tolist()]
    if len(parts) > MAX_PARTS:
        return ", ".join(parts[:MAX_PARTS]) + f", … ({total} in all)"
    return ", ".join(parts)


def next_step_lines(step: NextStep | None, t: Text) -> None:
    """The cure chain: after each cure, the one thing still in the way of a good fit."""
    if step is None:
        return
    if step.good:
        t.append(f"{step.text[0].upper()}{step.text[1:]}\n", style="bold green")
        return
    t.append("Next: ", style="bold cyan")
    t.append(f"{step.text}\n")
    t.append(f"  → {step.cure}\n", style="cyan")


class FindingsPanel(RelayoutOnHeightChange, Widget):
    DEFAULT_CSS = """
    FindingsPanel { height: auto; }
    """

    # repaint=False: redraw() repaints only when the text changed (relayout.py)
    snapshot: reactive[Snapshot | None] = reactive(None, repaint=False)
    """The snapshot whose dead counts and findings are listed."""
    diag: reactive[Diagnostics | None] = reactive(None, repaint=False)
    """Loss at init and the bias/variance verdict (set before each snapshot)."""
    next_step: reactive[NextStep | None] = reactive(None, repaint=False)
    """What still blocks a good fit, and the key for it (core/diagnosis/cure_chain.py)."""

    def watch_diag(self) -> None:
        self.redraw()

    def watch_next_step(self) -> None:
        self.redraw()

    def inputs(self) -> tuple:
        return self.snapshot, self.diag, self.next_step  # wrapped by Textual: the width does not matter

    def build(self) -> Text:
        s = self.snapshot
        if s is None:
            return Text("")
        t = Text()
        if s.diverged:
            t.append(f"{'Diverged' if s.status == 'diverged' else 'Stopped'}: {s.diverged_reason}\n",
                     style="bold red")
        dead_lines(s, t)
        for l, dead_units in enumerate(s.dead_units, start=1):
            n = s.hidden_active[l - 1].shape[0]
            style = "bold red" if len(dead_units) else "bold"
            t.append(f"Dead hidden units (layer {l}): {len(dead_units)} of {n}\n", style=style)
        next_step_lines(self.next_step, t)
        if not s.findings:
            # The diagnosis engine explains what it finds; without findings, say why dead matters.
            if s.output_can_die and s.dead_output:
                t.append(DEAD_REASON + "\n", style="italic")
            elif any(len(u) for u in s.dead_units):
                t.append(DEAD_UNIT_REASON + "\n", style="italic")
        for f in s.findings:
            t.append(f"{f.code}: ", style="bold yellow")
            t.append(f.message)
            if f.cure:
                t.append(f"\n  → {f.cure}", style="cyan")
            t.append("\n")
        d = self.diag
        if d is not None and d.loss_at_init is not None:
            # Its meaning matters before training; afterwards one line (unless it is off).
            t.append_text(loss_at_init_text(d.loss_at_init, with_meaning=s.step == 0))
            t.append("\n")
        if d is not None and d.bias_variance is not None and s.step > 0:
            t.append_text(bias_variance_text(d.bias_variance))
        t.rstrip()
        return t
