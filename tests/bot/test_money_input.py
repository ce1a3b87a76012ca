"""Money typed in the chat, read in the chat's language: a decimal comma is cents, never a 100×
amount; an amount whose meaning depends on the convention is asked again; what the bot shows, the
bot reads back to the same cents in every language."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from babel.numbers import format_decimal
from hypothesis import given
from hypothesis import strategies as st

from services.bot.formatting import babel_locale, local_money
from services.bot.i18n import LANGUAGES, Words
from services.bot.money_input import AmountProblem, AmountRange, amount_problem_text, read_amount

ANY = AmountRange(minimum_cents=0, maximum_cents=10**12)
TOP_UP = AmountRange(minimum_cents=500, maximum_cents=1_000_000)
LANGUAGE_CODES = sorted(LANGUAGES)


@pytest.mark.parametrize(("typed", "language", "cents"), [
    ("10,50", "fr", 1050),
    ("10,50", "hi", 1050),  # `,50` cannot be a group of thousands, in any language
    ("10,50", "en", 1050),
    ("10,5", "fr", 1050),
    ("10.50", "fr", 1050),  # the same unambiguous amount, typed the English way
    ("1,050", "en", 105000),
    ("1,050", "hi", 105000),
    ("1,050", "zh", 105000),
    ("1,050,000", "fr", 105000000),  # two commas cannot both be before the cents
    ("1 050", "fr", 105000),
    ("1\u202f050,50\u00a0$US", "fr", 105050),  # exactly as Babel writes it in Français
    ("1.050,50", "fr", 105050),
    ("1.050,50", "en", 105050),
    ("1,050.50", "fr", 105050),
    ("10,50,000", "hi", 105000000),  # lakhs
    ("25", "zh", 2500),
    ("$12", "en", 1200),
    ("12 USD", "en", 1200),
    ("US$12.50", "zh", 1250),
    ("१२.५०", "hi", 1250),  # Devanagari digits
    ("１２，５０", "fr", 1250),  # full-width forms
    (".50", "en", 50),
    ("10.", "en", 1000),
    ("007", "en", 700),
])
def test_an_amount_with_one_meaning_is_read(typed: str, language: str, cents: int) -> None:
    assert read_amount(typed, language, ANY) == cents


@pytest.mark.parametrize(("typed", "language"), [
    ("1,050", "fr"),  # 1.05 in Français, 1050 to anyone who writes a thousands comma
    ("1.050", "en"),  # 1050 in much of Europe, 1.05 with a third decimal otherwise
    ("1.050", "fr"),
    ("1.050", "hi"),
    ("10.500", "fr"),  # fr groups with a space: a `.` group is a guess
    ("2,500", "fr"),
])
def test_an_amount_whose_meaning_depends_on_the_convention_is_asked_again(typed: str, language: str) -> None:
    assert read_amount(typed, language, ANY) is AmountProblem.AMBIGUOUS


@pytest.mark.parametrize(("typed", "language"), [("1.2345", "en"), ("1,2345", "fr"), ("0,125", "en"),
                                                 ("0.125", "fr"), ("10.50001", "zh"), ("3,14159", "hi")])
def test_more_than_two_decimals_are_refused(typed: str, language: str) -> None:
    assert read_amount(typed, language, ANY) is AmountProblem.TOO_MANY_DECIMALS


@pytest.mark.parametrize("typed", ["", "   ", "abc", "ten", "-5", "+5", "5-", "1.2.3", "1,2,3", "10 ,50", "1,0,50",
                                   "1e3", "0x10", "NaN", "inf", "10,50.20,1", "$", "12 34", "٫", "1" * 41])
def test_what_is_not_an_amount_is_refused(typed: str) -> None:
    for language in LANGUAGE_CODES:
        assert read_amount(typed, language, ANY) is AmountProblem.NOT_AN_AMOUNT, (typed, language)


@pytest.mark.parametrize(("typed", "problem"), [("4.99", AmountProblem.OUT_OF_RANGE), ("5", 500),
                                                ("10000", 1_000_000), ("10000.01", AmountProblem.OUT_OF_RANGE),
                                                ("0", AmountProblem.OUT_OF_RANGE)])
def test_the_range_is_enforced_at_both_ends(typed: str, problem: int | AmountProblem) -> None:
    assert read_amount(typed, "en", TOP_UP) == problem


@given(cents=st.integers(min_value=0, max_value=10**11), language=st.sampled_from(LANGUAGE_CODES))
def test_an_amount_the_bot_shows_reads_back_to_the_same_cents(cents: int, language: str) -> None:
    assert read_amount(local_money(cents, language), language, ANY) == cents


@given(dollars=st.integers(min_value=0, max_value=10**9), language=st.sampled_from(LANGUAGE_CODES))
def test_whole_dollars_grouped_the_languages_way_read_back(dollars: int, language: str) -> None:
    assert read_amount(format_decimal(dollars, locale=babel_locale(language)), language, ANY) == dollars * 100


@given(whole=st.integers(min_value=0, max_value=10**6), fraction=st.text("0123456789", min_size=1, max_size=2),
       mark=st.sampled_from(",."), language=st.sampled_from(LANGUAGE_CODES))
def test_one_or_two_digits_after_a_comma_or_a_point_are_cents_in_every_language(
        whole: int, fraction: str, mark: str, language: str) -> None:
    assert read_amount(f"{whole}{mark}{fraction}", language, ANY) == whole * 100 + int(fraction.ljust(2, "0"))


@given(typed=st.text(alphabet="0123456789.,' $\u00a0\u202f-", max_size=16), language=st.sampled_from(LANGUAGE_CODES))
def test_whatever_is_typed_the_answer_is_cents_or_a_reason(typed: str, language: str) -> None:
    result = read_amount(typed, language, ANY)
    assert isinstance(result, AmountProblem) or (isinstance(result, int) and result >= 0)


@pytest.mark.parametrize("language", LANGUAGE_CODES)
@pytest.mark.parametrize("problem", list(AmountProblem))
def test_every_refusal_states_the_range_in_the_chats_language(language: str, problem: AmountProblem) -> None:
    text = amount_problem_text(Words(language), problem, TOP_UP)
    assert local_money(500, language) in text and local_money(1_000_000, language) in text
    assert "{" not in text


def test_a_french_refusal_writes_the_range_the_french_way() -> None:
    text = amount_problem_text(Words("fr"), AmountProblem.AMBIGUOUS, TOP_UP)
    assert "5,00\u00a0$US" in text and "10\u202f000,00\u00a0$US" in text and "1050,50" in text


@pytest.mark.parametrize(("language", "shown"), [
    ("en", "$1,050.50"), ("fr", "1\u202f050,50\u00a0$US"), ("hi", "$1,050.50"), ("zh", "US$1,050.50")])
def test_every_amount_the_bot_shows_is_in_the_chats_language(language: str, shown: str) -> None:
    words = Words(language)
    assert words.money(105050) == shown


def test_no_screen_formats_money_the_english_way() -> None:
    """Every amount a person reads goes through Words.money; `formatting.money` is for audit notes."""
    offenders = []
    for path in sorted(Path("services/bot").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.keyword) and node.arg != "note" and isinstance(node.value, ast.Call)
                    and isinstance(node.value.func, ast.Name) and node.value.func.id == "money"):
                offenders.append(f"{path}:{node.value.lineno}")
    assert not offenders, f"amounts shown without the chat's format: {offenders}"
