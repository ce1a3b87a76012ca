"""A new customer's whole journey through the chat, end to end, in English and in Chinese:
onboarding, a crypto top-up, a plan, a three-node flow built in the wizard, a call whose callee
presses 2, and the outcome with the digit, the duration and the minutes used. In Chinese, no
English word appears anywhere in the chat."""

from __future__ import annotations

import re

import pytest

from services.bot.i18n import LANGUAGES, Words
from speechcue.payments.v1 import payments_pb2
from tests.bot.conftest import BotHarness, Person, button_data, find_button, message_text

CALLEE = "+14155550123"
# What a chat may show in Latin letters whatever its language: codes and the product's name.
LATIN_ALLOWED = re.compile(r"\b(?:[A-Z0-9-]{2,12}|Speechcue|IVR)\b")


def first_line(words: Words, message_id: str) -> str:
    """A button's label, or the start of a message, as the chat shows it (without its values)."""
    return words(message_id).split("{")[0].split("\n")[0].strip()


async def top_up(person: Person, bot: BotHarness, words: Words, dollars: str) -> None:
    await person.press(first_line(words, "menu.wallet"))
    await person.press(first_line(words, "wallet.topup"))
    await person.press_first("coin:")
    await person.wait_for(lambda m: "topup" in str(m.get("reply_markup")) and "coin:" not in str(m.get("reply_markup")),
                          what="the amount question")
    await person.say(dollars)
    invoice = await person.wait_for(lambda m: "photo" in m and find_button(m, "🔄") is not None, what="the invoice")
    invoice_id = (find_button(invoice, "🔄") or "").split(":", 1)[1]
    await bot.payments.pay(payments_pb2.Invoice(id=invoice_id))


async def build_three_node_flow(person: Person, words: Words, name: str, menu: str, goodbye: str) -> None:
    await person.press(first_line(words, "menu.flows"))
    await person.press(first_line(words, "flow.new"))
    await person.say(name)
    voices = await person.wait_for(lambda m: "fvoice:" in str(m.get("reply_markup")), what="the voices")
    await person.press_data(button_data(voices, "fvoice", ":-"), voices["message_id"])
    await person.press(first_line(words, "flow.kind.menu"))  # n1: a menu offering 1 and 2
    await person.say(menu)
    await person.say("1 2")
    await person.press(first_line(words, "flow.kind.end"))  # n2: key 1 ends the call
    await person.say(goodbye)
    linking = await person.wait_for(lambda m: bool(button_data(m, "flink", ":n2")), what="the link choice")
    await person.press_data(button_data(linking, "flink", ":n2"), linking["message_id"])  # key 2 ends it the same way


# What the customer types, and the summary Retell's analysis writes (in the call's own language).
JOURNEYS = {
    "en": {"name": "Acme Dental", "flow": "Reminders", "menu": "Press 1 to confirm, 2 to cancel.",
           "goodbye": "Thank you, see you soon.", "summary": "The callee cancelled the appointment."},
    "zh": {"name": "阳光牙科", "flow": "预约提醒", "menu": "确认预约请按1，取消请按2。", "goodbye": "谢谢，再见。",
           "summary": "被叫方按2取消了预约。"},
    "hi": {"name": "सूर्या डेंटल", "flow": "अपॉइंटमेंट याद", "menu": "पुष्टि के लिए 1 दबाएँ, रद्द करने के लिए 2 दबाएँ।",
           "goodbye": "धन्यवाद, फिर मिलेंगे।", "summary": "कॉल पाने वाले ने अपॉइंटमेंट रद्द कर दिया।"},
}


@pytest.mark.parametrize("language", list(JOURNEYS))
async def test_new_customer_tops_up_buys_a_plan_builds_a_flow_and_reads_a_call_outcome(
        bot: BotHarness, language: str) -> None:
    typed = JOURNEYS[language]
    words = Words(language)
    person = bot.person(language)
    await person.say("/start")
    await person.press(LANGUAGES[language])
    await person.wait_for_text(first_line(words, "onboarding.ask_name"))
    await person.say(typed["name"])
    await person.press(first_line(words, "onboarding.accept"))
    await person.press(first_line(words, "onboarding.trial_skip"))
    await person.wait_for_text(first_line(words, "menu.title"))

    await top_up(person, bot, words, "25")
    await person.wait_for_text(words("topup.confirmed", amount="$25.00", coin="{").split("{")[0][:8])

    await person.press(first_line(words, "menu.back_home"))
    await person.press(first_line(words, "menu.wallet"))
    await person.press(first_line(words, "plans.title"))
    await person.press(words.name_of("plan.name.prime_7d", "Prime 7 days"))
    await person.press(first_line(words, "plans.buy_wallet"))
    await person.press(first_line(words, "wallet.buy_yes"))
    await person.wait_for(lambda m: words.name_of("plan.name.prime_7d", "") in message_text(m)
                          and "plan:" not in str(m.get("reply_markup")) and "wallet" in str(m.get("reply_markup")),
                          what="the plan bought")

    await person.press(first_line(words, "menu.back_home"))
    await build_three_node_flow(person, words, typed["flow"], typed["menu"], typed["goodbye"])
    await person.press(first_line(words, "flow.save"))
    saved = await person.wait_for(lambda m: "callf" in str(m.get("reply_markup")) or
                                  "call:flow" in str(m.get("reply_markup")), what="the saved flow")
    assert first_line(words, "flow.status.approved") in message_text(saved)

    await bot.calls.script_callee(CALLEE, duration_ms=65_000, keys=[{"digit": "2", "at_ms": 3000}],
                                  summary=typed["summary"], sentiment="Negative")
    await person.press(first_line(words, "menu.call"))  # on the saved flow's message: straight to the number
    await person.wait_for_text(typed["flow"])
    await person.say(CALLEE)
    await person.press(first_line(words, "call.caller_auto"))
    await person.press(first_line(words, "call.confirm"))

    outcome = await person.wait_for(lambda m: words("call.outcome.keys", keys="2") in message_text(m),
                                    what="the call outcome")
    text = message_text(outcome)
    assert words("call.outcome.duration", duration="1:05") in text
    assert words("call.outcome.cost", cost=words.money(0), minutes=2) in text
    await person.wait_for_text(typed["summary"])

    if language != "en":
        shown = LATIN_ALLOWED.sub(" ", person.all_text())
        for address in re.findall(r"\b[0-9a-zA-Z]{20,}\b", shown):
            shown = shown.replace(address, " ")  # the payment address is the coin's, not words
        english = sorted(set(re.findall(r"[A-Za-z]{3,}", shown)))
        assert english == [], english
        script = {"zh": r"[\u4e00-\u9fff]", "hi": r"[\u0900-\u097f]"}[language]
        assert len(re.findall(script, shown)) > 300  # the chat really is in its language
