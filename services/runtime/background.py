"""The loop every background job of the services runs: a pass now, again at once while work is
waiting, otherwise after a wake-up or a poll interval, whichever comes first."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable


async def keep_passing(one_pass: Callable[[], Awaitable[bool]], wake: asyncio.Event, *, poll_seconds: float,
                       on_failure: Callable[[Exception], None], gather_seconds: float = 0.0) -> None:
    """Runs `one_pass` forever. It returns whether more work is waiting (then it runs again at once).
    `wake` is cleared before each pass, so a wake-up during a pass is not lost. After a wake-up the
    loop waits `gather_seconds` more, so work arriving in a burst is taken in one pass. A pass that
    raises is reported to `on_failure` and tried again on the next round: a job never dies."""
    while True:
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
        if gather_seconds:
            await asyncio.sleep(gather_seconds)
