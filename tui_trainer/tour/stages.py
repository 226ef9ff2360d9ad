"""The lesson, stage by stage: the forum thread's network fails, is cured step by step, and is
compared with the polynomial the thread's mentor suggested.

Each stage `play`s first (sends commands through the driver, like a user pressing keys, and
collects the numbers it needs) and then writes its `text` from those numbers and the newest
frame. Nothing is canned: another engine, seed or rate would change every number printed.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from core.diagnosis.baseline import fit_baseline

from .. import protocol as P
from ..protocol import Frame
from ..session.handlers import shown
from ..widgets.findings_panel import stuck_at
from .driver import do, lr_test, run_until_trouble, train_until

STORY_STEPS = 5000         # where the README's moment is: samples x = 0…4 stuck at 0
AFTER_CURE_1 = 10_000      # steps with the linear output (long enough to see the cut-off samples stay flat)
BLOCK = 10_000             # steps between looks while training towards a condition
SETTLE_MOST = 50_000       # cure 2 trains until the loss settles, at most this long
FIT_MOST = 200_000         # cure 3 trains until RMSE < GOOD_RMSE, at most this long
GOOD_RMSE = 1.0            # on the story's scale: y reaches 1140


def g(v: float, digits: int = 3) -> str:
    return f"{v + 0.0:.{digits}g}"


def coefficient(c: float, scale: float) -> str:
    """A least-squares coefficient as read: rounding residue (1e-13 beside 3) is 0."""
    return "0" if abs(c) < 1e-9 * max(scale, 1.0) else g(c, 4)


def samples_text(pos) -> str:
    pos = [int(i) for i in pos]
    if len(pos) > 2 and pos == list(range(pos[0], pos[-1] + 1)):
        return f"{pos[0]}–{pos[-1]}"
    return ", ".join(map(str, pos))


def next_text(f: Frame) -> str:
    n = f.next_step
    if n is None:
        return ""
    return f"{n.text[0].upper()}{n.text[1:]}." if n.good else f"Still in the way: {n.text}.\n→ {n.cure}"


@dataclass
class Stage:
    title: str
    facts: dict = field(default_factory=dict)

    async def play(self, driver) -> None:
        """Drive the run to this stage's state (the first stage needs nothing)."""

    def text(self, f: Frame) -> str:
        raise NotImplementedError


class Problem(Stage):
    def text(self, f: Frame) -> str:
        s = f.snapshot
        dims = "-".join(map(str, s.layer_dims))
        return (f"The forum thread: X = 0…19, Y = 3X² + 3X, fitted by a {dims} network with "
                f"{s.hidden_activation} hidden units, a {s.output_activation} output and MSE, "
                f"L = ½(A^[L] − Y)², on raw data at lr {s.lr:g}.\n"
                "Backprop starts from the loss, not the activation: dAL = ∂L/∂A^[L] = A^[L] − Y. "
                "The output's derivative comes next, in dZ^[L] = dAL · relu'(Z^[L]).\n"
                f"Step {s.step}: J = {g(s.loss, 4)}, RMSE {g(s.rmse, 4)}.\n"
                "enter: train (1,000 steps a second), pausing when something goes wrong.")


class FirstDeath(Stage):
    async def play(self, driver) -> None:
        f = await run_until_trouble(driver, P.CYCLE_PACE)   # at 1,000 steps a second: watchable
        position = f.trouble.samples[0] if f.trouble.samples else 0
        f = await do(driver, (P.INSPECT, position))
        self.facts.update(trouble=f.trouble, chain=f.diag.chain)
        await do(driver, (P.INSPECT, None))

    def text(self, f: Frame) -> str:
        t, c = self.facts["trouble"], self.facts["chain"]
        if c is None:
            return t.text
        x = ", ".join(g(v) for v in c.x)
        return (f"Training paused by itself at step {t.step}: sample #{c.sample} (x = {x}, y = {g(c.y)}) "
                f"died. Its Z^[L] = {g(c.Z)} ≤ 0, so ŷ = ReLU(Z^[L]) = 0.\n"
                "Its share of dW^[L] by the chain rule, ∂L/∂A · ∂A/∂Z · ∂Z/∂W:\n"
                f"  ∂L/∂A = A − Y = {g(c.dL_dA)}   ∂A/∂Z = relu'(Z) = {g(c.dA_dZ)}   "
                f"∂Z/∂W = A^[L−1]\n"
                "relu'(Z) = 0 cuts the chain: the sample gets no gradient of its own, and only "
                "the weights the other samples move could lift it again.\n"
                f"enter: train to step {STORY_STEPS:,} (more samples die), then cure 1.")


