"""Voicemail and retries by outcome through the chat: the wizard shows each outcome's retry rule with
its default, the customer changes one; a machine that answers gets the flow's voicemail, is called
again by the voicemail rule and is counted as "voicemail" in the progress message, the CSV and the
chart; a busy line is tried again by the busy rule."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import timedelta

from speechcue.calls.v1 import calls_pb2
from tests.bot.conftest import BotHarness, message_text
from tests.bot.test_campaign_journey import at_the_list_question_of_a_campaign_starting_now
from tests.bot.test_campaign_reports_agree import downloaded

MACHINE, BUSY, PERSON = "+14155551601", "+14155551602", "+14155551603"


async def retries_waiting(bot: BotHarness, customer: str, campaign_id: str, count: int) -> None:
    """Waits until `count` callees wait for a retry (the first round is over)."""
    for _ in range(600):
        current = await bot.calls.stub.GetCampaign(calls_pb2.GetCampaignRequest(customer_id=customer,
                                                                                campaign_id=campaign_id))
        if current.waiting.retries == count and not current.totals.in_flight:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"never {count} retries waiting: {current.waiting}")


def dials_to(bot: BotHarness, number: str) -> int:
    return sum(1 for call in bot.calls.retell.calls.values() if call.record["to_number"] == number)


async def test_a_voicemail_is_retried_by_its_rule_and_counted_apart_in_the_chat(bot: BotHarness) -> None:
    await bot.calls.script_callee(MACHINE, outcome="voicemail")
    await bot.calls.script_callee(BUSY, outcome="busy")
    await bot.calls.script_callee(PERSON, duration_ms=20_000)
    person, customer, asked = await at_the_list_question_of_a_campaign_starting_now(bot)
    assert "• Busy: up to 3 calls, 10 minutes apart" in message_text(asked)
    assert "never are" in message_text(asked)  # answered, opted-out and do-not-call callees
    await person.press("Busy: up to 3 calls, 10 minutes apart")  # → 5 calls
    await person.press("Busy: up to 5 calls, 10 minutes apart")  # → 2 calls, 30 minutes apart
    await person.wait_for_text("• Busy: up to 2 calls, 30 minutes apart")
    await person.say("\n".join([MACHINE, BUSY, PERSON]))
    await person.wait_for_text("3 numbers to call")
    [campaign] = (await bot.calls.stub.ListCampaigns(calls_pb2.ListCampaignsRequest(customer_id=customer))).campaigns
    assert {rule.outcome: (rule.max_attempts, rule.spacing_minutes) for rule in campaign.retry.by_outcome} == {
        "busy": (2, 30), "no_answer": (3, 60), "voicemail": (2, 240), "failed": (2, 30)}
    start = bot.calls.clock.now
    await person.press("Start now")

    await person.wait_for(lambda m: "answered 1 · voicemail 0 · not reached 0" in message_text(m),
                          what="the first round in the progress message")
    await retries_waiting(bot, customer, campaign.id, 2)
    bot.calls.clock.now = start + timedelta(minutes=30)
    await person.wait_for(lambda m: "not reached 1" in message_text(m), what="the busy line given up")
    assert (dials_to(bot, BUSY), dials_to(bot, MACHINE)) == (2, 1)
    bot.calls.clock.now = start + timedelta(hours=4)
    done = await person.wait_for(lambda m: "3 of 3 done" in message_text(m), what="the finished campaign")
    assert "answered 1 · voicemail 1 · not reached 1" in message_text(done)
    assert dials_to(bot, MACHINE) == 2

    document = await person.wait_for(lambda m: "document" in m, what="the report")
    chart = await person.wait_for(lambda m: "photo" in m, what="the chart")
    assert chart["photo"]
    rows = {row["number"]: row for row in csv.DictReader(io.StringIO(
        (await downloaded(bot, document["document"]["file_id"])).decode()))}
    assert (rows[MACHINE]["status"], rows[MACHINE]["outcome"], rows[MACHINE]["attempts"]) == (
        "voicemail", "voicemail", "2")
    assert (rows[BUSY]["status"], rows[BUSY]["outcome"]) == ("not reached", "busy")
