"""The background jobs' loop: again at once while work waits, a wake-up during a pass is not lost,
and a failing pass is reported and retried rather than ending the job; and stopping a job ends it
even when it loses a cancellation, within a bound when it never ends."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from services.runtime.background import end_if_cancelled, keep_passing, stop_task


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


async def a_job_that_loses_its_first_cancellations(lost: list[int], ran: list[str]) -> None:
    """What Python 3.11's `wait_for` does when the awaited result and the cancellation meet: the
    result wins and the job goes on as if never cancelled (nats-py's fetch awaits one). It loses
    `lost[0]` cancellations (the test may change that while it runs)."""
    while True:
        try:
            await asyncio.sleep(0.01)
        except asyncio.CancelledError:
            if lost[0] <= 0:
                raise
            lost[0] -= 1
            ran.append("cancellation lost")


async def test_stopping_ends_a_job_that_lost_its_cancellation() -> None:
    ran: list[str] = []
    job = asyncio.create_task(a_job_that_loses_its_first_cancellations([2], ran))
    await asyncio.sleep(0.02)

    assert await stop_task(job, within=5.0) is True

    assert job.cancelled() and ran == ["cancellation lost", "cancellation lost"]


async def test_one_cancel_leaves_such_a_job_running() -> None:
    """Why stop_task cancels again: awaiting a job after one cancel() would wait for ever."""
    ran: list[str] = []
    job = asyncio.create_task(a_job_that_loses_its_first_cancellations([1], ran))
    await asyncio.sleep(0.02)
    job.cancel()

    done, _ = await asyncio.wait({job}, timeout=0.2)

    assert not done and ran == ["cancellation lost"]
    assert await stop_task(job, within=5.0) is True


async def test_stopping_gives_up_on_a_job_that_never_ends_and_says_so() -> None:
    ran: list[str] = []
    lost = [10_000]
    job = asyncio.create_task(a_job_that_loses_its_first_cancellations(lost, ran))
    await asyncio.sleep(0.02)

    assert await stop_task(job, within=0.3) is False

    assert not job.done() and ran
    lost[0] = 0
    assert await stop_task(job, within=5.0) is True


async def test_a_loop_that_checks_each_round_ends_on_one_lost_cancellation() -> None:
    """The event loop's own shutdown cancels each task once and waits for all of them: a job that
    lost that one cancellation would keep the process (or a test session) from ever ending."""
    rounds: list[str] = []

    async def job() -> None:
        while True:
            end_if_cancelled()
            try:
                await asyncio.sleep(0.01)
            except asyncio.CancelledError:
                rounds.append("cancellation lost")  # as nats-py's fetch can

    running = asyncio.create_task(job())
    await asyncio.sleep(0.02)
    running.cancel()

    done, _ = await asyncio.wait({running}, timeout=5.0)

    assert done == {running} and running.cancelled() and rounds == ["cancellation lost"]
