"""The status line: step, losses, RMSE, learning rate, activations, normalisation, state, N.

Always one line. When the terminal is too narrow for every item, the least needed items are
left out whole (never cut in the middle of a number): a wrapped status line pushed the layout
down and hid the table's last rows behind a scrollbar (issue 12)."""
from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from ..protocol import Frame
from ..session.step_pace import pace_text
from .check_views import curvature_text
from .fmt import fit, num
from .problem_status import problem_items
from .relayout import TextOnChange

SEP = "  "
# Items by what a user needs most, first: the rest go, last first, when the line is full.
# The pace shows only when slowed, and then it explains the run's speed: it ranks next to the rate.
PRIORITY = ("step", "loss", "state", "acc", "lr", "pace", "output", "dev", "epoch", "λ", "hidden", "norm", "RMSE",
            "N")


def item(label: str, value: str | Text, style: str = "bold") -> Text:
    t = Text(f"{label} ", style="dim")
    if isinstance(value, Text):
        t.append_text(value)
    else:
        t.append(value, style=style)
    return t


def fit_items(items: dict[str, Text], width: int) -> Text:
    """The items in their order, joined by SEP, leaving out the lowest-priority ones until
    the line fits `width` (the first item always stays)."""
    keep = list(items)
    drop = [k for k in reversed(PRIORITY) if k in items]
    while len(keep) > 1 and sum(len(items[k]) for k in keep) + len(SEP) * (len(keep) - 1) > width:
        keep.remove(drop.pop(0))
    return Text(SEP).join(items[k] for k in keep)


class StatusLine(TextOnChange, Widget):
    DEFAULT_CSS = """
    StatusLine { height: 1; padding: 0 0 0 1; }
    """

    # repaint=False: redraw() repaints only when the line changed (relayout.py)
    frame: reactive[Frame | None] = reactive(None, repaint=False)
    """The latest frame from the session; None until the first one arrives."""
    multi: reactive[int] = reactive(10, repaint=False)
    """N, the number of steps the `n` key runs."""
    error: reactive[str] = reactive("", repaint=False)
    """Set when the training thread failed: shown instead of the run state."""

    def watch_frame(self) -> None:
        self.redraw()

    def watch_multi(self) -> None:
        self.redraw()

    def watch_error(self) -> None:
        self.redraw()

    def inputs(self) -> tuple:
        return self.frame, self.multi, self.error, self.content_region.width

    def items(self) -> dict[str, Text]:
        f = self.frame
        s = f.snapshot
        out = {"step": item("step", str(s.step)), "loss": item("loss", fit(s.loss, 9))}
        if s.dev_loss is not None:
            out["dev"] = item("dev", fit(s.dev_loss, 9))
        out.update(problem_items(s.problem))  # accuracy, λ, epoch: only where they apply
        out["RMSE"] = item("RMSE", num(s.rmse))
        lr = item("lr", f"{s.lr:g}")
        curv = f.diag.curvature
        if curv is not None:
            # Gradient descent overshoots once lr > 2/λmax: the limit sits right beside the rate.
            lr.append(" 2/λmax ", style="dim")
            lr.append_text(curvature_text(curv, s.lr))
        out["lr"] = lr
        out["hidden"] = item("hidden", s.hidden_activation)
        out["output"] = item("output", s.output_activation, "bold red" if s.output_can_die else "bold green")
        out["norm"] = item("norm", "on" if s.normalize else "off")
        if self.error:
            out["state"] = item("state", "error", "bold white on red")
        elif s.diverged:
            out["state"] = item("state", s.status, "bold white on red")  # diverged, or stopped (--model)
        elif f.running:
            out["state"] = item("state", "running", "bold green")
        elif f.trouble is not None:  # paused by itself: the notice says what happened
            out["state"] = item("state", "paused on trouble", "bold black on yellow")
        else:
            out["state"] = item("state", "paused", "bold yellow")
        out["N"] = item("N", str(self.multi))
        if f.pace is not None:  # the pace when slowed (t), and whether trouble still pauses it (p)
            out["pace"] = item("pace", pace_text(f.pace) + ("" if f.pause_on_trouble else " (p off)"))
        return out

    def build(self) -> Text:
        if self.frame is None:
            return Text("starting…", style="dim")
        width = self.content_region.width or self.size.width or 10_000
        t = fit_items(self.items(), max(width, 1))
        t.no_wrap = True
        return t
