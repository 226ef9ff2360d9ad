"""Per-sample table: index, x, y, ŷ, Z^[L], sign, residual; dead rows in red.

Built once, then updated cell by cell (only cells whose text changed), so the cursor and the
scroll position survive every frame. Rebuilt only if the number of samples changes."""
from __future__ import annotations

from rich.text import Text
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import DataTable

from core.diagnosis.snapshot import Snapshot

from .fmt import num, sign_glyph

COLUMNS = (("#", "i", 3), ("x", "x", 7), ("y", "y", 8), ("ŷ", "y_hat", 9),
           ("Z^[L]", "z", 9), ("sign", "sign", 4), ("ŷ − y", "res", 9))
DEAD_STYLE = "bold red"
SIGN_STYLES = {"+": "green", "−": "red", "0": "dim"}


def row_cells(s: Snapshot, i: int) -> tuple[str, ...]:
    z = float(s.Z_L[i])
    return (str(i), num(s.x[i]), num(s.y[i]), num(s.y_hat[i]), num(z), sign_glyph(z),
            num(s.y_hat[i] - s.y[i]))


class SampleTable(DataTable):
    class Inspect(Message):
        """Enter on a row: show the chain rule for this sample (position in the training split)."""

        def __init__(self, position: int, m: int) -> None:
            super().__init__()
            self.position, self.m = position, m

    snapshot: reactive[Snapshot | None] = reactive(None)
    """The snapshot whose samples the table shows."""

    def __init__(self, **kwargs) -> None:
        # No cursor until the table is focused: a cursor on row 0 would hide its red.
        super().__init__(cursor_type="row", zebra_stripes=False, show_cursor=False, **kwargs)
        self._shown: dict[tuple[int, str], tuple[str, bool]] = {}  # (row, column) -> (text, dead)
        self._rows = -1

    def on_mount(self) -> None:
        for label, key, width in COLUMNS:
            self.add_column(label, key=key, width=width)

    def on_focus(self) -> None:
        self.show_cursor = True

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.post_message(self.Inspect(event.cursor_row, self.row_count))

    def watch_snapshot(self, snapshot: Snapshot | None) -> None:
        if snapshot is None or not self.is_mounted:
            return
        if snapshot.m != self._rows:
            self._rebuild(snapshot)
            return
        for i in range(snapshot.m):
            dead = bool(snapshot.dead[i])
            for (_, key, _), text in zip(COLUMNS, row_cells(snapshot, i)):
                if self._shown.get((i, key)) != (text, dead):
                    self._shown[(i, key)] = (text, dead)
                    self.update_cell(str(i), key, self._cell(key, text, dead))

    def _rebuild(self, s: Snapshot) -> None:
        self.clear()
        self._shown.clear()
        for i in range(s.m):
            dead = bool(s.dead[i])
            cells = row_cells(s, i)
            for (_, key, _), text in zip(COLUMNS, cells):
                self._shown[(i, key)] = (text, dead)
            self.add_row(*(self._cell(key, t, dead) for (_, key, _), t in zip(COLUMNS, cells)), key=str(i))
        self._rows = s.m

    @staticmethod
    def _cell(key: str, text: str, dead: bool) -> Text:
        if dead:
            return Text(text, style=DEAD_STYLE, justify="right")
        style = SIGN_STYLES.get(text, "") if key == "sign" else ""
        return Text(text, style=style, justify="right")
