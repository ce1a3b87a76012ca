"""One phone-number reader for every number question (a call, a flow's transfer step, the admin's
do-not-call list): the same text gets the same answer and the same refusal words everywhere; a national
number is read in the customer's country (their timezone's, else the US), at the questions and in a
pasted list; a number that cannot be called is refused before the caller-ID step; and the quote shows
the customer's callee in full."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.bot.destination_check import NumberProblem, number_problem_text, read_phone_number
from services.bot.i18n import Words
from speechcue.calls.v1 import calls_pb2
from tests.bot.conftest import BotHarness, Person, message_text, start_new_flow
from tests.calls.conftest import CALLEE, menu_flow
from tests.wallet.conftest import ADMIN_ID


@pytest.mark.parametrize(("typed", "country", "number"), [
    ("+14155550123", "", "+14155550123"),
    ("+1 415 555 0123", "", "+14155550123"),
    ("+1 (415) 555-0123", "", "+14155550123"),
    ("+1-415-555-0123", "", "+14155550123"),
    ("+1.415.555.0123", "", "+14155550123"),
    ("+1 415 555–0123", "", "+14155550123"),  # an en dash, as phones' keyboards put in
    ("  +1 415 555 0123  ", "", "+14155550123"),
    ("001 415 555 0123", "", "+14155550123"),  # 00 is how much of the world dials out
    ("0044 20 7183 8750", "", "+442071838750"),
    ("tel:+14155550123", "", "+14155550123"),
    ("＋８６ １３８ ００１３ ８０００", "", "+8613800138000"),  # full-width, as a Chinese keyboard types
    ("+९१ ९८७६५ ४३२१०", "", "+919876543210"),  # Devanagari digits
    ("06 12 34 56 78", "FR", "+33612345678"),  # national, in the customer's country
    ("020 7183 8750", "GB", "+442071838750"),
    ("(415) 555-0123", "US", "+14155550123"),
    ("1 415 555 0123", "US", "+14155550123"),
    ("+33 6 12 34 56 78", "US", "+33612345678"),  # a + number is read as written, whatever the country
    ("+1 415 555 0123", "FR", "+14155550123"),
])
def test_a_number_is_read_the_same_however_it_is_typed(typed: str, country: str, number: str) -> None:
    assert read_phone_number(typed, country=country).number == number
    assert read_phone_number(typed, country=country).problem is None


@pytest.mark.parametrize(("typed", "country", "problem"), [
    ("", "", NumberProblem.EMPTY),
    ("   ", "", NumberProblem.EMPTY),
    ("call me maybe", "", NumberProblem.NOT_DIGITS),
    ("+1 800 FLOWERS", "", NumberProblem.NOT_DIGITS),  # letters are not guessed at
    ("++14155550123", "", NumberProblem.NOT_DIGITS),
    ("+1 415 555 0123 ext 12", "", NumberProblem.NOT_DIGITS),
    ("06 12 34 56 78", "", NumberProblem.NO_COUNTRY_CODE),  # national, and no country known
    ("415 555 0123", "", NumberProblem.NO_COUNTRY_CODE),
    ("+999 1234 5678", "", NumberProblem.UNKNOWN_COUNTRY_CODE),
    ("12", "", NumberProblem.TOO_SHORT),
    ("+1 415 555", "", NumberProblem.TOO_SHORT),
    ("555 0123", "US", NumberProblem.TOO_SHORT),  # a local number without its area code
    ("+1 415 555 0123 4567", "", NumberProblem.TOO_LONG),
    ("+44 20 7183 8750 20 7183 8750", "", NumberProblem.TOO_LONG),
    ("1" * 41, "", NumberProblem.TOO_LONG),
    ("+1 415 123 4567", "", NumberProblem.INVALID),  # no US exchange begins with 1
])
def test_what_is_not_a_phone_number_says_why(typed: str, country: str, problem: NumberProblem) -> None:
    assert read_phone_number(typed, country=country) == read_phone_number(typed, country=country)
    assert read_phone_number(typed, country=country).problem is problem
    assert read_phone_number(typed, country=country).number == ""


@given(st.lists(st.sampled_from([" ", "-", ".", " - ", "\u00a0"]), min_size=9, max_size=9))
def test_separators_anywhere_change_nothing(separators: list[str]) -> None:
    digits = "14155550123"
    typed = "+" + "".join(digit + (separators[index] if index < len(separators) else "")
                          for index, digit in enumerate(digits))
    assert read_phone_number(typed).number == "+14155550123"


@pytest.mark.parametrize("language", ["en", "fr", "zh", "hi"])
def test_every_problem_has_words_in_every_language_with_an_example(language: str) -> None:
    words = Words(language)
    for problem in NumberProblem:
        text = number_problem_text(words, problem, typed="12", country="FR")
        assert "+33 1 23 45 67 89" in text and not text.startswith("number.")


# ---- through the bot --------------------------------------------------------------------------

async def at_the_number_question(bot: BotHarness, person: Person) -> None:
    await person.press("Call a number")
    await person.press_first("callf:")
    await person.wait_for_text("international form")


async def customer_in_london(bot: BotHarness) -> Person:
    person = await bot.onboarded()
    await person.press("Account")
    await person.press("Timezone")
    await person.press("London")
    await person.wait_for_text("Timezone set to Europe/London")
    await person.press("Back")
    await person.press("Main menu")
    customer = await bot.customer_id(person)
    await bot.calls.wallet.credit(customer, 2_000)
    await bot.calls.flow(customer, menu_flow())
    return person


async def test_a_national_number_is_read_in_the_customers_country_and_the_quote_shows_it_in_full(
        bot: BotHarness) -> None:
    person = await customer_in_london(bot)
    await at_the_number_question(bot, person)
    await person.wait_for_text("United Kingdom numbers can also be sent as they are dialled there, e.g. 0121 234 5678")
    await person.say("+1 800 FLOWERS")
    await person.wait_for_text("“+1 800 FLOWERS” is not a phone number")  # the question stays open
    await person.say("020 7183 8750")  # a London landline, typed as Londoners do
    await person.press("Any from the pool")
    quote = message_text(await person.wait_for_text("Ready to call"))
    assert "+442071838750" in quote and "•" not in quote


async def test_a_number_on_the_do_not_call_list_is_refused_before_the_caller_id_step(bot: BotHarness) -> None:
    blocked = "+14155550181"
    await bot.calls.stub.AddDoNotCall(calls_pb2.AddDoNotCallRequest(
        idempotency_key="dnc-before-caller-id", admin_telegram_id=ADMIN_ID, number=blocked, reason="asked"))
    person = await customer_in_london(bot)
    await at_the_number_question(bot, person)
    await person.say("+1 415 555 0181")
    await person.wait_for_text("+14155550181 is on the do-not-call list")
    assert "Which caller ID" not in person.all_text()
    await person.say(CALLEE)  # the question stays open for another number
    await person.wait_for_text("Which caller ID should the callee see?")


async def test_the_call_and_the_transfer_questions_refuse_a_number_in_the_same_words(bot: BotHarness) -> None:
    person = await bot.onboarded()
    customer = await bot.customer_id(person)
    await bot.calls.wallet.credit(customer, 2_000)
    await bot.calls.flow(customer, menu_flow())
    expected = number_problem_text(Words("en"), NumberProblem.TOO_SHORT, typed="+1 415 555", country="US")
    await at_the_number_question(bot, person)
    await person.say("+1 415 555")
    await person.wait_for_text(expected)
    await person.say("+999 1234 5678")
    await person.wait_for_text("“+999 1234 5678” starts with a country code no country has")

    await person.press("Back")
    await person.press("Main menu")
    await start_new_flow(person, "Front desk")
    await person.press("Transfer")
    await person.wait_for_text("number to transfer the call to")
    before = len(person.messages())
    await person.say("+1 415 555")
    await person.wait_for(lambda m: m in person.messages()[before:] and expected in message_text(m),
                          what="the same words at the transfer question")


async def test_a_pasted_list_reads_national_numbers_in_the_customers_country(bot: BotHarness) -> None:
    person = await customer_in_london(bot)
    await person.press("Campaigns")
    await person.press("New campaign")
    await person.press_first("cflow:")
    await person.press("Now")
    await person.wait_for_text("Send the numbers")
    await person.say("020 7183 8750\n+1 415 555 1401")
    report = await person.wait_for_text("2 numbers to call")  # in New York's zone the first would be invalid
    assert "0 invalid" in message_text(report)
