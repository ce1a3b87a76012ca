"""The number question refuses, with the reason, a number no call may go to (premium-rate,
shared-cost, a country calls do not go to, one no caller ID reaches), before the caller-ID step; a
number it accepts is offered only the caller IDs that can call it."""

from __future__ import annotations

from tests.bot.conftest import BotHarness, Person, message_text, start_new_flow
from tests.calls.conftest import menu_flow

IMPORTED = "+442071838700"  # the sandbox's number imported to Retell; its own numbers call the US only


async def at_the_number_question(bot: BotHarness) -> Person:
    person = await bot.onboarded()
    customer = await bot.customer_id(person)
    await bot.calls.wallet.credit(customer, 2_000)
    await bot.calls.flow(customer, menu_flow())
    await person.press("Call a number")
    await person.press_first("callf:")
    await person.wait_for_text("international form")
    return person


async def test_numbers_whose_owner_is_paid_or_abroad_are_refused_at_the_number_question(bot: BotHarness) -> None:
    person = await at_the_number_question(bot)
    await person.say("+44 909 879 0000")
    await person.wait_for_text("+449098790000 is a premium-rate number: its owner is paid for every call")
    await person.say("+49 180 1234 5")  # the question stays open after each refusal
    await person.wait_for_text("+4918012345 is a shared-cost number")
    await person.say("+1 800 234 5678")
    await person.wait_for_text("is not an ordinary landline or mobile number (toll-free")
    await person.say("+234 803 123 4567")
    refused = await person.wait_for_text("Numbers in Nigeria cannot be called from Speechcue")
    assert "United States" in message_text(refused) and "United Kingdom" in message_text(refused)
    assert "Which caller ID" not in " ".join(message_text(message) for message in person.messages())
    assert not bot.calls.retell.create_requests


async def test_a_uk_landline_is_offered_only_the_caller_id_that_can_call_it(bot: BotHarness) -> None:
    person = await at_the_number_question(bot)
    await person.say("+44 20 7183 8750")
    chosen = await person.wait_for_text("Which caller ID should the callee see?")
    offered = str(chosen["reply_markup"])
    assert IMPORTED in offered and "+14155550100" not in offered
    await person.press(IMPORTED)
    quote = await person.wait_for_text("Ready to call")
    assert IMPORTED in message_text(quote)


async def test_a_premium_rate_transfer_number_is_refused_at_the_transfer_question(bot: BotHarness) -> None:
    person = await bot.onboarded()
    await start_new_flow(person, "Front desk")
    await person.press("Transfer")
    await person.wait_for_text("number to transfer the call to")
    await person.say("+44 909 879 0000")
    await person.wait_for_text("+449098790000 is a premium-rate number: its owner is paid for every call")
    await person.say("+1 415 555 0199")  # the question stays open; an ordinary US number is taken
    complete = await person.wait_for_text("Front desk is complete")
    assert "+14155550199" in message_text(complete)
