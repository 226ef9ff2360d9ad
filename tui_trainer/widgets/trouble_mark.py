"""The sample table's mark for the sample whose death paused training (pause on trouble).

White on red over the row's own styles, so it stands out from the other dead rows (red text).
Kept here so the table itself only asks which rows to mark and draws them marked.
"""
from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from core.diagnosis.sample_rows import SampleRows

TROUBLE = Style(color="white", bgcolor="red", bold=True)


def marked_rows(rows: SampleRows | None, highlight: frozenset) -> list[int]:
    """The window's row numbers (from 0) of the training samples in `highlight` (positions in
    the training split, as Trouble.samples: the table's `#` is the dataset row, not these)."""
    if not highlight or rows is None:
        return []
    return [k for k in range(len(rows)) if not rows.dev[k] and int(rows.position[k]) in highlight]


def is_marked(rows: SampleRows | None, r: int, highlight: frozenset) -> bool:
    """Whether table row r (absolute) shows a sample in `highlight`."""
    if not highlight or rows is None:
        return False
    k = r - rows.start
    return 0 <= k < len(rows) and not rows.dev[k] and int(rows.position[k]) in highlight


def mark(strip: Strip, width: int) -> Strip:
    # Over the cells' own styles: Strip.apply_style would put it under them.
    return Strip(Segment.apply_style(strip, post_style=TROUBLE), width)
