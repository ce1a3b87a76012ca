"""A single call placed while every Retell line is busy waits for a line instead of being refused:
it is queued with its hold, placed when a line frees, and dialled once; a call that waits too long,
or whose callee meanwhile left the calling window or joined the do-not-call list, fails without
a dial and its hold comes back."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from services.runtime.grpc_client import refusal_reason
from speechcue.calls.v1 import calls_pb2
from speechcue.common.v1 import common_pb2
from tests.calls.conftest import CallsHarness

BUSY_CALLEE = "+14155550150"
WAITING_CALLEE = "+14155550151"


async def line_taken(calls: CallsHarness, customer: str, flow_id: str, *, duration_ms: int) -> calls_pb2.Call:
    """The only line busy with a call to BUSY_CALLEE, and a call to WAITING_CALLEE waiting for it."""
    calls.retell.concurrency_limit = 1
    await calls.script_callee(BUSY_CALLEE, duration_ms=duration_ms)
    await calls.call(customer, flow_id, BUSY_CALLEE)
    return await calls.call(customer, flow_id, WAITING_CALLEE, idempotency_key="wait-for-a-line")


def dials(calls: CallsHarness) -> Counter[str]:
    return Counter(call.record["to_number"] for call in calls.retell.calls.values())


async def test_a_call_waits_for_the_busy_line_and_is_placed_once_it_frees(calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(1_000)
    flow = await calls.flow(customer)
    waiting = await line_taken(calls, customer, flow.id, duration_ms=200_000)
    assert (waiting.status, waiting.waiting_for_line) == (calls_pb2.CALL_STATUS_QUEUED, True)
    assert dials(calls)[WAITING_CALLEE] == 0
    assert (await calls.wallet.balance(customer)).held_cents > 0  # both holds are in place
    again = await calls.call(customer, flow.id, WAITING_CALLEE, idempotency_key="wait-for-a-line")
    assert again.id == waiting.id and again.status == calls_pb2.CALL_STATUS_QUEUED  # a retry waits too

    placed = await calls.settled(customer, waiting.id, timeout=30)
    assert placed.status == calls_pb2.CALL_STATUS_ENDED and not placed.waiting_for_line
    assert dials(calls) == Counter({BUSY_CALLEE: 1, WAITING_CALLEE: 1})
    assert calls.retell.max_concurrent_seen == 1
    report = await calls.wallet.ledger()
    assert report.ok


async def test_a_call_that_waits_too_long_fails_undialled_and_its_hold_comes_back(calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(1_000)
    flow = await calls.flow(customer)
    waiting = await line_taken(calls, customer, flow.id, duration_ms=500_000)
    calls.clock.advance(seconds=calls.settings.calls_line_wait_seconds + 1)

    failed = await calls.settled(customer, waiting.id, timeout=20)
    assert (failed.status, failed.failure_reason) == (calls_pb2.CALL_STATUS_FAILED, "LINES_STAYED_BUSY")
    assert dials(calls)[WAITING_CALLEE] == 0
    listed = (await calls.stub.ListCalls(calls_pb2.ListCallsRequest(customer_id=customer))).calls
    busy = await calls.settled(customer, next(c.id for c in listed if c.to_number == BUSY_CALLEE), timeout=30)
    balance = await calls.wallet.balance(customer)
    assert busy.cost_cents > 0  # only the call that was made is paid for
    assert (balance.held_cents, balance.available_cents) == (0, 1_000 - busy.cost_cents)


async def test_the_recovery_tick_leaves_a_call_waiting_for_a_line_to_the_line_waiter(calls: CallsHarness) -> None:
    """Found by bench/faults.py at two replicas: the settling recovery tick (run as an hour later)
    took a call waiting for a line for one stuck before Retell, failed it and released its hold,
    while the other replica's line waiter was dialling it; the callee rang, the call was ended and
    settled a second time (two calls.call.ended, its cost left as overage instead of the hold)."""
    customer = await calls.customer_with_money(1_000)
    flow = await calls.flow(customer)
    waiting = await line_taken(calls, customer, flow.id, duration_ms=500_000)
    held = (await calls.wallet.balance(customer)).held_cents
    an_hour_later = Timestamp()
    an_hour_later.FromDatetime(calls.clock.now + timedelta(hours=1))
    await calls.stub.RunRecoveryTick(common_pb2.RunTickRequest(idempotency_key="tick:recovery:waiting",
                                                              scheduled_at=an_hour_later))

    still = await calls.stub.GetCall(calls_pb2.GetCallRequest(customer_id=customer, call_id=waiting.id))
    assert (still.status, still.waiting_for_line) == (calls_pb2.CALL_STATUS_QUEUED, True)
    assert (await calls.wallet.balance(customer)).held_cents == held
    placed = await calls.settled(customer, waiting.id, timeout=60)
    assert placed.status == calls_pb2.CALL_STATUS_ENDED and placed.cost_cents > 0
    assert dials(calls)[WAITING_CALLEE] == 1
    assert (await calls.wallet.ledger()).ok


async def test_a_callee_who_joins_the_do_not_call_list_while_waiting_is_never_dialled(calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(1_000)
    flow = await calls.flow(customer)
    waiting = await line_taken(calls, customer, flow.id, duration_ms=300_000)
    await calls.stub.AddDoNotCall(calls_pb2.AddDoNotCallRequest(
        idempotency_key="dnc-while-waiting", customer_id=customer, number=WAITING_CALLEE, reason="asked by phone"))

    failed = await calls.settled(customer, waiting.id, timeout=30)
    assert (failed.status, failed.failure_reason) == (calls_pb2.CALL_STATUS_FAILED, "DO_NOT_CALL")
    await asyncio.sleep(0.5)
    assert dials(calls)[WAITING_CALLEE] == 0


async def test_a_campaign_call_is_not_kept_waiting_by_the_placer(calls: CallsHarness) -> None:
    """Campaign calls have the dispatcher, which paces them by Retell's concurrency; only single calls wait."""
    customer = await calls.customer_with_money(1_000)
    flow = await calls.flow(customer)
    calls.retell.concurrency_limit = 1
    await calls.script_callee(BUSY_CALLEE, duration_ms=300_000)
    await calls.call(customer, flow.id, BUSY_CALLEE)
    campaign = await calls.stub.CreateCampaign(calls_pb2.CreateCampaignRequest(
        idempotency_key="campaign", customer_id=customer, name="List", flow_id=flow.id,
        list=f"{WAITING_CALLEE}\n".encode(), default_region="US"))
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await calls.call(customer, flow.id, WAITING_CALLEE, campaign_id=campaign.id)
    assert refused.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert refusal_reason(refused.value) == "RETELL_CONCURRENCY_FULL"
    assert dials(calls)[WAITING_CALLEE] == 0
