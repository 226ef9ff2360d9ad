"""Text for the diagnosis results (core.diagnosis.diagnostics): pure functions from a result to rich Text,
shared by the check screens, the findings panel and the tests."""
from __future__ import annotations

import math

from rich.text import Text

from core.diagnosis.bias_variance import BiasVariance
from core.diagnosis.chain_rule import ChainRule
from core.diagnosis.curvature import Curvature
from core.diagnosis.diagnostics import GradCheck, LRFind
from core.diagnosis.loss_at_init import LossAtInit
from core.diagnosis.overfit import ZERO_FRACTION, OverfitResult

from .fmt import num

BAND_STYLES = {"zero": "dim", "good": "bold green", "acceptable": "green", "suspicious": "bold yellow", "wrong": "bold white on red"}
ZERO_STYLE = "bold white on red"


def big(v: float | None) -> str:
    """Losses of the story reach 1e5: thousands separators read better than exponents there."""
    if v is None:
        return "—"
    v = float(v)
    return f"{v:,.1f}" if math.isfinite(v) and 1e3 <= abs(v) < 1e9 else num(v)


def gradcheck_text(g: GradCheck) -> Text:
    t = Text()
    t.append("relative error = ‖g_num − g_backprop‖ / (‖g_num‖ + ‖g_backprop‖), centred differences (ε = 1e-7)\n"
             f"against the gradient {g.source} trains with, at the current parameters\n\n", style="dim")
    t.append(f"{'tensor':<8}{'relative error':>16}  {'band':<12}{'max |diff|':>12}\n", style="bold")
    for k in g.tensors:
        t.append(f"d{k.name:<7}{k.rel_error:>16.3e}  ")
        t.append(f"{k.band:<12}", style=BAND_STYLES.get(k.band, ""))
        t.append(f"{k.max_abs_diff:>12.3e}\n")
    t.append("\nbands: < 1e-7 good · < 1e-4 acceptable (ReLU kinks) · < 1e-2 suspicious · else wrong; "
             "zero: both gradients exactly 0, nothing compared\n", style="dim")
    if g.nothing_to_check:
        t.append(f"nothing to check: the gradient is 0 on every parameter: {g.why_zero}", style="bold yellow")
        return t
    verdict = {"zero": "nothing compared", "good": "backprop is right",
               "acceptable": "backprop is right (kinks blur the differences)",
               "suspicious": "look closer: a derivative may be off", "wrong": "a derivative is wrong"}[g.worst]
    t.append(f"worst: {g.worst}: {verdict}", style=BAND_STYLES.get(g.worst, ""))
    return t


def lr_find_text(r: LRFind) -> Text:
    s = r.test
    t = Text()
    t.append(f"{len(s.lrs)} updates on a copy, rate {s.lrs[0]:.2g} → {s.lrs[-1]:.2g} (×{(s.lrs[-1] / s.lrs[0]) ** (1 / max(len(s.lrs) - 1, 1)):.3g} each); "
             f"stopped: {s.stopped}\n", style="dim")
    t.append(f"lowest smoothed loss at lr {s.best_lr:.3g} · steepest fall at {s.lr_steep:.3g}\n")
    t.append("suggested lr ", style="bold")
    t.append(f"{s.suggested:.3g}", style="bold green")
    t.append(f" ({s.method})   current lr {r.lr:.3g}")
    c = r.curvature
    if c is not None and math.isfinite(c.stability_limit):
        t.append(f"   2/λmax {c.stability_limit:.3g}")
    return t


def overfit_text(o: OverfitResult) -> Text:
    t = Text()
    t.append(f"copy of the network trained on samples {list(o.samples)} only, {o.steps} steps; "
             f"lr set to 0.25 · 2/λmax of the batch while it has curvature (last {o.lr:.3g})\n", style="dim")
    t.append(f"loss {big(o.start_loss)} → ")
    t.append(big(o.final_loss), style="bold")
    t.append(f"   (predicting 0 scores {big(o.zero_loss)}; about 0 means below {ZERO_FRACTION:.0%} of it)\n")
    t.append("verdict: ", style="bold")
    t.append(o.verdict, style="bold green" if o.reached_zero else "bold red")
    return t


