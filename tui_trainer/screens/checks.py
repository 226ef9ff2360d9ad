"""Modal screens for the one-key checks (g, l, o) and the chain-rule inspector.

Each screen only draws: the app sends the command and hands every frame down; the screen shows
"running…" until a frame carries the answer to its own request (CheckResult.request)."""
from __future__ import annotations

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.reactive import reactive
from textual.screen import ModalScreen
from textual.widgets import Static

from core.diagnosis.diagnostics import GRADCHECK, LR_FIND, OVERFIT, CheckResult

from ..command_table import bindings
from ..protocol import Frame
from ..widgets.check_views import chain_text, gradcheck_text, lr_find_text, overfit_text
from ..widgets.curve_plot import CurvePlot, Series


class CheckScreen(ModalScreen):
    """Base: a bordered box with a text body and, for some checks, a plot."""
    BINDINGS = [Binding("escape", "dismiss_none", "Close")]
    kind = ""
    title = ""
    has_plot = False

    frame: reactive[Frame | None] = reactive(None)
    """Latest frame (set by the app); the result is read from frame.diag."""

    def __init__(self, request: int) -> None:
        super().__init__()
        self.request = request  # the number of the command whose answer this screen waits for

    def compose(self) -> ComposeResult:
        box = Vertical(id="check", classes=f"check-{self.kind}")
        # Titled here, not in on_mount: a screen replaced by another key at once (o, o) may
        # mount after its children are gone, and a query there ended the app (random keys).
        box.border_title, box.border_subtitle = self.title, self.subtitle()
        with box:
            with VerticalScroll(id="check-body-box"):
                yield Static(Text("running…", style="dim"), id="check-body")
            if self.has_plot:
                yield CurvePlot(id="check-plot")

    def on_mount(self) -> None:
        self.watch_frame(self.frame)

    def subtitle(self) -> str:
        return "escape: close"

    def action_dismiss_none(self) -> None:
        self.dismiss(None)

    @property
    def result(self) -> CheckResult | None:
        """This screen's answer, once it has arrived."""
        f = self.frame
        r = f.diag.result(self.kind) if f is not None else None
        return r if r is not None and r.request >= self.request else None

    def watch_frame(self, frame: Frame | None) -> None:
        if not self.is_mounted:
            return
        r = self.result
        bodies = self.query("#check-body")
        if r is None or not bodies:  # no answer yet, or the screen is already going
            return
        body = bodies.first(Static)
        if r.error:
            body.update(Text(f"the check failed: {r.error}", style="bold red"))
            return
        head = Text(f"at step {r.step}\n", style="dim")
        body.update(head + self.body(r.value))
        if self.has_plot and self.query(CurvePlot):
            self.plot(self.query_one(CurvePlot), r.value)

    def body(self, value) -> Text:
        raise NotImplementedError

    def plot(self, plot: CurvePlot, value) -> None:
        pass


class GradCheckScreen(CheckScreen):
    kind, title = GRADCHECK, "Gradient check (g)"

    def body(self, value) -> Text:
        return gradcheck_text(value)


class OverfitScreen(CheckScreen):
    kind, title, has_plot = OVERFIT, "Overfit a tiny batch: 2 samples (o)", True

    def body(self, value) -> Text:
        return overfit_text(value)

    def plot(self, plot: CurvePlot, value) -> None:
        y = np.asarray(value.losses, dtype=float)
        x = np.linspace(0, value.steps, len(y)) if len(y) > 1 else np.zeros(len(y))
        plot.ylog = bool(np.all(y[np.isfinite(y)] > 0))
        plot.xlabel = "step (loss on the 2 samples, log y)"
        plot.series = (Series(x, y, "loss", "cyan"),)


class LRFindScreen(CheckScreen):
    """The sweep on a log-x axis; enter (or l again) applies the suggested rate."""
    kind, title, has_plot = LR_FIND, "LR range test (l)", True
    BINDINGS = [
        Binding("enter", "apply", "Apply suggested lr", priority=True),
        Binding("l", "apply", "Apply suggested lr", show=False),
    ]

    def subtitle(self) -> str:
        return "enter or l: apply the suggested lr · escape: close"

    def body(self, value) -> Text:
        return lr_find_text(value)

    def plot(self, plot: CurvePlot, value) -> None:
        s = value.test
        lrs = np.asarray(s.lrs, dtype=float)
        plot.xlog = True
        plot.ylog = bool(np.all(np.asarray(s.losses)[np.isfinite(s.losses)] > 0))
        plot.xlabel = "learning rate (log scale) · green │ suggested · red │ current"
        plot.vlines = ((value.lr, "red"), (s.suggested, "green"))
        plot.series = (Series(lrs, np.asarray(s.losses, dtype=float), "loss", "cyan"),
                       Series(lrs, np.asarray(s.smoothed, dtype=float), "smoothed", "orange"))

    def action_apply(self) -> None:
        r = self.result
        if r is not None and r.value is not None:
            # Three significant digits: the sweep's resolution is ×1.23 per update anyway.
            self.dismiss(float(f"{r.value.test.suggested:.3g}"))


class ChainRuleScreen(ModalScreen):
    """The chain rule at the output layer for one sample; up/down move to the next sample. Live:
    the session recomputes it for every frame while this screen is open."""
    BINDINGS = [
        Binding("escape", "dismiss_none", "Close"),
        Binding("up,k", "move(-1)", "Previous sample"),
        Binding("down,j", "move(1)", "Next sample"),
        # The cure and its effect, without leaving the inspector (the app runs them as usual).
        *bindings("a", "space", "n", on_app=True),
    ]

    frame: reactive[Frame | None] = reactive(None)
    position: reactive[int] = reactive(0)

    def __init__(self, position: int, m: int, row: int | None = None) -> None:
        super().__init__()
        self.set_reactive(ChainRuleScreen.position, position)
        # `position` is the sample's column in the training split (what the session inspects and
        # ↑/↓ step through); the title names its dataset row, as the table's `#` does.
        self.m, self.row = m, row

    def compose(self) -> ComposeResult:
        box = VerticalScroll(id="check", classes="check-chain")
        box.border_subtitle = "↑/↓: another sample · a: output activation · space/n: step · escape: close"
        with box:
            yield Static(Text("computing…", style="dim"), id="check-body")

    def on_mount(self) -> None:
        self._draw()

    def watch_frame(self, frame: Frame | None) -> None:
        self._draw()

    def watch_position(self, position: int) -> None:
        self._draw()

    @property
    def chain(self):
        f = self.frame
        c = f.diag.chain if f is not None else None
        return c if c is not None and c.position == self.position else None

    def _draw(self) -> None:
        if not self.is_mounted or not self.query("#check"):  # (see CheckScreen.compose)
            return
        c = self.chain
        row = c.sample if c is not None else self.row   # unknown after ↑/↓ until its chain comes
        self.query_one("#check").border_title = ("Chain rule at the output layer: sample "
                                                 + ("…" if row is None else f"#{row}"))
        if c is not None:
            self.query_one("#check-body", Static).update(chain_text(c))

    def action_move(self, delta: int) -> None:
        new = min(max(self.position + delta, 0), self.m - 1)
        if new != self.position:
            self.row = None
            self.position = new
            self.app.inspect_sample(new)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
