"""Settling ended calls with the wallet: usage recorded (plan minutes first, then overage), the
hold captured for the actual cost and the rest released; a call that never connected only
releases its hold. Then the call's `calls.call.ended` event goes out, with its cost.

Runs after the webhook's commit (woken at once, and polling as a safety net), so Retell gets its
answer fast and a wallet outage only delays settlement. Every wallet request is keyed by the call,
so a settlement interrupted half-way repeats nothing when it runs again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select

from services.calls import metrics
from services.calls.call_store import update_call
from services.calls.campaign_progress import record_call_result
from services.calls.events import CallsEvents
from services.calls.placing import wallet_usage_kind
from services.calls.settings import CallsSettings
from services.calls.tables import calls
from services.calls.wallet_calls import WalletRefused, wallet_call
from services.runtime.database import Database
from services.runtime.errors import NotFound
from speechcue.wallet.v1 import wallet_pb2, wallet_pb2_grpc

log = logging.getLogger(__name__)

SETTLE_BATCH = 100
# Well under the connection pool: each settlement holds a connection while it waits on the wallet.
SETTLE_CONCURRENCY = 8
# A hold already resolved or never placed is not an error here: the money is where it must be.
SETTLED_ALREADY = frozenset({"HOLD_ALREADY_RESOLVED", "HOLD_NOT_FOUND"})


class Settlement:
    def __init__(self, database: Database, wallet: wallet_pb2_grpc.WalletServiceStub, events: CallsEvents,
                 settings: CallsSettings, clock: Callable[[], datetime], *, poll_seconds: float = 2.0) -> None:
        self.database = database
        self.wallet = wallet
        self.events = events
        self.settings = settings
        self.clock = clock
        self._poll_seconds = poll_seconds
        self._wake = asyncio.Event()
        # The dispatcher's wake-up: a settled campaign call frees a slot.
        self.on_campaign_call_settled: Callable[[], None] = lambda: None

    def wake(self) -> None:
        self._wake.set()

    async def run_forever(self) -> None:
        while True:
            try:
                if await self.settle_pending() >= SETTLE_BATCH:
                    continue  # more are waiting: no pause between full batches
            except Exception:
                log.exception("settlement pass failed; retrying")
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self._poll_seconds)
            except TimeoutError:
                pass
            self._wake.clear()

    async def settle_pending(self, limit: int = SETTLE_BATCH) -> int:
        """Settles up to `limit` pending calls, a few at a time (each waits mostly on the wallet;
        SKIP LOCKED keeps two settlers off the same call). Returns how many were pending."""
        async with self.database.unit_of_work() as uow:
            pending = (await uow.connection.execute(
                select(calls.c.id).where(calls.c.settlement == "pending").order_by(calls.c.ended_at).limit(limit)
            )).scalars().all()
        gate = asyncio.Semaphore(SETTLE_CONCURRENCY)

        async def one(call_id: str) -> None:
            async with gate:
                try:
                    await self.settle(call_id)
                except Exception as error:
                    metrics.settlements_total.labels("retry").inc()
                    log.warning("settling a call failed (%s); it stays pending", type(error).__name__)

        await asyncio.gather(*(one(call_id) for call_id in pending))
        return len(pending)

    async def settle(self, call_id: str) -> int:
        async with self.database.unit_of_work() as uow:
            call = (await uow.connection.execute(
                select(calls).where(calls.c.id == call_id, calls.c.settlement == "pending")
                .with_for_update(skip_locked=True))).first()
            if call is None:
                return 0
            cost, plan_minutes = await self._move_money(call)
            settled = await update_call(uow, call.id, settlement="settled", settled_at=self.clock(),
                                        cost_cents=cost, used_plan_minutes=plan_minutes)
            await self.events.call_ended(uow, settled)
            if settled.campaign_id:
                await record_call_result(uow, self.events.relay, settled, self.clock())
                uow.after_commit(self.on_campaign_call_settled)
            await uow.commit()
        metrics.settlements_total.labels("settled").inc()
        metrics.call_cost_cents_total.inc(cost)
        metrics.call_billed_seconds_total.inc(call.duration_seconds)
        return 1

    async def _move_money(self, call: Any) -> tuple[int, int]:
        if call.duration_seconds <= 0:
            await self._tolerating_resolved(self.wallet.ReleaseHold(wallet_pb2.ReleaseHoldRequest(
                idempotency_key=f"call:{call.id}:release", customer_id=call.customer_id, call_id=call.id),
                timeout=10), "releasing the hold")
            return 0, 0
        async with wallet_call("recording usage"):
            usage = await self.wallet.RecordUsage(wallet_pb2.RecordUsageRequest(
                idempotency_key=f"call:{call.id}:usage", customer_id=call.customer_id, call_id=call.id,
                seconds=call.duration_seconds, usage_kind=wallet_usage_kind(call.usage_kind)), timeout=10)
        fee = self.settings.calls_recording_fee_cents if call.record and call.recording_url else 0
        cost = usage.overage_cents + fee
        await self._tolerating_resolved(self.wallet.CaptureHold(wallet_pb2.CaptureHoldRequest(
            idempotency_key=f"call:{call.id}:capture", customer_id=call.customer_id, call_id=call.id,
            amount_cents=min(cost, call.hold_cents)), timeout=10), "capturing the hold")
        # Whatever the hold did not cover stays as unpaid usage for the billing tick.
        return cost, usage.plan_minutes

    async def _tolerating_resolved(self, request: Any, doing: str) -> None:
        try:
            async with wallet_call(doing):
                await request
        except (WalletRefused, NotFound) as error:
            if error.reason not in SETTLED_ALREADY:
                raise