def chain_text(c: ChainRule) -> Text:
    """The three factors of one sample's output-layer gradient; a zero factor is highlighted."""
    t = Text()
    x = ", ".join(f"{v:g}" for v in c.x)
    t.append(f"sample {c.sample} (x = {x}):  Z^[L] = {c.Z:.6g}   A^[L] = g(Z) = {c.A:.6g}   y = {c.y:.6g}"
             f"   (training units, {c.output_activation} output)\n\n")
    t.append("∂L/∂W^[L] = ∂L/∂A · ∂A/∂Z · ∂Z/∂W\n\n", style="bold")

    def factor(name: str, formula: str, value: str) -> None:
        zero = name.replace("∂", "d") in c.zero_factors  # core names them dL/dA, dA/dZ, dZ/dW
        t.append(f"  {name} = {formula:<9} = ")
        t.append(value, style=ZERO_STYLE if zero else "bold")
        if zero:
            t.append("  ← 0: no gradient flows through here", style="bold red")
        t.append("\n")

    # `+ 0.0`: a product with a zero factor can be -0.0, which would print as "-0"
    factor("∂L/∂A", "A − Y", f"{c.dL_dA + 0.0:.6g}")
    factor("∂A/∂Z", "g'(Z)", f"{c.dA_dZ + 0.0:.6g}")
    factor("∂Z/∂W", "A_prev", "[" + ", ".join(f"{v + 0.0:.3g}" for v in c.A_prev) + "]")
    t.append(f"  dZ    = ∂L/∂A · ∂A/∂Z = {c.dZ + 0.0:.6g}\n")
    share = ", ".join(f"{v + 0.0:.3g}" for v in c.dW_sample)
    t.append(f"\nthis sample's share of dW^[L] = dZ · A_prevᵀ / m = [{share}]\n")
    t.append("all samples' dW^[L]            = [" + ", ".join(f"{v + 0.0:.3g}" for v in c.dW) + "]\n", style="dim")
    if c.dead and c.Z == 0:
        t.append("\nZ^[L] = 0 exactly: ReLU has no slope at 0 and ReLU'(0) is taken as 0 here, so this "
                 "sample gets no gradient of its own yet. Only the shared weights, moved by the other samples, "
                 "can lift its Z^[L] above 0. A linear or leaky ReLU output has g' ≠ 0 (press a).", style="bold red")
    elif c.dead:
        t.append(f"\ng'(Z) = 0 because Z^[L] = {c.Z:.4g} ≤ 0 with a ReLU output: the product is 0 whatever the "
                 "error, so this sample adds nothing to dW and gets no gradient of its own. Only the shared "
                 "weights, moved by the other samples, can lift its Z^[L] above 0 again (or push it further "
                 "down). A linear or leaky ReLU output has g' ≠ 0 (press a).", style="bold red")
    elif "dZ/dW" in c.zero_factors:
        t.append("\nA_prev = 0: every hidden unit is off for this sample, so W^[L] gets nothing from it.",
                 style="bold red")
    elif "dL/dA" in c.zero_factors:
        t.append("\nA = Y exactly: this sample is fitted, nothing to correct.", style="green")
    else:
        t.append("\nevery factor is non-zero: this sample pulls on W^[L].", style="green")
    return t


def loss_at_init_text(li: LossAtInit, with_meaning: bool) -> Text:
    t = Text()
    t.append("Loss at init: ", style="bold")
    t.append(f"J₀ {big(li.measured)} vs {li.zero_label} {big(li.zero_loss)}"
             + (" (ΣY²/2m)" if li.loss == "mse" else "") + f", mean {big(li.mean_loss)}",
             style="bold red" if li.mismatch else "")
    if with_meaning or li.mismatch:
        t.append(f"\n  {li.meaning}", style="italic")
    return t


def bias_variance_text(bv: BiasVariance) -> Text:
    style = {"high_bias": "bold yellow", "high_variance": "bold yellow", "both": "bold red",
             "neither": "bold green"}.get(bv.verdict, "dim")
    t = Text()
    t.append("Bias/variance: ", style="bold")
    t.append(bv.message, style=style)
    return t


def curvature_text(c: Curvature, lr: float) -> Text:
    """`2/λmax 5.18e-05` coloured by how close the learning rate is to the stability limit."""
    t = Text()
    if not math.isfinite(c.stability_limit):
        t.append("∞", style="green")
        return t
    ratio = lr / c.stability_limit
    style = "bold white on red" if ratio > 1 else "bold yellow" if ratio > 0.5 else "bold green"
    t.append(short_exp(f"{c.stability_limit:.2g}"), style=style)
    return t


def short_exp(text: str) -> str:
    """5.2e-05 → 5.2e-5: the status line is full at 120 columns, every character counts."""
    return text.replace("e-0", "e-").replace("e+0", "e+")
