"""Campaigns that explain themselves (issue 16, item 4): the confirm screen's estimate and whether the
money covers the first calls, why a running campaign waits, why a paused one is paused (every reason,
in English and 中文), cancel after a confirmation, names, and a reminder too long for its start."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from typing import Any

import pytest

from services.bot.campaign_texts import PAUSE_REASON_IDS, pause_reason_text
from services.bot.i18n import Words
from services.calls.campaigns import PAUSED_BY_CUSTOMER
from services.calls.dispatcher import PAUSE_REASONS
from services.calls.limits import CustomerSuspended
from speechcue.calls.v1 import calls_pb2
from speechcue.wallet.v1 import wallet_pb2
from tests.bot.conftest import BotHarness, Person, find_button, message_text
from tests.calls.conftest import menu_flow

EN = Words("en")
TOKYO = ["+81312345678", "+81312345679"]
LONDON = "+442071838750"


async def customer_with_flow(bot: BotHarness, cents: int) -> tuple[Person, str]:
    person = await bot.onboarded("Acme Dental")
    customer = await bot.customer_id(person)
    if cents:
        await bot.calls.wallet.credit(customer, cents)
    await bot.calls.flow(customer, menu_flow())
    return person, customer


async def new_campaign_now(person: Person, numbers: list[str], *, name: str = "") -> dict[str, Any]:
    """Campaigns → New campaign → the flow → (a name) → Now → the numbers; the confirm screen."""
    await person.press("Campaigns")
    await person.press("New campaign")
    await person.press_first("cflow:")
    await person.wait_for_text("Send another name to change it")
    if name:
        await person.say(name)
        await person.wait_for_text(f"Name: {name}\n")
    await person.press("Now")
    await person.wait_for_text("Send the numbers")
    await person.say("\n".join(numbers))
    return await person.wait_for_text(f"{len(numbers)} number{'' if len(numbers) == 1 else 's'} to call")


async def test_the_confirm_screen_estimates_the_list_and_says_the_money_covers_the_first_calls(
        bot: BotHarness) -> None:
    person, _ = await customer_with_flow(bot, 5_000)
    confirm = message_text(await new_campaign_now(person, ["+14155551601", "+14155551602", "+14155551603"]))
    assert "Estimate: 3 calls of up to 5 min at $0.15 a minute: at most $2.25 ($0.75 a call)." in confirm
    assert "✅ Your balance and plan cover the first 3 calls." in confirm
    assert "Top up" not in confirm and "▶️ Start now" in confirm


async def test_not_enough_money_is_said_on_the_confirm_screen_with_top_up_and_plans(bot: BotHarness) -> None:
    person, _ = await customer_with_flow(bot, 100)  # $1.00: one 5-minute call of the two
    confirm = message_text(await new_campaign_now(person, ["+14155551611", "+14155551612"]))
    assert "⚠️ Your balance and plan cover only 1 of the first 2 calls" in confirm
    assert "➕ Top up" in confirm and "📦 Plans" in confirm

    broke, _ = await customer_with_flow(bot, 0)
    confirm = message_text(await new_campaign_now(broke, ["+14155551613"]))
    assert "⛔ Your balance and plan do not cover one call of 5 min" in confirm
    assert "➕ Top up" in confirm and "📦 Plans" in confirm
    await broke.press("📦 Plans")  # the single-call quote's own way out
    await broke.wait_for_text("Prime")


async def test_the_confirm_screen_states_the_plans_minutes(bot: BotHarness) -> None:
    person, customer = await customer_with_flow(bot, 0)
    wallet = bot.calls.wallet
    plans = {p.code: p for p in (await wallet.stub.ListPlans(wallet_pb2.ListPlansRequest())).plans}
    await wallet.credit(customer, plans["prime_7d"].price_cents)
    await wallet.stub.BuySubscription(wallet_pb2.BuySubscriptionRequest(
        idempotency_key=wallet.key("buy"), customer_id=customer, plan_code="prime_7d"))
    confirm = message_text(await new_campaign_now(person, ["+14155551621", "+14155551622"]))
    assert re.search(r"Your plan .+ pays its minutes first: 10 min of the first calls\.", confirm), confirm
    assert "✅ Your balance and plan cover the first 2 calls." in confirm


async def test_a_running_campaign_says_its_callees_wait_for_their_calling_hours(bot: BotHarness) -> None:
    """20:00 UTC: inside London's hours, 05:00 in Tokyo (its hours open at 08:00, 23:00 UTC)."""
    person, customer = await customer_with_flow(bot, 5_000)
    for number in [*TOKYO, LONDON]:
        await bot.calls.script_callee(number, duration_ms=5_000)
    await new_campaign_now(person, [*TOKYO, LONDON])
    await person.press("▶️ Start now")
    [campaign] = (await bot.calls.stub.ListCampaigns(calls_pb2.ListCampaignsRequest(customer_id=customer))).campaigns
    for _ in range(100):
        current = await bot.calls.stub.GetCampaign(calls_pb2.GetCampaignRequest(customer_id=customer,
                                                                                campaign_id=campaign.id))
        if current.waiting.calling_hours == 2:
            break
        await asyncio.sleep(0.05)
    # London's call over, nothing else moves until Tokyo's morning: no progress message edits the screen.
    progress = await person.wait_for_text("1 of 3 done")
    # The progress message says why the rest wait, as the campaign's screen does.
    assert "2 callees wait for their calling hours: next at 8:00" in message_text(progress)
    await person.press("Open the campaign")
    screen = await person.wait_for_text("2 callees wait for their calling hours")
    assert re.search(r"2 callees wait for their calling hours: next at 8:00\sAM .*in their time", message_text(screen))

    # Cancel asks first; No keeps it running.
    await person.press("✖️ Cancel")
    question = await person.wait_for_text("Cancel the campaign")
    await person.press("No, keep it")
    await person.wait_for(lambda m: m["message_id"] >= question["message_id"] and "⏸ Pause" in message_text(m)
                          and "Cancel the campaign" not in message_text(m)
                          and "callees wait for their calling hours" in message_text(m),
                          what="the campaign, still running")
    assert (await bot.calls.stub.GetCampaign(calls_pb2.GetCampaignRequest(
        customer_id=customer, campaign_id=campaign.id))).status == calls_pb2.CAMPAIGN_STATUS_RUNNING
    await person.press("✖️ Cancel")
    await person.press("Yes, cancel")
    await person.wait_for(lambda m: "cancelled" in message_text(m) and "Report" in message_text(m),
                          what="the cancelled campaign")


