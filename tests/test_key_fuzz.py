"""Random keys against the TUI, in small (issue 17): bench/fuzz_keys.py's driver, a few hundred
keys with bursts, the palette and resizes, then q or SIGHUP. The long run (10 × 3,000 keys) is
`python bench/fuzz_keys.py`."""
from __future__ import annotations

import importlib.util
import random
from pathlib import Path

import pytest

SPEC = importlib.util.spec_from_file_location("fuzz_keys", Path(__file__).resolve().parents[1] / "bench" / "fuzz_keys.py")
fuzz_keys = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(fuzz_keys)


@pytest.mark.parametrize("seed, ending", [(11, "sighup"), (12, "q")])
async def test_random_keys_then_close(tui_app, settle, tmp_path, seed, ending):
    runs = tmp_path / "runs"
    app = tui_app(runs_dir=runs)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        stats = await fuzz_keys.fuzz(app, pilot, random.Random(seed), 200, bursts=0.8, rests=0.02)
        assert stats["keys"] >= 200 and stats["bursts"] and stats["palette"]
        end = await fuzz_keys.close(app, pilot, ending, runs)
    assert end["return_code"] == fuzz_keys.ENDINGS[ending]
