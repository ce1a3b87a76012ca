"""The loop every background job of the services runs: a pass now, again at once while work is
waiting, otherwise after a wake-up or a poll interval, whichever comes first; and the one way such a
job is stopped."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

# How long a stopping service waits for one background task before it leaves it and goes on.
STOP_SECONDS = 15.0


def end_if_cancelled() -> None:
    """Raises CancelledError when the running task was asked to stop but the request was lost on the
    way (see stop_task): a job's loop calls it once a round, so one `cancel()` (as the event loop's
    own shutdown sends) always ends it by the next round."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


async def keep_passing(one_pass: Callable[[], Awaitable[bool]], wake: asyncio.Event, *, poll_seconds: float,
                       on_failure: Callable[[Exception], None],
                       gather_seconds: float | Callable[[], float] = 0.0) -> None:
    """Runs `one_pass` forever. It returns whether more work is waiting (then it runs again at once).
    `wake` is cleared before each pass, so a wake-up during a pass is not lost. After a wake-up the
    loop waits `gather_seconds` more, so work arriving in a burst is taken in one pass; a function is
    asked how much longer after each wait, until it answers 0. A pass that raises is reported to
    `on_failure` and tried again on the next round: a job never dies."""
    while True:
        end_if_cancelled()
        wake.clear()
        try:
            if await one_pass():
                continue
        except Exception as error:
            on_failure(error)
        try:
            await asyncio.wait_for(wake.wait(), timeout=poll_seconds)
        except TimeoutError:
            continue
        if not callable(gather_seconds):
            if gather_seconds:
                await asyncio.sleep(gather_seconds)
            continue
        longer = gather_seconds()
        while longer > 0:  # asked again after each wait: a deadline that moves with the work arriving
            await asyncio.sleep(longer)
            longer = gather_seconds()


async def stop_task(task: asyncio.Task[Any], *, within: float) -> bool:
    """Cancels `task` and waits for it to end, cancelling again while it still runs; gives up after
    `within` seconds. Returns whether it ended.

    One `cancel()` is not enough on Python 3.11: a cancellation that arrives just as an awaited
    `asyncio.wait_for` completes is lost (the result wins; fixed in 3.12), and nats-py's `next_msg`
    and our own loops await one. A consumer that lost its cancellation fetched on forever and a bot's
    `stop()` awaiting it hung a test run's teardown for an hour; re-cancelling ends such a task at its
    next await, and the bound keeps a task that never ends from holding a shutdown."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not task.done():
        remaining = deadline - loop.time()
        if remaining <= 0:
            return False
        task.cancel()
        await asyncio.wait({task}, timeout=min(0.5, remaining))
    if not task.cancelled():
        task.exception()  # retrieved: a job that failed while stopping is not reported again at exit
    return True
