"""A top-up amount typed in the customer's language: `10,50` in Français is an invoice of $10.50 (it
was $1,050.00), an amount that could be thousands or cents is asked again with the range and a way
back, and the invoice shows the amount the French way."""

from __future__ import annotations

from services.bot.formatting import local_money
from services.bot.i18n import LANGUAGES, Words
from services.bot.money_input import AmountProblem, AmountRange, amount_problem_text
from speechcue.payments.v1 import payments_pb2
from tests.bot.conftest import BotHarness, Person, find_button, message_text
from tests.bot.test_journey import first_line


async def onboarded_in(bot: BotHarness, language: str) -> tuple[Person, Words]:
    words = Words(language)
    person = bot.person(language)
    await person.say("/start")
    await person.press(LANGUAGES[language])
    await person.wait_for_text(first_line(words, "onboarding.ask_name"))
    await person.say("Cabinet Dupont")
    await person.press(first_line(words, "onboarding.accept"))
    await person.press(first_line(words, "onboarding.trial_skip"))
    await person.wait_for_text(first_line(words, "menu.title"))
    return person, words


async def at_the_amount_question(person: Person, words: Words) -> None:
    await person.press(first_line(words, "menu.wallet"))
    await person.press(first_line(words, "wallet.topup"))
    await person.press_first("coin:")
    await person.wait_for_text(first_line(words, "topup.ask_amount"))


async def invoiced_cents(bot: BotHarness, person: Person) -> list[int]:
    invoices = await bot.payments.stub.ListInvoices(payments_pb2.ListInvoicesRequest(
        customer_id=await bot.customer_id(person)))
    return [invoice.usd_cents for invoice in invoices.invoices]


async def test_a_french_customer_typing_10_comma_50_gets_an_invoice_of_10_dollars_50(bot: BotHarness) -> None:
    person, words = await onboarded_in(bot, "fr")
    await at_the_amount_question(person, words)

    await person.say("10,50")

    invoice = await person.wait_for(lambda m: "photo" in m and find_button(m, "🔄") is not None, what="the invoice")
    assert await invoiced_cents(bot, person) == [1050]
    assert local_money(1050, "fr") in message_text(invoice)  # "10,50 $US"

    invoices = await bot.payments.stub.ListInvoices(payments_pb2.ListInvoicesRequest(
        customer_id=await bot.customer_id(person)))
    await bot.payments.pay(invoices.invoices[0])
    await person.wait_for_text(words("topup.confirmed", amount="10,50\u00a0$US", coin=invoices.invoices[0].coin))


async def test_an_ambiguous_amount_is_asked_again_and_the_question_stays_open(bot: BotHarness) -> None:
    person, words = await onboarded_in(bot, "fr")
    await at_the_amount_question(person, words)
    coins = await bot.payments.stub.ListCoins(payments_pb2.ListCoinsRequest())
    allowed = AmountRange(minimum_cents=coins.min_usd_cents, maximum_cents=coins.max_usd_cents)

    await person.say("1,050")  # 1,05 $ or 1 050 $? Not guessed

    asked_again = await person.wait_for_text(amount_problem_text(words, AmountProblem.AMBIGUOUS, allowed))
    assert find_button(asked_again, first_line(words, "menu.back")) is not None
    assert await invoiced_cents(bot, person) == []

    await person.say("1050")  # the question is still open: the next amount is the top-up

    await person.wait_for(lambda m: "photo" in m and find_button(m, "🔄") is not None, what="the invoice")
    assert await invoiced_cents(bot, person) == [105000]


async def test_an_amount_outside_the_range_states_the_range_and_offers_the_way_back(bot: BotHarness) -> None:
    person, words = await onboarded_in(bot, "hi")
    await at_the_amount_question(person, words)

    coins = await bot.payments.stub.ListCoins(payments_pb2.ListCoinsRequest())
    allowed = AmountRange(minimum_cents=coins.min_usd_cents, maximum_cents=coins.max_usd_cents)

    await person.say("0,50")

    refused = await person.wait_for_text(amount_problem_text(words, AmountProblem.OUT_OF_RANGE, allowed))
    assert local_money(allowed.minimum_cents, "hi") in message_text(refused)
    await person.press(first_line(words, "menu.back"))
    await person.wait_for(lambda m: "coin:" in str(m.get("reply_markup")), what="the coins again")
    assert await invoiced_cents(bot, person) == []
