"""Work the training process does ahead, while it waits for keys, so that keys find it done.

A mixin of Session (loop.py) beside Watching and Handlers; it uses the same state (`_trainer`,
`_others_sent`, `_closed`, `_key_waiting`). Both parts apply on large data only, where a pass
over all samples costs tens of ms: the time a key would otherwise wait for.
"""
from __future__ import annotations

from core.diagnosis.bias_variance import baseline_for
from core.diagnosis.sample_bins import SHOWN_SAMPLES as LARGE_SAMPLES
from core.engine.chunks import Abandoned


class Ahead:
    def _large(self) -> bool:
        return self._trainer.m > LARGE_SAMPLES

    def _prepare_next_step(self) -> None:
        """Paused on large data: the next step's passes now (Trainer.prepare_step, ~40 ms at 1M
        samples), so that `space` or `n` only applies them and its frame comes that much
        sooner. Any other key stops them at once (it may change θ or the settings); a step
        lets them finish, since it would compute the same passes itself. Already prepared,
        this only compares θ."""
        if self._large():
            seen = self._others_sent
            self._trainer.prepare_step(stop=lambda: self._others_sent != seen or self._closed.is_set())

    def _baseline_ahead(self) -> None:
        """On large data, before the first frame: the findings' baseline (a polynomial fit on
        every sample, ~200 ms at 1M, whose solve and design matrix cannot stop for a key). It
        depends on the data only, and there is nothing on screen to press yet; computed in the
        first findings frame instead, it held the first key pressed after that frame for up to
        50 ms. A key already waiting stops it; it resumes at the degree it reached."""
        if self._large() and self._with_findings:
            try:
                baseline_for(self._trainer, stop=self._key_waiting)
            except Abandoned:
                pass
