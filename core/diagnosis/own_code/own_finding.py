"""The `own_code_differs` finding: training with a learner's file (`--model`), the first step
where the learner's step leaves the reference's at the same θ (own_trainer.py).

It reads only what the trainer recorded (`divergence`, absent on the engine's own Trainer),
states the step, the function, the tensor and the difference, and offers no cure tried on a
copy: the cure is in the learner's code, and the likely mistake says which line to look at.
"""
from __future__ import annotations

from ..finding import Proposal

CODE = "own_code_differs"


def own_code_differs(trainer) -> Proposal | None:
    d = getattr(trainer, "divergence", None)
    if d is None:
        return None
    message = f"step {d.step}: {divergence_text(d)}" + (f". Likely mistake: {d.explanation}" if d.explanation else "")
    return Proposal(CODE, message, d.to_dict())


def divergence_text(d) -> str:
    """'your L_model_backward (file:line `code`) leaves the reference at the same θ: dW2 differs: ...'"""
    where = f" ({d.returned_at})" if d.returned_at else ""
    return f"your {d.function}{where} leaves the reference at the same θ: {d.message}"
