"""One step back: undo the update `run()` made last, as if that step had not been taken yet.

Why: a watcher that sees trouble in step t's history row (a sample dead at θ_t) can only stop
the run before step t+1, by which time θ has moved on to θ_{t+1}. The update keeps θ_t in
`theta_prev` (for the divergence rollback), so going back costs a copy: the screen then shows
θ_t, the state the row describes, and training resumes by recomputing exactly the same step.

Step and tick go back together, so a later event sits at the tick it would have had anyway and
a rerun of the log meets it at the same step.
"""
from __future__ import annotations

import numpy as np

from .records import OK


def step_back(trainer) -> None:
    """θ_{t+1} → θ_t and step t's history row dropped. Only right after a `run()` that committed
    at least one step, with no event since (θ_prev then holds θ_t)."""
    if trainer.status != OK or len(trainer.history) == 0 or trainer.step_count == 0:
        raise ValueError("step_back needs a step just taken on a run that has not diverged")
    last_event = trainer.events[-1].tick if trainer.events else -1
    if last_event >= trainer.tick:
        raise ValueError("step_back would cross an event (a change was made after the last step)")
    np.copyto(trainer.flat.theta, trainer.flat.theta_prev)
    trainer.history.pop()
    trainer.step_count -= 1
    trainer.tick -= 1
