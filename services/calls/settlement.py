"""Settling ended calls with the wallet, in batches: the pending calls are taken together
(`FOR UPDATE SKIP LOCKED`), the wallet settles them all in one `SettleCalls` (usage recorded, plan
minutes first, then overage; each hold captured for the actual cost with the rest released; a call
that never connected only releases its hold), and the calls are marked settled with one statement,
each with its `calls.call.ended` event and its cost.

Runs after the webhook's commit (woken at once, and polling as a safety net), so Retell gets its
answer fast and a wallet outage only delays settlement. The wallet settles each call once whatever
asks it how often (the call's usage row and hold are the record), so a batch interrupted between the
wallet's commit and ours repeats nothing when it runs again. Batches instead of one call at a time:
two wallet RPCs and two transactions per call could not keep up with a campaign's webhooks
(bench/README.md, "Calls webhook").
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from services.calls import metrics
from services.calls.callback_requests import note_callbacks
from services.calls.campaign_progress import record_call_result
from services.calls.events import CallsEvents
from services.calls.placing import wallet_usage_kind
from services.calls.settings import CallsSettings
from services.calls.settlement_state import SettlementState
from services.calls.wallet_calls import WALLET_TIMEOUT_SECONDS, wallet_call
from services.runtime.background import keep_passing
from services.runtime.database import Database, UnitOfWork
from services.runtime.tracing import trace_id_of, traced
from speechcue.wallet.v1 import wallet_pb2, wallet_pb2_grpc

log = logging.getLogger(__name__)

SETTLE_BATCH = 200
# Two batches in flight: while one waits on the wallet, the other is read or written here.
SETTLE_WORKERS = 2
# While calls end in a stream, a batch waits at most this long for more to join it, and only while
# more keep ending: once none has ended for SETTLE_QUIET_SECONDS, the stream has paused and the batch
# goes. A batch costs both services about the same whatever its size; bench/calls_webhook.py: billed
# 1,131/s without gathering and 1,543/s with 50 ms; 150 ms gave batches of 61 calls instead of 33 at
# two replicas (bench/README.md, "Session 16").
SETTLE_COALESCE_SECONDS = 0.15
SETTLE_QUIET_SECONDS = 0.02
# Calls ending closer together than this are a stream (a campaign, a burst) and worth gathering; a
# call that ends on its own is settled at once, its outcome in the chat without the wait
# (bench/customer_latency.py).
STREAM_GAP_SECONDS = 0.25

_TAKE_PENDING = f"""
SELECT id, customer_id, duration_seconds, usage_kind, record, recording_url FROM calls
WHERE settlement = '{SettlementState.PENDING}' ORDER BY ended_at LIMIT $1 FOR UPDATE SKIP LOCKED
"""
# Returns what the call_ended and call_analyzed events, the callback rule and the campaign's bookkeeping read.
_MARK_SETTLED = f"""
UPDATE calls c SET settlement = '{SettlementState.SETTLED}', settled_at = $4, cost_cents = d.cost,
                   used_plan_minutes = d.plan_minutes
FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS d(id, cost, plan_minutes)
WHERE c.id = d.id AND c.settlement = '{SettlementState.PENDING}'
RETURNING c.id, c.customer_id, c.flow_id, c.campaign_id, c.to_number, c.status, c.duration_seconds,
          c.disconnection_reason, c.digits, c.cost_cents, c.used_plan_minutes, c.recording_url, c.opted_out,
          c.failure_reason, c.ended_at, c.summary, c.sentiment, c.successful, c.in_voicemail, c.analyzed_at,
          c.custom_answers, c.is_lead, c.callback_offer, c.key_places
