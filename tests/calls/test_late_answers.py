"""A campaign's completion report has every call's custom answers: Retell sends call_analyzed (the
answers) after call_ended, so a campaign whose calls have all ended completes only once their answers
are in (report_readiness.py), or once the campaign tick finds it has waited
CALLS_REPORT_ANALYSIS_WAIT_MINUTES for answers that never come; that report marks those calls."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp

from services.calls.campaign_report import ANSWERS_PENDING, NOT_IN_YET
from speechcue.calls.v1 import calls_pb2
from speechcue.common.v1 import common_pb2
from tests.calls.conftest import CALLEE, CallsHarness
from tests.calls.test_campaigns import unlimited
from tests.calls.test_custom_outcomes import DAY, INTERESTED, OTHER, campaign_calling_both, post_webhook, with_fields
from tests.event_reader import read_events

# Retell's analysis of this callee's call never comes on its own: the test delivers it, or never does.
LATE = {"drop": ["call_analyzed"]}


@dataclass
class WaitingCampaign:
    customer: str
    id: str
    call_to: dict[str, calls_pb2.Call]  # each callee's call, settled


async def campaign_waiting_for_answers(calls: CallsHarness) -> WaitingCampaign:
    """Two callees answer and their calls end; the first one's answers come, the last one's do not."""
    customer = await calls.customer_with_money(5_000)
    await unlimited(calls, customer)
    flow = await calls.flow(customer, with_fields(INTERESTED, DAY))
    await calls.script_callee(CALLEE, answers={"interested?": True, "preferred day": "Tue"})
    await calls.script_callee(OTHER, answers={"interested?": False, "preferred day": "Mon"}, delivery=LATE)
    created, placed = await campaign_calling_both(calls, customer, flow.id)
    call_to = {call.to_number: await calls.settled(customer, call.id, analyzed=call.to_number == CALLEE)
               for call in placed}
    return WaitingCampaign(customer, created.id, call_to)


async def campaign_now(calls: CallsHarness, waiting: WaitingCampaign) -> calls_pb2.Campaign:
    return await calls.stub.GetCampaign(calls_pb2.GetCampaignRequest(customer_id=waiting.customer,
                                                                     campaign_id=waiting.id))


async def report_rows(calls: CallsHarness, waiting: WaitingCampaign) -> list[dict[str, str]]:
    report = await calls.stub.GetCampaignReport(calls_pb2.GetCampaignRequest(customer_id=waiting.customer,
                                                                            campaign_id=waiting.id))
    return list(csv.DictReader(io.StringIO(report.csv.decode())))


def answers(rows: list[dict[str, str]]) -> list[tuple[str, ...]]:
    return [(row["number"], row["answer:yes_no:interested?"], row["answer:choice:preferred day"],
             row.get(ANSWERS_PENDING, "-")) for row in rows]


async def completions(calls: CallsHarness) -> int:
    await calls.running.context.relay.publish_pending()
    return len(await read_events(calls.wallet.nats_url, "CALLS", "calls.campaign.completed"))


async def deliver_analysis(calls: CallsHarness, call: calls_pb2.Call, data: dict[str, Any]) -> None:
    record = calls.retell.get_call(call.retell_call_id)
    analysis = {"call_summary": "Not interested.", "user_sentiment": "Neutral", "call_successful": True,
                "in_voicemail": False, "custom_analysis_data": data}
    assert await post_webhook(calls, "call_analyzed", {**record, "call_analysis": analysis}) == {"status": "accepted"}


async def tick(calls: CallsHarness, after: timedelta) -> None:
    stamp = Timestamp()
    stamp.FromDatetime(calls.clock.now + after)
    await calls.stub.RunCampaignTick(common_pb2.RunTickRequest(idempotency_key=calls.key("tick:campaigns"),
                                                               scheduled_at=stamp))


async def test_a_campaign_whose_last_answers_come_after_its_last_call_ended_reports_them(
        calls: CallsHarness) -> None:
    waiting = await campaign_waiting_for_answers(calls)
    # Every call is over and counted, but the report would lack the last answers: not complete yet.
    held = await campaign_now(calls, waiting)
    assert (held.status, held.totals.answered, held.totals.pending, held.totals.in_flight) == (
        calls_pb2.CAMPAIGN_STATUS_RUNNING, 2, 0, 0)
    await tick(calls, timedelta(minutes=1))  # a tick inside the wait changes nothing
    assert (await campaign_now(calls, waiting)).status == calls_pb2.CAMPAIGN_STATUS_RUNNING
    assert await completions(calls) == 0

    await deliver_analysis(calls, waiting.call_to[OTHER], {"interested?": False, "preferred day": "Mon"})

    assert (await campaign_now(calls, waiting)).status == calls_pb2.CAMPAIGN_STATUS_COMPLETED
    assert await completions(calls) == 1
    # The report the completion sends has both callees' answers, and no call marked as lacking them.
    assert answers(await report_rows(calls, waiting)) == [(CALLEE, "yes", "Tue", "-"), (OTHER, "no", "Mon", "-")]


async def test_answers_that_never_come_hold_the_report_only_for_the_wait_and_it_says_whose_are_missing(
        calls: CallsHarness) -> None:
    waiting = await campaign_waiting_for_answers(calls)
    wait = timedelta(minutes=calls.settings.calls_report_analysis_wait_minutes)
    assert wait == timedelta(minutes=10)  # the default
    await tick(calls, wait - timedelta(minutes=1))
    assert (await campaign_now(calls, waiting)).status == calls_pb2.CAMPAIGN_STATUS_RUNNING

    await tick(calls, wait)

    done = await campaign_now(calls, waiting)
    assert (done.status, done.totals.answered) == (calls_pb2.CAMPAIGN_STATUS_COMPLETED, 2)
    assert await completions(calls) == 1
    assert answers(await report_rows(calls, waiting)) == [(CALLEE, "yes", "Tue", ""), (OTHER, "", "", NOT_IN_YET)]

    # The answers come after all: the report asked for again has them; the campaign completes once only.
    await deliver_analysis(calls, waiting.call_to[OTHER], {"interested?": "no"})
    assert answers(await report_rows(calls, waiting)) == [(CALLEE, "yes", "Tue", "-"), (OTHER, "no", "", "-")]
    assert await completions(calls) == 1


async def test_a_campaign_paused_while_it_waits_for_answers_completes_when_they_come_or_at_the_wait(
        calls: CallsHarness) -> None:
    for answers_come in (True, False):
        waiting = await campaign_waiting_for_answers(calls)
        await calls.stub.PauseCampaign(calls_pb2.CampaignActionRequest(
            idempotency_key=calls.key("pause"), customer_id=waiting.customer, campaign_id=waiting.id))
        assert (await campaign_now(calls, waiting)).status == calls_pb2.CAMPAIGN_STATUS_PAUSED
        if answers_come:
            await deliver_analysis(calls, waiting.call_to[OTHER], {"interested?": "yes"})
        else:
            await tick(calls, timedelta(minutes=calls.settings.calls_report_analysis_wait_minutes))
        assert (await campaign_now(calls, waiting)).status == calls_pb2.CAMPAIGN_STATUS_COMPLETED
