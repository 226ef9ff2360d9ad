"""The training screen: lays out the widgets and hands each frame down to them."""
from __future__ import annotations

from time import monotonic

from textual import events
from textual.app import ComposeResult, ScreenStackError
from textual.containers import Vertical, VerticalScroll
from textual.reactive import reactive, var
from textual.screen import Screen

from ..protocol import Frame, Notice
from ..session.pacing import RateLimit
from ..widgets.fmt import num
from ..widgets.findings_panel import FindingsPanel, samples_title
from ..widgets.fit_plot import FitPlot
from ..widgets.key_footer import KeyFooter
from ..widgets.loss_curve import LossCurve
from ..widgets.notice_line import HINT, NoticeLine
from ..widgets.sample_table import SampleTable
from ..widgets.sign_strip import SignStrip
from ..widgets.status_line import StatusLine
from ..widgets.unit_grid import UnitGrid
from .layout_plan import Plan, plan_for

# Compact screens: the plots are below the fold, and nothing on screen said how to get there
# (the body has the focus until tab moves it to the findings, then the table).
COMPACT_HINT = "↓ PgDn: plots below · tab: next panel · space: step · r: run · ?: help"
# While training runs, drawing takes CPU from training (a core on a small machine; with the
# thread backend, the one GIL). The status line follows every frame (~10/s); the rest at most
# this often (seconds, one RateLimit per group; a little under 1/10 s so 10 frames a second
# are not skipped by jitter): the table and the activity at 10 Hz, the plots at 3-4 Hz (more
# than anyone reads), the findings as often as the session recomputes them. A frame that
# carries a key's effect, or any frame while paused, goes to every widget at once.
THROTTLE = {"SampleTable, SignStrip, UnitGrid": 0.09, "FitPlot": 0.24, "LossCurve": 0.32,
            "FindingsPanel": 0.29}
# The exception: a plot costs more than every text panel together (plotext builds the picture
# anew, ~2 ms each, plus its lines), so a key's frame redraws a plot only if its interval is
# up; otherwise the plot catches up with the latest frame once keys pause for QUIET seconds,
# or when its interval is up: a held key (~25 a second) costs a text frame each, and the last
# frame is always drawn.
FOLLOW = frozenset({"FitPlot", "LossCurve"})
QUIET = 0.05
MIN_WAIT = 0.001
# Under a modal (help, a check, the chain rule) this screen is drawn dimmed behind it, and each
# of its repaints makes Textual re-tint the whole region through the modal (BackgroundScreen):
# ~40 ms a frame, and keys in the modal waited behind it. Behind a modal it follows at most
# once a second; back on top it draws the latest frame at once.
BEHIND = 1.0


