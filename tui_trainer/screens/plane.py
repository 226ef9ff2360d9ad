"""The 2-D view (`v`), for data with two inputs: the output heatmap with the samples on the
left, the network with a thumbnail per unit and its weights on the right, the status line and
the latest notice above. Every training key works here as on the main screen; `v` or escape
goes back. The app hands each frame down; the widgets redraw only when the frame does."""
from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Static

from ..protocol import Frame, Notice
from ..widgets.notice_line import NoticeLine
from ..widgets.plane_heatmap import DEAD, DEV, TRAIN, PlaneHeatmap
from ..widgets.plane_network import PlaneNetwork
from ..widgets.status_line import StatusLine

KEYS_LINE = "v/esc back · r run · space step · ] [ L2 λ · } { L1 λ · m batch · + - lr · s seed · 0 reset · ? help"


class PlaneScreen(Screen):
    DEFAULT_CSS = """
    PlaneScreen #plane-body { height: 1fr; }
    PlaneScreen #plane-map { width: 1fr; border: round $primary; }
    PlaneScreen #plane-net { width: 1fr; border: round $primary; }
    PlaneScreen #plane-keys { height: 1; padding: 0 1; color: $text-muted; }
    """
    BINDINGS = [Binding("v", "back", "Back"), Binding("escape", "back", "Back", show=False)]

    frame: reactive[Frame | None] = reactive(None)
    notice: reactive[Notice | None] = reactive(None)
    multi: reactive[int] = reactive(10)

    def compose(self) -> ComposeResult:
        yield StatusLine(id="plane-status")
        yield NoticeLine(id="plane-notice")
        with Horizontal(id="plane-body"):
            yield PlaneHeatmap(id="plane-map")
            yield PlaneNetwork(id="plane-net")
        yield Static(Text(KEYS_LINE), id="plane-keys")

    def on_mount(self) -> None:
        self.query_one("#plane-map").border_title = f"Output ŷ over (x1, x2)  {TRAIN} train {DEV} dev {DEAD} dead"
        self.query_one("#plane-net").border_title = "Units over the plane · weights: blue +, orange −"
        self.query_one(StatusLine).multi = self.multi
        self.query_one(NoticeLine).notice = self.notice
        self.show(self.frame)

    def watch_frame(self, frame: Frame | None) -> None:
        if self.is_mounted:
            self.show(frame)

    def show(self, frame: Frame | None) -> None:
        if frame is None:
            return
        self.query_one(StatusLine).frame = frame
        p = frame.snapshot.problem
        view = None if p is None else p.plane
        self.query_one(PlaneHeatmap).view = view
        self.query_one(PlaneNetwork).view = view
        if view is not None:
            self.query_one("#plane-map").border_subtitle = subtitle(view)
        self.query_one("#plane-net").border_subtitle = "" if p is None else training_text(p)

    def watch_notice(self, notice: Notice | None) -> None:
        if self.is_mounted:
            self.query_one(NoticeLine).notice = notice

    def watch_multi(self, n: int) -> None:
        if self.is_mounted:
            self.query_one(StatusLine).multi = n

    def action_back(self) -> None:
        self.app.pop_screen()


def training_text(p) -> str:
    """The regularisation and batch settings, which the status line may have no room for."""
    parts = [f"L2 {p.l2:g}"] if p.l2 else []
    parts += [f"L1 {p.l1:g}"] if p.l1 else []
    parts += [f"penalty {p.penalty:.3g}"] if p.regularized else ["no L2/L1"]
    parts += [f"batch {p.batch}, epoch {p.epoch:.1f}"] if p.mini_batch else ["full batch"]
    return " · ".join(parts)


def subtitle(view) -> str:
    a, b, c, d = view.extent
    what = "ŷ = 0.5: dark band" if view.classify else f"ŷ from {view.centre - view.scale:.3g} to " \
                                                                  f"{view.centre + view.scale:.3g}"
    return f"x1 {a:.3g}…{b:.3g} · x2 {c:.3g}…{d:.3g} · {what}"
