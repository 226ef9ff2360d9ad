"""Random keys against the TUI (issue 17): no crash, no freeze, and closing it in any state
exits within 2 s of saving.

Each run opens the TUI (Textual's headless mode, the training process as users get it) on the
story or on two-input data, and sends --keys random keys: every key of the training screen
(q and Ctrl+C aside), moves and pages, enter, escape and tab, the command palette (Ctrl+P, then
letters, PageDown / PageUp, enter), with terminal resizes between 16 x 6 and 260 x 80. Keys go
one at a time (each waiting until the app is idle) or in bursts posted without waiting, as a
fast typist or a key held down sends them, which is where races live (Ctrl+P then PageDown
before the palette is laid out). The run then ends with q, SIGHUP or SIGTERM, and the exit must
come within 2 s of the saved log, with the signal's status and a log that reads back.

When the palette's own Quit is picked (letters typed in it, then enter), that app has ended
properly and the rest of the keys go to a new one (`apps` counts them).

A run fails on: the app ending before its end (an exception: its traceback is printed), a key
the app takes more than --freeze seconds over, training stopping by an error, an exit too slow
or with the wrong status, a log that does not read back.

    python bench/fuzz_keys.py --runs 10 --keys 3000            # the issue's goal, ~1 h here
    python bench/fuzz_keys.py --runs 2 --keys 500 --seed 7
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAVIGATION = ["up", "down", "left", "right", "pageup", "pagedown", "home", "end", "tab", "shift+tab",
              "enter", "escape", "backspace"]
PALETTE = ["ctrl+p"]
LETTERS = list("abcdefghijklmnoprstuvwxyz0123456789")
ENDINGS = {"q": 0, "sighup": 129, "sigterm": 143}


def screen_keys() -> list[str]:
    from tui_trainer.command_table import KEYS
    keys = [k.key for k in KEYS if k.action != "quit"]
    return keys + [k.also for k in KEYS if k.also and k.action != "quit"]


def key_event(app, key: str):
    """The event Pilot.press would send for `key` (textual/app.py _press_keys)."""
    import unicodedata
    from textual import events
    from textual.keys import REPLACED_KEYS, _character_to_key, _get_unicode_name_from_key
    if len(key) == 1 and not key.isalnum():
        key = _character_to_key(key)
    original = REPLACED_KEYS.get(key, key)
    try:
        char = unicodedata.lookup(_get_unicode_name_from_key(original))
    except KeyError:
        char = key if len(key) == 1 else None
    event = events.Key(key, char)
    event.set_sender(app)
    return event


class Failure(Exception):
    pass


class QuitFromPalette(Exception):
    """The palette's own Quit command was picked (typed letters, then enter): a proper end."""


def new_stats() -> dict:
    return {"keys": 0, "bursts": 0, "resizes": 0, "palette": 0, "slowest_key_s": 0.0, "slowest": "", "apps": 1}


