"""Callbacks the callee asks for, in the chat: the customer offers a callback on a flow's options
screen (a delay, then a key that is neither a menu's key nor the opt-out key), every menu of the saved
flow then offers it in the call's language, and a callee who presses it turns the call's outcome into
"asked to be called back, around <time> their time" with a Call back button into the call path.
The campaign's progress line is checked in every language without a server."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.bot.callback_texts import callback_asked_line, callbacks_waiting_line
from services.bot.i18n import Words
from services.calls.call_texts import ENGLISH
from services.calls.callbacks import CALLBACK_NODE
from speechcue.calls.v1 import calls_pb2
from tests.bot.conftest import BotHarness, Person, message_text, start_new_flow

EN = Words("en")
CALLEE = "+14155550177"


async def a_menu_flow_with_a_callback(person: Person) -> None:
    await start_new_flow(person, "Reminder")
    await person.press("Key-press menu")
    await person.say("Press 1 to confirm your appointment.")
    await person.wait_for_text("Which keys does this menu offer")
    await person.say("1")
    await person.wait_for_text("when the callee presses")
    await person.press("End the call")
    await person.wait_for_text("Send the goodbye")
    await person.say("Thanks, bye.")
    options = await person.wait_for_text("the call's options, before saving")
    assert EN("callback.line_off") in message_text(options)

    await person.press(EN("callback.option"))
    await person.wait_for_text(EN("callback.ask_delay")[:40])
    await person.press(EN("callback.delay.hour"))
    await person.wait_for_text("Which key asks for the callback")
    await person.say("1")
    await person.wait_for_text(EN("callback.key_taken", key="1"))
    await person.say("9")
    await person.wait_for_text(EN("callback.key_is_opt_out", key="9"))
    await person.say("8")
    await person.wait_for_text(EN("callback.line", key="8", delay=EN("callback.delay.hour")))


async def test_a_callback_offered_on_the_options_screen_is_said_at_every_menu_and_reported_with_call_back(
        bot: BotHarness) -> None:
    person = await bot.onboarded("Acme Dental")
    await a_menu_flow_with_a_callback(person)
    await person.press("Save")
    await person.wait_for_text("Reminder was saved")
    customer = await bot.customer_id(person)
    [flow] = (await bot.calls.stub.ListFlows(calls_pb2.ListFlowsRequest(customer_id=customer))).flows
    assert (flow.spec.callback.key, flow.spec.callback.delay_minutes) == ("8", 60)
    assert flow.status == calls_pb2.FLOW_STATUS_APPROVED
    agent = bot.calls.retell.agents[flow.approved_retell_agent_id]
    compiled = bot.calls.retell.flows[agent["response_engine"]["conversation_flow_id"]]
    menus = [node for node in compiled["nodes"]
             if any(edge["destination_node_id"] == CALLBACK_NODE for edge in node.get("edges", []))]
    assert menus and all(node["instruction"]["text"] == "Press 1 to confirm your appointment. "
                         + ENGLISH.callback_offer.format(key="8") for node in menus)

    await bot.calls.wallet.credit(customer, 5_000)
    await bot.calls.script_callee(CALLEE, duration_ms=20_000, keys=[{"digit": "8", "at_ms": 4_000}])
    await person.say("/menu")
    await person.press("Call a number")  # its one flow is taken at once
    await person.wait_for_text("international form")
    await person.say(CALLEE)
    await person.press("Any from the pool")
    await person.press("Call now")
    outcome = await person.wait_for_text("asked to be called back")
    assert "around" in message_text(outcome) and "their time" in message_text(outcome)

    await person.press(EN("callback.call_back"))
    await person.wait_for_text(EN("call.choose_caller_id"))
    await person.press(EN("call.caller_auto"))
    quote = message_text(await person.wait_for_text("Ready to call"))
    assert "Reminder" in quote and CALLEE in quote
    assert len(bot.calls.retell.calls) == 1  # a single call is called back only when the customer says so


@pytest.mark.parametrize("language", ["en", "fr", "zh", "hi"])
def test_the_progress_line_says_the_next_callback_in_their_time_and_yours(language: str) -> None:
    words = Words(language)
    waiting = calls_pb2.CampaignWaiting(callbacks=1)
    waiting.callback_next.at.FromDatetime(datetime(2026, 12, 4, 18, 0, tzinfo=UTC))
    waiting.callback_next.zone = "America/Los_Angeles"
    line = callbacks_waiting_line(words, waiting, "Europe/Paris")
    assert line.startswith("📞 1")
    plain = line.replace("\u202f", " ").lower()
    assert "10:00" in plain and ("19:00" in plain or "7:00 pm" in plain), line
    assert "{" not in line


def test_a_callback_without_a_time_says_so() -> None:
    assert callback_asked_line(EN, CALLEE, None, "UTC") == EN("callback.asked_no_time")
