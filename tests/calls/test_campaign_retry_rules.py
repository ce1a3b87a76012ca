"""Retries by outcome meet the rest of the campaign's rules: a retry due after the callee's calling
hours waits for them, and a number put on the do-not-call list between two calls is never called again."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from speechcue.calls.v1 import calls_pb2
from tests.calls.conftest import CallsHarness, menu_flow
from tests.calls.test_campaign_voicemail import callee_when, dials_to, rules, start
from tests.calls.test_campaigns import unlimited, wait_for_status

LOS_ANGELES = ZoneInfo("America/Los_Angeles")


async def test_a_retry_due_after_the_callees_hours_waits_for_them(calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(10_000)
    await unlimited(calls, customer)
    busy = "+14155550191"
    await calls.script_callee(busy, outcome="busy", ring_ms=300)
    # 20:30 in Los Angeles: the first call goes, its retry an hour later would be at 21:30.
    calls.clock.now = datetime(2026, 11, 24, 20, 30, tzinfo=LOS_ANGELES)
    created = await start(calls, customer, [busy], rules(busy=(2, 60)), menu_flow())
    waiting = await callee_when(calls, busy, lambda row: row["status"] == "pending" and row["attempts"] == 1)
    assert waiting["next_attempt_at"] == calls.clock.now + timedelta(hours=1)

    calls.clock.advance(hours=1)  # due, but 21:30 there: the dispatcher defers it to 08:00
    deferred = await callee_when(calls, busy, lambda row: row["wait_reason"] == "calling_hours")
    assert deferred["next_attempt_at"] == datetime(2026, 11, 25, 8, 0, tzinfo=LOS_ANGELES)
    assert len(dials_to(calls, busy)) == 1

    calls.clock.now = datetime(2026, 11, 25, 8, 0, tzinfo=LOS_ANGELES)
    done = await wait_for_status(calls, customer, created.id, calls_pb2.CAMPAIGN_STATUS_COMPLETED)
    assert len(dials_to(calls, busy)) == 2 and done.totals.failed == 1


async def test_a_number_put_on_the_do_not_call_list_between_two_calls_is_not_called_again(
        calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(10_000)
    await unlimited(calls, customer)
    busy = "+14155550192"
    await calls.script_callee(busy, outcome="busy", ring_ms=300)
    created = await start(calls, customer, [busy], rules(busy=(3, 10)), menu_flow())
    await callee_when(calls, busy, lambda row: row["status"] == "pending" and row["attempts"] == 1)
    await calls.stub.AddDoNotCall(calls_pb2.AddDoNotCallRequest(idempotency_key=calls.key("dnc"), customer_id=customer,
                                                                number=busy))

    calls.clock.advance(minutes=10)
    done = await wait_for_status(calls, customer, created.id, calls_pb2.CAMPAIGN_STATUS_COMPLETED)
    assert len(dials_to(calls, busy)) == 1
    row = await callee_when(calls, busy, lambda row: True)
    assert (row["status"], row["attempts"]) == ("skipped", 1)
    assert (done.totals.failed, done.totals.not_called, done.totals.answered) == (1, 0, 0)