async def fuzz(app, pilot, rng: random.Random, n_keys: int, freeze: float = 10.0,
               resize_every: int = 40, bursts: float = 0.3, rests: float = 0.1, stats: dict | None = None) -> dict:
    """Send random keys (and resizes) until stats["keys"] reaches n_keys; raises Failure on a
    crash, a freeze or an error, QuitFromPalette when the palette's own Quit was picked (stats,
    if given, keeps the counts so far). bursts: the share of key groups posted without waiting;
    rests: the share followed by a pause of up to 0.3 s (training runs on). Pilot waits for
    scrolling to finish after each key it presses, so bursts are also the quick way through
    many keys."""
    keys = screen_keys()
    stats = new_stats() if stats is None else stats

    def check(what: str) -> None:
        if not app.is_running and app._quitting and app.return_code == 0 and app._exception is None:
            raise QuitFromPalette(what)
        if not app.is_running:
            raise Failure(f"the app ended during {what}: {app._exception!r}\n{_trace(app)}")
        if app.main.error or getattr(app, "lost", None):
            raise Failure(f"training stopped during {what}: {app.main.error or app.lost}")

    async def timed(coro, what: str) -> None:
        t0 = time.monotonic()
        try:
            await asyncio.wait_for(coro, freeze)
        except asyncio.TimeoutError:
            raise Failure(f"frozen: {what} took over {freeze} s") from None
        took = time.monotonic() - t0
        if took > stats["slowest_key_s"]:
            stats["slowest_key_s"], stats["slowest"] = took, what

    sent = stats["keys"]
    while sent < n_keys:
        if rng.random() < 1 / resize_every:
            size = (rng.randint(16, 260), rng.randint(6, 80))
            await timed(pilot.resize_terminal(*size), f"a resize to {size}")
            stats["resizes"] += 1
            check(f"a resize to {size}")
            continue
        roll = rng.random()
        if roll < 0.04:      # the palette, then what a user types in it
            seq = ["ctrl+p", *rng.choices(LETTERS + NAVIGATION, k=rng.randint(0, 6))]
            stats["palette"] += 1
        elif roll < 0.25:
            seq = rng.choices(NAVIGATION, k=rng.randint(1, 4))
        else:
            seq = rng.choices(keys, k=rng.randint(1, 3))
        if rng.random() < bursts:  # a burst: posted without waiting in between
            for k in seq:
                app._driver.send_message(key_event(app, k))
            stats["bursts"] += 1
            await timed(handled(app), f"the burst {seq}")
            await asyncio.sleep(rng.choice([0, 0.005, 0.05]))
        else:
            await timed(one_by_one(app, pilot, seq), f"the keys {seq}")
            if rng.random() < rests:
                await pilot.pause(rng.random() * 0.3)  # let training run a little
        sent += len(seq)
        stats["keys"] = sent
        check(f"the keys {seq}")
    return stats


async def handled(app) -> None:
    """Until the app has handled everything sent to it so far (its message queue is in order).
    Not Pilot's waits: they wait for animations (a notification's 6 s among them) and for the
    process to go idle, which it never does while training runs in it."""
    done = asyncio.Event()
    app.call_next(done.set)
    await done.wait()
    await asyncio.sleep(0)


async def one_by_one(app, pilot, keys) -> None:
    """Each key once the app has handled the last."""
    for k in keys:
        app._driver.send_message(key_event(app, k))
        await handled(app)


def _trace(app) -> str:
    e = getattr(app, "_exception", None)
    return "".join(traceback.format_exception(e)) if e is not None else ""


async def close(app, pilot, how: str, runs: Path) -> dict:
    """End the app with q or a signal; the exit must come within 2 s of the saved log."""
    before = set(runs.glob("*.jsonl")) if runs.exists() else set()
    if how == "q":
        for _ in range(3):  # a modal screen may hold q back? It is a priority key: it never does
            await pilot.press("escape")
        await pilot.press("q")
    else:
        os.kill(os.getpid(), signal.SIGHUP if how == "sighup" else signal.SIGTERM)
    t0 = time.monotonic()
    while app.is_running and time.monotonic() - t0 < 30:
        await asyncio.sleep(0.01)
    ended = time.time()
    if app.is_running:
        raise Failure(f"{how}: still running after 30 s")
    saved = sorted(set(runs.glob("*.jsonl")) - before) if runs.exists() else []
    out = {"how": how, "return_code": app.return_code, "exit_after_s": time.monotonic() - t0,
           "quit_report": app.quit_report}
    if app.return_code != ENDINGS[how]:
        raise Failure(f"{how}: exit status {app.return_code}, expected {ENDINGS[how]}: {app.quit_report}")
    if saved:
        from core.logs.runlog import read_log
        read_log(saved[-1])  # raises on a log that does not read back
        out["after_save_s"] = ended - saved[-1].stat().st_mtime
        if out["after_save_s"] > 2.0:
            raise Failure(f"{how}: exited {out['after_save_s']:.2f} s after saving")
    return out


