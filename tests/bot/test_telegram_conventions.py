"""Telegram's own conventions: the command menu in each language, a toast for a press that did
something, a confirmation before money leaves the wallet, notifications that open their screen, and a
notification never overwritten by the screen its button opens."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

import services.bot.screens  # noqa: F401  (registers every handler)
from services.bot.i18n import LANGUAGES, Words
from services.bot.routing import router
from services.sandbox.telegram_simulator import TelegramSimulator
from speechcue.wallet.v1 import wallet_pb2
from tests.bot.conftest import (
    REPLY_WITHIN,
    BotHarness,
    Person,
    at_the_call_quote,
    find_button,
    forge_press,
    message_text,
)
from tests.calls.conftest import CALLEE, menu_flow

COMMANDS = ["start", "menu", "help", "cancel"]


async def menus_published(telegram: TelegramSimulator) -> dict[str, list[dict[str, str]]]:
    """Every language's command menu and the default one, once the bot has set the last of them."""
    await telegram.wait_until(lambda: telegram.commands_for("") or None, within=REPLY_WITHIN)
    return {language: telegram.commands_for(language) for language in [*LANGUAGES, ""]}


async def test_the_command_menu_is_set_in_every_language_and_again_at_each_start(bot: BotHarness) -> None:
    menus = await menus_published(bot.telegram)

    for language in LANGUAGES:
        words = Words(language)
        assert menus[language] == [{"command": name, "description": words(f"commands.{name}")} for name in COMMANDS]
    assert menus[""] == menus["en"]
    assert bot.telegram.commands_for("de") == menus["en"]  # an app in another language gets English
    assert menus["zh"][3]["description"] != menus["en"][3]["description"]

    bot.telegram.commands.clear()
    await bot.restart()  # a redeploy, or a second replica starting: the same lists, set again
    assert await menus_published(bot.telegram) == menus


@pytest.mark.parametrize("state_question", ["Top up", "none"])
async def test_cancel_leaves_a_typed_answer_for_the_main_menu(bot: BotHarness, state_question: str) -> None:
    person = await bot.onboarded()
    if state_question == "Top up":
        await person.press("Wallet")
        await person.press("Top up")
        await person.press_first("coin:")
        await person.wait_for_text("How many US dollars")
    await person.say("/cancel")
    expected = "Cancelled. Nothing was changed." if state_question == "Top up" else "Nothing to cancel"
    answer = await person.wait_for_text(expected)
    assert find_button(answer, "IVR flows") is not None  # the main menu's buttons

    await person.say("25")  # no longer an amount: nothing is invoiced
    await person.wait_for_text("Please use the buttons")
    assert not any("photo" in message for message in person.messages())


async def test_cancel_answers_every_typed_answer_question_with_the_main_menu(bot: BotHarness) -> None:
    """Whatever the chat was asked to type (every state a screen registers), /cancel leaves it."""
    person = await bot.onboarded()
    connection = await asyncpg.connect(bot.database_url)
    try:
        for state in sorted(router.texts):
            await connection.execute("UPDATE conversations SET state = $1, data = '{\"x\": 1}' WHERE chat_id = $2",
                                     state, person.user_id)
            seen = person.messages()[-1]["message_id"]
            await person.say("/cancel")
            answer = await person.wait_for(lambda m, seen=seen: m["message_id"] > seen
                                           and "Cancelled. Nothing was changed." in message_text(m), what=state)
            assert find_button(answer, "IVR flows") == "flows", state
            assert await connection.fetchval("SELECT state FROM conversations WHERE chat_id = $1",
                                             person.user_id) == "", state
    finally:
        await connection.close()


def answers_to(telegram: TelegramSimulator, data_prefix: str) -> list[dict[str, Any]]:
    return [record.answer for record in telegram.callback_queries.values()
            if record.query["data"].startswith(data_prefix) and record.answer is not None]


async def at_the_purchase_confirmation(person: Person) -> dict[str, Any]:
    await person.press("Wallet")
    await person.press("Plans")
    await person.press("Prime")
    await person.press("Pay from the wallet")
    return await person.wait_for_text("from your wallet?")


async def subscription(bot: BotHarness, customer: str) -> wallet_pb2.Subscription:
    return await bot.calls.wallet.stub.GetSubscription(wallet_pb2.GetSubscriptionRequest(customer_id=customer))


