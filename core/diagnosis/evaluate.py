"""The diagnosis evaluation: run every labelled run (labelled_runs.py), diagnose it, and score
the findings engine per code.

    python -m core.diagnosis.evaluate [--fast] [--json]

A raise of a code a run must raise is a true positive; a raise of a code it must not raise (any
code, on a healthy run) a false positive; a required code not raised a false negative. Codes a
run neither requires nor forbids are not scored on it. Each run also checks what every finding
must carry: evidence, only cures that helped a copy, and none that proposes the current setting.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time
from dataclasses import dataclass

import numpy as np

from .evaluation import evaluate
from .finding import CODES, Finding
from .findings import diagnose
from .labelled_runs import RUNS, LabelledRun
from ..engine.trainer import Trainer
from ..files import clean


@dataclass(frozen=True)
class Outcome:
    run: LabelledRun
    raised: tuple[str, ...]
    missing: tuple[str, ...]     # required, not raised
    forbidden: tuple[str, ...]   # raised, but must not be
    problems: tuple[str, ...]    # a finding without evidence, an unchecked cure, ...
    seconds: float
    findings: tuple[Finding, ...]

    @property
    def right(self) -> bool:
        return not (self.missing or self.forbidden or self.problems)


def train(run: LabelledRun) -> Trainer:
    t = Trainer(run.config, run.data())
    for act in run.output_presses:
        t.set_output_activation(act)
    for _ in range(run.lr_presses):
        t.set_lr(t.config.lr * 2)
    t.run(run.steps)
    return t


def _current(t: Trainer, flag: str, value: str) -> bool:
    c = t.config
    now = {"--output-activation": c.output_activation, "--hidden-activation": c.hidden_activation,
           "--init": c.init, "--loss": c.loss}.get(flag)
    return now is not None and now == value


def problems(t: Trainer, findings: list[Finding]) -> list[str]:
    out = []
    for f in findings:
        if not f.evidence:
            out.append(f"{f.code}: no evidence")
        checks = f.evidence.get("cure_checks", [])
        offered = [c for c in f.cure_cli.split("; or ")] if f.cure_cli else []
        helped = {c["cure"] for c in checks if c["helped"]}
        out += [f"{f.code}: cure {c!r} was not checked on a copy" for c in offered if c not in helped]
        for c in offered:
            words = c.split()
            out += [f"{f.code}: cure {c!r} proposes the current setting" for i, w in enumerate(words[:-1])
                    if _current(t, w, words[i + 1])]
    if t.config.loss == "bce":
        col = t.history.col
        rows = t.history.rows()
        losses = rows[:, [col["loss"], col["dev_loss"]]]
        if (losses[np.isfinite(losses)] < 0).any():
            out.append("cross-entropy went below 0")
    return out


def judge(run: LabelledRun) -> Outcome:
    t0 = time.perf_counter()
    with np.errstate(all="ignore"):
        t = train(run)
        found = diagnose(t, evaluate(t))
    raised = tuple(f.code for f in found)
    forbidden = set(CODES) if run.healthy else set(run.must_not)
    return Outcome(run, raised, tuple(sorted(set(run.must) - set(raised))), tuple(sorted(set(raised) & forbidden)),
                   tuple(problems(t, found)), time.perf_counter() - t0, tuple(found))


def scores(outcomes: list[Outcome]) -> dict[str, dict]:
    table = {}
    for code in CODES:
        tp = sum(code in o.run.must and code in o.raised for o in outcomes)
        fn = sum(code in o.run.must and code not in o.raised for o in outcomes)
        fp = sum(code in o.forbidden for o in outcomes)
        table[code] = {"tp": tp, "fp": fp, "fn": fn,
                       "precision": tp / (tp + fp) if tp + fp else math.nan,
                       "recall": tp / (tp + fn) if tp + fn else math.nan}
    return table


def _pct(v: float) -> str:
    return "n/a" if not math.isfinite(v) else f"{v:.0%}"


def report(outcomes: list[Outcome]) -> str:
    lines = ["| code | raised where required | false alarms | missed | precision | recall |", "|---|---|---|---|---|---|"]
    for code, s in scores(outcomes).items():
        lines.append(f"| `{code}` | {s['tp']} | {s['fp']} | {s['fn']} | {_pct(s['precision'])} | {_pct(s['recall'])} |")
    right = sum(o.right for o in outcomes)
    healthy = [o for o in outcomes if o.run.healthy]
    lines.append("")
    lines.append(f"{right} of {len(outcomes)} labelled runs right ({len(healthy)} healthy, "
                 f"{sum(not o.raised for o in healthy)} of them with no finding; "
                 f"{sum(o.run.real for o in outcomes)} on real data); {sum(o.seconds for o in outcomes):.1f} s")
    for o in outcomes:
        if not o.right:
            lines.append(f"WRONG {o.run.name}: raised {list(o.raised)}; missing {list(o.missing)}; "
                         f"forbidden {list(o.forbidden)}; {'; '.join(o.problems)}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m core.diagnosis.evaluate", description=__doc__.splitlines()[0])
    p.add_argument("--fast", action="store_true", help="skip the runs marked slow")
    p.add_argument("--json", action="store_true", help="print the outcomes and scores as JSON")
    args = p.parse_args(argv)
    outcomes = [judge(r) for r in RUNS if not (args.fast and r.slow)]
    if args.json:
        print(json.dumps(clean({"scores": scores(outcomes), "runs": [
            {"name": o.run.name, "raised": list(o.raised), "must": sorted(o.run.must), "must_not": sorted(o.run.must_not),
             "healthy": o.run.healthy, "right": o.right, "problems": list(o.problems), "seconds": o.seconds}
            for o in outcomes]}), allow_nan=False))
    else:
        print(report(outcomes))
    return 0 if all(o.right for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
