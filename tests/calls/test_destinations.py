"""Destinations a fraudster cannot bill: the pure rule (services/calls/destinations.py)."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from phonenumbers import PhoneNumberType

from services.calls.destinations import (
    DEFAULT_ALLOWED_COUNTRIES,
    CallerIdReach,
    DestinationReason,
    caller_id_refusal,
    destination_refusal,
    parse_country_list,
    pool_refusal,
    reachable_countries,
    reaching,
)

ALLOWED = parse_country_list(DEFAULT_ALLOWED_COUNTRIES)
RETELL = CallerIdReach("+14155550100", "retell-twilio")
TELNYX = CallerIdReach("+14155550101", "retell-telnyx")
IMPORTED = CallerIdReach("+442071838700", "custom")


@pytest.mark.parametrize(("number", "reason", "words"), [
    ("+449012345678", DestinationReason.PREMIUM_RATE, "premium-rate"),  # UK 09
    ("+449098790000", DestinationReason.PREMIUM_RATE, "premium-rate"),
    ("+448712345678", DestinationReason.PREMIUM_RATE, "premium-rate"),  # UK 0871 service number
    ("+448432345678", DestinationReason.PREMIUM_RATE, "premium-rate"),  # UK 084
    ("+447012345678", DestinationReason.NUMBER_TYPE_NOT_ALLOWED, "personal"),  # UK 070
    ("+447640123456", DestinationReason.NUMBER_TYPE_NOT_ALLOWED, "pager"),  # UK 076
    ("+443001234567", DestinationReason.NUMBER_TYPE_NOT_ALLOWED, "UAN"),  # UK 03
    ("+445512345678", DestinationReason.NUMBER_TYPE_NOT_ALLOWED, "UAN"),  # UK 055
    ("+445612345678", DestinationReason.NUMBER_TYPE_NOT_ALLOWED, "VoIP"),  # UK 056
    ("+448001234567", DestinationReason.NUMBER_TYPE_NOT_ALLOWED, "toll-free"),  # UK 0800
    ("+19002345678", DestinationReason.PREMIUM_RATE, "premium-rate"),  # US 900
    ("+19005551234", DestinationReason.PREMIUM_RATE, "premium-rate"),
    ("+18002345678", DestinationReason.NUMBER_TYPE_NOT_ALLOWED, "toll-free"),  # US 800
    ("+15002345678", DestinationReason.NUMBER_TYPE_NOT_ALLOWED, "personal"),  # US 500
    ("+19002123456", DestinationReason.PREMIUM_RATE, "premium-rate"),  # CA 900
    ("+33891123456", DestinationReason.PREMIUM_RATE, "premium-rate"),  # FR 089
    ("+33884012345", DestinationReason.SHARED_COST, "shared-cost"),  # FR 0884
    ("+33912345678", DestinationReason.NUMBER_TYPE_NOT_ALLOWED, "VoIP"),  # FR 09
    ("+499001234567", DestinationReason.PREMIUM_RATE, "premium-rate"),  # DE 0900
    ("+4918012345", DestinationReason.SHARED_COST, "shared-cost"),  # DE 0180
    ("+4970012345678", DestinationReason.NUMBER_TYPE_NOT_ALLOWED, "personal"),  # DE 0700
    ("+49177991234567", DestinationReason.NUMBER_TYPE_NOT_ALLOWED, "voicemail"),
    ("+9118603451234", DestinationReason.SHARED_COST, "shared-cost"),  # IN 1860
    ("+911861123456789", DestinationReason.PREMIUM_RATE, "premium-rate"),  # IN 1861
    ("+911800123456", DestinationReason.NUMBER_TYPE_NOT_ALLOWED, "toll-free"),  # IN 1800
    ("+34803123456", DestinationReason.PREMIUM_RATE, "premium-rate"),  # ES 803
    ("+34901123456", DestinationReason.SHARED_COST, "shared-cost"),  # ES 901
    ("+3531520123456", DestinationReason.PREMIUM_RATE, "premium-rate"),  # IE 1520
    ("+3531850123456", DestinationReason.SHARED_COST, "shared-cost"),  # IE 1850
])
def test_numbers_whose_owner_is_paid_or_that_no_person_answers_are_refused(
        number: str, reason: DestinationReason, words: str) -> None:
    refusal = destination_refusal(number, ALLOWED)
    assert refusal is not None
    assert refusal.reason == reason
    assert words in refusal.message
    assert number in refusal.message
    assert "landline or mobile" in refusal.message  # what to do instead


@pytest.mark.parametrize(("number", "country"), [
    ("+14155550123", "US"), ("+12125550123", "US"), ("+14165550123", "CA"),
    ("+442071838750", "GB"), ("+441212345678", "GB"), ("+447400123456", "GB"), ("+447981555555", "GB"),
    ("+33142685300", "FR"), ("+33612345678", "FR"),
    ("+493012345678", "DE"), ("+4915123456789", "DE"),
    ("+34912345678", "ES"), ("+34612345678", "ES"),
    ("+919876543210", "IN"), ("+911123456789", "IN"),
    ("+3532212345", "IE"), ("+353850123456", "IE"),
])
def test_ordinary_landlines_and_mobiles_in_allowed_countries_pass(number: str, country: str) -> None:
    assert destination_refusal(number, ALLOWED) is None
    assert country in ALLOWED


@pytest.mark.parametrize(("number", "country_words"), [
    ("+81312345678", "Japan"), ("+61212345678", "Australia"), ("+17875550123", "Puerto Rico"),
    ("+8613812345678", "China"), ("+447624123456", "Isle Of Man"), ("+2348031234567", "Nigeria"),
])
def test_ordinary_numbers_in_countries_not_allowed_are_refused_naming_the_country(
        number: str, country_words: str) -> None:
    refusal = destination_refusal(number, ALLOWED)
    assert refusal is not None
    assert refusal.reason == DestinationReason.COUNTRY_NOT_ALLOWED
    assert country_words in refusal.message
    assert "United States" in refusal.message  # where calls can go instead


def test_the_allow_list_is_the_operators() -> None:
    assert destination_refusal("+81312345678", frozenset({"JP"})) is None
    refusal = destination_refusal("+14155550123", frozenset({"JP"}))
    assert refusal is not None and refusal.reason == DestinationReason.COUNTRY_NOT_ALLOWED
    # The type rule holds whatever the allow-list says.
    refused = destination_refusal("+449012345678", frozenset({"GB"}))
    assert refused is not None and refused.reason == DestinationReason.PREMIUM_RATE


def test_country_lists_are_read_leniently_and_unknown_codes_refused() -> None:
    assert parse_country_list(" us, gb,FR ,") == {"US", "GB", "FR"}
    with pytest.raises(ValueError, match="XX"):
        parse_country_list("US,XX")
    with pytest.raises(ValueError, match="UK"):
        parse_country_list("UK")  # the ISO code is GB


def test_retell_numbers_reach_the_us_only_and_imported_numbers_the_allow_list() -> None:
    assert caller_id_refusal(RETELL, "+14155550123", ALLOWED) is None
    assert caller_id_refusal(TELNYX, "+12125550123", ALLOWED) is None
    for number in ("+442071838750", "+14165550123", "+919876543210"):  # Canada counts as abroad
        refusal = caller_id_refusal(RETELL, number, ALLOWED)
        assert refusal is not None and refusal.reason == DestinationReason.CALLER_ID_CANNOT_REACH
        assert "US numbers only" in refusal.message and RETELL.number in refusal.message
        assert caller_id_refusal(IMPORTED, number, ALLOWED) is None
    assert caller_id_refusal(IMPORTED, "+81312345678", ALLOWED) is not None  # not in the allow-list


def test_a_number_synced_before_its_type_was_known_is_treated_as_retells() -> None:
    unsynced = CallerIdReach("+14155550102", "")
    assert unsynced.reaches("US", ALLOWED)
    assert not unsynced.reaches("GB", ALLOWED)


def test_retells_own_outbound_country_list_narrows_a_number() -> None:
    uk_only = CallerIdReach("+442071838701", "custom", ("GB",))
    assert uk_only.reaches("GB", ALLOWED)
    assert not uk_only.reaches("FR", ALLOWED)
    refusal = caller_id_refusal(uk_only, "+33612345678", ALLOWED)
    assert refusal is not None and "United Kingdom" in refusal.message


def test_the_pool_offers_only_caller_ids_that_reach_every_destination_of_the_call() -> None:
    pool = [RETELL, TELNYX, IMPORTED]
    assert reaching(pool, ["+14155550123"], ALLOWED) == pool
    assert reaching(pool, ["+442071838750"], ALLOWED) == [IMPORTED]
    # A US callee whose call may be transferred to a UK desk needs a caller ID reaching both.
    assert reaching(pool, ["+14155550123", "+442071838750"], ALLOWED) == [IMPORTED]
    assert reaching([RETELL], ["+14155550123", "+442071838750"], ALLOWED) == []
    assert reachable_countries([RETELL], ALLOWED) == {"US"}
    assert reachable_countries(pool, ALLOWED) == ALLOWED


def test_a_country_no_caller_id_reaches_is_refused_at_the_number_naming_where_calls_can_go() -> None:
    refusal = pool_refusal([RETELL, TELNYX], "+442071838750", ALLOWED)
    assert refusal is not None and refusal.reason == DestinationReason.NO_CALLER_ID_REACHES
    assert "United Kingdom" in refusal.message and "United States" in refusal.message
    assert pool_refusal([RETELL, IMPORTED], "+442071838750", ALLOWED) is None
    assert pool_refusal([RETELL], "+14155550123", ALLOWED) is None
    # The type and the allow-list come first: they are what the customer can act on.
    premium = pool_refusal([RETELL], "+449012345678", ALLOWED)
    assert premium is not None and premium.reason == DestinationReason.PREMIUM_RATE


ALL_REGIONS = sorted(phonenumbers.SUPPORTED_REGIONS)
ALL_TYPES = [value for name, value in vars(PhoneNumberType).items() if name.isupper()]


@settings(max_examples=300, deadline=None)
@given(region=st.sampled_from(ALL_REGIONS), kind=st.sampled_from(ALL_TYPES),
       allowed=st.frozensets(st.sampled_from(ALL_REGIONS), max_size=8))
def test_only_person_lines_in_allowed_countries_ever_pass(region: str, kind: int, allowed: frozenset[str]) -> None:
    example = phonenumbers.example_number_for_type(region, kind)
    if example is None:
        return
    number = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
    real_type = phonenumbers.number_type(example)
    real_country = phonenumbers.region_code_for_number(example)
    refusal = destination_refusal(number, allowed)
    ordinary = real_type in (PhoneNumberType.FIXED_LINE, PhoneNumberType.MOBILE,
                             PhoneNumberType.FIXED_LINE_OR_MOBILE)
    assert (refusal is None) == (ordinary and real_country in allowed)
    if refusal is not None:
        assert refusal.message and refusal.number == number
    assert bool(reaching([RETELL], [number], allowed)) == (real_country == "US" and "US" in allowed)
    assert bool(reaching([IMPORTED], [number], allowed)) == (real_country in allowed)


@settings(max_examples=200, deadline=None)
@given(digits=st.text(alphabet="0123456789", min_size=1, max_size=15))
def test_any_digits_get_an_answer_never_an_exception(digits: str) -> None:
    refusal = destination_refusal("+" + digits, ALLOWED)
    if refusal is None:
        parsed = phonenumbers.parse("+" + digits)
        assert phonenumbers.region_code_for_number(parsed) in ALLOWED
