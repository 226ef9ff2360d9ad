"""The status line: step, losses, RMSE, learning rate, activations, normalisation, state, N."""
from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from ..protocol import Frame
from .check_views import curvature_text
from .fmt import num


class StatusLine(Widget):
    DEFAULT_CSS = """
    StatusLine { height: auto; padding: 0 0 0 1; }
    """

    frame: reactive[Frame | None] = reactive(None)
    """The latest frame from the session; None until the first one arrives."""
    multi: reactive[int] = reactive(10)
    """N, the number of steps the `n` key runs."""
    error: reactive[str] = reactive("")
    """Set when the training thread failed: shown instead of the run state."""

    _lines = 1

    def _relayout_if_wrapped(self) -> None:
        """Height is auto, but a frame redraws without layout: when the text starts or stops
        wrapping (a long loss, N 1000, the 2/λmax limit), re-run layout so no part is cut off."""
        width = max(self.content_region.width, 1)
        lines = len(self.render().wrap(self.app.console, width))
        if lines != self._lines:
            self._lines = lines
            self.refresh(layout=True)

    def watch_frame(self) -> None:
        if self.is_mounted:
            self._relayout_if_wrapped()

    def watch_multi(self) -> None:
        if self.is_mounted:
            self._relayout_if_wrapped()

    def on_resize(self) -> None:
        self._relayout_if_wrapped()

    def render(self) -> Text:
        f = self.frame
        if f is None:
            return Text("starting…", style="dim")
        s = f.snapshot
        t = Text()

        def item(label: str, value: str, style: str = "bold") -> None:
            if t:
                t.append("  ")
            t.append(f"{label} ", style="dim")
            t.append(value, style=style)

        item("step", str(s.step))
        item("loss", num(s.loss))
        if s.dev_loss is not None:
            item("dev", num(s.dev_loss))
        item("RMSE", num(s.rmse))
        item("lr", f"{s.lr:g}")
        curv = f.diag.curvature
        if curv is not None:
            # Gradient descent overshoots once lr > 2/λmax: the limit sits right beside the rate.
            t.append(" 2/λmax ", style="dim")
            t.append_text(curvature_text(curv, s.lr))
        item("hidden", s.hidden_activation)
        item("output", s.output_activation, "bold red" if s.output_can_die else "bold green")
        item("norm", "on" if s.normalize else "off")
        if self.error:
            item("state", "error", "bold white on red")
        elif s.diverged:
            item("state", "diverged", "bold white on red")
        elif f.running:
            item("state", "running", "bold green")
        else:
            item("state", "paused", "bold yellow")
        item("N", str(self.multi))
        return t