class LinearOutput(Stage):
    async def play(self, driver) -> None:
        # the pace back to as fast as possible (1,000 → 100 → 10 → max): it only slowed `r`
        f = await do(driver, *[P.CYCLE_PACE] * 3, (P.STEP, STORY_STEPS - driver.frame.snapshot.step))
        s = f.snapshot
        self.facts.update(stuck=np.flatnonzero(s.dead), stuck_at=stuck_at(s), rmse_stuck=s.rmse)
        # relu → leaky_relu → swish → linear, then train with it
        f = await do(driver, *[P.CYCLE_OUTPUT] * 3, (P.STEP, AFTER_CURE_1))
        self.facts.update(rmse_after=f.snapshot.rmse, steps=f.snapshot.step)

    def text(self, f: Frame) -> str:
        fa = self.facts
        return (f"At step {STORY_STEPS:,}: samples {samples_text(fa['stuck'])} stuck at {fa['stuck_at']}, RMSE "
                f"{g(fa['rmse_stuck'], 4)}.\n"
                "Cure 1: a a a → a linear output, weights kept. Its derivative is 1, so dZ^[L] = A − Y "
                "reaches every sample again.\n"
                f"Step {fa['steps']:,}: RMSE {g(fa['rmse_after'], 4)}. {next_text(f)}\n"
                "enter: cure 2.")


class Normalise(Stage):
    async def play(self, driver) -> None:
        lr_raw = driver.frame.snapshot.lr
        f = await do(driver, P.TOGGLE_NORMALIZE)  # the rate follows the new scale (its notice)
        self.facts.update(lr_raw=lr_raw, lr_scale=f.snapshot.lr)
        rate = self.facts["lr_test"] = await lr_test(driver)
        f = await train_until(driver, lambda f: f.next_step is not None and f.next_step.blocker != "training",
                              BLOCK, SETTLE_MOST, first=[(P.SET_LR, rate)])
        self.facts.update(steps=f.snapshot.step, rmse=f.snapshot.rmse)

    def text(self, f: Frame) -> str:
        fa, s = self.facts, f.snapshot
        dead = sum(s.dead_hidden)
        return ("Cure 2: z standardises x and y and restarts at step 0. The gradients scale with the "
                f"data, so the rate moves with it: {fa['lr_raw']:g} → {g(fa['lr_scale'])} (half of 2/λmax), "
                f"then the LR range test's {g(fa['lr_test'])} (l, enter).\n"
                f"Centred inputs switch the units on: {dead} dead now. Step {fa['steps']:,}: RMSE "
                f"{g(fa['rmse'], 4)}. {next_text(f)}\n"
                "enter: cure 3.")


class SmoothHidden(Stage):
    async def play(self, driver) -> None:
        start = driver.frame.snapshot.step
        # relu → leaky_relu → tanh → swish, then the LR range test for it
        rate = self.facts["lr"] = await lr_test(driver, *[P.CYCLE_HIDDEN] * 3)
        f = await train_until(driver, lambda f: f.snapshot.rmse < GOOD_RMSE, BLOCK, FIT_MOST,
                              first=[(P.SET_LR, rate)])
        self.facts.update(steps=f.snapshot.step - start, rmse=f.snapshot.rmse)

    def text(self, f: Frame) -> str:
        fa, s = self.facts, f.snapshot
        return (f"Cure 3: h h h → {s.hidden_activation} hidden units, weights kept: smooth, so the curve "
                f"bends between the samples instead of at a few kinks. LR range test: {g(fa['lr'])}.\n"
                f"{fa['steps']:,} steps later: RMSE {g(fa['rmse'], 3)} on a y that reaches "
                f"{g(float(s.y.max()), 4)}. {next_text(f)}\n"
                "enter: the mentor's other suggestion, a polynomial.")


class Baseline(Stage):
    async def play(self, driver) -> None:
        s = (await do(driver, P.BASELINE, P.BASELINE)).snapshot   # overlay degree 1 → 2
        # In the data's own units (the overlay fits the standardised data the network sees).
        fit = fit_baseline(s.x.reshape(1, -1), s.y.reshape(1, -1), 2)
        self.facts.update(fit=fit, scale=float(np.abs(s.y).max()))
        await do(driver, (P.EXPORT, str(driver.runs_folder())))
        self.facts["log"] = driver.exported

    def text(self, f: Frame) -> str:
        fa, s = self.facts, f.snapshot
        c = [coefficient(v, fa["scale"]) for v in fa["fit"].coefficients]
        params = sum(a * b + a for a, b in zip(s.layer_dims[1:], s.layer_dims[:-1]))
        log = f"\nThe lesson's run log: {shown(fa['log'])} (tui-trainer replay or rerun it)." if fa.get("log") else ""
        return (f"Degree-2 least squares on the same 20 points (b b): ŷ = {c[0]} + {c[1]}·x + {c[2]}·x², "
                f"coefficients {', '.join(c)}: exactly Y = 3X² + 3X, J = {g(fa['fit'].train_loss)}.\n"
                f"The network, {params} parameters and {s.hidden_activation} units: RMSE {g(s.rmse, 3)} at "
                f"step {s.step:,}. For data like this, a polynomial is the first thing to try.{log}\n"
                "q: quit.")


def lesson() -> list[Stage]:
    return [Problem("The problem"), FirstDeath("The first dead sample"), LinearOutput("Cure 1: a linear output"),
            Normalise("Cure 2: normalise, and a rate that fits"), SmoothHidden("Cure 3: a smooth hidden layer"),
            Baseline("The degree-2 baseline")]
