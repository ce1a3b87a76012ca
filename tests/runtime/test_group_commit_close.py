"""A group commit closed when its service stops: its workers end, and no caller is left waiting for
a batch that will never be written (the service's requests have ended by then; this is for one that
outlived the bound)."""

from __future__ import annotations

import asyncio

import pytest

from services.runtime.group_commit import GroupCommit, GroupCommitClosed


def workers_running(name: str) -> list[asyncio.Task[object]]:
    return [task for task in asyncio.all_tasks() if task.get_name().startswith(f"{name}-") and not task.done()]


async def test_closing_answers_the_batch_being_written_and_the_orders_waiting_and_ends_the_workers() -> None:
    started, release = asyncio.Event(), asyncio.Event()
    written: list[list[str]] = []

    async def write_batch(orders: list[str]) -> list[str | Exception]:
        written.append(orders)
        started.set()
        await release.wait()  # never set: the stop comes first
        return list(orders)

    batches: GroupCommit[str, str] = GroupCommit("closing", write_batch, conflict_keys=lambda order: (order,),
                                                 max_batch=10)
    first = asyncio.create_task(batches.submit("a"))
    await started.wait()
    second = asyncio.create_task(batches.submit("b"))  # waits for the next batch
    await asyncio.sleep(0)
    assert len(workers_running("closing")) == 1

    await batches.close()

    for caller in (first, second):
        with pytest.raises(GroupCommitClosed):
            await asyncio.wait_for(caller, timeout=5)
    assert written == [["a"]]
    assert workers_running("closing") == []


async def test_an_order_after_the_close_is_refused_and_starts_no_worker() -> None:
    async def write_batch(orders: list[str]) -> list[str | Exception]:
        return list(orders)

    batches: GroupCommit[str, str] = GroupCommit("closed", write_batch, conflict_keys=lambda order: (order,),
                                                 max_batch=10, workers=2)
    assert await batches.submit("a") == "a"
    await batches.close()
    with pytest.raises(GroupCommitClosed, match="closed"):
        await batches.submit("b")
    assert workers_running("closed") == []


async def test_closing_after_every_batch_was_written_changes_no_answer() -> None:
    async def write_batch(orders: list[str]) -> list[str | Exception]:
        return [order.upper() for order in orders]

    batches: GroupCommit[str, str] = GroupCommit("done", write_batch, conflict_keys=lambda order: (order,),
                                                 max_batch=10)
    answers = await asyncio.gather(*(batches.submit(order) for order in ("x", "y", "z")))
    await batches.close()
    assert answers == ["X", "Y", "Z"]
