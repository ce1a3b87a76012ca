"""The confirm screen of a call tells what it costs: the price, the hold, and, when the recording
switch is on, the recording fee the calls service charges (CALLS_RECORDING_FEE_CENTS)."""

from __future__ import annotations

from tests.bot.conftest import BotHarness, at_the_call_quote, message_text
from tests.calls.conftest import CALLEE, menu_flow


async def test_switching_the_recording_on_shows_its_fee_and_off_hides_it(bot: BotHarness) -> None:
    person = await bot.onboarded()
    customer = await bot.customer_id(person)
    await bot.calls.wallet.credit(customer, 2_000)
    await bot.calls.flow(customer, menu_flow())
    fee = f"${bot.calls.settings.calls_recording_fee_cents / 100:.2f}"

    quote = await at_the_call_quote(person, CALLEE)
    assert "Recording adds" not in message_text(quote)
    await person.press("Recording: off")
    recorded = await person.wait_for_text(f"Recording adds {fee} to this call")
    assert "Recording: on" in str(recorded["reply_markup"])
    await person.press("Recording: on")
    unrecorded = await person.wait_for(lambda m: "Recording: off" in str(m.get("reply_markup")),
                                       what="the recording switched off")
    assert "Recording adds" not in message_text(unrecorded)


async def test_a_call_made_while_every_line_is_busy_says_so_and_is_placed_when_one_frees(bot: BotHarness) -> None:
    person = await bot.onboarded()
    customer = await bot.customer_id(person)
    await bot.calls.wallet.credit(customer, 2_000)
    flow = await bot.calls.flow(customer, menu_flow())
    bot.calls.retell.concurrency_limit = 1
    await bot.calls.script_callee("+14155550160", duration_ms=200_000)
    await bot.calls.call(customer, flow.id, "+14155550160")  # the only line is taken
    await bot.calls.script_callee(CALLEE, duration_ms=65_000, keys=[{"digit": "1", "at_ms": 2000}])

    await at_the_call_quote(person, CALLEE)
    await person.press("Call now")
    await person.wait_for_text("all lines are busy; it is placed as soon as one is free")
    await person.wait_for_text("Keys pressed: 1")
