"""Dead ReLU paths: output samples with Z^[L] <= 0 and hidden units off on every sample, and
when and why they died (read from the history and the events)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .cures import hidden_cure, lr_cure, output_cure, restart_cure
from .finding import Proposal, list_text
from .findings_setup import normalize_cure

DEAD_UNIT_FRACTION = 0.25  # a few dead ReLU units are normal; a quarter of a layer is not
RATE_WINDOW = 20           # units dying within this many steps of a rate rise died of the rate
SPIKE_FACTOR = 10.0        # a loss 10x its value before the deaths is a blow-up


def dead_output(trainer, ev) -> Proposal | None:
    if not ev.output_can_die or ev.dead_output == 0:
        return None
    pos = ev.dead_samples
    Y = trainer.data.Y[0, pos]
    if not (Y > 0).any():
        return None  # ReLU's 0 is already the best it can do for targets ≤ 0: nothing is stuck
    rows = np.asarray(trainer.split.train_idx)[pos]
    X = trainer.data.x_to_original(trainer.data.X[:, pos])
    x = X[0]
    if X.shape[0] == 1:
        shown = list_text(x) if np.all(x == np.round(x)) and np.all(np.abs(x) < 1e9) else ", ".join(f"{v:.3g}" for v in x[:8])
        where = f"rows {list_text(rows)}; x = {shown}" if trainer.data.has_dev else f"{list_text(rows)}; x = {shown}"
    else:
        where = f"rows {list_text(rows)}; inputs in the evidence"
    zl = ev.Z_L[0, pos]
    msg = (f"{len(pos)} of {trainer.m} samples ({where}) have Z^[L] <= 0 (max {zl.max():.3g}): the ReLU output is 0 "
           "there and relu'(Z) = 0 passes back no gradient of their own; only the weights the other samples move "
           "can lift Z^[L] above 0 again (or push it further down)")
    act = trainer.config.output_activation
    return Proposal("dead_output", msg, {
        "samples": rows.tolist(), "x": x.tolist(), "inputs": X.T.tolist(),
        "feature_names": list(trainer.dataset.feature_names), "Z_L": zl.tolist(), "targets": Y.tolist()},
        [output_cure(act, "linear"), output_cure(act, "leaky_relu")]
        + ([] if trainer.config.normalize else [normalize_cure(trainer)]), measure="samples",
        samples=tuple(int(p) for p in pos[Y > 0]))


@dataclass(frozen=True)
class Deaths:
    at_start: int           # dead at the first kept step (usually step 0)
    first_step: int         # the step the count first rose above at_start (or -1)
    last_step: int          # the step it reached its current value
    rate_rise: tuple | None  # (step, old lr, new lr) of a rise just before the deaths
    spike: float            # the loss at its worst during the deaths / the loss before them


def deaths(trainer, layer: int, now: int) -> Deaths:
    h = trainer.history
    rows = h.rows()
    if len(rows) == 0:
        return Deaths(now, -1, -1, None, 1.0)
    count, step, loss = (rows[:, h.col[k]] for k in (f"dead_hidden{layer}", "step", "loss"))
    start = int(count[0])
    rose = np.flatnonzero(count > start)
    reached = np.flatnonzero(count >= now)
    if rose.size == 0 or reached.size == 0:
        return Deaths(start, -1, -1, None, 1.0)
    i0, i1 = int(rose[0]), int(reached[0])
    s0, s1 = int(step[i0]), int(step[max(i1, i0)])
    before = float(loss[i0 - 1]) if i0 > 0 else float(loss[i0])
    worst = float(np.nanmax(loss[max(i0 - 1, 0):max(i1, i0) + 1]))
    return Deaths(start, s0, s1, _rate_rise(trainer, s0), worst / before if before > 0 else 1.0)


def _rate_rise(trainer, step: int):
    """(step, old, new) of the last rate rise at most RATE_WINDOW steps before `step`, since the
    history last restarted (a reset, new seed or normalisation starts it again)."""
    lr, rise = trainer.initial_config.lr, None
    at_step = (-1, lr)  # (step, the rate before that step's changes): presses between two steps count as one
    for e in trainer.events:
        if e.name in ("reset", "seed", "normalize"):
            rise = None
        elif e.name == "lr":
            if e.step != at_step[0]:
                at_step = (e.step, lr)
            lr = float(e.value)
            old = at_step[1]
            rise = (e.step, old, lr) if lr > old and 0 <= step - e.step <= RATE_WINDOW else rise
    return rise


def _causes(trainer, l: int, n_dead: int, d: Deaths) -> tuple[list[str], dict]:
    causes, ev = [], {"dead_at_start": d.at_start, "died_from_step": d.first_step, "died_by_step": d.last_step}
    X = trainer.data.X
    if d.at_start and (X >= 0).all() and not trainer.config.normalize:
        causes.append(f"{d.at_start} were dead from the start: the inputs are all >= 0 and not normalised, so a unit "
                      "with negative weights and a zero bias is off on every sample")
    later = n_dead - d.at_start
    if later > 0 and d.first_step >= 0:
        span = f"step {d.first_step}" if d.first_step == d.last_step else f"steps {d.first_step}-{d.last_step}"
        if d.rate_rise is not None:
            at, old, new = d.rate_rise
            ev.update(rate_rise_step=at, lr_before=old, lr_after=new, loss_spike=d.spike)
            spike = f" (the loss spiked {d.spike:.3g}x)" if d.spike >= SPIKE_FACTOR else ""
            causes.append(f"{later} died at {span}, right after the learning rate rose from {old:.3g} to {new:.3g} "
                          f"at step {at}{spike}: a step too large pushed them below 0 on every sample")
        elif d.spike >= SPIKE_FACTOR:
            ev.update(loss_spike=d.spike)
            causes.append(f"{later} died at {span}, when the loss spiked {d.spike:.3g}x (a too-large step)")
        else:
            causes.append(f"{later} died during training, at {span}")
    return causes, ev


def dead_hidden(trainer, ev) -> Proposal | None:
    if not ev.hidden_can_die:
        return None
    layers = [(l, units, len(a)) for l, (units, a) in enumerate(zip(ev.dead_units, ev.hidden_active), start=1)
              if len(units) and len(units) >= DEAD_UNIT_FRACTION * len(a)]
    if not layers:
        return None
    parts, evidence, cures = [], {"layers": []}, []
    c = trainer.config
    for l, u, n in layers:
        d = deaths(trainer, l, len(u))
        causes, why = _causes(trainer, l, len(u), d)
        parts.append(f"{len(u)} of {n} units in layer {l} ({list_text(u)})" + (f" [{'; '.join(causes)}]" if causes else ""))
        evidence["layers"].append({"layer": l, "dead_units": u.tolist(), "units": n, **why})
        if d.rate_rise is not None:
            press = lr_cure(c.lr, d.rate_rise[1])
            cures.append(restart_cure({"lr": press.value}, f"{press.keys_text}, then 0 to restart from step 0",
                                      f"--lr {press.value:.3g}", (*press.keys, "0"), ("--lr",)))
    msg = (f"{'; '.join(parts)} have Z <= 0 on every training sample: relu' = 0, so they get no gradient and "
           "stay dead whatever the rate")
    if not c.normalize:
        cures.append(normalize_cure(trainer))
    cures.append(hidden_cure(c.hidden_activation, "leaky_relu", " (its slope below 0 lets dead units learn again)"))
    return Proposal("dead_hidden", msg, evidence, cures)

