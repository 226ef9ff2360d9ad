"""The network's output on any samples at the current θ, outside the step: a mixin of Trainer
(trainer.py). For displays and diagnosis, the dev loss of each history row, and the loss
ceiling; the step itself runs on its own buffers (fast_step.py, chunked_step.py).
"""
from __future__ import annotations

import numpy as np

from .activations import get_activation
from .chunks import layers_forward, output_in_chunks
from .losses import output_cost


class Outputs:
    def dev_cost(self) -> float:
        """J on the dev set, keeping its output (`dev_output`) for the dev accuracy."""
        ZL, AL = self.output(self.data.X_dev)
        self.dev_output = AL
        with np.errstate(all="ignore"):
            return output_cost(ZL, AL, self.data.Y_dev, self.config.loss, self.config.output_activation)

    def cost_on(self, X: np.ndarray, Y: np.ndarray) -> float:
        """J at the current parameters on (X, Y) in training units, as the step computes it
        (from the logits for sigmoid + cross-entropy)."""
        ZL, AL = self.output(X)
        with np.errstate(all="ignore"):
            return output_cost(ZL, AL, Y, self.config.loss, self.config.output_activation)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """AL for inputs X (in training units) at the current parameters."""
        return self.output(X)[1]

    def output(self, X: np.ndarray, each=None, stop=None) -> tuple[np.ndarray, np.ndarray]:
        """Z^[L] and A^[L] for inputs X, a chunk of samples at a time on large data (chunks.py):
        the hidden layers of all of X are never held at once; each(a, b, Zs) sees them, and
        stop() true between chunks raises chunks.Abandoned."""
        return output_in_chunks(self.forward, X, each=each, chunk_forward=self._forward_chunk, stop=stop)

    def _forward_chunk(self, X: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        return self._chunk_buffers.forward(self.params, self._activations(), X)

    def forward(self, X: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Z[l] and A[l] for every layer at the current parameters (allocates; for display)."""
        return layers_forward(self.params, self._activations(), X)

    def _activations(self) -> list:
        c = self.config
        hidden = get_activation(c.hidden_activation, c.leaky_slope)
        return [hidden] * (self.L - 1) + [get_activation(c.output_activation, c.leaky_slope)]
