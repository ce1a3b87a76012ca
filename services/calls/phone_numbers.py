"""Phone numbers as the calls service sees them: E.164 only, validated with `phonenumbers`, and the
timezones a number may be in (for the callee's lawful calling hours). Pure functions."""

from __future__ import annotations

from dataclasses import dataclass

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, timezone

MAX_INPUT_LENGTH = 40


@dataclass(frozen=True)
class NumberProblem:
    code: str
    message: str


class InvalidPhoneNumber(ValueError):
    def __init__(self, problem: NumberProblem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def normalise(raw: str, *, default_region: str | None = None) -> str:
    """Returns the E.164 form of `raw`, or raises InvalidPhoneNumber saying what is wrong."""
    text = raw.strip()
    if not text:
        raise InvalidPhoneNumber(NumberProblem("EMPTY", "the number is empty"))
    if len(text) > MAX_INPUT_LENGTH:
        raise InvalidPhoneNumber(NumberProblem("TOO_LONG", "that is too long to be a phone number"))
    try:
        parsed = phonenumbers.parse(text, default_region)
    except NumberParseException:
        hint = "" if text.startswith("+") else " (start it with + and the country code)"
        raise InvalidPhoneNumber(NumberProblem("UNPARSEABLE", f"'{text}' is not a phone number{hint}")) from None
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidPhoneNumber(NumberProblem("INVALID", f"'{text}' is not a valid number in its country"))
    return phonenumbers.format_number(parsed, PhoneNumberFormat.E164)


def is_e164(number: str) -> bool:
    try:
        return normalise(number) == number
    except InvalidPhoneNumber:
        return False


def timezones_of(number: str) -> tuple[str, ...]:
    """Every timezone the number may be in; empty when unknown."""
    zones = timezone.time_zones_for_number(phonenumbers.parse(number))
    return tuple(zone for zone in zones if zone != "Etc/Unknown")


def masked(number: str) -> str:
    """What a log line may show of a number: its last two digits."""
    return "…" + number[-2:] if len(number) > 2 else "…"
