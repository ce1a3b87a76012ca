"""In the chat: a campaign's completion report has the custom answers of its last call even though
Retell's call_analyzed came seconds after that call ended; and when a call's answers never come, the
report comes after the wait (CALLS_REPORT_ANALYSIS_WAIT_MINUTES) and says whose are missing."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import timedelta
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp

from services.bot.i18n import Words
from speechcue.calls.v1 import calls_pb2
from speechcue.common.v1 import common_pb2
from tests.bot.conftest import BotHarness, Person
from tests.bot.test_campaign_reports_agree import downloaded
from tests.bot.test_custom_outcomes_journey import flow_asking_interest_and_day

EN = Words("en")
KEEN, LAST = "+14155550171", "+14155550172"


async def campaign_of_two(bot: BotHarness, last_delivery: dict[str, Any]) -> tuple[Person, str, str]:
    """A campaign calling KEEN, whose answers come at once, and LAST, whose answers come as
    `last_delivery` says; returns the person, the customer and the campaign."""
    person = await bot.onboarded()
    customer = await bot.customer_id(person)
    await bot.calls.wallet.credit(customer, 5_000)
    flow = await bot.calls.flow(customer, flow_asking_interest_and_day())
    await bot.calls.script_callee(KEEN, answers={"interested?": True, "preferred day": "Tue"})
    await bot.calls.script_callee(LAST, answers={"interested?": False, "preferred day": "Mon"},
                                  delivery=last_delivery)
    created = await bot.calls.stub.CreateCampaign(calls_pb2.CreateCampaignRequest(
        idempotency_key=bot.calls.key("campaign"), customer_id=customer, name="Offer", flow_id=flow.id,
        list=f"{KEEN}\n{LAST}".encode()))
    await bot.calls.stub.StartCampaign(calls_pb2.CampaignActionRequest(
        idempotency_key=bot.calls.key("go"), customer_id=customer, campaign_id=created.id))
    return person, customer, created.id


async def completion_report(bot: BotHarness, person: Person) -> tuple[dict[str, Any], list[list[str]]]:
    """The completion report's document message and its CSV rows."""
    document = await person.wait_for(lambda m: "document" in m, what="the completion report")
    return document, list(csv.reader(io.StringIO((await downloaded(bot, document["document"]["file_id"])).decode())))


def answers_of(rows: list[list[str]]) -> list[tuple[str, ...]]:
    at = rows[0].index("interested?")
    return sorted(tuple(row[at:]) for row in rows[1:])


async def test_the_completion_report_has_the_answers_that_came_after_the_last_call_ended(bot: BotHarness) -> None:
    # The last call's analysis comes three seconds after its end (Retell's post-call model at work).
    person, _, _ = await campaign_of_two(bot, {"analysis_delay_ms": 300_000})

    document, rows = await completion_report(bot, person)

    yes, no = EN("fields.answer.yes"), EN("fields.answer.no")
    assert rows[0][-2:] == ["interested?", "preferred day"]
    assert answers_of(rows) == [(no, "Mon"), (yes, "Tue")]
    assert document["caption"] == EN("campaign.report.caption", name="Offer")


async def test_answers_that_never_come_are_reported_missing_after_the_wait(bot: BotHarness) -> None:
    person, customer, campaign_id = await campaign_of_two(bot, {"drop": ["call_analyzed"]})
    placed = (await bot.calls.stub.ListCalls(calls_pb2.ListCallsRequest(customer_id=customer,
                                                                        campaign_id=campaign_id))).calls
    while len(placed) < 2:
        await asyncio.sleep(0.05)
        placed = (await bot.calls.stub.ListCalls(calls_pb2.ListCallsRequest(customer_id=customer,
                                                                            campaign_id=campaign_id))).calls
    for call in placed:
        await bot.calls.settled(customer, call.id, analyzed=call.to_number == KEEN)
    stamp = Timestamp()
    stamp.FromDatetime(bot.calls.clock.now + timedelta(minutes=bot.calls.settings.calls_report_analysis_wait_minutes))
    await bot.calls.stub.RunCampaignTick(common_pb2.RunTickRequest(idempotency_key="tick:campaigns:late-answers",
                                                                   scheduled_at=stamp))

    document, rows = await completion_report(bot, person)

    assert EN.plural("campaign.report.answers_not_in", 1, button=EN("campaign.report")) in document["caption"]
    assert rows[0][-3:] == ["interested?", "preferred day", EN("outcome.csv.answers_pending")]
    assert answers_of(rows) == [("", "", EN("outcome.answers_not_in")), (EN("fields.answer.yes"), "Tue", "")]
