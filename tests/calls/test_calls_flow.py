"""A flow is created, compiled to Retell, called; the callee's keys, the duration, the charge and
the analysis come back once, however Retell delivers its webhooks."""

from __future__ import annotations

import asyncio

import asyncpg
from google.protobuf.message import Message

from speechcue.calls.v1 import calls_pb2
from speechcue.events.v1 import calls_events_pb2
from speechcue.wallet.v1 import wallet_pb2
from tests.calls.conftest import CALLEE, CallsHarness
from tests.event_reader import read_events


async def test_callee_presses_3_and_the_customer_sees_digits_duration_and_charge(calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(1000)
    flow = await calls.flow(customer)
    assert flow.status == calls_pb2.FLOW_STATUS_APPROVED and flow.retell_agent_id
    compiled = calls.retell.flows[calls.retell.agents[flow.retell_agent_id]["response_engine"]["conversation_flow_id"]]
    assert compiled["start_node_id"] == "sc_disclosure"
    assert "automated call from Acme Dental" in compiled["nodes"][0]["instruction"]["text"]
    # One menu choice: a second key in a row is what the review policy holds (review_policy.py).
    await calls.script_callee(CALLEE, duration_ms=65_000, keys=[{"digit": "3", "at_ms": 5_000}])
    placed = await calls.call(customer, flow.id)
    assert placed.status == calls_pb2.CALL_STATUS_RINGING and placed.retell_call_id
    assert (await calls.wallet.balance(customer)).held_cents == 10 * 15
    call = await calls.settled(customer, placed.id, analyzed=True)
    assert list(call.digits) == ["3"]
    assert call.duration_seconds == 65 and call.cost_cents == 2 * 15
    assert call.analysis.summary and call.analysis.sentiment == "Neutral"
    balance = await calls.wallet.balance(customer)
    assert (balance.available_cents, balance.held_cents) == (1000 - 30, 0)
    retell_call = calls.retell.calls[placed.retell_call_id].record
    assert retell_call["metadata"] == {"customer": customer, "call": placed.id, "campaign": ""}
    assert (await calls.wallet.ledger()).ok
    await calls.running.context.relay.publish_pending()
    events = await read_events(calls.wallet.nats_url, "CALLS", "calls.call.>")
    assert [event.type for event in events] == ["calls.call.started", "calls.call.ended", "calls.call.analyzed"]
    ended = calls_events_pb2.CallEnded()
    events[1].payload.Unpack(ended)
    assert (ended.keys_pressed, ended.duration_seconds, ended.cost_cents) == (1, 65, 30)


def _texts(message: Message) -> list[str]:
    """Every string in a message, nested messages and repeated fields included."""
    found: list[str] = []
    for _, value in message.ListFields():
        values = [value] if isinstance(value, str | bytes | Message) or not hasattr(value, "__iter__") else value
        for item in values:
            if isinstance(item, Message):
                found.extend(_texts(item))
            elif isinstance(item, str):
                found.append(item)
    return found


async def test_no_event_of_a_call_journey_carries_the_callees_number_or_keys(calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(1000)
    flow = await calls.flow(customer)
    summary = "The callee pressed 1, then 3, and hung up."
    await calls.script_callee(CALLEE, duration_ms=65_000, summary=summary,
                              keys=[{"digit": "1", "at_ms": 5_000}, {"digit": "3", "at_ms": 9_000}])
    placed = await calls.call(customer, flow.id, record=True)
    call = await calls.settled(customer, placed.id, analyzed=True)
    # The owner reads them with GetCall.
    keys = list(call.digits)
    assert keys and call.analysis.summary == summary and call.recording_url
    await calls.running.context.relay.publish_pending()
    events = await read_events(calls.wallet.nats_url, "CALLS", "calls.>")
    assert {"calls.call.started", "calls.call.ended", "calls.call.analyzed"} <= {event.type for event in events}
    national = CALLEE.removeprefix("+1")
    for envelope in events:
        raw = envelope.SerializeToString()
        for secret in (national, call.recording_url, summary):
            assert secret.encode() not in raw, (envelope.type, secret)
        payload = getattr(calls_events_pb2, envelope.payload.TypeName().rsplit(".", 1)[-1])()
        envelope.payload.Unpack(payload)
        # The keys were the one repeated text an event had; single digits are in every id and time.
        assert not [text for text in _texts(payload) if text in {*keys, " ".join(keys), "".join(keys)}], envelope.type


def test_call_events_have_no_field_for_numbers_keys_recordings_or_summaries() -> None:
    for message in calls_events_pb2.DESCRIPTOR.message_types_by_name.values():
        for field in message.fields:
            assert field.name not in {"to_number", "number", "digits", "recording_url", "summary", "transcript"}, (
                message.name, field.name)


async def stored_retell_events(database_url: str, retell_call_id: str, *, until: set[str],
                               timeout: float = 15.0) -> list[str]:
    """The Retell events kept for a call, once all of `until` are (each is stored when its webhook
    is handled, and Retell's come in any order); whatever is kept by then if the timeout comes first."""
    deadline = asyncio.get_running_loop().time() + timeout
    connection = await asyncpg.connect(database_url)
    try:
        while True:
            rows = await connection.fetch("SELECT event FROM call_events WHERE retell_call_id = $1", retell_call_id)
            events = [row["event"] for row in rows]
            if until <= set(events) or asyncio.get_running_loop().time() > deadline:
                return events
            await asyncio.sleep(0.05)
    finally:
        await connection.close()


async def test_call_ended_five_times_and_before_call_started_charges_once(calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(1000)
    flow = await calls.flow(customer)
    await calls.script_callee(CALLEE, duration_ms=30_000, delivery={"duplicates": 4, "reorder": True})
    placed = await calls.call(customer, flow.id)
    # Analysed too: Retell sends call_analyzed after call_ended, so it may come after the settlement.
    call = await calls.settled(customer, placed.id, analyzed=True)
    assert call.status == calls_pb2.CALL_STATUS_ENDED and call.cost_cents == 15
    assert (await calls.wallet.balance(customer)).available_cents == 1000 - 15
    stored = await stored_retell_events(calls.database_url, placed.retell_call_id,
                                        until={"call_started", "call_ended", "call_analyzed"})
    assert sorted(stored) == ["call_analyzed", "call_ended", "call_started"]
    transfers = await calls.wallet.stub.ListTransactions(wallet_pb2.ListTransactionsRequest(customer_id=customer))
    captures = [t for t in transfers.transfers if t.cause.id == placed.id and t.amount_cents == 15
                and t.balance_effect_cents == 0]
    assert len(captures) == 1


async def test_unanswered_call_is_failed_and_its_hold_released(calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(500)
    flow = await calls.flow(customer)
    await calls.script_callee(CALLEE, outcome="no_answer")
    placed = await calls.call(customer, flow.id)
    call = await calls.settled(customer, placed.id)
    assert call.status == calls_pb2.CALL_STATUS_FAILED and call.failure_reason == "dial_no_answer"
    assert call.cost_cents == 0
    balance = await calls.wallet.balance(customer)
    assert (balance.available_cents, balance.held_cents) == (500, 0)


async def test_opt_out_key_puts_the_number_on_the_do_not_call_list(calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(1000)
    flow = await calls.flow(customer)
    await calls.script_callee(CALLEE, keys=[{"digit": "9", "at_ms": 1000}])
    placed = await calls.call(customer, flow.id)
    call = await calls.settled(customer, placed.id)
    assert call.opted_out
    other = await calls.customer_with_money(1000)
    check = await calls.stub.CheckDoNotCall(calls_pb2.CheckDoNotCallRequest(customer_id=other, number=CALLEE))
    assert check.blocked