async def test_a_plan_is_bought_from_the_wallet_only_once_confirmed_and_once(bot: BotHarness) -> None:
    person = await bot.onboarded()
    customer = await bot.customer_id(person)
    await bot.calls.wallet.credit(customer, 50_00)

    confirmation = await at_the_purchase_confirmation(person)
    assert "Balance now: $50.00" in message_text(confirmation)
    await person.press("No")
    await person.wait_for_button("Pay from the wallet")
    assert (await bot.calls.wallet.balance(customer)).available_cents == 50_00
    assert (await subscription(bot, customer)).status != wallet_pb2.SUBSCRIPTION_STATUS_ACTIVE

    await person.press("Pay from the wallet")
    confirmation = await person.wait_for_text("from your wallet?")
    yes, asked = find_button(confirmation, "Yes, buy it"), message_text(confirmation)
    assert yes is not None and yes.startswith("buyok:")
    await person.press("Yes, buy it")
    await person.wait_for_text("is active until")
    paid = 50_00 - (await bot.calls.wallet.balance(customer)).available_cents
    assert paid > 0 and f"After the purchase: ${(50_00 - paid) / 100:.2f}" in asked
    assert (await subscription(bot, customer)).status == wallet_pb2.SUBSCRIPTION_STATUS_ACTIVE
    await bot.telegram.wait_until(lambda: answers_to(bot.telegram, "buyok:") or None)
    assert [answer["text"] for answer in answers_to(bot.telegram, "buyok:")] == ["✅ Plan bought"]

    # A second tap on the same Yes, arriving late (here under the plan's notification; other
    # notifications, such as a low balance, may arrive after it): the same purchase, answered again,
    # paid once.
    activated = await person.wait_for_text("Your plan")  # an event away: slow on a loaded machine
    await forge_press(bot, person, yes, activated["message_id"])
    await person.wait_for(lambda m: m["message_id"] == activated["message_id"] and m["text"].startswith("✅"),
                          what="the second tap answered")
    assert 50_00 - (await bot.calls.wallet.balance(customer)).available_cents == paid


async def test_a_short_wallet_offers_the_ways_to_pay_instead_of_a_confirmation(bot: BotHarness) -> None:
    person = await bot.onboarded()
    await bot.calls.wallet.credit(await bot.customer_id(person), 1)

    await person.press("Wallet")
    await person.press("Plans")
    await person.press("Prime")
    await person.press("Pay from the wallet")
    short = await person.wait_for_text("your wallet holds $0.01")
    assert find_button(short, "Yes") is None
    assert find_button(short, "Top up") == "topup" and (find_button(short, "crypto") or "").startswith("buyc:")


async def test_a_notification_opens_its_screen_as_a_new_message_and_stays(bot: BotHarness) -> None:
    person = await bot.onboarded()
    customer = await bot.customer_id(person)
    await bot.calls.wallet.credit(customer, 50_00)
    await at_the_purchase_confirmation(person)
    await person.press("Yes, buy it")

    activated = await person.wait_for_text("Your plan")  # wallet.subscription.activated
    deep_link = find_button(activated, "Wallet")
    assert deep_link == "!wallet"
    await person.press_data(deep_link, activated["message_id"])
    wallet = await person.wait_for(lambda m: m["message_id"] > activated["message_id"] and "Balance:" in m["text"],
                                   what="the wallet as a new message")
    assert "Prime" in wallet["text"]
    kept = next(m for m in person.messages() if m["message_id"] == activated["message_id"])
    assert "Your plan" in kept["text"] and find_button(kept, "Wallet") == "!wallet"


async def test_main_menu_under_a_call_outcome_leaves_the_outcome_and_sends_the_menu(bot: BotHarness) -> None:
    person = await bot.onboarded()
    customer = await bot.customer_id(person)
    await bot.calls.wallet.credit(customer, 20_00)
    await bot.calls.flow(customer, menu_flow())
    await bot.calls.script_callee(CALLEE, duration_ms=30_000, keys=[{"digit": "1", "at_ms": 2000}])
    await at_the_call_quote(person, CALLEE)
    await person.press("Call now")
    outcome = await person.wait_for_text("Keys pressed: 1")

    home = find_button(outcome, "Main menu")
    assert home is not None and home.startswith("!")
    await person.press_data(home, outcome["message_id"])
    menu = await person.wait_for(lambda m: m["message_id"] > outcome["message_id"] and "Main menu —" in m["text"],
                                 what="the main menu as a new message")
    assert find_button(menu, "IVR flows") == "flows"  # a screen of its own: its buttons edit it as usual
    kept = next(m for m in person.messages() if m["message_id"] == outcome["message_id"])
    assert "Keys pressed: 1" in kept["text"] and "Main menu —" not in kept["text"]

    await person.press_data("flows", menu["message_id"])
    await person.wait_for(lambda m: m["message_id"] == menu["message_id"] and "Main menu —" not in m["text"],
                          what="the menu's own message edited into the flows")


async def test_a_press_that_did_something_shows_a_toast_and_a_mere_move_does_not(bot: BotHarness) -> None:
    person = await bot.onboarded()
    await bot.calls.flow(await bot.customer_id(person), menu_flow())
    await person.press("IVR flows")
    await person.press_first("flow:view:")
    await person.press("🗑 Delete")
    await person.press("Yes, delete")
    await person.wait_for_text("was deleted")

    await bot.telegram.wait_until(lambda: answers_to(bot.telegram, "flow:delok:") or None)
    assert [answer["text"] for answer in answers_to(bot.telegram, "flow:delok:")] == ["🗑 Deleted"]
    assert {answer["text"] for answer in answers_to(bot.telegram, "flow:view:")} == {""}
    assert {answer["text"] for answer in answers_to(bot.telegram, "flow:del:")} == {""}