"""
# A refusal is final (the call's wallet is gone, or its usage was recorded with other figures): such
# a call leaves the queue, so that it cannot hold up the others, and is left for an operator.
_MARK_REFUSED = (f"UPDATE calls SET settlement = '{SettlementState.REFUSED}' "
                 f"WHERE id = ANY($1::text[]) AND settlement = '{SettlementState.PENDING}'")


class Settlement:
    def __init__(self, database: Database, wallet: wallet_pb2_grpc.WalletServiceStub, events: CallsEvents,
                 settings: CallsSettings, clock: Callable[[], datetime], *, poll_seconds: float = 2.0,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.database = database
        self.wallet = wallet
        self.events = events
        self.settings = settings
        self.clock = clock
        self._poll_seconds = poll_seconds
        self._wake = asyncio.Event()
        self._monotonic = monotonic
        self._woken_at = monotonic() - STREAM_GAP_SECONDS
        self._streaming = False
        # The dispatcher's wake-up: a settled campaign call frees a slot.
        self.on_campaign_call_settled: Callable[[], None] = lambda: None

    def wake(self) -> None:
        now = self._monotonic()
        self._streaming = now - self._woken_at < STREAM_GAP_SECONDS
        self._woken_at = now
        self._wake.set()

    def gatherer(self) -> Callable[[], float]:
        """One worker's answer to "how much longer to wait for more calls to join the batch", asked
        after a wake-up and again after each wait until it answers 0: for a call that ended on its
        own, nothing; while calls end in a stream, until SETTLE_COALESCE_SECONDS have passed since
        the first ask or no call has ended for SETTLE_QUIET_SECONDS, whichever comes first."""
        started: float | None = None

        def longer() -> float:
            nonlocal started
            now = self._monotonic()
            if started is None:
                started = now
            left = min(started + SETTLE_COALESCE_SECONDS, self._woken_at + SETTLE_QUIET_SECONDS) - now
            if not self._streaming or left <= 0:
                started = None
                return 0.0
            return left

        return longer

    async def run_forever(self) -> None:
        await asyncio.gather(*(self._settle_continuously() for _ in range(SETTLE_WORKERS)))

    async def _settle_continuously(self) -> None:
        async def one_batch() -> bool:
            return await self.settle_pending() >= SETTLE_BATCH  # full: more are waiting

        def failed(error: Exception) -> None:
            metrics.settlements_total.labels("retry").inc()
            log.warning("a settlement batch failed (%s: %s); its calls stay pending", type(error).__name__,
                        str(error)[:200])

        # Calls end in bursts: waiting a moment after the wake-up settles many in one batch, and a
        # batch costs both services about the same whatever its size.
        await keep_passing(one_batch, self._wake, poll_seconds=self._poll_seconds, on_failure=failed,
                           gather_seconds=self.gatherer())

    async def settle_pending(self, limit: int = SETTLE_BATCH) -> int:
        """Settles up to `limit` pending calls in one batch; returns how many it took. SKIP LOCKED
        keeps two settlers (here or in another replica) off the same calls."""
        async with self.database.unit_of_work() as uow:
            pending = await (await uow.driver()).fetch(_TAKE_PENDING, limit)
            if not pending:
                return 0
            async with wallet_call("settling calls"):
                answer = await self.wallet.SettleCalls(wallet_pb2.SettleCallsRequest(
                    calls=[self._to_settle(call) for call in pending]), timeout=WALLET_TIMEOUT_SECONDS)
            settled = await self._mark_settled(uow, answer.calls)
            refused = [call for call in answer.calls if call.refusal_reason]
            if refused:
                await (await uow.driver()).execute(_MARK_REFUSED, [call.call_id for call in refused])
            await note_callbacks(uow, settled, self.settings)  # read by the events and the campaign
            for call in settled:
                # Each call's events under its own trace, as its webhooks (services/runtime/tracing.py).
                with traced(trace_id_of(call.id)):
                    await self.events.call_ended(uow, call)
                    if call.analyzed_at is not None:  # its analysis came first and waited for its end
                        await self.events.call_analyzed(uow, call)
                    if call.campaign_id:
                        await record_call_result(uow, self.events.relay, call, self.clock())
                        uow.after_commit(self.on_campaign_call_settled)
            await uow.commit()
        if refused:
            metrics.settlements_total.labels("refused").inc(len(refused))
        for call in refused:
            with traced(trace_id_of(call.call_id)):  # found with the rest of the call's lines
                log.error("the wallet refused to settle call %s (%s); it is marked refused for an operator",
                          call.call_id, call.refusal_reason)
        metrics.settlements_total.labels("settled").inc(len(settled))
        for call in settled:
            metrics.call_cost_cents_total.inc(call.cost_cents)
            metrics.call_billed_seconds_total.inc(call.duration_seconds)
        return len(pending)

    def _to_settle(self, call: Any) -> wallet_pb2.CallToSettle:
        fee = self.settings.calls_recording_fee_cents if call["record"] and call["recording_url"] else 0
        seconds = call["duration_seconds"]
        return wallet_pb2.CallToSettle(
            customer_id=call["customer_id"], call_id=call["id"], seconds=seconds,
            usage_kind=wallet_usage_kind(call["usage_kind"]), extra_cents=fee if seconds > 0 else 0)

    async def _mark_settled(self, uow: UnitOfWork, answers: Any) -> list[Any]:
        done = [answer for answer in answers if not answer.refusal_reason]
        if not done:
            return []
        rows = await (await uow.driver()).fetch(
            _MARK_SETTLED, [a.call_id for a in done], [a.cost_cents for a in done], [a.plan_minutes for a in done],
            self.clock())
        # Read by attribute, as the events and the campaign bookkeeping read call rows.
        return [SimpleNamespace(**row) for row in rows]
