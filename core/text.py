"""Text from outside (column names, paths, values read from a log) as it may be printed: a
string with a control or formatting character (a newline, an escape sequence, U+202E which
reverses the rest of a terminal line) is shown as its Python repr, escaped and quoted, as the
CSV reader's error messages always have. A leaf: every layer and the UI import it."""
from __future__ import annotations


def printable(text: str) -> str:
    """`text` unchanged when every character prints as itself, else its escaped repr."""
    return text if text.isprintable() else repr(text)
