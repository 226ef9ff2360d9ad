"""The replay screen's text panes, built from the log alone: how far loading has got, the status
line of the step under the cursor, the note on where its per-sample data comes from, the pane
shown when there is none, and the events around the cursor. Names read from the log (column
names, event values) are escaped: a control character never reaches the terminal raw."""
from __future__ import annotations

import math

import numpy as np
from rich.text import Text

from core.logs.replay import Replay
from core.text import printable

from ..widgets.fmt import num
from .replay_scrub import step_text


EVENTS_AROUND = 40  # events listed on either side of the cursor (a log may hold 100,000)


def event_line(e: dict) -> str:
    return f"step {e.get('step')} (tick {e.get('tick')}): {e.get('name')} = {printable(str(e.get('value')))}"


def load_text(r: Replay, error: str) -> Text:
    """While the rest of a long log loads: how far it has got; or why loading stopped."""
    if error:
        return Text(f"{error} · showing the {r.steps_logged:,} steps before it · q quits (exit status 2)",
                    style="bold white on red")
    if r.complete:
        return Text("")
    return Text(f"loading the log… {r.steps_logged:,} steps read so far", style="bold yellow")


def status_text(r: Replay, row: int) -> Text:
    t = Text()

    def item(label: str, value: str, style: str = "bold") -> None:
        if t:
            t.append("  ")
        t.append(f"{label} ", style="dim")
        t.append(value, style=style)

    item("step", step_text(r, row))
    item("logged", f"{row + 1}/{r.n}" + (f" (1 in {r.row_stride} of {r.steps_logged:,} steps kept)"
                                         if r.row_stride > 1 else ""))
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


def note_text(r: Replay, param_rows: np.ndarray, row: int, source: str, error: str = "") -> Text:
    """Where the per-sample picture at `row` comes from: `source` is "logged", "re-executed",
    "pending", "failed", "error" (re-execution raised `error`), or "" (none)."""
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
    if source == "error":
        return Text(f"no per-sample data at {at}: re-executing the run failed: {error} · c: off",
                    style="bold red")
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
    """The events around the cursor, those at or before `row` marked ▸ (row -1: none yet)."""
    if not r.events:
        return Text("No events: the run kept its configuration throughout.", style="dim")
    done = r.events_until(row) if row >= 0 else 0
    lo, hi = max(done - EVENTS_AROUND, 0), min(done + EVENTS_AROUND, len(r.events))
    t = Text()
    if lo:
        t.append(f"… {lo:,} earlier events\n", style="dim")
    for i in range(lo, hi):
        if i > lo:
            t.append("\n")
        t.append(("▸ " if i < done else "  ") + event_line(r.events[i]), style="" if i < done else "dim")
    if hi < len(r.events):
        t.append(f"\n… {len(r.events) - hi:,} later events", style="dim")
    return t
