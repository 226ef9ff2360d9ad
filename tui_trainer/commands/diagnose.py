"""`tui-trainer lr-find` and `tui-trainer diagnose`: the diagnosis checks from the command line.

Both print the same numbers the TUI's keys show; the maths is in core/ (lr_finder, curvature,
loss_at_init, bias_variance, overfit, chain_rule, findings)."""
from __future__ import annotations

import argparse
import json

from ..options import non_negative_int, positive_float, positive_int
from .common import fmt, make_trainer


def sweep_steps(text: str) -> int:
    v = positive_int(text)
    if not 10 <= v <= 10000:
        raise argparse.ArgumentTypeError(f"must be between 10 and 10000, got {text}")
    return v


def register(sub, common) -> None:
    f = sub.add_parser("lr-find", parents=[common],
                       help="LR range test: sweep the rate exponentially on a copy of the network and suggest one")
    f.add_argument("--steps", type=non_negative_int, default=0, help="train this many steps first (default: 0)")
    f.add_argument("--start-lr", type=positive_float, default=1e-8, metavar="RATE", help="first rate of the sweep (default: 1e-8)")
    f.add_argument("--end-lr", type=positive_float, default=10.0, metavar="RATE", help="last rate of the sweep (default: 10)")
    f.add_argument("--num", type=sweep_steps, default=100, metavar="N", help="updates in the sweep, one per rate (default: 100)")
    f.add_argument("--json", action="store_true", help="print the result as JSON")
    f.set_defaults(handler=cmd_lr_find)

    d = sub.add_parser("diagnose", parents=[common],
                       help="train, then print the findings, loss at init, curvature, bias/variance and a tiny-batch overfit")
    d.add_argument("--steps", type=non_negative_int, default=5000, help="train this many steps first (default: 5000)")
    d.add_argument("--sample", type=non_negative_int, metavar="I", help="also show the chain rule at the output layer for sample I")
    d.add_argument("--json", action="store_true", help="print the result as JSON")
    d.set_defaults(handler=cmd_diagnose)


