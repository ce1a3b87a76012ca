"""Money amounts typed by a person (a customer's top-up, an admin's price or refund), read in the
chat's language, and the message that asks again when an amount cannot be read.

Why: the bot used to drop every comma, so `10,50` typed in Français became $1,050.00. Half the
world writes a decimal comma and the other half a grouping comma, and people type whichever their
keyboard or habit gives them, so the reader tries both conventions and takes an amount only when
its meaning does not depend on which one the person meant:

- A: `.` before the cents, `,` between thousands (en, hi, zh: Babel's symbols for them);
- B: `,` before the cents, `.` between thousands (fr's decimal comma; `.` groups in much of Europe).

Spaces (any Unicode space, Babel's fr grouping is U+202F) and apostrophes group thousands in both.
Groups are checked: after the first, 3 digits (`1,050,000`) or Indian lakhs (`10,50,000`), so `10,50`
cannot be a grouping and is 10.50 whatever the language. The outcomes, with worked examples:

- one meaning under both conventions → that amount: `25`, `1 050`, `10,50` → 10.50 in every
  language, `10.50` → 10.50 in fr too, `1.050,50` → 1050.50, `1,050.50` → 1050.50;
- the language's own reading (with the symbols Babel gives it) is an amount and the other reading has
  more than two decimals → the language's: `1,050` in en, hi, zh → 1050 (it is not 1.050);
- the two conventions disagree in any other way → AMBIGUOUS, asked again, never guessed: `1,050` in fr
  (1.05 or 1050?), `1.050` in en (1.05 or 1050?), `10.500` in fr (fr does not group with `.`);
- more than two decimals under every reading → TOO_MANY_DECIMALS: `10.505` cannot group (`10.505`
  is ambiguous in en, see above; `1.2345` is refused);
- anything else (letters, signs, two decimal marks) → NOT_AN_AMOUNT; a readable amount outside the
  screen's range → OUT_OF_RANGE.

Currency marks around the number ($, US$, $US, USD and the language's Babel symbol) are ignored;
digits of any script (हिन्दी ०-९, full-width) count as digits. What the reader does not do: it never
rounds, never reads a negative amount and never reads words ("ten dollars"). Every refusal's message
states the range (formatted in the chat's language) and how to write the amount.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from babel.numbers import format_decimal, get_currency_symbol, get_decimal_symbol, get_group_symbol

from services.bot.formatting import babel_locale, local_money
from services.bot.i18n import Words


class AmountProblem(StrEnum):
    NOT_AN_AMOUNT = "not_an_amount"
    AMBIGUOUS = "ambiguous"
    TOO_MANY_DECIMALS = "too_many_decimals"
    OUT_OF_RANGE = "out_of_range"


@dataclass(frozen=True)
class AmountRange:
    """The amounts a screen accepts, in cents, both ends included."""

    minimum_cents: int
    maximum_cents: int


@dataclass(frozen=True)
class _Convention:
    decimal_mark: str
    group_mark: str


_DOT_DECIMAL = _Convention(decimal_mark=".", group_mark=",")
_COMMA_DECIMAL = _Convention(decimal_mark=",", group_mark=".")
# Grouping marks every convention accepts; the typed text maps them all to one space.
_SPACES = re.compile(r"[\s'’\u00a0\u2009\u202f]+")
_CURRENCY_MARKS = ("US$", "$US", "USD", "US", "$")
_WESTERN_GROUPS = re.compile(r"[1-9]\d{0,2}(?: \d{3})+")
_INDIAN_GROUPS = re.compile(r"[1-9]\d?(?: \d{2})* \d{3}")
MAX_CENTS_DIGITS = 2


@dataclass(frozen=True)
class _Reading:
    """What the text says under one convention: cents, or that it has more than two decimals
    (`too_precise`), or nothing (`cents is None and not too_precise`)."""

    cents: int | None = None
    too_precise: bool = False


def read_amount(text: str, language: str, allowed: AmountRange) -> int | AmountProblem:
    """The amount in cents that `text` means in `language`, or why it cannot be taken."""
    typed = _plain(text, language)
    if not typed or len(typed) > 40:
        return AmountProblem.NOT_AN_AMOUNT
    readings = {convention: _read(typed, convention) for convention in (_DOT_DECIMAL, _COMMA_DECIMAL)}
    own = _own_convention(language)
    other = _COMMA_DECIMAL if own is _DOT_DECIMAL else _DOT_DECIMAL
    amounts = {reading.cents for reading in readings.values() if reading.cents is not None}
    precise_only = not any(reading.too_precise for reading in readings.values())
    own_cents = readings[own].cents
    if len(amounts) == 1 and precise_only:
        cents = amounts.pop()
    elif own_cents is not None and readings[other].too_precise and _uses_only_own_marks(typed, language):
        cents = own_cents
    elif amounts:
        return AmountProblem.AMBIGUOUS
    elif not precise_only:
        return AmountProblem.TOO_MANY_DECIMALS
    else:
        return AmountProblem.NOT_AN_AMOUNT
    if not allowed.minimum_cents <= cents <= allowed.maximum_cents:
        return AmountProblem.OUT_OF_RANGE
    return cents


def amount_problem_text(words: Words, problem: AmountProblem, allowed: AmountRange) -> str:
    """The message that asks for the amount again: what was wrong, the range, and an example
    written the way the chat's language writes it."""
    values = {"minimum": local_money(allowed.minimum_cents, words.language),
              "maximum": local_money(allowed.maximum_cents, words.language),
              "decimal": get_decimal_symbol(babel_locale(words.language)),
              "example": format_decimal(Decimal("1050.50"), format="0.00", locale=babel_locale(words.language))}
    if problem is AmountProblem.AMBIGUOUS:
        return words("money.ambiguous", **values)
    if problem is AmountProblem.TOO_MANY_DECIMALS:
        return words("money.too_many_decimals", **values)
    if problem is AmountProblem.OUT_OF_RANGE:
        return words("money.out_of_range", **values)
    return words("money.not_an_amount", **values)


