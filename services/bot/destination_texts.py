"""Why a number cannot be called, in the customer's language: the calls service's refusal (its reason,
the number's country, the countries calls can go to) worded by the bot. Country names come from
phonenumbers' own tables in the chat's language, so a Chinese chat reads 日本, not Japan."""

from __future__ import annotations

from collections.abc import Iterable

import phonenumbers
from phonenumbers import geocoder

from services.bot.i18n import Words


def country_name(code: str, language: str) -> str:
    """"JP" → "Japan" / "日本" / "Japon" / "जापान"; the code itself when phonenumbers has no name."""
    example = phonenumbers.example_number(code) if code else None
    if example is None:
        return code or "—"
    return geocoder.country_name_for_number(example, language) or geocoder.country_name_for_number(example, "en") \
        or code


def example_number(country: str, *, national: bool = False) -> str:
    """A number of the customer's own country to show as an example: "+33 1 23 45 67 89" for FR, or
    as dialled there ("01 23 45 67 89"); a US one when the country is not known."""
    example = phonenumbers.example_number(country) if country else None
    if example is None:
        return "(415) 555-0123" if national else "+1 415 555 0123"
    return phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL if national
                                      else phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def country_names(codes: Iterable[str], language: str) -> str:
    return ", ".join(sorted(country_name(code, language) for code in codes)) or "—"


def refusal_text(words: Words, *, reason: str, number: str, country: str, callable_countries: Iterable[str]) -> str:
    """What the customer reads at the number question; the question stays open for another number."""
    place = country_name(country, words.language)
    callable_names = country_names(callable_countries, words.language)
    if reason == "PREMIUM_RATE":
        return words("dest.premium_rate", number=number)
    if reason == "SHARED_COST":
        return words("dest.shared_cost", number=number)
    if reason == "NUMBER_TYPE_NOT_ALLOWED":
        return words("dest.other_line", number=number)
    if reason == "COUNTRY_NOT_ALLOWED":
        return words("dest.country", country=place, countries=callable_names)
    if reason == "NO_CALLER_ID_REACHES":
        return words("dest.no_caller_id", country=place, countries=callable_names)
    if reason == "INVALID_NUMBER":  # the calls service's reader is stricter than ours: the same words
        return words("number.invalid", typed=number, example=example_number(""))
    return words("error.refused", reason=reason or "—")


def short_reason(words: Words, *, reason: str, country: str) -> str:
    """A refused number's reason in a few words, for the list import's report."""
    if reason == "PREMIUM_RATE":
        return words("dest.short.premium_rate")
    if reason == "SHARED_COST":
        return words("dest.short.shared_cost")
    if reason == "COUNTRY_NOT_ALLOWED":
        return words("dest.short.country", country=country_name(country, words.language))
    return words("dest.short.other_line")
