"""The status line's items for Playground's controls (StatusLine adds them): accuracy for 0/1
targets (train/dev), the regularisation rates while any is on, and the epoch with the batch
size while training on mini-batches."""
from __future__ import annotations

from rich.text import Text

from core.diagnosis.problem_view import ProblemView

from .fmt import num


def _item(label: str, value: str) -> Text:
    t = Text(f"{label} ", style="dim")
    t.append(value, style="bold")
    return t


def accuracy_text(acc: float | None) -> str:
    return "n/a" if acc is None else f"{acc:.3f}"


def problem_items(p: ProblemView | None) -> dict[str, Text]:
    out: dict[str, Text] = {}
    if p is None:
        return out
    if p.accuracy is not None:
        value = accuracy_text(p.accuracy)
        if p.dev_accuracy is not None:
            value += "/" + accuracy_text(p.dev_accuracy)
        out["acc"] = _item("acc" if p.dev_accuracy is None else "acc/dev", value)
    if p.regularized:
        parts = [f"L2 {p.l2:g}"] if p.l2 else []
        parts += [f"L1 {p.l1:g}"] if p.l1 else []
        out["λ"] = _item("λ", " ".join(parts) + f" pen {num(p.penalty, 3)}")
    if p.mini_batch:
        out["epoch"] = _item("epoch", f"{p.epoch:.1f} (batch {p.batch})")
    return out
