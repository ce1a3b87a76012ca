"""Callbacks the callee asks for, end to end: the callee presses the flow's callback key, the campaign
calls them back once at the time asked inside their calling window (the harness's clock moved there),
both calls billed and in the report; a single call only says that the callee asked; a cancel cancels
a waiting callback and keeps the callee answered, and so does a callback refused because the number went
on the do-not-call list meanwhile (the report says why it was not placed)."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Callable
from datetime import datetime, timedelta

import asyncpg

from services.calls.callbacks import CallbackOffer, callback_time
from services.calls.phone_numbers import timezones_of
from speechcue.calls.v1 import calls_pb2
from speechcue.events.v1 import calls_events_pb2
from tests.calls.conftest import CALLEE, CallsHarness, menu_flow
from tests.calls.test_campaigns import unlimited, wait_for_status
from tests.event_reader import read_events

PRESSES_CALLBACK = [{"digit": "8", "at_ms": 4_000}]


def callback_flow(delay_minutes: int = 60) -> calls_pb2.FlowSpec:
    spec = menu_flow()
    spec.callback.CopyFrom(calls_pb2.CallbackOffer(key="8", delay_minutes=delay_minutes))
    return spec


async def callee_row(calls: CallsHarness, campaign_id: str) -> asyncpg.Record:
    connection = await asyncpg.connect(calls.database_url)
    try:
        return await connection.fetchrow("SELECT * FROM campaign_callees WHERE campaign_id = $1", campaign_id)
    finally:
        await connection.close()


async def call_ended_at(calls: CallsHarness, call_id: str) -> datetime:
    connection = await asyncpg.connect(calls.database_url)
    try:
        return await connection.fetchval("SELECT ended_at FROM calls WHERE id = $1", call_id)
    finally:
        await connection.close()


async def waiting_for_callback(calls: CallsHarness, campaign_id: str, timeout: float = 30.0) -> asyncpg.Record:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        row = await callee_row(calls, campaign_id)
        if row["wait_reason"] == "callback":
            return row
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"the callee never waited for its callback: {dict(row)}")
        await asyncio.sleep(0.05)


async def started_campaign(calls: CallsHarness, customer: str, flow_id: str,
                           retry: calls_pb2.RetryPolicy | None = None) -> calls_pb2.Campaign:
    created = await calls.stub.CreateCampaign(calls_pb2.CreateCampaignRequest(
        idempotency_key=calls.key("campaign"), customer_id=customer, name="Reminders", flow_id=flow_id,
        list=CALLEE.encode(), retry=retry))
    await calls.stub.StartCampaign(calls_pb2.CampaignActionRequest(idempotency_key="go", customer_id=customer,
                                                                   campaign_id=created.id))
    return created


async def test_the_callee_who_presses_the_callback_key_is_called_back_once_at_the_time_asked(
        calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(5_000)
    await unlimited(calls, customer)
    # Every call to this callee presses 8, the callback too: a second press calls no one again.
    await calls.script_callee(CALLEE, duration_ms=20_000, keys=PRESSES_CALLBACK)
    flow = await calls.flow(customer, callback_flow(delay_minutes=60))
    assert flow.status == calls_pb2.FLOW_STATUS_APPROVED
    created = await started_campaign(calls, customer, flow.id)

    waiting = await waiting_for_callback(calls, created.id)
    [first] = calls.retell.calls.values()
    first_call = waiting["call_id"] or (await calls.stub.ListCalls(calls_pb2.ListCallsRequest(
        customer_id=customer, campaign_id=created.id))).calls[0].id
    ended_at = await call_ended_at(calls, first_call)
    # An hour after the call's end, moved into the callee's calling window (08:00–21:00 in Los Angeles).
    expected = callback_time(CallbackOffer("8", 60), ended_at, timezones_of(CALLEE))
    assert expected is not None and expected >= ended_at + timedelta(hours=1)
    assert waiting["next_attempt_at"] == waiting["callback_at"] == expected
    assert (waiting["status"], waiting["attempts"], waiting["digits"]) == ("pending", 1, ["8"])
    current = await calls.stub.GetCampaign(calls_pb2.GetCampaignRequest(customer_id=customer,
                                                                        campaign_id=created.id))
    assert current.status == calls_pb2.CAMPAIGN_STATUS_RUNNING  # it runs until its callback is made
    assert current.waiting.callbacks == 1 and current.totals.callbacks == 1
    assert current.waiting.callback_next.at.ToDatetime().replace(tzinfo=expected.tzinfo) == expected
    assert current.waiting.callback_next.zone == "America/Los_Angeles"
    called = await calls.stub.GetCall(calls_pb2.GetCallRequest(customer_id=customer, call_id=first_call))
    assert called.callback_at.ToDatetime().replace(tzinfo=expected.tzinfo) == expected
    assert len(calls.retell.calls) == 1

    calls.clock.now = expected + timedelta(seconds=1)
    done = await wait_for_status(calls, customer, created.id, calls_pb2.CAMPAIGN_STATUS_COMPLETED)

    assert [simulated.record["to_number"] for simulated in calls.retell.calls.values()] == [CALLEE, CALLEE]
    assert first.record["agent_id"] == [*calls.retell.calls.values()][1].record["agent_id"]  # the same flow
    # Both calls billed like any call: 20 s each is one minute at 15 cents.
    assert (done.totals.answered, done.totals.attempts, done.totals.callbacks) == (1, 2, 1)
    assert done.totals.cost_cents == 30
    assert (await calls.wallet.balance(customer)).available_cents == 5_000 - 30
    report = await calls.stub.GetCampaignReport(calls_pb2.GetCampaignRequest(customer_id=customer,
                                                                            campaign_id=created.id))
    [row] = list(csv.DictReader(io.StringIO(report.csv.decode())))
    assert (row["status"], row["attempts"], row["cost_usd"]) == ("answered", "2", "0.30")
    assert datetime.fromisoformat(row["callback"]) == expected.replace(second=0, microsecond=0)  # to the minute
    assert datetime.fromisoformat(row["callback"]).utcoffset() == timedelta(hours=-8)  # their time (PST)
    await calls.running.context.relay.publish_pending()
    [completed] = await read_events(calls.wallet.nats_url, "CALLS", "calls.campaign.completed")
    change = calls_events_pb2.CampaignChanged()
    assert completed.payload.Unpack(change)
    assert (change.callbacks, change.callbacks_waiting) == (1, 0)


async def test_a_cancel_cancels_a_waiting_callback_and_the_callee_stays_answered(calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(5_000)
    await unlimited(calls, customer)
    await calls.script_callee(CALLEE, duration_ms=20_000, keys=PRESSES_CALLBACK)
    flow = await calls.flow(customer, callback_flow(delay_minutes=0))  # tomorrow
    created = await started_campaign(calls, customer, flow.id)
    waiting = await waiting_for_callback(calls, created.id)
    assert waiting["next_attempt_at"] > calls.clock.now

    cancelled = await calls.stub.CancelCampaign(calls_pb2.CampaignActionRequest(
        idempotency_key="cancel", customer_id=customer, campaign_id=created.id))

    assert cancelled.status == calls_pb2.CAMPAIGN_STATUS_CANCELLED
    assert (cancelled.totals.answered, cancelled.totals.callbacks, cancelled.totals.not_called) == (1, 1, 0)
    row = await callee_row(calls, created.id)
    assert (row["status"], row["wait_reason"], row["next_attempt_at"]) == ("answered", "", None)
    calls.clock.now = waiting["next_attempt_at"] + timedelta(minutes=1)
    report = await calls.stub.GetCampaignReport(calls_pb2.GetCampaignRequest(customer_id=customer,
                                                                            campaign_id=created.id))
    [line] = list(csv.DictReader(io.StringIO(report.csv.decode())))
    assert line["status"] == "answered" and line["callback"]
    assert len(calls.retell.calls) == 1


async def test_a_single_call_says_the_callee_asked_and_calls_no_one_back(calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(5_000)
    await calls.script_callee(CALLEE, duration_ms=20_000, keys=PRESSES_CALLBACK)
    flow = await calls.flow(customer, callback_flow(delay_minutes=180))
    call = await calls.call(customer, flow.id)

    settled = await calls.settled(customer, call.id)

    ended_at = await call_ended_at(calls, call.id)
    expected = callback_time(CallbackOffer("8", 180), ended_at, timezones_of(CALLEE))
    assert expected is not None
    assert settled.digits == ["8"] and settled.HasField("callback_at")
    assert settled.callback_at.ToDatetime().replace(tzinfo=expected.tzinfo) == expected
    await calls.running.context.relay.publish_pending()
    ended = [event for event in await read_events(calls.wallet.nats_url, "CALLS", "calls.call.ended")]
    payload = calls_events_pb2.CallEnded()
    assert ended[-1].payload.Unpack(payload)
    assert payload.call_id == call.id and payload.callback_requested
    assert payload.callback_at.ToDatetime().replace(tzinfo=expected.tzinfo) == expected
    assert len(calls.retell.calls) == 1


async def test_a_key_other_than_the_callback_key_asks_for_nothing(calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(5_000)
    await calls.script_callee(CALLEE, duration_ms=20_000, keys=[{"digit": "1", "at_ms": 4_000}])
    flow = await calls.flow(customer, callback_flow())
    call = await calls.call(customer, flow.id)

    settled = await calls.settled(customer, call.id)

    assert settled.digits == ["1"] and not settled.HasField("callback_at")


async def test_a_number_put_on_the_do_not_call_list_meanwhile_is_not_called_back_and_stays_answered(
        calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(5_000)
    await unlimited(calls, customer)
    await calls.script_callee(CALLEE, duration_ms=20_000, keys=PRESSES_CALLBACK)
    flow = await calls.flow(customer, callback_flow(delay_minutes=60))
    created = await started_campaign(calls, customer, flow.id)
    waiting = await waiting_for_callback(calls, created.id)
    await calls.stub.AddDoNotCall(calls_pb2.AddDoNotCallRequest(
        idempotency_key=calls.key("dnc"), customer_id=customer, number=CALLEE, reason="asked by phone"))

    calls.clock.now = waiting["next_attempt_at"] + timedelta(seconds=1)
    done = await wait_for_status(calls, customer, created.id, calls_pb2.CAMPAIGN_STATUS_COMPLETED)

    assert len(calls.retell.calls) == 1  # the callback was refused before any dial
    assert (done.totals.attempts, done.totals.callbacks, done.totals.cost_cents) == (1, 1, 15)
    await the_callee_stays_answered_with_its_callback_not_placed(calls, customer, created.id, waiting)


async def test_a_callee_who_opted_out_in_another_call_meanwhile_is_not_called_back_and_stays_answered(
        calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(5_000)
    await unlimited(calls, customer)
    await calls.script_callee(CALLEE, duration_ms=20_000, keys=PRESSES_CALLBACK)
    flow = await calls.flow(customer, callback_flow(delay_minutes=60))
    created = await started_campaign(calls, customer, flow.id)
    waiting = await waiting_for_callback(calls, created.id)
    # A single call to the same number, in which the callee presses the opt-out key.
    await calls.script_callee(CALLEE, duration_ms=20_000, keys=[{"digit": "9", "at_ms": 4_000}])
    single = await calls.settled(customer, (await calls.call(customer, flow.id)).id)
    assert single.opted_out

    calls.clock.now = waiting["next_attempt_at"] + timedelta(seconds=1)
    await wait_for_status(calls, customer, created.id, calls_pb2.CAMPAIGN_STATUS_COMPLETED)

    assert len(calls.retell.calls) == 2  # the campaign's call and the single call: no callback
    await the_callee_stays_answered_with_its_callback_not_placed(calls, customer, created.id, waiting)


async def the_callee_stays_answered_with_its_callback_not_placed(
        calls: CallsHarness, customer: str, campaign_id: str, waiting: asyncpg.Record) -> None:
    """The callee answered and asked: its call is what every report says, with its callback not placed
    because of the do-not-call list (callback_refusals.py)."""
    row = await callee_row(calls, campaign_id)
    assert (row["status"], row["outcome"]) == ("answered", "callback_refused:do_not_call")
    assert row["call_id"] == waiting["last_call_id"]  # the call that asked, again its call
    done = await calls.stub.GetCampaign(calls_pb2.GetCampaignRequest(customer_id=customer, campaign_id=campaign_id))
    assert (done.totals.answered, done.totals.failed, done.totals.not_called) == (1, 0, 0)
    report = await calls.stub.GetCampaignReport(calls_pb2.GetCampaignRequest(customer_id=customer,
                                                                            campaign_id=campaign_id))
    [line] = list(csv.DictReader(io.StringIO(report.csv.decode())))
    assert (line["status"], line["outcome"], line["callback"]) == ("answered", "answered", "not_placed:do_not_call")
    assert (line["attempts"], line["digits"]) == ("1", "8")
    await calls.running.context.relay.publish_pending()
    [completed] = await read_events(calls.wallet.nats_url, "CALLS", "calls.campaign.completed")
    change = calls_events_pb2.CampaignChanged()
    assert completed.payload.Unpack(change)
    assert (change.answered, change.failed, change.callbacks, change.callbacks_waiting) == (1, 0, 1, 0)


async def callee_when(calls: CallsHarness, campaign_id: str, ready: Callable[[asyncpg.Record], bool],
                      timeout: float = 30.0) -> asyncpg.Record:
    deadline = asyncio.get_running_loop().time() + timeout
    while not ready(row := await callee_row(calls, campaign_id)):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"the callee never got there: {dict(row)}")
        await asyncio.sleep(0.05)
    return row


async def test_a_retry_after_a_callback_that_was_placed_is_refused_as_any_try_and_the_callee_is_not_reached(
        calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(5_000)
    await unlimited(calls, customer)
    await calls.script_callee(CALLEE, duration_ms=20_000, keys=PRESSES_CALLBACK)
    flow = await calls.flow(customer, callback_flow(delay_minutes=60))
    retries = calls_pb2.RetryPolicy(max_attempts=3, spacing_minutes=60)
    created = await started_campaign(calls, customer, flow.id, retries)
    waiting = await waiting_for_callback(calls, created.id)
    await calls.script_callee(CALLEE, outcome="no_answer", ring_ms=200)  # the callback rings out, a retry follows
    calls.clock.now = waiting["next_attempt_at"] + timedelta(seconds=1)
    retry = await callee_when(calls, created.id, lambda row: row["wait_reason"] == "retry")
    await calls.stub.AddDoNotCall(calls_pb2.AddDoNotCallRequest(
        idempotency_key=calls.key("dnc"), customer_id=customer, number=CALLEE, reason="asked by phone"))

    calls.clock.now = retry["next_attempt_at"] + timedelta(seconds=1)
    await wait_for_status(calls, customer, created.id, calls_pb2.CAMPAIGN_STATUS_COMPLETED)

    assert len(calls.retell.calls) == 2  # the first call and the callback; the retry was refused
    row = await callee_row(calls, created.id)
    assert (row["status"], row["outcome"]) == ("skipped", "do_not_call")
    report = await calls.stub.GetCampaignReport(calls_pb2.GetCampaignRequest(customer_id=customer,
                                                                            campaign_id=created.id))
    [line] = list(csv.DictReader(io.StringIO(report.csv.decode())))
    assert line["status"] == "not reached"  # its last call, the callback, reached no one
    # The time asked (the column says the minute), as for any callback placed.
    assert datetime.fromisoformat(line["callback"]) == waiting["callback_at"].replace(second=0, microsecond=0)
