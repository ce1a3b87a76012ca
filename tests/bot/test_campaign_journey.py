"""A campaign through the chat: twenty pasted numbers scheduled twelve minutes ahead with a reminder;
the customer receives the reminder, one progress message edited in place, and the final report as
a CSV document with a chart of outcomes."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import httpx
from google.protobuf.timestamp_pb2 import Timestamp

from speechcue.calls.v1 import calls_pb2
from speechcue.common.v1 import common_pb2
from tests.bot.conftest import BotHarness, Person, message_text
from tests.calls.conftest import menu_flow

CALLEES = [f"+1415555{number:04d}" for number in range(1200, 1220)]


async def campaign_tick(bot: BotHarness, minute: int) -> None:
    stamp = Timestamp()
    stamp.FromDatetime(bot.calls.clock.now)
    await bot.calls.stub.RunCampaignTick(common_pb2.RunTickRequest(idempotency_key=f"tick:campaigns:bot:{minute}",
                                                                   scheduled_at=stamp))


async def test_a_scheduled_campaign_sends_its_reminder_progress_and_report(bot: BotHarness) -> None:
    person = await bot.onboarded("Acme Dental")
    customer = await bot.customer_id(person)
    await bot.calls.wallet.credit(customer, 20_000)
    await bot.calls.flow(customer, menu_flow())
    for number in CALLEES:
        await bot.calls.script_callee(number, duration_ms=30_000, keys=[{"digit": "1", "at_ms": 2000}])

    await person.press("Campaigns")
    await person.press("New campaign")
    await person.press_first("cflow:")
    await person.press("At a time")
    await person.wait_for_text("Send the start time")
    start = bot.calls.clock.now + timedelta(minutes=12)
    await person.say(start.strftime("%H:%M"))  # the customer's timezone is UTC
    await person.press("10 min")
    await person.wait_for_text("Send the numbers")
    await person.say("\n".join([*CALLEES, "not a number", CALLEES[0]]))
    report = await person.wait_for_text("20 numbers to call")
    assert "1 invalid, 1 duplicate," in message_text(report)
    await person.press("📅 Schedule for")  # after its estimate
    await person.wait_for_text(": scheduled")

    # The reminder is due ten minutes before the start.
    bot.calls.clock.advance(minutes=2)
    await campaign_tick(bot, 2)
    await person.wait_for_text("⏰ Your campaign Appointment reminder")
    bot.calls.clock.advance(minutes=11)
    await campaign_tick(bot, 13)

    progress = await person.wait_for(lambda m: "completed" in message_text(m) and "20 of 20 done" in message_text(m),
                                     what="the completed progress message")
    assert "█" * 12 in message_text(progress)
    document = await person.wait_for(lambda m: "document" in m, what="the report")
    chart = await person.wait_for(lambda m: "photo" in m and "Outcomes" in (m.get("caption") or ""),
                                  what="the chart")
    assert chart["photo"]

    api = f"{bot.settings.telegram_api_base_url}/bot{bot.settings.telegram_bot_token}"
    async with httpx.AsyncClient() as client:
        found = await client.get(f"{api}/getFile", params={"file_id": document["document"]["file_id"]})
        path = found.json()["result"]["file_path"]
        content = (await client.get(f"{bot.settings.telegram_api_base_url}/file/bot"
                                    f"{bot.settings.telegram_bot_token}/{path}")).content
    rows = list(csv.DictReader(io.StringIO(content.decode())))
    assert len(rows) == 20
    progress_messages = [m for m in person.messages()
                         if "of 20 done" in message_text(m) and "Open the campaign" in message_text(m)]
    assert len(progress_messages) == 1  # one message, edited in place


async def at_the_list_question_of_a_campaign_starting_now(bot: BotHarness) -> tuple[Person, str, dict[str, Any]]:
    """An onboarded customer with money and an approved flow, at "Send the numbers"."""
    person = await bot.onboarded("Acme Dental")
    customer = await bot.customer_id(person)
    await bot.calls.wallet.credit(customer, 5_000)
    await bot.calls.flow(customer, menu_flow())
    await person.press("Campaigns")
    await person.press("New campaign")
    await person.press_first("cflow:")
    await person.press("Now")
    return person, customer, await person.wait_for_text("Send the numbers")


async def test_an_uploaded_csv_list_is_read_and_started_now(bot: BotHarness) -> None:
    person, _, _ = await at_the_list_question_of_a_campaign_starting_now(bot)
    await person.upload(b"number,name\n+14155551301,Ada\n+14155551302,Bob\n(415) 555-1303,Cy\nnope,Dee\n",
                        "callees.csv")
    report = await person.wait_for_text("3 numbers to call")
    assert "1 invalid" in message_text(report)
    await person.press("Start now")
    # To its end, so nothing is in flight when the services stop.
    await person.wait_for(lambda m: "3 of 3 done" in message_text(m), what="the finished campaign")


async def test_the_choices_above_the_list_become_the_campaigns(bot: BotHarness) -> None:
    person, customer, asked = await at_the_list_question_of_a_campaign_starting_now(bot)
    # The defaults, one rule per outcome; the voicemail button cycles to "called once".
    assert ("• Busy: up to 3 calls, 10 minutes apart\n• No answer: up to 3 calls, 1 hour apart\n"
            "• Voicemail: up to 2 calls, 4 hours apart\n• Line failed: up to 2 calls, 30 minutes apart"
            ) in message_text(asked)
    await person.press("Voicemail: up to 2 calls, 4 hours apart")
    chosen = await person.wait_for_text("• Voicemail: called once")
    assert "Voicemail: called once" in str(chosen["reply_markup"])
    assert "Callees see Any from the pool." in message_text(chosen)
    pool = [c.number for c in (await bot.calls.stub.ListCallerIds(calls_pb2.ListCallerIdsRequest())).caller_ids]
    await person.press("Caller ID: Any from the pool")
    await person.press(f"Caller ID: {pool[0]}")  # the button cycles: any, the first number, the second, …
    await person.wait_for_text(f"Callees see {pool[1]}.")
    await person.press("Up to 5 min per call")  # cycles 5 → 10 → 2
    await person.wait_for_text("Each call lasts at most 10 minutes")
    await person.say("+14155551401\n+14155551402")
    await person.wait_for_text("2 numbers to call")
    [campaign] = (await bot.calls.stub.ListCampaigns(calls_pb2.ListCampaignsRequest(customer_id=customer))).campaigns
    assert {rule.outcome: (rule.max_attempts, rule.spacing_minutes) for rule in campaign.retry.by_outcome} == {
        "busy": (3, 10), "no_answer": (3, 60), "voicemail": (1, 0), "failed": (2, 30)}
    assert (campaign.retry.max_attempts, campaign.retry.spacing_minutes) == (3, 60)  # for an older client
    assert (campaign.caller_id, campaign.max_minutes_per_call) == (pool[1], 10)


async def test_cancelling_a_running_campaign_updates_its_progress_message(bot: BotHarness) -> None:
    """Cancelled elsewhere than on that message (here straight through the calls service), the progress
    message still comes to say so: the cancel is an event like the pause."""
    person, customer, _ = await at_the_list_question_of_a_campaign_starting_now(bot)
    numbers = [f"+1415555{n:04d}" for n in range(1500, 1506)]
    for number in numbers:
        await bot.calls.script_callee(number, duration_ms=400_000)
    await person.say("\n".join(numbers))
    await person.wait_for_text("6 numbers to call")
    await person.press("Start now")
    await person.wait_for(lambda m: "running" in message_text(m) and "of 6 done" in message_text(m),
                          what="the running progress message")
    [campaign] = (await bot.calls.stub.ListCampaigns(calls_pb2.ListCampaignsRequest(customer_id=customer))).campaigns
    await bot.calls.stub.CancelCampaign(calls_pb2.CampaignActionRequest(
        idempotency_key="cancel-elsewhere", customer_id=customer, campaign_id=campaign.id))
    await person.wait_for(lambda m: "cancelled" in message_text(m) and "of 6 done" in message_text(m),
                          what="the progress message saying cancelled")
