"""The findings engine: name the cause of a failing run, with its evidence and a cure that was
checked on a copy of the run.

`diagnose(trainer, evaluation)` reads only what the engine recorded (the history rows, the
events, an `Evaluation` of the current parameters) and the training data; it never runs inside
the training step. Each check (findings_setup, findings_dead, findings_training, findings_fit)
makes a `Proposal` with candidate cures; every candidate is tried on a copy of the run
(cures.py) and only those that improved the copy are offered. The checks of one state are
remembered, so a screen asking a few times a second pays for them once.

Each code and its trigger is listed in docs/DIAGNOSIS.md; the thresholds live beside the check
that uses them and are re-exported here.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np

from ..engine.chunks import Abandoned
from .bias_variance import bias_variance
from .cures import CureChecker, Interrupted
from .finding import CODES, Finding, Proposal
from .findings_dead import DEAD_UNIT_FRACTION, dead_hidden, dead_output
from .findings_fit import high_bias, high_variance
from .findings_problem import batch_noise, class_imbalance, explained, over_regularized
from .findings_setup import OUTPUT_RANGES, SCALE_LIMIT, loss_mismatch, output_range, unscaled_data
from .findings_training import (FLAT_OUTPUT, GROWTH_FACTOR, LOW_LR_FRACTION, PLATEAU_FRACTION, STUCK_FRACTION,
                                diverging, lr_too_low, vanishing_gradients)
from .own_code.own_finding import own_code_differs
from .trend import last_change_tick

__all__ = ["CODES", "Finding", "diagnose", "DEAD_UNIT_FRACTION", "SCALE_LIMIT", "GROWTH_FACTOR", "LOW_LR_FRACTION",
           "PLATEAU_FRACTION", "STUCK_FRACTION", "FLAT_OUTPUT", "OUTPUT_RANGES"]


def proposals(trainer, ev, interrupted: Callable[[], bool] | None = None) -> list[Proposal]:
    """Every finding that applies now, most urgent first, before its cures are checked.
    interrupted: as diagnose's, for the baseline (bias_variance) too."""
    found: list[Proposal | None] = []
    div, curv = diverging(trainer, ev)
    div, noise = batch_noise(trainer, ev, div)  # mini-batch jitter is not divergence
    structural = [loss_mismatch(trainer, ev), output_range(trainer, ev)]
    dead = [dead_output(trainer, ev), dead_hidden(trainer, ev)]
    # A learner's own code leaving the reference (--model) comes first: every other number follows from it.
    found += [own_code_differs(trainer), div, noise, *structural, *dead, unscaled_data(trainer, ev),
              class_imbalance(trainer, ev)]
    # A wrong loss or an output that cannot reach the targets explains any stall by itself, and
    # once units or outputs are dead, a stall and a lack of capacity are their symptoms.
    if div is None and math.isfinite(ev.loss) and not any(structural):
        try:
            bv = bias_variance(trainer, ev, stop=interrupted)
        except Abandoned:  # its baseline gave way: as a copy not trained
            raise Interrupted from None
        low = vanish = bias = None
        if not any(dead):
            low, curv = lr_too_low(trainer, ev, bv, curv)
            vanish = None if low else vanishing_gradients(trainer, ev, bv)
            # A stall from a tiny rate or a vanishing signal is not a capacity problem.
            bias = None if low or vanish else high_bias(trainer, ev, bv)
        over = None if any(dead) else over_regularized(trainer, ev, bv)  # λ as the cause of a bias
        found += [low, vanish, over, bias, high_variance(trainer, ev, bv)]
    return [p for p in found if p is not None]


# ---- checking the cures ---------------------------------------------------------------------

_MEMO: dict[tuple, tuple] = {}
MEMO_SIZE = 64


def _state_key(trainer, p: Proposal) -> tuple:
    # Same settings, data and part of the run (the step count's power of two): same answer.
    return (id(trainer.dataset), trainer.config, trainer.seed, last_change_tick(trainer), trainer.status,
            int(math.log2(trainer.step_count + 1)), p.code,
            tuple((c.action, c.value, c.stop_at) for c in p.cures))


def checked(trainer, p: Proposal, checker: CureChecker) -> tuple:
    key = _state_key(trainer, p)
    hit = _MEMO.get(key)
    if hit is not None and hit[0] is trainer.dataset:
        return hit[1]
    checks = tuple(checker.offered(p.cures, p.measure, p.samples))
    if len(_MEMO) >= MEMO_SIZE:
        _MEMO.clear()
    _MEMO[key] = (trainer.dataset, checks)
    return checks


def finish(p: Proposal, checks: tuple) -> Finding | None:
    good = [k.cure for k in checks if k.helped]
    if p.needs_cure and not good:
        return None  # the hypothesis failed its own test on a copy
    evidence = {**p.evidence, "cure_checks": [k.to_dict() for k in checks]}
    keys = tuple(dict.fromkeys(k for c in good for k in c.keys))
    flags = tuple(dict.fromkeys(f for c in good for f in c.flags))
    return Finding(p.code, p.message, "; or ".join(c.keys_text for c in good), keys, evidence,
                   "; or ".join(c.flags_text for c in good), flags)


def diagnose(trainer, evaluation, check_cures: bool = True,
             interrupted: Callable[[], bool] | None = None) -> list[Finding]:
    """Every finding that applies now, most urgent first, each with the cures that helped a
    copy. check_cures=False skips the copies (the findings then offer no cure at all).
    interrupted: asked before each copy trains, and between the baseline's parts; True gives
    up (cures.Interrupted, nothing kept)."""
    checker = CureChecker(trainer, interrupted=interrupted)
    out = []
    with np.errstate(all="ignore"):
        for p in proposals(trainer, evaluation, interrupted):
            f = finish(p, checked(trainer, p, checker)) if check_cures else \
                Finding(p.code, p.message, "", (), dict(p.evidence))
            if f is not None:
                out.append(f)
    return explained(out)
