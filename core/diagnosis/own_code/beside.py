"""The reference beside a learner's training step: the same step by the course's maths at the
same θ, and the first function and tensor where the learner's leaves it.

The comparison walks L_model_forward, compute_cost, L_model_backward and update_parameters in
that order (lockstep.first_divergence), so a wrong forward pass is named before the gradient it
spoils. At the divergence the catalogue of common mistakes is tried on the same inputs (a
planted variant that reproduces the learner's output names the likely mistake, as in `check`).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

from core.engine.activations import get_activation

from .cases import Case
from .catalogue import mistakes_for
from .course import IDENTITY_NAMES, Course
from .judge import identify
from .lockstep import first_divergence
from .runner import Outcome

COST_OF_LOSS = {"bce": "cross-entropy", "mse": "mse"}


class AnyActivation(Course):
    """The course's reference with any of the engine's activations (tanh, leaky_relu, swish)
    besides its own sigmoid, relu and linear."""

    def __init__(self, cost: str, output: str, hidden: str, leaky_slope: float = 0.01):
        super().__init__(cost, output, hidden)
        self.leaky_slope = leaky_slope

    def _own(self, activation) -> bool:
        return activation in ("sigmoid", "relu") or activation in IDENTITY_NAMES

    def activate(self, Z, activation):
        if self._own(activation):
            return super().activate(Z, activation)
        return get_activation(activation, self.leaky_slope).forward(Z), Z

    def activation_backward(self, dA, activation_cache, activation):
        if self._own(activation):
            return super().activation_backward(dA, activation_cache, activation)
        g = get_activation(activation, self.leaky_slope)
        return g.backward(dA, activation_cache, g.forward(activation_cache))


def reference_for(config) -> AnyActivation:
    return AnyActivation(COST_OF_LOSS[config.loss], config.output_activation, config.hidden_activation,
                         config.leaky_slope)


@dataclass(frozen=True)
class Divergence:
    step: int
    function: str
    tensor: str
    max_abs_error: float | None
    max_rel_error: float | None
    message: str                  # "dW2 differs: max abs error ..., max rel error ..."
    returned_at: str = ""         # where the learner's function returned: file:line `code`
    likely_mistake: str | None = None
    explanation: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def reference_step(course: Course, X, Y, params: dict, lr: float) -> tuple[dict, dict]:
    """({function: the reference's output}, {function: its inputs}) at θ = params."""
    AL, caches = course.L_model_forward(X, params)
    grads = course.L_model_backward(AL, Y, caches)
    outs = {"L_model_forward": (AL, caches), "compute_cost": course.compute_cost(AL, Y),
            "L_model_backward": grads, "update_parameters": course.update_parameters(params, grads, lr)}
    ins = {"L_model_forward": (X, params), "compute_cost": (AL, Y), "L_model_backward": (AL, Y, caches),
           "update_parameters": (params, grads, lr)}
    return outs, ins


def learner_outputs(result) -> dict:
    return {"L_model_forward": result.forward, "compute_cost": result.cost,
            "L_model_backward": result.grads, "update_parameters": result.params}


def diverges(step: int, result, X, Y, params: dict, lr: float, course: Course) -> Divergence | None:
    """Where the learner's step (a StepResult with its forward output) leaves the reference's
    at the same θ, or None. The likely mistake is looked for only then."""
    ref, ins = reference_step(course, X, Y, params, lr)
    d = first_divergence(step, learner_outputs(result), ref)
    if d is None:
        return None
    diff = d.message.split(" leaves the reference: ", 1)[-1]
    mistake, _ = identify(d.function, [Case(f"step {step}", ins[d.function])],
                          [Outcome("ok", learner_outputs(result)[d.function])], [ref[d.function]], course,
                          mistakes_for(d.function))
    return Divergence(step, d.function, d.tensor, d.max_abs_error, d.max_rel_error, diff,
                      likely_mistake=mistake.code if mistake else None,
                      explanation=mistake.explanation if mistake else None)