class MainScreen(Screen):
    AUTO_FOCUS = None  # keys go to the app; the table takes focus (and shows a cursor) on click or tab
    # A var: a reactive would repaint the whole screen on every frame.
    frame: var[Frame | None] = var(None)
    """Latest frame from the session: every widget draws from it."""
    notice: reactive[Notice | None] = reactive(None)
    """Latest notice, shown on the line under the status line."""
    multi: reactive[int] = reactive(10)
    """N for the `n` key, shown in the status line."""
    error: reactive[str] = reactive("")
    """Why the training thread stopped, if it failed."""

    def __init__(self) -> None:
        super().__init__()
        self._rates = {selector: RateLimit(interval) for selector, interval in THROTTLE.items()}
        self._applied = -1  # commands applied as of the last frame
        self._behind = RateLimit(BEHIND)
        self._catching_up: dict[str, tuple] = {}  # selector -> (its catch-up timer, its deadline)
        self._found: dict[str, list] = {}  # selector -> its widgets (a query walks the DOM: ~0.5 ms)
        self.plan: Plan | None = None

    def compose(self) -> ComposeResult:
        yield StatusLine(id="status")
        yield NoticeLine(id="notice")
        # The five panels are siblings in one grid, so each size's plan (layout_plan.py) can
        # order and span them without moving a widget between containers.
        with VerticalScroll(id="body"):
            yield LossCurve(id="loss")
            yield FitPlot(id="fit")
            with Vertical(id="activity"):
                yield SignStrip(id="signs")
                yield UnitGrid(id="units")
            yield SampleTable(id="samples")
            with VerticalScroll(id="findings-box"):
                yield FindingsPanel(id="findings")
        yield KeyFooter(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#loss").border_title = "Loss J (log scale)"
        self.query_one("#fit").border_title = "Fit: y •, ŷ ─, dead ŷ x"
        self.query_one("#samples").border_title = samples_title(None)
        self.query_one("#activity").border_title = r"Z^\[L] signs, hidden units"
        self.query_one("#findings-box").border_title = "Findings"
        self._push_frame(self.frame)
        self.query_one(NoticeLine).notice = self.notice
        self.query_one(StatusLine).multi = self.multi

    def on_resize(self, event: events.Resize) -> None:
        self.apply_plan(plan_for(event.size.width, event.size.height))
        # The sign strip's legend depends on the panel's width, known only after this layout
        # (a first frame that arrived before it got the legend of a panel 0 columns wide).
        self.call_after_refresh(self._show_legend)

    def _show_legend(self) -> None:
        if self.is_attached:
            activity = self._one("#activity")
            set_border(activity, "border_subtitle", self._one("#signs").legend(activity.size.width - 4))

    def apply_plan(self, plan: Plan) -> None:
        """Order, size and span the panels as the plan says (on resize only: a frame never
        moves anything)."""
        if plan == self.plan:
            return
        self.plan = plan
        for name in ("compact", "wide", "large"):
            self.set_class(plan.name == name, f"-{name}")
        body = self.query_one("#body")
        for before, after in zip(plan.order, plan.order[1:]):
            body.move_child(self.query_one(f"#{after}"), after=self.query_one(f"#{before}"))
        body.styles.grid_size_columns = len(plan.columns)
        # The last column takes what is left: a vertical scrollbar (compact) must not clip it.
        body.styles.grid_columns = " ".join([*(str(c) for c in plan.columns[:-1]), "1fr"])
        body.styles.grid_rows = " ".join(plan.rows)
        for panel, span in plan.spans.items():
            self.query_one(f"#{panel}").styles.column_span = span
        self.query_one(NoticeLine).hint = COMPACT_HINT if plan.name == "compact" else HINT

    def watch_frame(self, frame: Frame | None) -> None:
        if self.is_mounted and (self._on_top() or self._behind.take(monotonic())):
            self._push_frame(frame)

    def _on_top(self) -> bool:
        try:
            return self.app.screen is self
        except ScreenStackError:  # the app is tearing its screens down
            return False

    def on_screen_resume(self) -> None:
        """Back on top after a modal: the frames it held back end with the latest."""
        self._applied = -1  # urgent: every panel at once
        self._push_frame(self.frame)

    def watch_notice(self, notice: Notice | None) -> None:
        if self.is_mounted:
            self.query_one(NoticeLine).notice = notice

    def watch_multi(self, n: int) -> None:
        if self.is_mounted:
            self.query_one(StatusLine).multi = n

    def watch_error(self, error: str) -> None:
        if self.is_mounted:
            self.query_one(StatusLine).error = error

    def _push_frame(self, frame: Frame | None) -> None:
        if frame is None or not self.is_attached:
            return  # a frame may still arrive while the app tears the screen down
        self._one("#status").frame = frame
        set_border(self._one("#samples"), "border_title", samples_title(frame.snapshot))
        self._show_legend()
        now = monotonic()
        urgent = not frame.running or frame.applied != self._applied  # a key's effect: drawn at once
        self._applied = frame.applied
        for selector, rate in self._rates.items():
            if rate.take(now, force=urgent and selector not in FOLLOW):
                self._push_to(selector, frame)
            elif urgent:
                self._catch_up_later(selector, rate, now)

    def _catch_up_later(self, selector: str, rate: RateLimit, now: float) -> None:
        deadline = now + max(rate.interval - rate.elapsed(now), 0.0)
        pending = self._catching_up.pop(selector, None)
        if pending is not None:  # another key came: wait for a pause again, up to the same deadline
            pending[0].stop()
            deadline = pending[1]
        # Never 0: a Textual timer of interval 0 divides by it once its tick is late (and dies).
        wait = max(min(QUIET, deadline - now), MIN_WAIT)
        self._catching_up[selector] = (self.set_timer(wait, lambda: self._catch_up(selector)), deadline)

    @property
    def catching_up(self) -> bool:
        """A plot has yet to draw the frame a key brought (tests wait for it)."""
        return bool(self._catching_up)

    def _catch_up(self, selector: str) -> None:
        # A timer stopped for a later key may already have fired: then both callbacks run, and
        # the second finds nothing left to do.
        if self._catching_up.pop(selector, None) is None:
            return
        if self.frame is not None and self.is_attached and self._on_top():  # else: on_screen_resume
            self._rates[selector].take(monotonic(), force=True)
            self._push_to(selector, self.frame)

    def _all(self, selector: str) -> list:
        """The widgets a selector picks; the screen's widgets never change after compose."""
        found = self._found.get(selector)
        if found is None:
            found = self._found[selector] = list(self.query(selector))
        return found

    def _one(self, selector: str):
        return self._all(selector)[0]

    def _push_to(self, selector: str, frame: Frame) -> None:
        for widget in self._all(selector):
            self._push_diag(widget, frame)
            widget.snapshot = frame.snapshot

    def _push_diag(self, widget, frame: Frame) -> None:
        """The diagnosis parts a widget draws, set before its snapshot (which triggers the redraw)."""
        if isinstance(widget, FindingsPanel):
            widget.diag = frame.diag
            widget.next_step = frame.next_step
        elif isinstance(widget, SampleTable):  # the sample whose death paused training, marked
            widget.highlight = frozenset(frame.trouble.samples) if frame.trouble is not None else frozenset()
        elif isinstance(widget, FitPlot):
            base = frame.diag.baseline
            widget.baseline = base
            set_border(widget, "border_subtitle", "" if base is None else baseline_caption(base, frame))


def set_border(widget, attr: str, text: str) -> None:
    """Set a border title or subtitle only when its text changes: setting one repaints the
    whole widget (a plot or the table redrawn every frame for nothing)."""
    if widget.__dict__.get(f"_shown_{attr}") != text:
        widget.__dict__[f"_shown_{attr}"] = text
        setattr(widget, attr, text)


def baseline_caption(base, frame: Frame) -> str:
    """The `b` overlay's J beside the network's, train (and dev), in the same units."""
    s = frame.snapshot
    text = f"poly{base.degree} J {num(base.train_loss, 3)}"
    if base.dev_loss is not None:
        text += f"/{num(base.dev_loss, 3)}"
    text += f" · net {num(s.loss, 4)}"
    if s.dev_loss is not None:
        text += f"/{num(s.dev_loss, 4)}"
    return text
