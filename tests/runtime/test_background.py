"""The background jobs' loop: again at once while work waits, a wake-up during a pass is not lost,
and a failing pass is reported and retried rather than ending the job."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from services.runtime.background import keep_passing


async def passes_within(one_pass: Callable[[], Awaitable[bool]], wake: asyncio.Event, *, poll_seconds: float,
                        failures: list[Exception], seconds: float = 0.3) -> None:
    job = asyncio.create_task(keep_passing(one_pass, wake, poll_seconds=poll_seconds, on_failure=failures.append))
    await asyncio.sleep(seconds)
    job.cancel()


async def test_more_work_and_a_wake_during_a_pass_bring_the_next_pass_without_waiting() -> None:
    wake = asyncio.Event()
    passes: list[str] = []
    script = iter(["more waiting", "woken during"])

    async def one_pass() -> bool:
        step = next(script, "idle")
        passes.append(step)
        if step == "woken during":
            wake.set()  # work arrived while this pass ran
        return step == "more waiting"

    await passes_within(one_pass, wake, poll_seconds=60, failures=[])
    assert passes == ["more waiting", "woken during", "idle"]  # then it waits: nothing woke it again


async def test_a_failing_pass_is_reported_and_the_job_goes_on() -> None:
    wake = asyncio.Event()
    failures: list[Exception] = []
    passes = 0

    async def one_pass() -> bool:
        nonlocal passes
        passes += 1
        if passes == 1:
            raise RuntimeError("the database went away")
        return False

    await passes_within(one_pass, wake, poll_seconds=0.05, failures=failures)
    assert [str(error) for error in failures] == ["the database went away"]
    assert passes >= 3  # the next rounds ran, on the poll
