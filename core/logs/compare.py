"""Where two logs differ: configuration, data, events and how they ended (`replay A B`)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..text import printable
from .replay import Replay

CONFIG_ORDER = ("layer_dims", "hidden", "hidden_activation", "output_activation", "leaky_slope",
                "loss", "lr", "init", "seed", "normalize", "dev_fraction")


@dataclass(frozen=True)
class Difference:
    section: str        # "config", "data", "events", "end"
    key: str
    a: str
    b: str


def _show(v) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, list):
        return "[" + ", ".join(_show(x) for x in v) + "]"
    return printable(str(v))  # a source path or a name from the log: never raw control characters


def compare(a: Replay, b: Replay) -> list[Difference]:
    """Where two logs differ: each config key, the data, each event (by tick, name and value)
    and the end state. Empty when they would be the same run."""
    out: list[Difference] = []
    keys = [k for k in CONFIG_ORDER if k in a.config or k in b.config]
    keys += sorted((set(a.config) | set(b.config)) - set(keys))
    for k in keys:
        va, vb = a.config.get(k), b.config.get(k)
        if va != vb:
            out.append(Difference("config", k, _show(va), _show(vb)))
    out += _data_diff(a, b)
    out += _events_diff(a, b)
    out += _end_diff(a, b)
    return out


def _data_diff(a: Replay, b: Replay) -> list[Difference]:
    out = []
    ra, rb = a.data.get("raw", {}), b.data.get("raw", {})
    if ra.get("source") != rb.get("source"):
        out.append(Difference("data", "source", _show(ra.get("source")), _show(rb.get("source"))))
    for k in ("X", "Y"):
        xa, xb = np.array(ra.get(k, []), dtype=float), np.array(rb.get(k, []), dtype=float)
        if xa.shape != xb.shape:
            out.append(Difference("data", k, f"shape {xa.shape}", f"shape {xb.shape}"))
        elif not np.array_equal(xa, xb, equal_nan=True):
            out.append(Difference("data", k, "differs", "differs"))
    for k in ("train_idx", "dev_idx"):
        if a.data.get(k) != b.data.get(k):
            out.append(Difference("data", k, f"{len(a.data.get(k) or [])} samples",
                                  f"{len(b.data.get(k) or [])} samples"))
    return out


def _event_key(e: dict) -> tuple:
    return (e.get("tick"), e.get("name"), repr(e.get("value")))


def _events_diff(a: Replay, b: Replay) -> list[Difference]:
    """Events in one log and not the other, matched by tick, name and value."""
    ka = {_event_key(e): e for e in a.events}
    kb = {_event_key(e): e for e in b.events}
    out = []
    only = set(ka) ^ set(kb)
    in_order = list(ka) + [k for k in kb if k not in ka]  # session order, ties kept as logged
    for k in sorted((k for k in in_order if k in only), key=lambda k: k[0] if isinstance(k[0], int) else -1):
        e = ka.get(k) or kb.get(k)
        where = f"step {e.get('step')}" if e.get("step") == e.get("tick") else \
            f"step {e.get('step')} (tick {e.get('tick')})"
        value = _show(e.get("value"))
        out.append(Difference("events", f"{where} {e.get('name')}", value if k in ka else "—",
                              value if k in kb else "—"))
    return out


def _end_diff(a: Replay, b: Replay) -> list[Difference]:
    def end(r: Replay) -> str:
        if r.end is None:
            return "no end record (cut short)"
        return f"{r.end.get('status')} at step {r.end.get('step')}"
    ea, eb = end(a), end(b)
    return [] if ea == eb else [Difference("end", "status", ea, eb)]