def cmd_lr_find(args) -> int:
    from core.diagnosis.curvature import curvature
    from core.diagnosis.lr_finder import lr_range_test
    from core.logs.runlog import clean

    if args.start_lr >= args.end_lr:
        raise ValueError(f"--start-lr {args.start_lr:g} must be below --end-lr {args.end_lr:g}")
    t = make_trainer(args)
    t.run(args.steps)
    r = lr_range_test(t, args.start_lr, args.end_lr, args.num)
    curv = curvature(t)
    note = saturation_note(t)
    out = clean({"step": t.step_count, "lr": t.config.lr, **r.to_dict(),
                 "lambda_max": curv.lambda_max, "stability_limit": curv.stability_limit,
                 "saturated": bool(note), "note": note})
    if args.json:
        print(json.dumps(out, allow_nan=False))
        return 0
    print(f"LR range test at step {t.step_count}: {len(r.lrs)} updates from {r.lrs[0]:.3g} to {r.lrs[-1]:.3g} "
          f"on a copy (stopped: {r.stopped}); loss before {r.start_loss:.6g}")
    every = max(1, len(r.lrs) // 20)
    for i in list(range(0, len(r.lrs), every)) + ([len(r.lrs) - 1] if (len(r.lrs) - 1) % every else []):
        print(f"  lr {r.lrs[i]:10.3e}  loss {r.losses[i]:12.6g}  smoothed {r.smoothed[i]:12.6g}")
    print(f"lowest smoothed loss at lr {r.best_lr:.3g}; steepest descent at {r.lr_steep:.3g}")
    print(f"suggested lr {r.suggested:.3g} ({r.method}); current {t.config.lr:.3g}; "
          f"stability limit 2/λmax {fmt(curv.stability_limit)} (λmax {fmt(curv.lambda_max)})")
    if note:
        print(f"note: {note}")
    return 0


def saturation_note(t) -> str:
    """A rate cannot revive saturated units: say so beside a suggested rate (issue 11, item 6)."""
    from core.diagnosis.findings_training import SATURATION, saturation

    sat = saturation(t)
    if not sat or min(sat) >= SATURATION:
        return ""
    fix = "" if t.config.normalize else "; standardise the inputs (--normalize) instead"
    return (f"the {t.config.hidden_activation} hidden units are saturated (mean g'(Z) {min(sat):.2g} of its peak), "
            f"so the gradient has vanished and λmax is small for that reason: no rate brings them back{fix}")


def cmd_diagnose(args) -> int:
    from core.diagnosis.bias_variance import bias_variance
    from core.diagnosis.chain_rule import inspect_sample
    from core.diagnosis.curvature import curvature
    from core.diagnosis.evaluation import evaluate
    from core.diagnosis.findings import diagnose
    from core.diagnosis.loss_at_init import loss_at_init
    from core.diagnosis.overfit import overfit_tiny_batch
    from core.logs.runlog import clean

    t = make_trainer(args)
    if args.sample is not None and args.sample not in set(int(i) for i in t.split.train_idx):
        raise ValueError(f"--sample {args.sample}: not a training sample (the data has {t.dataset.m} samples"
                         + (", some held out for dev)" if t.data.has_dev else ")"))
    init = loss_at_init(t)
    t.run(args.steps)
    ev = evaluate(t)
    findings = diagnose(t, ev)
    curv = curvature(t)
    flat = not curv.lambda_max > 0
    bv = bias_variance(t, ev)
    over = overfit_tiny_batch(t)
    chain = inspect_sample(t, args.sample) if args.sample is not None else None
    out = {
        "steps": t.step_count, "status": t.status, "loss": ev.loss, "dev_loss": ev.dev_loss,
        "findings": [f.to_dict() for f in findings],
        "loss_at_init": {"measured": init.measured, "zero_loss": init.zero_loss, "zero_label": init.zero_label,
                         "mean_loss": init.mean_loss, "mismatch": init.mismatch, "meaning": init.meaning},
        "curvature": {"lambda_max": curv.lambda_max, "stability_limit": curv.stability_limit, "lr": curv.lr,
                      "unstable": curv.unstable, "flat": flat, "note": curvature_note(t, curv)},
        "bias_variance": {"verdict": bv.verdict, "message": bv.message, "mean_loss": bv.mean_loss,
                          "baseline_degree": bv.baseline_degree, "baseline_loss": bv.baseline_loss,
                          "baseline": bv.baseline.to_dict() if bv.baseline is not None else None,
                          "train_loss": bv.train_loss, "dev_loss": bv.dev_loss,
                          "best_dev_step": bv.dev_curve.best_step if bv.dev_curve else None,
                          "best_dev_loss": bv.dev_curve.best_loss if bv.dev_curve else None},
        "overfit": {"samples": list(over.samples), "steps": over.steps, "start_loss": over.start_loss,
                    "final_loss": over.final_loss, "reached_zero": over.reached_zero, "verdict": over.verdict,
                    "min_loss": over.min_loss, "min_step": over.min_step},
    }
    if chain is not None:
        out["chain_rule"] = {k: getattr(chain, k) for k in ("sample", "Z", "A", "y", "dL_dA", "dA_dZ", "dZ", "A_prev",
                                                           "dW_sample", "db_sample", "zero_factors")}
    if args.json:
        print(json.dumps(clean(out), allow_nan=False))
        return 0
    print(f"after {t.step_count} steps ({t.status}): train J {fmt(ev.loss)}  dev J {fmt(ev.dev_loss)}")
    print("findings:" if findings else "findings: none")
    for f in findings:
        print(f"  [{f.code}] {f.message}\n      cure: {f.cure_cli or 'none of the changes tried on a copy helped'}")
    print(f"loss at init: measured {init.measured:,.6g}; {init.zero_label} {init.zero_loss:,.6g}; "
          f"mean {init.mean_loss:,.6g}: {init.meaning}")
    print(f"curvature: {curvature_note(t, curv)}")
    print(f"bias/variance: {bv.message}")
    print(f"overfit 2 samples {list(over.samples)}: {over.verdict}")
    if chain is not None:
        print(format_chain(chain))
    return 0


def curvature_note(t, curv) -> str:
    """λmax against the rate; when nothing curves, why, instead of an infinite limit."""
    head = f"λmax {fmt(curv.lambda_max)}, stability limit 2/λmax {fmt(curv.stability_limit)}"
    if curv.lambda_max > 0:
        rel = "above" if curv.unstable else "below"
        return head + f"; lr {curv.lr:.3g} is {rel} it ({curv.lr_ratio:.2g}x)"
    import numpy as np

    from core.diagnosis.gradcheck import why_zero
    from core.engine.network import cost_and_grads
    c = t.config
    with np.errstate(all="ignore"):
        _, g = cost_and_grads(t.data.X, t.data.Y, t.parameters(), c.hidden_activation, c.output_activation,
                              c.loss, c.leaky_slope)
    if not any(np.any(v) for v in g.values()):
        why = why_zero(t.data.X, t.parameters(), c.hidden_activation, c.output_activation, c.leaky_slope)
        return (f"λmax {fmt(curv.lambda_max)}: the loss does not curve because nothing moves it ({why}); "
                f"there is no stability limit to compare lr {curv.lr:.3g} with")
    return head + f"; no direction curves upwards here, so lr {curv.lr:.3g} has no limit from curvature"


def format_chain(c) -> str:
    mark = lambda name: "  <- 0: no gradient flows" if name in c.zero_factors else ""
    lines = [f"chain rule at the output layer, sample {c.sample} (x = {', '.join(f'{v:g}' for v in c.x)}):",
             f"  Z^[L] = {c.Z:.6g}, A^[L] = {c.A:.6g}, y = {c.y:.6g}",
             f"  dL/dA = A - Y     = {c.dL_dA:.6g}{mark('dL/dA')}",
             f"  dA/dZ = g'(Z)     = {c.dA_dZ:.6g}  ({c.output_activation}){mark('dA/dZ')}",
             f"  dZ/dW = A_prev    = [{', '.join(f'{v:.4g}' for v in c.A_prev)}]{mark('dZ/dW')}",
             f"  this sample's dW  = [{', '.join(f'{v:.4g}' for v in (w + 0.0 for w in c.dW_sample))}]  (dZ * A_prev / m)"]
    return "\n".join(lines)