def one_run(seed: int, n_keys: int, backend: str, dataset: str, ending: str, freeze: float) -> dict:
    sys.path.insert(0, str(ROOT))
    from core.engine.config import TrainConfig
    from core.engine.trainer import Trainer
    from tui_trainer.app import TrainerApp
    data = _dataset(dataset)
    runs = Path(tempfile.mkdtemp()) / "runs"
    rng = random.Random(seed)
    result = {"seed": seed, "dataset": dataset, "backend": backend, "palette_quits": []}
    stats = new_stats()

    async def run(app) -> bool:
        """True when the palette's own Quit ended this app before the keys were all sent."""
        async with app.run_test(size=(120, 40)) as pilot:
            while app.frame is None:
                await asyncio.sleep(0.05)
            try:
                await fuzz(app, pilot, rng, n_keys, freeze, stats=stats)
                result.update(stats)
                result.update(await close(app, pilot, ending, runs))
                result["ok"] = True
            except QuitFromPalette as e:  # a proper end: the rest of the keys go to a new app
                result["palette_quits"].append(f"after {stats['keys']} keys, during {e}")
                return True
            except Failure as e:
                result.update(stats, ok=False, failure=str(e))
                if app.is_running:
                    app.exit()
        return False

    t0 = time.monotonic()
    try:
        while asyncio.run(run(TrainerApp(Trainer(TrainConfig(), data), runs_dir=runs, backend=backend))):
            stats["apps"] += 1
    except Exception as e:  # the app's own exception, raised by run_test on the way out
        result.update(ok=False, failure=result.get("failure") or "".join(traceback.format_exception(e))[-3000:])
    result["seconds"] = time.monotonic() - t0
    return result


def _dataset(name: str):
    from core.engine.data import story_problem
    if name == "story":
        return story_problem()
    from core.engine.playground import make_dataset
    return make_dataset(name, noise=0.1, samples=200, seed=1)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=10)
    p.add_argument("--keys", type=int, default=3000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--backend", default="process", choices=("process", "thread"))
    p.add_argument("--freeze", type=float, default=10.0, help="seconds a key may take before it counts as a freeze")
    p.add_argument("--json", type=Path)
    p.add_argument("--one", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.one:
        seed, dataset, ending = a.one.split(",")
        print(json.dumps(one_run(int(seed), a.keys, a.backend, dataset, ending, a.freeze)))
        return
    results = []
    for i in range(a.runs):
        seed = a.seed + i
        dataset = ("story", "circle")[i % 2]
        ending = list(ENDINGS)[i % 3]
        # In a folder of its own: the palette's commands include Textual's "save screenshot".
        proc = subprocess.run([sys.executable, __file__, "--one", f"{seed},{dataset},{ending}", "--keys", str(a.keys),
                               "--backend", a.backend, "--freeze", str(a.freeze)],
                              capture_output=True, text=True, cwd=tempfile.mkdtemp())
        try:
            r = json.loads(proc.stdout.strip().splitlines()[-1])
        except (IndexError, json.JSONDecodeError):
            r = {"seed": seed, "ok": False, "failure": f"exit {proc.returncode}: {proc.stderr[-3000:]}"}
        r["load_average"] = os.getloadavg()[0]
        results.append(r)
        status = "ok" if r.get("ok") else f"FAILED: {r.get('failure', '')[:2000]}"
        print(f"run {i + 1}/{a.runs} seed {seed} {dataset:6} keys {r.get('keys', '?')} in {r.get('apps', '?')} app(s) "
              f"(bursts {r.get('bursts', '?')}, "
              f"palette {r.get('palette', '?')}, resizes {r.get('resizes', '?')}, slowest {r.get('slowest_key_s', 0):.2f} s), "
              f"{r.get('how', ending)}: exit {r.get('return_code')} {r.get('after_save_s', float('nan')):.2f} s after saving, "
              f"{r.get('seconds', 0):.0f} s, load {r['load_average']:.1f}: {status}", flush=True)
    if a.json:
        a.json.write_text(json.dumps(results, indent=1) + "\n")
    failed = sum(not r.get("ok") for r in results)
    print(f"{len(results) - failed} of {len(results)} runs passed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
