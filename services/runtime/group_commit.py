"""Group commit: concurrent requests of one kind share a transaction.

Why: on a small machine a request that is a few round trips and a commit of its own spends more CPU
on the round trips (socket writes, the driver, SQLAlchemy's layers) than the database spends on its
rows; the wallet's Debit and the calls service's `call_ended` webhook both hit that wall
(bench/README.md). Here the requests that arrive while a batch is being written wait for the next
one, and `write_batch` writes them all with set-based statements in one transaction.

Each request keeps its own outcome: `write_batch` answers one result or exception per order, so a
refused request does not disturb the others. If `write_batch` itself raises (a database failure),
every caller of that batch gets the error and may retry. A batch never holds two orders that share a
conflict key (the same account, the same idempotency key, the same call): the later one waits for
the next batch, so that one set-based statement changes each row once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from services.runtime.background import STOP_SECONDS, stop_task
from services.runtime.tracing import untraced_context

log = logging.getLogger(__name__)

Order = TypeVar("Order")
Outcome = TypeVar("Outcome")


@dataclass
class _Waiting(Generic[Order, Outcome]):
    order: Order
    outcome: asyncio.Future[Outcome] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


class GroupCommitClosed(RuntimeError):
    """The order was not written: its service stopped first. Nothing of it was committed unless its
    batch's statement had already run, and the caller's sender delivers it again either way."""


class GroupCommit(Generic[Order, Outcome]):
    """Collects orders and hands them to `write_batch` in batches, one batch at a time per worker."""

    def __init__(self, name: str, write_batch: Callable[[list[Order]], Awaitable[list[Outcome | Exception]]], *,
                 conflict_keys: Callable[[Order], Iterable[Hashable]], max_batch: int,
                 on_batch: Callable[[int], None] = lambda size: None, workers: int = 1,
                 gather_seconds: float = 0.0) -> None:
        """`gather_seconds`: how long a worker, woken by an order, lets more join before it takes a
        batch (it goes at once when a full batch is waiting). A batch's statements cost much the same
        whatever its size, so a short wait buys fewer of them per order."""
        self._name = name
        self._write_batch = write_batch
        self._conflict_keys = conflict_keys
        self._max_batch = max_batch
        self._on_batch = on_batch
        self._worker_count = workers
        self._gather_seconds = gather_seconds
        self._waiting: deque[_Waiting[Order, Outcome]] = deque()
        self._arrived = asyncio.Event()
        self._full = asyncio.Event()  # a full batch is waiting: a gathering worker need not wait longer
        self._workers: list[asyncio.Task[None]] = []
        self._closed = False

    async def submit(self, order: Order) -> Outcome:
        """Writes the order with the next batch and returns its own outcome (or raises its own error)."""
        if self._closed:
            raise GroupCommitClosed(f"{self._name} is closed: the service is stopping")
        if not self._workers:
            # Not under the trace of the order that happens to start them: a batch is many orders' work.
            self._workers = [asyncio.create_task(self._write_batches(), name=f"{self._name}-{number}",
                                                 context=untraced_context())
                             for number in range(self._worker_count)]
        waiting: _Waiting[Order, Outcome] = _Waiting(order)
        self._waiting.append(waiting)
        self._arrived.set()
        if len(self._waiting) >= self._max_batch:
            self._full.set()
        # Shielded: a caller that goes away does not cancel the batch its order is part of.
        return await asyncio.shield(waiting.outcome)

    async def close(self) -> None:
        """Stops the workers when the service stops (after its servers have let their requests end).
        An order still waiting, or in a batch cut off by the stop, is answered GroupCommitClosed
        rather than left waiting for ever."""
        self._closed = True
        await asyncio.gather(*(stop_task(worker, within=STOP_SECONDS) for worker in self._workers))
        self._workers = []
        self._answer_closed(list(self._waiting))
        self._waiting.clear()

    def _answer_closed(self, orders: list[_Waiting[Order, Outcome]]) -> None:
        for waiting in orders:
            if not waiting.outcome.done():
                waiting.outcome.set_exception(GroupCommitClosed(f"{self._name} stopped before the order was written"))

    def _next_batch(self) -> list[_Waiting[Order, Outcome]]:
        """The oldest orders, no two sharing a conflict key; the rest keep their place."""
        batch: list[_Waiting[Order, Outcome]] = []
        taken: set[Hashable] = set()
        deferred: list[_Waiting[Order, Outcome]] = []
        while self._waiting and len(batch) < self._max_batch:
            waiting = self._waiting.popleft()
            keys = set(self._conflict_keys(waiting.order))
            if keys & taken:
                deferred.append(waiting)
                continue
            taken |= keys
            batch.append(waiting)
        self._waiting.extendleft(reversed(deferred))
        if not self._waiting:
            self._arrived.clear()
        return batch

    async def _gather(self) -> None:
        self._full.clear()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self._gather_seconds):
                await self._full.wait()

    async def _write_batches(self) -> None:
        while True:
            await self._arrived.wait()
            if self._gather_seconds and len(self._waiting) < self._max_batch:
                await self._gather()
            batch = self._next_batch()
            if not batch:
                continue
            self._on_batch(len(batch))
            try:
                outcomes = await self._write_batch([waiting.order for waiting in batch])
            except Exception as error:  # the whole batch failed; each caller may retry
                log.warning("%s: a batch of %d failed (%s)", self._name, len(batch), type(error).__name__)
                for waiting in batch:
                    if not waiting.outcome.done():
                        waiting.outcome.set_exception(error)
                continue
            except asyncio.CancelledError:  # stopped (close) while this batch was being written
                self._answer_closed(batch)
                raise
            for waiting, outcome in zip(batch, outcomes, strict=True):
                if waiting.outcome.done():
                    continue
                if isinstance(outcome, Exception):
                    waiting.outcome.set_exception(outcome)
                else:
                    waiting.outcome.set_result(outcome)
