"""Hidden-unit activity: one row per unit, one column per sample; ■ where Z > 0 (the unit
passes gradient), · where it is off. Units off on every sample are dead and marked in red."""
from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from core.diagnosis.snapshot import Snapshot

from .relayout import RelayoutOnHeightChange

from .sign_strip import LABEL, append_runs, columns

ON, OFF = "■", "·"


class UnitGrid(RelayoutOnHeightChange, Widget):
    DEFAULT_CSS = """
    UnitGrid { height: auto; }
    """

    snapshot: reactive[Snapshot | None] = reactive(None)
    """The snapshot whose hidden activity is drawn (its unit count sets the height)."""

    def render(self) -> Text:
        s = self.snapshot
        if s is None:
            return Text("")
        cell, shown = columns(self.size.width, s.m)
        t = Text()
        for l, (active, dead) in enumerate(zip(s.hidden_active, s.dead_units), start=1):
            n = active.shape[0]
            head = f"hidden layer {l}: {len(dead)} of {n} units dead"
            if not s.hidden_can_die:
                head = f"hidden layer {l} ({s.hidden_activation}: units cannot die)"
            if t:
                t.append("\n")
            t.append(head, style="bold red" if len(dead) else "bold")
            dead_set = set(int(j) for j in dead)
            for j in range(n):
                is_dead = j in dead_set
                t.append("\n")
                label = f"u{j + 1}" + (" ✗" if is_dead else "")
                t.append(label.ljust(LABEL), style="red" if is_dead else "dim")
                off_style = "red" if is_dead else "dim"
                append_runs(t, ((ON.ljust(cell), "green") if on else (OFF.ljust(cell), off_style)
                                for on in active[j, :shown]))
                if shown < s.m:
                    t.append("…", style="dim")
        return t

