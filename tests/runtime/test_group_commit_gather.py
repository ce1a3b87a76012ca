"""A group commit that lets orders gather before it takes a batch (GroupCommit's `gather_seconds`):
the orders arriving within the window share the batch, a full batch goes at once, and a lone order
still goes when the window ends."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from services.runtime.group_commit import GroupCommit, GroupCommitClosed


def recording(written: list[list[str]]) -> Callable[[list[str]], Awaitable[list[str | Exception]]]:
    async def write_batch(orders: list[str]) -> list[str | Exception]:
        written.append(list(orders))
        return [f"written {order}" for order in orders]
    return write_batch


def recorded(written: list[list[str]], **options: Any) -> GroupCommit[str, str]:
    """A group commit of text orders, each its own conflict key, that records the batches it writes."""
    return GroupCommit("gathering", recording(written), conflict_keys=lambda order: (order,), **options)


async def first_then_more(commit: GroupCommit[str, str], more: int) -> list[str]:
    first = asyncio.create_task(commit.submit("first"))
    for _ in range(5):
        await asyncio.sleep(0)  # the worker wakes: it takes what waits, or starts gathering
    later = [asyncio.create_task(commit.submit(f"later {number}")) for number in range(more)]
    # Bounded far above the microseconds this takes, and far below the window: a batch that waited
    # for the whole window fails here rather than passing late.
    return await asyncio.wait_for(asyncio.gather(first, *later), timeout=10)


async def test_without_gathering_the_first_order_goes_alone() -> None:
    written: list[list[str]] = []
    commit = recorded(written, max_batch=4)
    answers = await first_then_more(commit, 3)
    await commit.close()
    assert written == [["first"], ["later 0", "later 1", "later 2"]]
    assert answers == ["written first", "written later 0", "written later 1", "written later 2"]


async def test_orders_arriving_within_the_window_share_the_batch_which_goes_once_full() -> None:
    written: list[list[str]] = []
    commit = recorded(written, max_batch=4, gather_seconds=3600)
    answers = await first_then_more(commit, 3)
    await commit.close()
    assert written == [["first", "later 0", "later 1", "later 2"]]
    assert answers == ["written first", "written later 0", "written later 1", "written later 2"]


async def test_beyond_a_full_batch_the_rest_wait_for_the_next() -> None:
    written: list[list[str]] = []
    commit = recorded(written, max_batch=2, gather_seconds=3600)
    await first_then_more(commit, 3)
    await commit.close()
    assert written == [["first", "later 0"], ["later 1", "later 2"]]


async def test_a_lone_order_goes_when_the_window_ends() -> None:
    written: list[list[str]] = []
    commit = recorded(written, max_batch=4, gather_seconds=0.01, workers=2)
    assert await commit.submit("alone") == "written alone"
    await commit.close()
    assert written == [["alone"]]


async def test_closing_while_a_worker_gathers_answers_the_waiting_order() -> None:
    written: list[list[str]] = []
    commit = recorded(written, max_batch=4, gather_seconds=3600)
    waiting = asyncio.create_task(commit.submit("never"))
    for _ in range(5):
        await asyncio.sleep(0)
    await commit.close()
    with pytest.raises(GroupCommitClosed):
        await waiting
    assert written == []