@pytest.mark.parametrize("reason", sorted(PAUSE_REASONS | {PAUSED_BY_CUSTOMER, CustomerSuspended.default_reason}))
@pytest.mark.parametrize("language", ["en", "zh"])
def test_every_pause_reason_has_its_own_words(reason: str, language: str) -> None:
    words = Words(language)
    text = pause_reason_text(words, reason)
    assert reason in PAUSE_REASON_IDS and text != words("campaign.paused.other")
    assert reason not in text
    if language == "zh":
        assert not re.search(r"[A-Za-z]{2,}", text), text
    else:
        assert "Paused" in text


def test_the_bot_has_words_for_no_pause_reason_the_calls_service_does_not_give() -> None:
    assert set(PAUSE_REASON_IDS) == set(PAUSE_REASONS) | {PAUSED_BY_CUSTOMER, CustomerSuspended.default_reason}


async def test_a_pause_says_who_paused_and_resume_clears_it(bot: BotHarness) -> None:
    person, _ = await customer_with_flow(bot, 5_000)
    for number in ["+14155551631", "+14155551632"]:  # ring until cancelled: the campaign cannot end first
        await bot.calls.script_callee(number, manual=True)
    await new_campaign_now(person, ["+14155551631", "+14155551632"])
    await person.press("▶️ Start now")
    await person.press("⏸ Pause")
    # The campaign's screen, not the progress message: that says "Paused by you" too, and may come later.
    paused = await person.wait_for(lambda m: "⏸ Paused by you. Resume when you are ready." in message_text(m)
                                   and find_button(m, "▶️ Resume") is not None, what="the paused campaign")
    await person.press("▶️ Resume")
    await person.wait_for(lambda m: m["message_id"] == paused["message_id"] and "running" in message_text(m)
                          and "⏸ Pause" in message_text(m) and "Paused by you" not in message_text(m),
                          what="the resumed campaign")
    await person.press("✖️ Cancel")
    await person.press("Yes, cancel")
    await person.wait_for(lambda m: "cancelled" in message_text(m), what="the cancelled campaign")


