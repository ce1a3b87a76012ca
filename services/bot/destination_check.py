"""The number questions of every screen that takes a phone number (a call, a flow's transfer step,
the admin's do-not-call list): one reader of what the customer typed (`read_phone_number`, pure), and
one check with the calls service (`CheckDestination`), so the same text gets the same answer and the
same words everywhere, and a number no call may go to is refused at the question, with its reason,
while the question stays open."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, ValidationResult

from services.bot.destination_texts import example_number, refusal_text
from services.bot.i18n import Words
from services.bot.timezones import country_of_zone
from services.bot.turn import Turn
from speechcue.calls.v1 import calls_pb2

# What people put between digits: spaces of every width, dashes, dots, brackets, slashes.
_SEPARATORS = re.compile(r"[\s\u00a0\u2000-\u200b\u202f\u3000().\-\u2010-\u2015/]")
MAX_TYPED_LENGTH = 40
# E.164: at most 15 digits after the +; fewer than 5 is no one's phone number anywhere.
MAX_DIGITS = 15
MIN_DIGITS = 5
DEFAULT_COUNTRY = "US"


class NumberProblem(StrEnum):
    """Why a typed text is not a phone number; each has its words, `number.<value>`."""

    EMPTY = "empty"
    NOT_DIGITS = "not_digits"
    NO_COUNTRY_CODE = "no_country_code"
    UNKNOWN_COUNTRY_CODE = "unknown_country_code"
    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    INVALID = "invalid"


@dataclass(frozen=True)
class NumberReading:
    """A typed number read: `number` in E.164 when it is one, else the `problem`."""

    number: str = ""
    problem: NumberProblem | None = None


_PARSE_PROBLEMS = {
    NumberParseException.INVALID_COUNTRY_CODE: NumberProblem.UNKNOWN_COUNTRY_CODE,
    NumberParseException.TOO_SHORT_AFTER_IDD: NumberProblem.TOO_SHORT,
    NumberParseException.TOO_SHORT_NSN: NumberProblem.TOO_SHORT,
    NumberParseException.TOO_LONG: NumberProblem.TOO_LONG,
}
_LENGTH_PROBLEMS = {
    ValidationResult.TOO_SHORT: NumberProblem.TOO_SHORT,
    ValidationResult.IS_POSSIBLE_LOCAL_ONLY: NumberProblem.TOO_SHORT,  # a local number without its area code
    ValidationResult.TOO_LONG: NumberProblem.TOO_LONG,
    ValidationResult.INVALID_COUNTRY_CODE: NumberProblem.UNKNOWN_COUNTRY_CODE,
    ValidationResult.INVALID_LENGTH: NumberProblem.INVALID,
}


def read_phone_number(text: str, *, country: str = "") -> NumberReading:
    """What a typed number is, the same for every screen. Worked examples:
    "+1 (415) 555-0123", "+1.415.555.0123", "001 415 555 0123" → +14155550123;
    "06 12 34 56 78" with country "FR" → +33612345678, without a country → NO_COUNTRY_CODE;
    "+1 800 FLOWERS" → NOT_DIGITS (letters are not guessed at); "+1 415 555" → TOO_SHORT;
    "+1 415 555 0123 4567" → TOO_LONG; "+999 1234 5678" → UNKNOWN_COUNTRY_CODE;
    "+1 415 123 4567" (no such US exchange) → INVALID."""
    typed = text.strip()
    if typed.lower().startswith("tel:"):
        typed = typed[4:]
    if not typed:
        return NumberReading(problem=NumberProblem.EMPTY)
    if len(typed) > MAX_TYPED_LENGTH:
        return NumberReading(problem=NumberProblem.TOO_LONG)
    # Full-width (＋８６…) and other scripts' digits (१२३) read as the digits they are.
    typed = "".join(str(unicodedata.decimal(character)) if character.isdecimal() else character
                    for character in unicodedata.normalize("NFKC", typed))
    compact = _SEPARATORS.sub("", typed)
    international = compact.startswith("+") or compact.startswith("00")
    digits = compact[1:] if compact.startswith("+") else compact[2:] if compact.startswith("00") else compact
    if not digits.isascii() or not digits.isdigit():
        return NumberReading(problem=NumberProblem.NOT_DIGITS)
    if len(digits) < MIN_DIGITS:
        return NumberReading(problem=NumberProblem.TOO_SHORT)
    if len(digits) > MAX_DIGITS + (0 if international else 2):  # a national number may carry a trunk prefix
        return NumberReading(problem=NumberProblem.TOO_LONG)
    if not international and not country:
        return NumberReading(problem=NumberProblem.NO_COUNTRY_CODE)
    try:
        parsed = phonenumbers.parse(f"+{digits}" if international else digits, None if international else country)
    except NumberParseException as error:
        return NumberReading(problem=_PARSE_PROBLEMS.get(error.error_type, NumberProblem.INVALID))
    length = phonenumbers.is_possible_number_with_reason(parsed)
    if length in _LENGTH_PROBLEMS:
        return NumberReading(problem=_LENGTH_PROBLEMS[length])
    if not phonenumbers.is_valid_number(parsed):
        return NumberReading(problem=NumberProblem.INVALID)
    return NumberReading(number=phonenumbers.format_number(parsed, PhoneNumberFormat.E164))


def normalised_number(text: str) -> str | None:
    """'+1 (415) 555-0100' or '0014155550100' → '+14155550100'; None when it is not a phone number in
    international form (kept for callers that have no customer's country)."""
    return read_phone_number(text).number or None


def number_problem_text(words: Words, problem: NumberProblem, *, typed: str, country: str = "") -> str:
    """The same refusal words at every number question: what is wrong, and how to type it."""
    return words(f"number.{problem.value}", typed=typed.strip()[:MAX_TYPED_LENGTH], example=example_number(country))


def customer_country(turn: Turn) -> str:
    """The country a customer's national numbers are read in, at every number question and in a pasted
    or uploaded list: their timezone's, else the US (where the platform's own caller IDs call, and how
    lists were always read)."""
    return (country_of_zone(turn.user.timezone) if turn.user is not None else "") or DEFAULT_COUNTRY


def read_typed_number(turn: Turn, text: str) -> str | None:
    """The number in E.164, or None after telling the customer what is wrong with what they typed."""
    country = customer_country(turn)
    reading = read_phone_number(text, country=country)
    if reading.problem is not None:
        turn.send(number_problem_text(turn.words, reading.problem, typed=text, country=country))
        return None
    return reading.number


async def allowed_destination(turn: Turn, text: str, *, bad_form_text: str = "") -> str | None:
    """The number in E.164 when calls may go to it; otherwise None, after telling the customer why:
    what is wrong with what they typed (`read_phone_number`), or why no call may go to it.
    (`bad_form_text` is no longer used: every screen says the same words, `number.*`.)"""
    number = read_typed_number(turn, text)
    if number is None:
        return None
    check = await turn.services.calls.CheckDestination(calls_pb2.CheckDestinationRequest(
        customer_id=turn.customer_id, number=number), timeout=turn.timeout)
    if not check.allowed:
        turn.send(refusal_text(turn.words, reason=check.reason, number=check.number or number, country=check.country,
                               callable_countries=check.callable_countries))
        return None
    return check.number
