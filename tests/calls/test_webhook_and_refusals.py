"""Retell's webhook refuses what is not Retell's, without changing anything; calls that must not
be placed are refused before dialling with a reason the customer can act on."""

from __future__ import annotations

import asyncio
import json
import time

import asyncpg
import grpc
import httpx
import pytest

from services.runtime.grpc_client import refusal_reason
from services.sandbox.retell_signing import retell_signature
from speechcue.calls.v1 import calls_pb2
from speechcue.common.v1 import common_pb2
from speechcue.wallet.v1 import wallet_pb2
from tests.calls.conftest import CALLEE, RETELL_KEY, CallsHarness, menu_flow
from tests.event_reader import read_events


async def state(calls: CallsHarness) -> tuple[object, ...]:
    connection = await asyncpg.connect(calls.database_url)
    try:
        return (await connection.fetchval("SELECT count(*) FROM call_events"),
                tuple(await connection.fetch("SELECT id, status, settlement FROM calls ORDER BY id")),
                await connection.fetchval("SELECT count(*) FROM do_not_call"))
    finally:
        await connection.close()


def ended_body(retell_call_id: str, event: str = "call_ended") -> str:
    return json.dumps({"event": event, "call": {"call_id": retell_call_id, "call_status": "ended",
                                                 "duration_ms": 61000, "disconnection_reason": "user_hangup",
                                                 "transcript_with_tool_calls": [{"role": "dtmf", "digit": "1"}]}},
                      separators=(",", ":"))


@pytest.mark.parametrize(("case", "expected"), [
    ("bad signature", 401), ("stale timestamp", 401), ("missing signature", 401), ("oversized body", 413),
    ("malformed json", 400), ("not an event", 400), ("unknown event", 200),
])
async def test_webhook_refuses_bad_input_and_changes_nothing(calls: CallsHarness, case: str, expected: int) -> None:
    customer = await calls.customer_with_money(1000)
    flow = await calls.flow(customer)
    await calls.script_callee(CALLEE, manual=True)
    placed = await calls.call(customer, flow.id)
    before = await state(calls)
    body = ended_body(placed.retell_call_id)
    now = int(time.time() * 1000)
    headers = {"X-Retell-Signature": retell_signature(body, RETELL_KEY, now), "Content-Type": "application/json"}
    if case == "bad signature":
        headers["X-Retell-Signature"] = retell_signature(body, "not-the-key", now)
    elif case == "stale timestamp":
        headers["X-Retell-Signature"] = retell_signature(body, RETELL_KEY, now - 6 * 60 * 1000)
    elif case == "missing signature":
        del headers["X-Retell-Signature"]
    elif case == "oversized body":
        body = json.dumps({"event": "call_ended", "call": {"call_id": placed.retell_call_id,
                                                            "transcript": "x" * 300_000}})
        headers["X-Retell-Signature"] = retell_signature(body, RETELL_KEY, now)
    elif case == "malformed json":
        body = '{"event": "call_ended", "call": '
        headers["X-Retell-Signature"] = retell_signature(body, RETELL_KEY, now)
    elif case == "not an event":
        body = json.dumps([1, 2, 3])
        headers["X-Retell-Signature"] = retell_signature(body, RETELL_KEY, now)
    elif case == "unknown event":
        body = ended_body(placed.retell_call_id, event="transcript_updated")
        headers["X-Retell-Signature"] = retell_signature(body, RETELL_KEY, now)
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{calls.settings.speechcue_public_base_url}/webhooks/retell",
                                     content=body.encode(), headers=headers)
    assert response.status_code == expected
    assert await state(calls) == before


