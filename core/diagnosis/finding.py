"""A finding, and the proposal a check makes before its cures are tried on a copy.

Messages state evidence only, in words every front end shares; what to do is the cure, kept
twice: `cure` names TUI keys, `cure_cli` names command-line flags (cures.py).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..files import clean
from .cures import Cure

CODES = ("dead_output", "dead_hidden", "diverging", "unscaled_data", "high_bias", "high_variance",
         "loss_mismatch", "output_range", "lr_too_low", "vanishing_gradients",
         "over_regularized", "minibatch_noise", "class_imbalance",  # these three: findings_problem.py
         "own_code_differs")  # training a learner's own file (--model): own_code/own_finding.py
OWN_CODE_CODES = ("own_code_differs",)  # raised only with a learner's file, never by the engine's runs


@dataclass(frozen=True)
class Finding:
    """One diagnosis, as widgets and commands read it (attributes, never dict keys). It
    pickles, so a snapshot carries it across the training process's boundary unchanged."""
    code: str           # one of CODES
    message: str        # one line, with the evidence
    cure: str           # what to do in the TUI, naming keys ("" when no cure tried on a copy helped)
    keys: tuple[str, ...] = ()  # the TUI keys the cure names
    evidence: dict = field(default_factory=dict, compare=False)  # the numbers behind the message
    cure_cli: str = ""  # the same cures on the command line, naming flags
    flags: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        """The JSON form the command line prints (run/diagnose --json): `cure` in flags, the
        TUI's wording as `cure_keys`. NaN and ±inf become null, so it always passes
        json.dumps(allow_nan=False)."""
        return clean({"code": self.code, "message": self.message, "cure": self.cure_cli or self.cure,
                      "keys": list(self.keys), "evidence": self.evidence, "flags": list(self.flags),
                      "cure_keys": self.cure})


@dataclass
class Proposal:
    """What a check found, before its cures are tried: the finding is made from it once the
    candidates have been checked on copies of the run."""
    code: str
    message: str
    evidence: dict
    cures: list[Cure] = field(default_factory=list)
    measure: str = "train"   # what a cure must improve: "train", "dev" or "samples" J
    samples: tuple[int, ...] = ()  # for "samples": the training columns whose J counts
    # A hypothesis that its own cure disproves is dropped (a rate "too low" that a higher rate
    # does not help); a plain fact (dead samples, a dev gap) stays, without a cure.
    needs_cure: bool = False


def list_text(idx, limit: int = 8) -> str:
    idx = [int(i) for i in idx]
    if len(idx) > 2 and idx == list(range(idx[0], idx[-1] + 1)):
        return f"{idx[0]}-{idx[-1]}"
    shown = ", ".join(str(i) for i in idx[:limit])
    return shown + (f", ... ({len(idx)} in all)" if len(idx) > limit else "")


def fmt(v: float) -> str:
    return f"{v:,.6g}" if abs(v) >= 1000 else f"{v:.4g}"


def ratio(a: float, b: float) -> float:
    """a / b for messages; constant targets make the mean predictor's loss exactly 0."""
    return a / b if b > 0 else math.inf
