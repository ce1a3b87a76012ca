"""Voicemail as a campaign outcome of its own: the flow's message is left (disclosure first, opt-out
line last), the callee is retried by the voicemail rule and counted apart (totals, events, CSV), and a
voicemail Retell reports only in call_analyzed decides the callee again, once."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import asyncpg

from services.calls.call_texts import texts_for
from services.calls.callee_reports import ReportCategory, report_category
from services.calls.campaign_report import report_csv
from speechcue.calls.v1 import calls_pb2
from speechcue.events.v1 import calls_events_pb2
from tests.calls.conftest import CallsHarness, menu_flow
from tests.calls.test_campaigns import unlimited, wait_for_status
from tests.event_reader import read_events

MESSAGE = "Please call Acme Dental back about your appointment."
# Two seconds at the sandbox's time scale: the call's end is settled well before its analysis comes.
LATE_ANALYSIS_MS = 200_000
TOKYO = "+81312345678"  # 05:00 there at the harness's start: waits for 08:00, so the campaign keeps running


def rules(**by_outcome: tuple[int, int]) -> calls_pb2.RetryPolicy:
    return calls_pb2.RetryPolicy(by_outcome=[
        calls_pb2.OutcomeRetry(outcome=outcome, max_attempts=attempts, spacing_minutes=spacing)
        for outcome, (attempts, spacing) in by_outcome.items()])


async def start(calls: CallsHarness, customer: str, numbers: list[str], retry: calls_pb2.RetryPolicy,
                spec: calls_pb2.FlowSpec) -> calls_pb2.Campaign:
    flow = await calls.flow(customer, spec)
    created = await calls.stub.CreateCampaign(calls_pb2.CreateCampaignRequest(
        idempotency_key=calls.key("campaign"), customer_id=customer, name="Voicemail", flow_id=flow.id,
        list="\n".join(numbers).encode(), retry=retry))
    await calls.stub.StartCampaign(calls_pb2.CampaignActionRequest(
        idempotency_key=calls.key("go"), customer_id=customer, campaign_id=created.id))
    return created


async def callee_when(calls: CallsHarness, number: str, ready: Callable[[Any], bool],
                      timeout: float = 30.0) -> Any:
    """The callee's row once `ready` holds for it."""
    deadline = asyncio.get_running_loop().time() + timeout
    connection = await asyncpg.connect(calls.database_url)
    try:
        while True:
            row = await connection.fetchrow("SELECT * FROM campaign_callees WHERE number = $1", number)
            if row is not None and ready(row):
                return row
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"callee {number} never got there: {dict(row) if row else None}")
            await asyncio.sleep(0.05)
    finally:
        await connection.close()


def dials_to(calls: CallsHarness, number: str) -> list[Any]:
    return [call for call in calls.retell.calls.values() if call.record["to_number"] == number]


