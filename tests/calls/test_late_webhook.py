"""A call the recovery tick gave up on as never placed, whose call_ended then arrives, is billed."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import asyncpg
from google.protobuf.timestamp_pb2 import Timestamp

from speechcue.calls.v1 import calls_pb2
from speechcue.common.v1 import common_pb2
from tests.calls.conftest import CALLEE, CallsHarness


async def test_a_call_given_up_as_never_placed_is_billed_when_it_turns_out_it_happened(calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(1000)
    flow = await calls.flow(customer)
    await calls.script_callee(CALLEE, manual=True)
    placed = await calls.call(customer, flow.id)
    # As if the process had died before it learned Retell's id: the row is still queued.
    connection = await asyncpg.connect(calls.database_url)
    try:
        await connection.execute("UPDATE calls SET status = 'queued', retell_call_id = NULL WHERE id = $1", placed.id)
    finally:
        await connection.close()
    later = Timestamp()
    later.FromDatetime(calls.clock.now + timedelta(minutes=6))
    await calls.stub.RunRecoveryTick(common_pb2.RunTickRequest(idempotency_key="tick:recovery:x", scheduled_at=later))
    given_up = await calls.settled(customer, placed.id)
    assert given_up.status == calls_pb2.CALL_STATUS_FAILED and given_up.failure_reason == "provider_unreachable"
    assert (await calls.wallet.balance(customer)).held_cents == 0
    calls.retell.answer(placed.retell_call_id)
    await asyncio.sleep(0.3)
    calls.retell.hang_up(placed.retell_call_id)
    for _ in range(100):
        call = await calls.stub.GetCall(calls_pb2.GetCallRequest(customer_id=customer, call_id=placed.id))
        if call.status == calls_pb2.CALL_STATUS_ENDED:
            break
        await asyncio.sleep(0.05)
    billed = await calls.settled(customer, placed.id)
    assert billed.status == calls_pb2.CALL_STATUS_ENDED and billed.cost_cents == 15
    await calls.wallet.stub.RunBillingTick(common_pb2.RunTickRequest(idempotency_key="tick:billing:late"))
    assert (await calls.wallet.balance(customer)).available_cents == 1000 - 15
    assert (await calls.wallet.ledger()).ok
