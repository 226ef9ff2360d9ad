"""Live changes that keep θ: a mixin of Trainer (trainer.py).

The rate, the activations, regularisation and the batch size may change between steps: each
takes effect from the next step, keeps θ, and is logged as an event (`lr`, `l2`, ...) that a
rerun re-applies at the same tick. (A reset, a new seed and normalisation restart training:
they stay in trainer.py, beside the setup they redo.)
"""
from __future__ import annotations

from .config import check_lr, check_penalty
from .minibatch import epochs_done, setup_step_inputs

# Events re-applied by apply_setting (the older ones by apply_event).
SETTING_EVENTS = ("l2", "l1", "batch_size")


class Changes:
    def set_lr(self, lr: float) -> None:
        lr = check_lr(lr)
        self._change("lr", lr, lr=lr)

    def set_output_activation(self, name: str) -> None:
        self._change("output_activation", name, output_activation=name)

    def set_hidden_activation(self, name: str) -> None:
        self._change("hidden_activation", name, hidden_activation=name)

    def set_l2(self, rate: float) -> None:
        rate = check_penalty("l2", rate)
        self._change("l2", rate, l2=rate)

    def set_l1(self, rate: float) -> None:
        rate = check_penalty("l1", rate)
        self._change("l1", rate, l1=rate)

    def set_batch_size(self, size: int) -> None:
        """Samples per update from the next step on (0: full batch). The epoch count carries
        on; the shuffle starts a new epoch at this step (minibatch.py)."""
        epochs = self.epoch
        self.config = self.config.with_(batch_size=size)  # validated there
        self.batch_base, self.epochs_at_base = self.step_count, epochs
        setup_step_inputs(self)
        self._change("batch_size", self.config.batch_size)

    @property
    def epoch(self) -> float:
        """Epochs completed: updates over updates per epoch (m // batch; 1 at full batch)."""
        return epochs_done(self.step_count, self.batch_base, self.epochs_at_base, self.m, self.batch)

    def apply_setting(self, name: str, value) -> None:
        """Re-apply a logged `l2`, `l1` or `batch_size` event."""
        if name == "batch_size":
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"batch size must be a whole number, got {value!r}")
            self.set_batch_size(value)
        else:
            getattr(self, f"set_{name}")(float(value))

    def apply_event(self, name: str, value) -> None:
        """Re-apply a logged user change (used by rerun)."""
        if name in SETTING_EVENTS:
            return self.apply_setting(name, value)
        if name == "lr":
            self.set_lr(float(value))
        elif name == "output_activation":
            self.set_output_activation(str(value))
        elif name == "hidden_activation":
            self.set_hidden_activation(str(value))
        elif name == "seed":  # reset and set_normalize restart training: trainer.py
            self.reset(int(value))
        elif name == "reset":
            self.reset()
        elif name == "normalize":
            self.set_normalize(bool(value))
        elif name in ("diverged", "pace"):
            pass  # the engine's own record, or the TUI's pace (note): nothing to replay
        else:
            raise ValueError(f"unknown event {name!r}")
