"""`tui-trainer baseline` and `tui-trainer gradcheck`."""
from __future__ import annotations

import json
import math

from core.text import printable

from ..options import int_in_range, non_negative_int
from .common import fmt, make_trainer


def register(sub, common) -> None:
    b = sub.add_parser("baseline", parents=[common], help="fit a polynomial baseline on the same split")
    b.add_argument("--degree", type=int_in_range(1, 6), default=2, help="polynomial degree, 1..6 (default: 2)")
    b.add_argument("--json", action="store_true", help="print the result as JSON")
    b.set_defaults(handler=cmd_baseline)

    g = sub.add_parser("gradcheck", parents=[common], help="check backprop against centred differences")
    g.add_argument("--steps", type=non_negative_int, default=0, help="train this many steps first (default: 0)")
    g.add_argument("--json", action="store_true", help="print the result as JSON")
    g.set_defaults(handler=cmd_gradcheck)


def cmd_baseline(args) -> int:
    from core.diagnosis.baseline import fit_baseline
    from core.logs.runlog import clean

    t = make_trainer(args)
    d = t.data
    fit = fit_baseline(d.X, d.Y, args.degree, d.X_dev, d.Y_dev, t.dataset.feature_names)
    out = clean({"degree": fit.degree, "coefficients": fit.coefficients, "terms": fit.terms,
                 "train_loss": fit.train_loss, "dev_loss": fit.dev_loss, "normalize": d.normalize})
    if args.json:
        print(json.dumps(out, allow_nan=False))
    else:
        terms = " + ".join(f"{c:.6g}*{printable(t_)}" if t_ != "1" else f"{c:.6g}" for c, t_ in zip(fit.coefficients, fit.terms))
        print(f"degree {fit.degree} polynomial: y = {terms}")
        print(f"train loss J {fmt(fit.train_loss)}  dev loss {fmt(fit.dev_loss)}")
    return 0


def cmd_gradcheck(args) -> int:
    from core.diagnosis.gradcheck import gradient_check, nothing_to_check, why_zero
    from core.logs.runlog import clean

    t = make_trainer(args)
    t.run(args.steps)
    c, d = t.config, t.data
    checks = gradient_check(d.X, d.Y, t.parameters(), c.hidden_activation, c.output_activation, c.loss, c.leaky_slope,
                            l2=c.l2, l1=c.l1)
    compared = [k for k in checks if k.band != "zero"] or checks
    worst = max(compared, key=lambda k: k.rel_error if math.isfinite(k.rel_error) else math.inf)
    empty = nothing_to_check(checks)
    why = why_zero(d.X, t.parameters(), c.hidden_activation, c.output_activation, c.leaky_slope) if empty else ""
    # "name" is the parameter (W1, as ever); "gradient" names what was checked, as the text does (dW1)
    out = clean({"step": t.step_count, "tensors": [{"name": k.name, "gradient": f"d{k.name}", "rel_error": k.rel_error,
                                                     "band": k.band} for k in checks],
                 "worst": worst.band, "nothing_to_check": empty, "why": why})
    if args.json:
        print(json.dumps(out, allow_nan=False))
    else:
        print(f"gradient check at step {t.step_count} (centred differences, eps 1e-7):")
        for k in checks:
            print(f"  d{k.name:<4} relative error {k.rel_error:.3e}  {k.band}")
        if empty:
            print(f"nothing to check: the gradient is 0 on every parameter, by backprop and by differences alike: {why}")
    return 0 if worst.band != "wrong" else 1
