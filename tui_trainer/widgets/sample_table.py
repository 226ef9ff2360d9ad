"""Per-sample table: train and dev rows (dev marked), x, y, ŷ, Z^[L], its sign and ŷ − y; dead
rows in red. `d` shows only the dead rows, `w` puts the worst |ŷ − y| first.

A Line-API widget: it draws only the lines on screen, and on a new frame redraws only the lines
whose row changed. Each line's Strip is kept in an LRU keyed by the row's values, so a row that
did not change costs a dictionary lookup. The rows come as a window (core.diagnosis.sample_rows):
with a live session the table asks for the window it needs (`ViewChanged`), so what crosses to
the screen does not grow with m; a replay's snapshot has no window and the table takes one from
the snapshot's own arrays."""
from __future__ import annotations

from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import var
from textual.scroll_view import ScrollView
from textual.strip import Strip

from core.diagnosis.sample_rows import MAX_ROWS, SampleRows, TableView
from core.diagnosis.snapshot import Snapshot

from .table_lines import CURSOR, WIDTH, heading_strip, pending_strip, row_strip, row_texts, snapshot_rows
from .trouble_mark import is_marked, mark, marked_rows

class SampleTable(ScrollView, can_focus=True):
    DEFAULT_CSS = """
    SampleTable { overflow-x: auto; overflow-y: auto; }
    """
    BINDINGS = [
        Binding("up", "cursor(-1)", show=False), Binding("down", "cursor(1)", show=False),
        Binding("pageup", "cursor(-1, True)", show=False), Binding("pagedown", "cursor(1, True)", show=False),
        Binding("home", "cursor_to(0)", show=False), Binding("end", "cursor_to(-1)", show=False),
        Binding("enter", "inspect", show=False),
        Binding("d", "toggle_dead_only", show=False), Binding("w", "toggle_worst_first", show=False),
    ]

    class Inspect(Message):
        """Enter on a row: show the chain rule for this sample. `position` is its column in the
        training split (what the session inspects), `row` its dataset row (what the `#` shows)."""

        def __init__(self, position: int, m: int, row: int | None = None) -> None:
            super().__init__()
            self.position, self.m, self.row = position, m, row

    class ViewChanged(Message):
        """The table needs other rows (scrolled, filtered, sorted): the session sends them."""

        def __init__(self, view: TableView) -> None:
            super().__init__()
            self.view = view

    snapshot: var[Snapshot | None] = var(None, always_update=True)
    """The snapshot whose samples the table shows (set every frame; redraws only what changed)."""
    highlight: var[frozenset] = var(frozenset())
    """Training-split positions to mark: the samples whose death paused training (trouble_mark.py)."""

    def watch_highlight(self, marked: frozenset) -> None:
        self._refresh_changed()
        hits, top, page = marked_rows(self.rows, marked), int(self.scroll_offset.y), self._page()
        if hits and not top <= self.rows.start + hits[0] < top + page:  # bring the first one into view
            self.scroll_to(y=self.rows.start + hits[0], animate=False)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.rows: SampleRows | None = None
        self.view = TableView()          # the rows asked for (the session starts with the same)
        self.cursor_row = 0              # absolute row; shown while the table has focus
        self._live = False               # rows come from a session that takes ViewChanged
        self._strips: LRUCache[tuple, Strip] = LRUCache(1024)
        self._drawn: dict[int, tuple] = {}   # screen line -> key of what it shows
        self._row_keys: dict[int, tuple] = {}  # table row -> what it shows, for the current rows
        self._base: Style | None = None
        self._head_lines: tuple = (("names",),)  # the heading lines (_heads)

    # ---- data ------------------------------------------------------------------------------
    @property
    def row_count(self) -> int:
        return 0 if self.rows is None else self.rows.total

    def watch_snapshot(self, snapshot: Snapshot | None) -> None:
        if snapshot is None:
            return
        self._live = snapshot.table is not None
        self._set_rows(snapshot.table if self._live else snapshot_rows(snapshot, self.view))

    def _set_rows(self, rows: SampleRows) -> None:
        self.rows = rows
        self._row_keys = {}
        heads = self._heads(rows)
        if heads != self._head_lines:
            self._head_lines = heads
            self.refresh()
        size = Size(WIDTH, rows.total + self._head)
        if size != self.virtual_size:
            self.virtual_size = size
        self.cursor_row = min(self.cursor_row, max(rows.total - 1, 0))
        self._refresh_changed()
        self._check_window()

    def _heads(self, rows: SampleRows) -> tuple[tuple, ...]:
        """The heading lines: a line naming the filter and order when one is on, the column
        names, and the units under normalisation (the screen's title says the rest)."""
        v = self.view
        mode = ", ".join(m for m, on in (("dead rows only (d)", v.dead_only),
                                         ("worst |ŷ − y| first (w)", v.worst_first)) if on)
        heads = ((("mode", f"{mode}: {rows.total} of {rows.m_train + rows.m_dev} rows"),) if mode else ())
        return heads + (("names",),) + ((("units",),) if rows.normalized else ())

    @property
    def _head(self) -> int:
        return len(self._head_lines)

    def _row_key(self, r: int) -> tuple:
        rows = self.rows
        if rows is None or r >= rows.total:
            return ()
        k = r - rows.start
        if not 0 <= k < len(rows):
            return ("…",)
        # A row's key is its text as drawn: a step that moves ŷ only below the digits shown
        # repaints nothing (near convergence most rows; each repainted line costs ~0.1 ms).
        key = self._row_keys.get(r)
        if key is None:
            key = self._row_keys[r] = (row_texts(rows, k), bool(rows.dead[k]), bool(rows.dev[k]))
        return key

    def _line_key(self, y: int) -> tuple:
        if y < self._head:
            return self._head_lines[y]
        r = int(self.scroll_offset.y) + y - self._head
        return (self._row_key(r), self.has_focus and r == self.cursor_row, is_marked(self.rows, r, self.highlight))

    def _refresh_changed(self) -> None:
        """Refresh only the lines on screen whose row changed since they were drawn."""
        if not self.is_mounted or not self.region:
            self.refresh()
            return
        for y in range(self._head, self.scrollable_content_region.height):
            if self._drawn.get(y) != self._line_key(y):
                self.refresh(Region(0, y, self.size.width, 1))

    # ---- which rows to ask for -----------------------------------------------------------
    def _page(self) -> int:
        return max(self.scrollable_content_region.height - self._head, 1)

    def _check_window(self) -> None:
        rows = self.rows
        if rows is None:
            return
        top, page = int(self.scroll_offset.y), self._page()
        v = self.view
        end = min(top + page, rows.total)
        if v.start <= top and end <= v.start + v.count:
            return
        count = min(max(TableView().count, 3 * page), MAX_ROWS)
        self._ask(TableView(max(0, top - page), count, v.dead_only, v.worst_first))

    def _ask(self, view: TableView) -> None:
        self.view = view
        if self._live:
            self.post_message(self.ViewChanged(view))
        elif self.snapshot is not None:
            self._set_rows(snapshot_rows(self.snapshot, view))

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        self._check_window()

    def on_resize(self) -> None:
        self._drawn.clear()
        self._check_window()

    # ---- drawing -------------------------------------------------------------------------
    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._base = None
        self._strips.clear()
        self._drawn.clear()

    @property
    def base_style(self) -> Style:
        """The widget's own style (Textual computes rich_style afresh from the CSS on every
        call, which cost more than drawing the row)."""
        if self._base is None:
            self._base = self.rich_style
        return self._base

    def render_line(self, y: int) -> Strip:
        key = self._line_key(y)
        self._drawn[y] = key
        base = self.base_style
        strip = self._strips.get((key, base))
        if strip is None:
            strip = self._strip(y, key)
            self._strips.set((key, base), strip)
        scroll_x = int(self.scroll_offset.x)
        return strip.crop_extend(scroll_x, scroll_x + self.scrollable_content_region.width, base)

    def _strip(self, y: int, key: tuple) -> Strip:
        base = self.base_style
        if y < self._head:
            return heading_strip(key, base)
        row, cursor, marked = key
        if len(row) < 2:  # past the end, or not in the window yet
            return pending_strip(bool(row), base)
        strip = row_strip(self.rows, int(self.scroll_offset.y) + y - self._head - self.rows.start, base)
        strip = mark(strip, WIDTH) if marked else strip
        return strip.apply_style(CURSOR) if cursor else strip

    # ---- the cursor and keys ---------------------------------------------------------------
    def on_focus(self) -> None:
        self._refresh_changed()

    def on_blur(self) -> None:
        self._refresh_changed()

    def action_cursor(self, delta: int, page: bool = False) -> None:
        self._move_cursor(self.cursor_row + delta * (self._page() if page else 1))

    def action_cursor_to(self, row: int) -> None:
        self._move_cursor(row if row >= 0 else self.row_count - 1)

    def _move_cursor(self, row: int) -> None:
        self.cursor_row = min(max(row, 0), max(self.row_count - 1, 0))
        top, page = int(self.scroll_offset.y), self._page()
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False)
        elif self.cursor_row >= top + page:
            self.scroll_to(y=self.cursor_row - page + 1, animate=False)
        self._refresh_changed()

    def action_inspect(self) -> None:
        rows = self.rows
        k = self.cursor_row - (rows.start if rows else 0)
        if rows is None or not 0 <= k < len(rows):
            return
        if rows.dev[k]:
            self.notify("The chain rule is shown for training samples; this is a dev sample.", severity="warning")
            return
        self.post_message(self.Inspect(int(rows.position[k]), rows.m_train, int(rows.index[k])))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < self._head:
            return
        self.focus()
        self._move_cursor(int(self.scroll_offset.y) + offset.y - self._head)
        self.action_inspect()

    def action_toggle_dead_only(self) -> None:
        v = self.view
        self._ask(TableView(0, v.count, not v.dead_only, v.worst_first))
        self.scroll_to(y=0, animate=False)

    def action_toggle_worst_first(self) -> None:
        v = self.view
        self._ask(TableView(0, v.count, v.dead_only, not v.worst_first))
        self.scroll_to(y=0, animate=False)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        # With height auto (narrow layouts) the table is at most a screen tall and scrolls inside.
        return min(self.virtual_size.height, max(viewport.height, 3))