async def test_a_signed_webhook_is_accepted_once_and_replays_are_duplicates(calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(1000)
    flow = await calls.flow(customer)
    await calls.script_callee(CALLEE, manual=True)
    placed = await calls.call(customer, flow.id)
    body = ended_body(placed.retell_call_id)
    outcomes = []
    async with httpx.AsyncClient() as client:
        for _ in range(3):
            signature = retell_signature(body, RETELL_KEY)
            response = await client.post(f"{calls.settings.speechcue_public_base_url}/webhooks/retell",
                                         content=body.encode(), headers={"X-Retell-Signature": signature})
            outcomes.append(response.json()["status"])
    assert outcomes == ["accepted", "duplicate", "duplicate"]
    call = await calls.settled(customer, placed.id)
    assert call.duration_seconds == 61 and list(call.digits) == ["1"] and call.cost_cents == 30


async def refused(call: object) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call  # type: ignore[misc]
    return caught.value


async def test_do_not_call_number_is_refused(calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(1000)
    flow = await calls.flow(customer)
    await calls.stub.AddDoNotCall(calls_pb2.AddDoNotCallRequest(idempotency_key="d", customer_id=customer,
                                                                number=CALLEE, reason="asked us"))
    error = await refused(calls.call(customer, flow.id))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION and refusal_reason(error) == "DO_NOT_CALL"
    assert not calls.retell.calls


async def test_callee_outside_the_window_is_refused_with_the_next_allowed_time(calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(1000)
    flow = await calls.flow(customer)
    calls.clock.now = calls.clock.now.replace(hour=6)  # 22:00 the day before in California
    error = await refused(calls.call(customer, flow.id))
    assert refusal_reason(error) == "OUTSIDE_CALLING_WINDOW"
    assert "22:00" in error.details() and "08:00 their time" in error.details()
    assert (await calls.wallet.balance(customer)).held_cents == 0 and not calls.retell.calls


async def test_customer_in_debt_is_refused(calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(10)
    flow = await calls.flow(customer)
    await calls.wallet.stub.RecordUsage(wallet_pb2.RecordUsageRequest(
        idempotency_key="u", customer_id=customer, call_id="old-call", seconds=600,
        usage_kind=wallet_pb2.USAGE_KIND_SINGLE))
    await calls.wallet.stub.RunBillingTick(common_pb2.RunTickRequest(idempotency_key="tick:billing:t"))
    error = await refused(calls.call(customer, flow.id))
    assert refusal_reason(error) == "CUSTOMER_IN_DEBT"
    assert not calls.retell.calls


async def test_unapproved_flow_is_refused_until_an_admin_approves_it(calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(1000)
    spec = menu_flow()
    spec.graph.nodes[0].text = "Please enter your PIN after the tone."
    flow = await calls.flow(customer, spec)
    assert flow.status == calls_pb2.FLOW_STATUS_PENDING_REVIEW
    assert [reason.split(" (")[0] for reason in flow.review_reasons] == ["step 'hello' mentions 'pin'"]
    error = await refused(calls.call(customer, flow.id))
    assert refusal_reason(error) == "FLOW_NOT_APPROVED"
    not_admin = await refused(calls.stub.ReviewFlow(calls_pb2.ReviewFlowRequest(
        idempotency_key="r0", admin_telegram_id=1, flow_id=flow.id, approve=True)))
    assert not_admin.code() == grpc.StatusCode.PERMISSION_DENIED
    from tests.calls.conftest import ADMIN_ID

    reviewed = await calls.stub.ReviewFlow(calls_pb2.ReviewFlowRequest(
        idempotency_key="r1", admin_telegram_id=ADMIN_ID, flow_id=flow.id, approve=True))
    assert reviewed.status == calls_pb2.FLOW_STATUS_APPROVED
    await calls.script_callee(CALLEE, duration_ms=10_000)
    placed = await calls.call(customer, flow.id)
    assert placed.status == calls_pb2.CALL_STATUS_RINGING


async def test_another_customers_flow_and_call_are_not_found(calls: CallsHarness) -> None:
    owner = await calls.customer_with_money(1000)
    intruder = await calls.customer_with_money(1000)
    flow = await calls.flow(owner)
    error = await refused(calls.call(intruder, flow.id))
    assert error.code() == grpc.StatusCode.NOT_FOUND and refusal_reason(error) == "FLOW_NOT_FOUND"
    await calls.script_callee(CALLEE, duration_ms=10_000)
    placed = await calls.call(owner, flow.id)
    for attempt in (calls.stub.GetCall(calls_pb2.GetCallRequest(customer_id=intruder, call_id=placed.id)),
                    calls.stub.StopCall(calls_pb2.StopCallRequest(idempotency_key="s", customer_id=intruder,
                                                                  call_id=placed.id)),
                    calls.stub.GetFlow(calls_pb2.GetFlowRequest(customer_id=intruder, flow_id=flow.id))):
        assert (await refused(attempt)).code() == grpc.StatusCode.NOT_FOUND


async def test_invalid_flows_are_refused_with_the_problem_named(calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(0)
    spec = menu_flow()
    spec.graph.nodes[1].edges.append(calls_pb2.FlowEdge(key="9", target_node_id="bye"))
    error = await refused(calls.flow(customer, spec))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and refusal_reason(error) == "FLOW_INVALID"
    assert "reserved for opting out" in error.details()
    assert not calls.retell.agents


async def test_a_burst_of_call_ended_with_replays_and_strangers_settles_each_call_once(calls: CallsHarness) -> None:
    """Concurrent call_ended webhooks share transactions (services/calls/ended_calls.py): each call is
    still ended once and billed once, replays in the same burst are duplicates, a call we never placed
    is answered unknown_call without disturbing the rest, and a body with a NUL escape is stored."""
    customer = await calls.customer_with_money(10_000)
    flow = await calls.flow(customer)
    numbers = [f"+1415555{index:04d}" for index in range(8)]
    placed = []
    for number in numbers:
        await calls.script_callee(number, manual=True)
        placed.append(await calls.call(customer, flow.id, number=number))
    bodies = [ended_body(call.retell_call_id) for call in placed]
    bodies[0] = bodies[0].replace('"user_hangup"', '"user_hangup\\u0000"')
    burst = bodies * 3 + [ended_body("call_we_never_placed")]
    async with httpx.AsyncClient() as client:
        async def post(body: str) -> str:
            response = await client.post(f"{calls.settings.speechcue_public_base_url}/webhooks/retell",
                                         content=body.encode(),
                                         headers={"X-Retell-Signature": retell_signature(body, RETELL_KEY)})
            assert response.status_code == 200, response.text
            return str(response.json()["status"])

        outcomes = await asyncio.gather(*(post(body) for body in burst))
    assert sorted(outcomes) == sorted(["accepted"] * 8 + ["duplicate"] * 16 + ["unknown_call"])
    for call in placed:
        settled = await calls.settled(customer, call.id)
        assert (settled.duration_seconds, list(settled.digits), settled.cost_cents) == (61, ["1"], 30)
    connection = await asyncpg.connect(calls.wallet.database_url)
    try:
        captures = await connection.fetchval("SELECT count(*) FROM transfers WHERE kind = 'capture' "
                                             "AND cause_id = ANY($1)", [call.id for call in placed])
        usage_rows = await connection.fetchval("SELECT count(*) FROM usage WHERE customer_id = $1", customer)
    finally:
        await connection.close()
    assert (captures, usage_rows) == (8, 8)
    assert (await calls.wallet.balance(customer)).available_cents == 10_000 - 8 * 30
    assert (await calls.wallet.ledger()).ok


async def test_an_analysis_that_arrives_before_the_end_is_announced_after_it(calls: CallsHarness) -> None:
    """Consumers see a call's end before its analysis whichever webhook Retell delivered first: the
    analysis is stored at once and announced by the settlement, right after the end."""
    customer = await calls.customer_with_money(1000)
    flow = await calls.flow(customer)
    await calls.script_callee(CALLEE, manual=True)
    placed = await calls.call(customer, flow.id)
    url = f"{calls.settings.speechcue_public_base_url}/webhooks/retell"
    async with httpx.AsyncClient() as client:
        for event in ("call_analyzed", "call_ended"):
            body = ended_body(placed.retell_call_id, event=event)
            answer = await client.post(url, content=body.encode(),
                                       headers={"X-Retell-Signature": retell_signature(body, RETELL_KEY)})
            assert answer.json()["status"] == "accepted"
    await calls.settled(customer, placed.id)
    await calls.running.context.relay.publish_pending()
    events = await read_events(calls.wallet.nats_url, "CALLS", "calls.call.>")
    mine = [event.type for event in events if placed.id in event.payload.value.decode(errors="replace")]
    assert mine == ["calls.call.ended", "calls.call.analyzed"]
