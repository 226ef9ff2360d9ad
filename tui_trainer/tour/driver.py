"""What a stage of the tour may do to the run, and nothing more: the same commands the keys
send, each awaited until the session has applied it and training is paused again, so every
stage ends in the same state whatever the machine's speed (the tour's snapshots rely on it)."""
from __future__ import annotations

import asyncio
import time
from typing import Callable, Protocol

from .. import protocol as P
from ..protocol import Frame

POLL = 0.02        # seconds between looks at the newest frame
TIMEOUT = 120.0    # a stage that waits longer than this has hung: say so instead of freezing


class Driver(Protocol):
    frame: Frame | None
    sent: int

    def send(self, name: str, value: object = None) -> None: ...


class StageError(RuntimeError):
    """A stage could not do what it needed (the check it ran failed, training hung)."""


async def wait_for(driver: Driver, predicate: Callable[[Frame], bool], what: str) -> Frame:
    """The first frame with its findings and cure chain brought up to date (Frame.fresh: a
    key's own frame goes out before them) for which predicate holds."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        f = driver.frame
        if f is not None and f.fresh and predicate(f):
            return f
        if time.monotonic() > deadline:
            raise StageError(f"timed out waiting for {what}")
        await asyncio.sleep(POLL)


def send_all(driver: Driver, commands) -> int:
    """Send commands back to back: the session applies them in order and shows the result in
    one frame (each frame while paused costs a full diagnosis). A command is a name or a
    (name, value) pair. Returns the number of the last one."""
    for c in commands:
        name, value = (c, None) if isinstance(c, str) else c
        driver.send(name, value)
    return driver.sent


async def do(driver: Driver, *commands) -> Frame:
    """Send commands and wait for the frame that shows them applied, training paused."""
    n = send_all(driver, commands)
    return await wait_for(driver, lambda f: f.applied >= n and not f.running, str(commands))


async def run_until_trouble(driver: Driver, *before) -> Frame:
    """`r` with pausing on trouble (after `before`): wait until training stops by itself."""
    n = send_all(driver, (*before, P.RUN))
    return await wait_for(driver, lambda f: f.applied >= n and not f.running and f.trouble is not None,
                          "training to pause on trouble")


async def lr_test(driver: Driver, *before) -> float:
    """The LR range test on a copy (`l`, after `before`): its suggested rate, to be applied
    with a SET_LR (`enter`)."""
    n = send_all(driver, (*before, P.LR_FIND))
    f = await wait_for(driver, lambda f: f.applied >= n and f.diag.lr_find is not None
                       and f.diag.lr_find.request == n, "the LR range test")
    result = f.diag.lr_find
    if result.value is None:
        raise StageError(f"the LR range test failed: {result.error}")
    return result.value.test.suggested


async def train_until(driver: Driver, done: Callable[[Frame], bool], block: int, most: int, first=()) -> Frame:
    """Steps by hand in blocks of `block` (the first after the commands `first`) until
    done(frame) or `most` steps: deterministic, since the test falls on the same steps every
    time."""
    f = await do(driver, *first, (P.STEP, block))
    taken = block
    while not done(f) and taken < most and not f.snapshot.diverged:
        f = await do(driver, (P.STEP, block))
        taken += block
    return f
