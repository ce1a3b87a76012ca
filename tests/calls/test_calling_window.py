"""Lawful calling hours in the callee's own timezone, across zones and midnight."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from services.calls.calling_window import inside_window, next_allowed
from services.calls.phone_numbers import InvalidPhoneNumber, masked, normalise, timezones_of

LONDON = ("Europe/London",)
LOS_ANGELES = ("America/Los_Angeles",)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_inside_the_window_the_call_may_go_now() -> None:
    moment = utc(2026, 11, 24, 12, 0)  # 12:00 in London
    assert inside_window(moment, LONDON)
    assert next_allowed(moment, LONDON) == moment


def test_after_nine_pm_the_next_allowed_time_is_eight_the_next_morning() -> None:
    moment = utc(2026, 11, 24, 21, 30)  # 21:30 London
    assert next_allowed(moment, LONDON) == utc(2026, 11, 25, 8, 0)


def test_before_midnight_utc_it_can_still_be_afternoon_for_the_callee() -> None:
    moment = utc(2026, 11, 24, 23, 30)  # 15:30 in Los Angeles
    assert inside_window(moment, LOS_ANGELES)
    early = utc(2026, 11, 25, 10, 0)  # 02:00 in Los Angeles
    assert next_allowed(early, LOS_ANGELES) == utc(2026, 11, 25, 16, 0)


def test_a_number_in_several_zones_waits_until_all_are_inside() -> None:
    zones = ("America/New_York", "America/Los_Angeles")
    moment = utc(2026, 11, 24, 14, 0)  # 09:00 New York, 06:00 Los Angeles
    assert not inside_window(moment, zones)
    assert next_allowed(moment, zones) == utc(2026, 11, 24, 16, 0)  # 08:00 Los Angeles


def test_zones_with_no_common_window_are_never_allowed() -> None:
    # A 09:00–17:00 window in London and in Auckland (13 hours apart in November) never overlaps.
    assert next_allowed(utc(2026, 11, 24, 12, 0), ("Europe/London", "Pacific/Auckland"),
                        time(9, 0), time(17, 0)) is None
    assert next_allowed(utc(2026, 11, 24, 12, 0), ()) is None


def test_numbers_are_normalised_to_e164_and_located() -> None:
    assert normalise(" +1 (415) 555-0123 ") == "+14155550123"
    assert normalise("020 7183 8750", default_region="GB") == "+442071838750"
    assert timezones_of("+442071838750") == LONDON
    assert masked("+442071838750") == "…50"


@pytest.mark.parametrize(("raw", "code"), [("", "EMPTY"), ("hello", "UNPARSEABLE"), ("+1555", "INVALID"),
                                           ("4155550123", "UNPARSEABLE"), ("+" + "1" * 50, "TOO_LONG")])
def test_bad_numbers_say_what_is_wrong(raw: str, code: str) -> None:
    with pytest.raises(InvalidPhoneNumber) as caught:
        normalise(raw)
    assert caught.value.problem.code == code
