"""The line waiter: single calls that Retell refused because every line was busy wait, queued with
their holds, and are placed here as lines free up, the longest-waiting first.

Before each try the call is checked again as at StartCall, since minutes may have passed: a callee
now outside their calling window or on the do-not-call list is not dialled, and a call that waited
`calls_line_wait_seconds` fails with LINES_STAYED_BUSY; each of those releases the hold, and
the customer reads the outcome like any failed call. A try that finds the lines busy again ends the
round. It runs continuously, woken when a call ends; two replicas may try the same call, and
Retell's idempotency key (the call's id) keeps that to one dial.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from services.calls import metrics
from services.calls.call_store import QUEUED
from services.calls.do_not_call import blocking_entry
from services.calls.placing import CallPlacer, window_refusal
from services.calls.settings import CallsSettings
from services.calls.tables import calls
from services.runtime.background import keep_passing
from services.runtime.database import Database
from services.runtime.errors import DependencyUnavailable, DomainError

log = logging.getLogger(__name__)

BATCH = 50
# Calls end in streams (every call_ended batch wakes the waiter): a round at most this often. With a
# round per batch, the waiter's query took a tenth of the calls service's CPU in bench/calls_webhook.py
# with no call waiting; a call waiting for a line has waited seconds already.
GATHER_SECONDS = 0.25


class LineWaiter:
    def __init__(self, database: Database, placer: CallPlacer, settings: CallsSettings,
                 clock: Callable[[], datetime], *, interval_seconds: float = 2.0) -> None:
        self.database = database
        self.placer = placer
        self.settings = settings
        self.clock = clock
        self.interval_seconds = interval_seconds
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def run_forever(self) -> None:
        async def one_round() -> bool:
            await self.place_waiting()
            return False  # a round ends when the lines are busy again: wait for a call to end

        await keep_passing(one_round, self._wake, poll_seconds=self.interval_seconds, gather_seconds=GATHER_SECONDS,
                           on_failure=lambda error: log.error("placing calls waiting for a line failed",
                                                              exc_info=error))

    async def place_waiting(self) -> int:
        """One round over the waiting calls; returns how many were placed."""
        async with self.database.unit_of_work() as uow:
            waiting = list((await uow.connection.execute(
                select(calls).where(calls.c.status == QUEUED, calls.c.waiting_for_line_since.is_not(None))
                .order_by(calls.c.waiting_for_line_since).limit(BATCH))).all())
        metrics.calls_waiting_for_line.set(len(waiting))
        placed = 0
        for call in waiting:
            reason = await self._reason_not_to_dial(call)
            if reason is not None:
                await self.placer.fail_waiting(call, reason)
                continue
            try:
                now_call = await self.placer.dial(call)
            except DependencyUnavailable as error:
                log.warning("Retell is unreachable (%s); waiting calls are tried again later", error.reason)
                break
            except DomainError:
                continue  # refused for good (rejected, customer suspended): failed and released by the placer
            if now_call.status == QUEUED:
                break  # the lines are busy again
            placed += 1
        return placed

    async def _reason_not_to_dial(self, call: Any) -> str | None:
        now = self.clock()
        if call.waiting_for_line_since + timedelta(seconds=self.settings.calls_line_wait_seconds) <= now:
            return "LINES_STAYED_BUSY"
        if window_refusal(call.to_number, now, self.settings) is not None:
            return "OUTSIDE_CALLING_WINDOW"
        async with self.database.unit_of_work() as uow:
            if await blocking_entry(uow, call.customer_id, call.to_number) is not None:
                return "DO_NOT_CALL"
        return None
