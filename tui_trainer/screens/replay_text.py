"""The replay screen's text panes, built from the log alone: the status line of the step under
the cursor, the note on where its per-sample data comes from, the pane shown when there is
none, and the events up to the cursor."""
from __future__ import annotations

import math

import numpy as np
from rich.text import Text

from core.logs.replay import Replay

from ..widgets.fmt import num
from .replay_scrub import step_text


def event_line(e: dict) -> str:
    return f"step {e.get('step')} (tick {e.get('tick')}): {e.get('name')} = {e.get('value')}"


def status_text(r: Replay, row: int) -> Text:
    t = Text()

    def item(label: str, value: str, style: str = "bold") -> None:
        if t:
            t.append("  ")
        t.append(f"{label} ", style="dim")
        t.append(value, style=style)

    item("step", step_text(r, row))
    item("logged", f"{row + 1}/{r.n}")
    item("loss", num(r.loss[row]))
    if not math.isnan(r.dev_loss[row]):
        item("dev", num(r.dev_loss[row]))
    item("lr", f"{r.lr[row]:g}")
    item("hidden", r.hidden_activation[row])
    out = r.output_activation[row]
    item("output", out, "bold red" if out == "relu" else "bold green")
    item("norm", "on" if r.normalize[row] else "off")
    item("dead", f"{r.dead_output[row]} samples, {int(r.dead_hidden[row].sum())} units",
         "bold red" if r.dead_output[row] else "bold")
    if r.status[row] != "ok":
        item("state", r.status[row], "bold white on red")
    return t


def note_text(r: Replay, param_rows: np.ndarray, row: int, source: str) -> Text:
    """Where the per-sample picture at `row` comes from: `source` is "logged", "re-executed",
    "pending", "failed", or "" (none)."""
    if r.n == 0:
        return Text("")  # before step_text: an empty log has no row to name
    k = len(param_rows)
    at = f"step {step_text(r, row)}"
    if source == "logged":
        thinned = f" (kept {k} of {r.params_logged} to bound memory)" if k < r.params_logged else ""
        return Text(f"per-sample data at {at}: Z^[L] and ŷ from the logged θ "
                    f"(L_model_forward) · θ at {k} logged steps{thinned} · [ ] jump", style="cyan")
    if source == "re-executed":
        return Text(f"per-sample data at {at}: θ re-executed from the log (bit for bit, as rerun) "
                    "· c: off", style="cyan")
    if source == "pending":
        return Text(f"no per-sample data logged at {at}: re-executing the run up to it…", style="yellow")
    if source == "failed":
        return Text(f"no per-sample data at {at}: the re-executed run diverged before reaching it",
                    style="bold yellow")
    if k == 0:
        return Text(f"no per-sample data at {at}: this log has no θ (params records) · "
                    "c: re-execute the run up to it", style="bold yellow")
    return Text(f"no per-sample data at {at}: θ is logged at {k} of {r.n} steps "
                f"({nearest(r, param_rows, row)}) · [ ] jump · c: re-execute", style="bold yellow")


def nearest(r: Replay, rows: np.ndarray, row: int) -> str:
    """The logged-θ steps on either side of `row`."""
    before, after = rows[rows < row], rows[rows > row]
    parts = []
    if len(before):
        parts.append(f"previous: step {step_text(r, int(before[-1]))}")
    if len(after):
        parts.append(f"next: step {step_text(r, int(after[0]))}")
    return ", ".join(parts)


def no_samples_text(r: Replay, row: int) -> Text:
    t = Text("No per-sample data at this step.\n\n", style="bold yellow")
    t.append("The log has the loss and dead counts of every logged step, but ŷ and Z^[L] per "
             "sample need the parameters θ, which only `params` records carry "
             "(`tui-trainer run --log-params`).\n\n")
    t.append("Press c to get θ by re-executing the run up to this step instead "
             "(the log's config, data and events reproduce it bit for bit).\n\n")
    if r.n:
        t.append(f"Logged here: {r.dead_output[row]} dead samples (Z^[L] ≤ 0), "
                 f"{int(r.dead_hidden[row].sum())} dead hidden units.\n", style="bold")
    if r.params_unmatched:
        t.append(f"\n{r.params_unmatched} params record(s) have no step record at their tick "
                 "(e.g. θ after the last step of an export) and are not shown.", style="dim")
    return t


def events_text(r: Replay, row: int) -> Text:
    """Every event, those at or before `row` marked ▸ (row -1: none yet)."""
    if not r.events:
        return Text("No events: the run kept its configuration throughout.", style="dim")
    done = r.events_until(row) if row >= 0 else 0
    t = Text()
    for i, e in enumerate(r.events):
        if t:
            t.append("\n")
        t.append(("▸ " if i < done else "  ") + event_line(e), style="" if i < done else "dim")
    return t