async def test_a_voicemail_leaves_the_message_is_retried_by_its_rule_and_counted_apart(calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(10_000)
    await unlimited(calls, customer)
    machine, person, busy = "+14155550161", "+14155550162", "+14155550163"
    await calls.script_callee(machine, outcome="voicemail")
    await calls.script_callee(person, duration_ms=20_000)
    await calls.script_callee(busy, outcome="busy")
    spec = menu_flow()
    spec.voicemail_action = calls_pb2.VOICEMAIL_ACTION_LEAVE_MESSAGE
    spec.voicemail_message = MESSAGE
    created = await start(calls, customer, [machine, person, busy], rules(voicemail=(2, 240), busy=(1, 0)), spec)
    assert {rule.outcome: rule.max_attempts for rule in created.retry.by_outcome}["voicemail"] == 2

    waiting = await callee_when(calls, machine, lambda row: row["status"] == "pending" and row["attempts"] == 1)
    assert (waiting["outcome"], waiting["wait_reason"]) == ("voicemail_reached", "retry")
    assert waiting["next_attempt_at"] == calls.clock.now + timedelta(hours=4)
    [first] = dials_to(calls, machine)
    said = [entry["content"] for entry in first.record["transcript_object"] if entry["role"] == "agent"]
    english = texts_for("en")
    assert len(said) == 1 and said[0].startswith(english.disclosure.format(business="Acme Dental"))
    assert MESSAGE in said[0] and said[0].endswith(english.voicemail_opt_out.format(key="9"))
    assert first.record["disconnection_reason"] == "voicemail_reached"

    await callee_when(calls, busy, lambda row: row["status"] == "failed")
    await callee_when(calls, person, lambda row: row["status"] == "answered")
    running = await calls.stub.GetCampaign(calls_pb2.GetCampaignRequest(customer_id=customer, campaign_id=created.id))
    assert (running.totals.answered, running.totals.failed, running.totals.voicemail, running.totals.pending) == (
        1, 1, 0, 1)
    assert running.waiting.retries == 1

    calls.clock.advance(hours=4)
    done = await wait_for_status(calls, customer, created.id, calls_pb2.CAMPAIGN_STATUS_COMPLETED)
    assert len(dials_to(calls, machine)) == 2 and len(dials_to(calls, busy)) == 1
    assert (done.totals.answered, done.totals.failed, done.totals.voicemail, done.totals.not_called) == (1, 1, 1, 0)

    report = await calls.stub.GetCampaignReport(calls_pb2.GetCampaignRequest(customer_id=customer,
                                                                            campaign_id=created.id))
    rows = {row["number"]: row for row in csv.DictReader(io.StringIO(report.csv.decode()))}
    assert (rows[machine]["status"], rows[machine]["outcome"], rows[machine]["attempts"]) == (
        "voicemail", "voicemail", "2")
    assert (rows[busy]["status"], rows[busy]["outcome"]) == ("not reached", "busy")
    # In the results, a voicemail is a filter of its own and not among the answered calls.
    machines = await calls.stub.ListCalls(calls_pb2.ListCallsRequest(customer_id=customer, voicemail_only=True))
    assert [call.to_number for call in machines.calls] == [machine, machine]
    people = await calls.stub.ListCalls(calls_pb2.ListCallsRequest(
        customer_id=customer, status=calls_pb2.CALL_STATUS_ENDED, without_voicemail=True))
    assert [call.to_number for call in people.calls] == [person]
    await calls.running.context.relay.publish_pending()
    [completed] = await read_events(calls.wallet.nats_url, "CALLS", "calls.campaign.completed")
    change = calls_events_pb2.CampaignChanged()
    assert completed.payload.Unpack(change)
    assert (change.voicemail, change.failed, change.answered, change.done) == (1, 1, 1, 3)


async def test_a_voicemail_reported_only_after_the_call_decides_the_callee_again_once(calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(10_000)
    await unlimited(calls, customer)
    machine = "+14155550171"
    # Retell's detection misses the machine: the call ends as an answered one, and call_analyzed (three
    # times over) says in_voicemail.
    await calls.script_callee(machine, outcome="voicemail", voicemail_detected=False, duration_ms=10_000,
                              delivery={"duplicates": 2, "analysis_delay_ms": LATE_ANALYSIS_MS})
    await calls.script_callee(TOKYO, duration_ms=5_000)
    created = await start(calls, customer, [machine, TOKYO], rules(voicemail=(2, 60)), menu_flow())

    late = await callee_when(calls, machine, lambda row: row["outcome"] == "voicemail_reached")
    assert (late["status"], late["attempts"], late["wait_reason"]) == ("pending", 1, "retry")
    assert late["next_attempt_at"] == calls.clock.now + timedelta(hours=1)
    [first] = dials_to(calls, machine)
    assert first.record["disconnection_reason"] == "user_hangup"
    await asyncio.sleep(0.3)  # the duplicates of call_analyzed have arrived: nothing moved
    assert (await callee_when(calls, machine, lambda row: True))["next_attempt_at"] == late["next_attempt_at"]
    assert len(dials_to(calls, machine)) == 1

    calls.clock.advance(hours=1)
    given_up = await callee_when(calls, machine, lambda row: row["attempts"] == 2 and row["status"] == "failed")
    assert given_up["outcome"] == "voicemail_reached" and len(dials_to(calls, machine)) == 2
    # Billed like any call: two 10-second calls, a minute each at 15 ¢.
    assert given_up["cost_cents"] == 2 * 15

    calls.clock.advance(hours=2, minutes=1)  # 23:01 UTC: 08:01 in Tokyo
    done = await wait_for_status(calls, customer, created.id, calls_pb2.CAMPAIGN_STATUS_COMPLETED)
    assert (done.totals.voicemail, done.totals.answered, done.totals.attempts) == (1, 1, 3)
    assert (await calls.wallet.balance(customer)).available_cents == 10_000 - 3 * 15


async def test_a_late_voicemail_after_the_campaign_is_over_changes_only_its_report(calls: CallsHarness) -> None:
    customer = await calls.customer_with_money(10_000)
    await unlimited(calls, customer)
    machine = "+14155550181"
    # The analysis comes long after the end: the campaign completes first.
    await calls.script_callee(machine, outcome="voicemail", voicemail_detected=False, duration_ms=10_000,
                              delivery={"analysis_delay_ms": LATE_ANALYSIS_MS})
    created = await start(calls, customer, [machine], rules(voicemail=(3, 60)), menu_flow())
    await wait_for_status(calls, customer, created.id, calls_pb2.CAMPAIGN_STATUS_COMPLETED)
    row = await callee_when(calls, machine, lambda row: row["outcome"] == "voicemail_reached")
    assert (row["status"], row["attempts"]) == ("failed", 1)
    # The progress message, which said answered, is told the voicemail.
    await calls.running.context.relay.publish_pending()
    last = calls_events_pb2.CampaignChanged()
    assert (await read_events(calls.wallet.nats_url, "CALLS", "calls.campaign.progress"))[-1].payload.Unpack(last)
    assert (last.status, last.voicemail, last.answered) == ("completed", 1, 0)
    calls.clock.advance(hours=2)
    await asyncio.sleep(1.0)  # two dispatcher passes: nothing is dialled for a finished campaign
    assert len(dials_to(calls, machine)) == 1
    done = await calls.stub.GetCampaign(calls_pb2.GetCampaignRequest(customer_id=customer, campaign_id=created.id))
    assert (done.status, done.totals.voicemail, done.totals.answered) == (calls_pb2.CAMPAIGN_STATUS_COMPLETED, 1, 0)


def test_a_voicemail_callee_is_its_own_report_category() -> None:
    assert report_category("failed", 2, "completed", "voicemail_reached") is ReportCategory.VOICEMAIL
    assert report_category("skipped", 1, "cancelled", "voicemail_reached") is ReportCategory.VOICEMAIL
    assert report_category("pending", 1, "cancelled", "voicemail_reached") is ReportCategory.VOICEMAIL
    assert report_category("pending", 1, "running", "voicemail_reached") is ReportCategory.WAITING
    assert report_category("answered", 1, "completed", "voicemail_reached") is ReportCategory.ANSWERED
    assert report_category("failed", 2, "completed", "dial_busy") is ReportCategory.NOT_REACHED


def test_the_csv_says_voicemail_in_the_status_and_the_outcome() -> None:
    class Line:
        number, name, status, attempts, outcome = "+14155550161", "Ada", "failed", 2, "voicemail_reached"
        duration_seconds, digits, cost_cents = 3, (), 30

    [_, row] = list(csv.reader(io.StringIO(report_csv([Line()], "completed").decode())))
    assert (row[2], row[4]) == ("voicemail", "voicemail")
