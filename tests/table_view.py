"""What the sample table draws, read back by the tests that check it (test_app, test_sample_numbers)."""
from __future__ import annotations


def table_line(table, y: int) -> tuple[str, list[str]]:
    """Screen line y of the sample table (0 is the heading): its text and its segments' styles."""
    strip = table.render_line(y)
    return "".join(seg.text for seg in strip), [str(seg.style) for seg in strip if seg.text.strip()]