def _plain(text: str, language: str) -> str:
    """The text with compatibility forms folded (full-width digits, U+202F), digits of any script as
    ASCII, currency marks dropped and every run of spaces or apostrophes as one space."""
    folded = "".join(str(unicodedata.decimal(char)) if char.isdecimal() else char
                     for char in unicodedata.normalize("NFKC", text))
    folded = _SPACES.sub(" ", folded).strip()
    marks = sorted({*_CURRENCY_MARKS, get_currency_symbol("USD", babel_locale(language))}, key=len, reverse=True)
    for mark in marks:
        if folded.upper().startswith(mark):
            folded = folded[len(mark):].strip()
        if folded.upper().endswith(mark):
            folded = folded[:len(folded) - len(mark)].strip()
    return folded


def _read(typed: str, convention: _Convention) -> _Reading:
    whole, mark, fraction = typed.partition(convention.decimal_mark)
    whole = whole.replace(convention.group_mark, " ")
    if not re.fullmatch(r"\d*", fraction) or (mark and not whole and not fraction):
        return _Reading()
    if " " in whole:
        # A grouped number: the groups must be well formed, so `10,50` is never a grouping.
        if not (_WESTERN_GROUPS.fullmatch(whole) or _INDIAN_GROUPS.fullmatch(whole)):
            return _Reading()
        whole = whole.replace(" ", "")
    if not re.fullmatch(r"\d*", whole):
        return _Reading()
    whole = whole or "0"  # `.50`
    if len(fraction) > MAX_CENTS_DIGITS:
        return _Reading(too_precise=True)
    return _Reading(cents=int(whole) * 100 + int(fraction.ljust(MAX_CENTS_DIGITS, "0")))


def _own_convention(language: str) -> _Convention:
    return _COMMA_DECIMAL if get_decimal_symbol(babel_locale(language)) == "," else _DOT_DECIMAL


def _uses_only_own_marks(typed: str, language: str) -> bool:
    """Whether every `.` or `,` typed is a mark the language itself writes (Babel's symbols): fr
    groups with a space, so a `.` in fr text is someone else's convention."""
    locale = babel_locale(language)
    own = {get_decimal_symbol(locale), get_group_symbol(locale)}
    return all(char in own for char in typed if char in ".,")
