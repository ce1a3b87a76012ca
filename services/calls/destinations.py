"""Where a call or a transfer may go: destinations a fraudster cannot bill. Pure rules, no I/O.

A platform that dials at a flat price is worth abusing if it can be made to dial numbers whose owner
is paid for the call: premium-rate and shared-cost ranges (+44 9…, +44 871…, +1 900…, FR 089, DE
0900/0180, IN 1860), and the international revenue-share ranges of far-away countries. So a number
is a destination only when all three hold:

1. Its type, as `phonenumbers` classifies it, is an ordinary line a person answers: fixed line,
   mobile, or fixed-line-or-mobile (NANP numbers are not told apart). Everything else is refused:
   premium rate and shared cost (the caller pays the owner), UAN and personal numbers (forwarded to
   wherever the owner pays to send them), pagers, voicemail access, and also
   - toll-free: nobody answers a toll-free line as a callee, and mass dialling of toll-free lines is
     the 8YY traffic-pumping scheme; a transfer to a company's 0800/1-800 desk should name the
     ordinary line behind it;
   - VoIP ranges (UK 056, …): nomadic ranges are where number-range hijacks terminate, and a
     person's own number is fixed or mobile;
   - an unknown type (a range phonenumbers' metadata does not know yet): refused until it does.
2. Its country is in the operator's allow-list (`CALLS_ALLOWED_COUNTRIES`, ISO 3166 codes).
3. Some caller ID of the pool can reach it. Retell's own numbers (`phone_number_type`
   `retell-twilio` / `retell-telnyx`) call US numbers only (retell-sdk, create-phone-call
   `to_number`: "If using a number purchased from Retell, only US numbers are supported as
   destination"); the SDK says US, so the NANP neighbours (CA, PR, …) count as abroad. A number
   imported to Retell (`custom`, the operator's own SIP trunk) reaches the allow-list. Either kind
   is further limited by Retell's `allowed_outbound_country_list` when the number has one.

Worked examples, with the default allow-list and a pool of Retell numbers only:
+1 415 555 0123 (US, fixed or mobile) → allowed · +1 900 555 1234 → PREMIUM_RATE ·
+44 871 234 5678 → PREMIUM_RATE (UK "service" numbers) · +49 180 1234 5678 → SHARED_COST ·
+1 800 555 1234 → NUMBER_TYPE_NOT_ALLOWED (toll-free) · +81 3 1234 5678 → COUNTRY_NOT_ALLOWED ·
+44 20 7183 8750 (UK landline) → NO_CALLER_ID_REACHES until a custom number is in the pool.

Refusals carry a machine-readable reason, the country and the type, and a sentence naming them that
the customer reads; the bot words its own translation from the reason, country and type.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumber, PhoneNumberType, geocoder

# The countries a fresh installation calls: the markets of the languages calls are made in
# (en, fr, de, es, hi, zh), without the ones whose domestic networks refuse foreign automated calls.
DEFAULT_ALLOWED_COUNTRIES = "US,CA,GB,IE,FR,DE,ES,IN"

RETELL_PURCHASED = frozenset({"retell-twilio", "retell-telnyx"})
CUSTOM = "custom"
# Retell's numbers reach US numbers only.
RETELL_PURCHASED_REACH = frozenset({"US"})

PERSON_LINE_TYPES = frozenset({PhoneNumberType.FIXED_LINE, PhoneNumberType.MOBILE,
                               PhoneNumberType.FIXED_LINE_OR_MOBILE})

# What a customer reads for each number type that is refused.
_TYPE_WORDS = {
    PhoneNumberType.PREMIUM_RATE: "premium-rate",
    PhoneNumberType.SHARED_COST: "shared-cost",
    PhoneNumberType.TOLL_FREE: "toll-free",
    PhoneNumberType.VOIP: "internet (VoIP)",
    PhoneNumberType.PERSONAL_NUMBER: "personal (follow-me)",
    PhoneNumberType.PAGER: "pager",
    PhoneNumberType.UAN: "company-wide (UAN)",
    PhoneNumberType.VOICEMAIL: "voicemail access",
    PhoneNumberType.UNKNOWN: "unknown",
}
# The stable names of the types, for the RPC and the bot (phonenumbers' own enum is an int).
TYPE_NAMES = {
    PhoneNumberType.FIXED_LINE: "FIXED_LINE", PhoneNumberType.MOBILE: "MOBILE",
    PhoneNumberType.FIXED_LINE_OR_MOBILE: "FIXED_LINE_OR_MOBILE", PhoneNumberType.TOLL_FREE: "TOLL_FREE",
    PhoneNumberType.PREMIUM_RATE: "PREMIUM_RATE", PhoneNumberType.SHARED_COST: "SHARED_COST",
    PhoneNumberType.VOIP: "VOIP", PhoneNumberType.PERSONAL_NUMBER: "PERSONAL_NUMBER",
    PhoneNumberType.PAGER: "PAGER", PhoneNumberType.UAN: "UAN", PhoneNumberType.VOICEMAIL: "VOICEMAIL",
    PhoneNumberType.UNKNOWN: "UNKNOWN",
}


class DestinationReason(StrEnum):
    PREMIUM_RATE = "PREMIUM_RATE"
    SHARED_COST = "SHARED_COST"
    NUMBER_TYPE_NOT_ALLOWED = "NUMBER_TYPE_NOT_ALLOWED"
    COUNTRY_NOT_ALLOWED = "COUNTRY_NOT_ALLOWED"
    # No caller ID of the pool can call this country.
    NO_CALLER_ID_REACHES = "NO_CALLER_ID_REACHES"
    # The caller ID the customer chose cannot call this country.
    CALLER_ID_CANNOT_REACH = "CALLER_ID_CANNOT_REACH"


@dataclass(frozen=True)
class DestinationRefusal:
    reason: DestinationReason
    message: str
    number: str
    country: str = ""
    number_type: str = ""


@dataclass(frozen=True)
class CallerIdReach:
    """What one caller ID of the pool can call, as Retell lists it."""

    number: str
    phone_number_type: str  # retell-twilio, retell-telnyx, custom; "" when not yet synced
    outbound_countries: tuple[str, ...] = ()  # Retell's allowed_outbound_country_list; empty: no own limit

    @property
    def purchased_from_retell(self) -> bool:
        # A number synced before the type was recorded is treated as Retell's: the narrower reach.
        return self.phone_number_type != CUSTOM

    def reaches(self, country: str, allowed_countries: frozenset[str]) -> bool:
        if country not in allowed_countries:
            return False
        if self.purchased_from_retell and country not in RETELL_PURCHASED_REACH:
            return False
        return not self.outbound_countries or country in self.outbound_countries


def parse_country_list(text: str) -> frozenset[str]:
    """"us, gb,FR" → {"US", "GB", "FR"}; raises ValueError naming a code phonenumbers does not know."""
    codes = frozenset(code.strip().upper() for code in text.split(",") if code.strip())
    unknown = sorted(codes - phonenumbers.SUPPORTED_REGIONS)
    if unknown:
        raise ValueError(f"not ISO 3166 country codes phonenumbers knows: {', '.join(unknown)}")
    return codes


def country_name(country: str, language: str = "en") -> str:
    """"GB" → "United Kingdom" (in `language` where phonenumbers has it); the code when it has none."""
    example = phonenumbers.example_number(country)
    name = geocoder.country_name_for_number(example, language) if example is not None else ""
    return name or country


def number_type_name(number: str) -> str:
    """"+19005551234" → "PREMIUM_RATE"; "UNKNOWN" for what does not parse."""
    try:
        return type_name_of(phonenumbers.parse(number))
    except NumberParseException:
        return TYPE_NAMES[PhoneNumberType.UNKNOWN]


def destination_refusal(number: str, allowed_countries: frozenset[str]) -> DestinationRefusal | None:
    """Why an E.164 number may not be called or transferred to whatever the caller ID, or None."""
    try:
        parsed = phonenumbers.parse(number)
    except NumberParseException:
        return type_refusal(None, number)
    return type_refusal(parsed, number) or country_refusal(
        phonenumbers.region_code_for_number(parsed) or "", number, allowed_countries, type_name_of(parsed))


def type_refusal(parsed: PhoneNumber | None, number: str) -> DestinationRefusal | None:
    """Why a number's kind of line may not be called (whatever the country), or None. Takes the parsed
    number so a list of 100,000 is parsed once."""
    kind = phonenumbers.number_type(parsed) if parsed is not None else PhoneNumberType.UNKNOWN
    if kind in PERSON_LINE_TYPES:
        return None
    country = (phonenumbers.region_code_for_number(parsed) if parsed is not None else None) or ""
    words = _TYPE_WORDS.get(kind, "unknown")
    if kind == PhoneNumberType.PREMIUM_RATE:
        reason = DestinationReason.PREMIUM_RATE
    elif kind == PhoneNumberType.SHARED_COST:
        reason = DestinationReason.SHARED_COST
    else:
        reason = DestinationReason.NUMBER_TYPE_NOT_ALLOWED
    if kind in (PhoneNumberType.PREMIUM_RATE, PhoneNumberType.SHARED_COST):
        why = "the caller pays its owner for the call"
    elif kind == PhoneNumberType.UNKNOWN:
        why = "its kind of line cannot be told"
    else:
        why = "only ordinary landlines and mobiles can be called"
    return DestinationRefusal(
        reason, f"{number} is a {words} number, and {why}; use an ordinary landline or mobile number",
        number, country, TYPE_NAMES.get(kind, "UNKNOWN"))


def country_refusal(country: str, number: str, allowed_countries: frozenset[str],
                    number_type: str = "") -> DestinationRefusal | None:
    """Why a number in `country` may not be called, or None."""
    if country in allowed_countries:
        return None
    return DestinationRefusal(
        DestinationReason.COUNTRY_NOT_ALLOWED,
        f"numbers in {country_name(country)} cannot be called from Speechcue; calls go to "
        f"{allowed_names(allowed_countries)}", number, country, number_type)


def type_name_of(parsed: PhoneNumber) -> str:
    return TYPE_NAMES.get(phonenumbers.number_type(parsed), "UNKNOWN")


def allowed_names(allowed_countries: Iterable[str]) -> str:
    return ", ".join(sorted(country_name(country) for country in allowed_countries)) or "no country"


def country_of(number: str) -> str:
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(number)) or ""
    except NumberParseException:
        return ""


def caller_id_refusal(caller_id: CallerIdReach, number: str,
                      allowed_countries: frozenset[str]) -> DestinationRefusal | None:
    """Why this caller ID cannot call `number` (already past destination_refusal), or None."""
    country = country_of(number)
    if caller_id.reaches(country, allowed_countries):
        return None
    if caller_id.purchased_from_retell and country not in RETELL_PURCHASED_REACH:
        why = "it is a Retell number, and those call US numbers only"
    else:
        why = f"it is limited to {allowed_names(caller_id.outbound_countries)}"
    return DestinationRefusal(
        DestinationReason.CALLER_ID_CANNOT_REACH,
        f"caller ID {caller_id.number} cannot call {country_name(country)}: {why}; choose another caller ID",
        number, country, number_type_name(number))


def reaching(pool: Sequence[CallerIdReach], numbers: Sequence[str],
             allowed_countries: frozenset[str]) -> list[CallerIdReach]:
    """The caller IDs of the pool that can call every one of `numbers`, in pool order."""
    countries = {country_of(number) for number in numbers}
    return [caller for caller in pool if all(caller.reaches(country, allowed_countries) for country in countries)]


def pool_refusal(pool: Sequence[CallerIdReach], number: str,
                 allowed_countries: frozenset[str]) -> DestinationRefusal | None:
    """The whole rule for one number: its type and country, then whether any caller ID reaches it.
    An empty pool is not a destination problem (NO_CALLER_ID says so elsewhere)."""
    refusal = destination_refusal(number, allowed_countries)
    if refusal is not None or not pool or reaching(pool, [number], allowed_countries):
        return refusal
    return DestinationRefusal(
        DestinationReason.NO_CALLER_ID_REACHES,
        f"none of the platform's caller IDs can call {country_name(country_of(number))} yet; call a number in "
        f"{allowed_names(reachable_countries(pool, allowed_countries))} or ask support",
        number, country_of(number), number_type_name(number))


def reachable_countries(pool: Sequence[CallerIdReach], allowed_countries: frozenset[str]) -> frozenset[str]:
    """The allowed countries some caller ID of the pool can call."""
    return frozenset(country for country in allowed_countries
                     if any(caller.reaches(country, allowed_countries) for caller in pool))
