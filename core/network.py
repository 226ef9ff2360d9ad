"""The course's reference functions, where a learner looks first.

`from core.network import linear_forward, ..., update_parameters` keeps working; the code
lives in core/engine/network.py with the rest of the engine.
"""
from .engine.network import (  # noqa: F401  (re-exported)
    INIT_NAMES, L_model_backward, L_model_forward, cost_and_grads, initialize_parameters,
    linear_activation_backward, linear_activation_forward, linear_backward, linear_forward,
    update_parameters)
from .engine.losses import compute_cost  # noqa: F401  (the course's compute_cost)
