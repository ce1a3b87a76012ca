"""A new customer's whole journey through the chat, end to end: onboarding, a crypto top-up, a plan,
a three-node flow built in the wizard, a call whose callee presses 2, and the outcome with the
digit, the duration and the minutes used."""

from __future__ import annotations

import re

from speechcue.payments.v1 import payments_pb2
from tests.bot.conftest import BotHarness, Person, find_button, message_text

CALLEE = "+14155550123"


async def top_up(person: Person, bot: BotHarness, dollars: str) -> None:
    await person.press("💰")
    await person.press("➕")
    coin_message = await person.wait_for(lambda m: find_button(m, "") is not None and "coin:" in str(m),
                                         what="the coins")
    first_coin = next(b["callback_data"] for row in coin_message["reply_markup"]["inline_keyboard"] for b in row
                      if b.get("callback_data", "").startswith("coin:"))
    await person.press_data(first_coin, coin_message["message_id"])
    await person.wait_for(lambda m: "USD" in message_text(m) or "$" in message_text(m) or "美元" in message_text(m),
                          what="the amount question")
    await person.say(dollars)
    invoice_message = await person.wait_for(lambda m: "photo" in m and find_button(m, "🔄") is not None,
                                            what="the invoice")
    invoice_id = (find_button(invoice_message, "🔄") or "").split(":", 1)[1]
    await bot.payments.pay(payments_pb2.Invoice(id=invoice_id))


async def build_three_node_flow(person: Person, name: str) -> None:
    await person.press("🧩")
    await person.press("➕")
    await person.say(name)
    voices = await person.wait_for(lambda m: "fvoice:" in str(m.get("reply_markup")), what="the voices")
    await person.press_data("fvoice:-", voices["message_id"])
    # Node 1: a menu offering 1 and 2.
    await person.press("🔢")
    await person.say("Press 1 to confirm your appointment, 2 to cancel it.")
    await person.say("1 2")
    # Key 1 → an end node; key 2 → another end node... but three nodes in all: key 2 links to the first end.
    await person.press("🔚")
    await person.say("Thank you, see you soon.")
    linking = await person.wait_for(lambda m: "flink:n2" in str(m.get("reply_markup")), what="the link choice")
    await person.press_data("flink:n2", linking["message_id"])


async def test_new_customer_tops_up_buys_a_plan_builds_a_flow_and_reads_a_call_outcome(bot: BotHarness) -> None:
    person = bot.person("en")
    await person.say("/start")
    await person.press("English")
    await person.wait_for_text("What is your name")
    await person.say("Acme Dental")
    await person.press("I accept")
    await person.press("No, thanks")  # the free trial: offered once, skipped here
    await person.wait_for_text("Main menu")

    await top_up(person, bot, "25")
    await person.wait_for_text("Payment confirmed")

    await person.press("Main menu")
    await person.press("Wallet")
    await person.press("Plans")
    await person.press("Prime 7 days")
    await person.press("Pay from the wallet")
    await person.wait_for_text("is active until")

    await person.press("Main menu")
    await build_three_node_flow(person, "Reminders")
    await person.wait_for_text("is complete")
    await person.press("Save")
    saved = await person.wait_for_text("was saved")
    assert "approved" in message_text(saved)

    await bot.calls.script_callee(CALLEE, duration_ms=65_000, keys=[{"digit": "2", "at_ms": 3000}])
    await person.press("Call a number")  # on the saved flow's message: straight to the number
    await person.wait_for_text("international form")
    await person.say(CALLEE)
    await person.press("Any from the pool")
    await person.wait_for_text("Ready to call")
    await person.press("Call now")

    outcome = await person.wait_for_text("Keys pressed: 2", within=30.0)
    text = message_text(outcome)
    assert "Duration: 1:05" in text
    assert re.search(r"plan minutes used: 2\b", text), text
    assert "Cost: $0.00" in text