async def test_money_running_out_pauses_the_campaign_saying_so_with_top_up_and_plans(bot: BotHarness) -> None:
    person, customer = await customer_with_flow(bot, 100)  # $1.00: a 5-minute hold, then a 1-minute call
    numbers = ["+14155551661", "+14155551662", "+14155551663"]
    for number in numbers:
        await bot.calls.script_callee(number, duration_ms=400_000)
    await new_campaign_now(person, numbers)
    await person.press("▶️ Start now")
    await person.wait_for(lambda m: "paused" in message_text(m) and "Open the campaign" in message_text(m),
                          what="the paused progress message")
    await person.press("Open the campaign")
    screen = message_text(await person.wait_for_text("▶️ Resume"))
    assert "💸 Paused: your balance and plan minutes ran out. Top up or choose a plan, then resume." in screen
    assert "➕ Top up" in screen and "📦 Plans" in screen
    [campaign] = (await bot.calls.stub.ListCampaigns(calls_pb2.ListCampaignsRequest(customer_id=customer))).campaigns
    await bot.calls.stub.CancelCampaign(calls_pb2.CampaignActionRequest(
        idempotency_key="cancel-after-the-test", customer_id=customer, campaign_id=campaign.id))


async def test_a_campaign_is_named_in_the_wizard_and_renamed_later(bot: BotHarness) -> None:
    person, _ = await customer_with_flow(bot, 5_000)
    await person.press("Campaigns")
    await person.press("New campaign")
    await person.press_first("cflow:")
    default = await person.wait_for_text("Send another name to change it")
    assert "Name: Appointment reminder – Nov 24" in message_text(default)  # the flow and the day, by default
    await person.say("Flu shots")
    await person.wait_for_text("Name: Flu shots\n")
    await person.press("Now")
    await person.say("+14155551641")
    confirm = await person.wait_for_text("1 number to call")
    assert "🏷 Name: Flu shots" in message_text(confirm)
    await person.say("/menu")
    await person.press("Campaigns")
    await person.press("Flu shots · ready")  # the list shows the name
    await person.press("✏️ Rename")
    await person.wait_for_text("Send the campaign's new name.")
    await person.say("Winter flu shots")
    await person.wait_for_text("📋 Winter flu shots: ready")
    await person.press("✖️ Cancel")
    await person.press("Yes, cancel")
    await person.press("Report")
    document = await person.wait_for(lambda m: "document" in m, what="the report")
    assert document["caption"] == "📄 The campaign's report for Winter flu shots: one line per number."
    assert document["document"]["file_name"].startswith("Winter-flu-shots")


async def test_a_reminder_longer_than_the_time_to_the_start_is_refused_when_chosen(bot: BotHarness) -> None:
    person, _ = await customer_with_flow(bot, 5_000)
    await person.press("Campaigns")
    await person.press("New campaign")
    await person.press_first("cflow:")
    await person.press("At a time")
    await person.wait_for_text("Send the start time")
    await person.say((bot.calls.clock.now + timedelta(minutes=15)).strftime("%H:%M"))
    await person.press("30 min")
    refused = await person.wait_for_text("A 30-minute reminder would come before now")
    assert "the start is only 15 min away" in message_text(refused) or "only 14 min away" in message_text(refused)
    assert "10 min" in message_text(refused)  # the question stays open
    await person.press("10 min")
    await person.wait_for_text("Send the numbers")
    await person.say("+14155551651")
    confirm = await person.wait_for_text("1 number to call")
    assert "📅 Schedule for" in message_text(confirm)
    await person.press("📅 Schedule for")
    await person.wait_for_text(": scheduled")
