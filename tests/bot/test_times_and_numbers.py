"""Times in the customer's terms: every time shown is in the customer's timezone, written the way the
chat's language writes dates and times (Babel), and names its zone, so "08:00" is never ambiguous;
onboarding asks the timezone with a suggestion, and Account changes it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from services.bot.formatting import local_time, zone_label

MOMENT = datetime(2026, 12, 3, 7, 0, tzinfo=UTC)


@pytest.mark.parametrize(("language", "timezone", "shown"), [
    ("en", "Europe/Paris", "Dec 3, 2026, 8:00\u202fAM (Central European Time)"),
    ("fr", "Europe/Paris", "3 déc. 2026, 08:00 (heure d’Europe centrale)"),
    ("zh", "Europe/Paris", "2026年12月3日 08:00（中欧时间）"),
    ("zh", "Asia/Shanghai", "2026年12月3日 15:00（中国时间）"),
    ("fr", "America/New_York", "3 déc. 2026, 02:00 (heure de l’Est nord-américain)"),
    ("hi", "Asia/Kolkata", "3 दिस॰ 2026, 12:30 pm (भारत समय)"),
    ("en", "UTC", "Dec 3, 2026, 7:00\u202fAM (UTC)"),
    ("zh", "UTC", "2026年12月3日 07:00（UTC）"),
])
def test_a_time_is_in_the_customers_zone_and_language_and_names_its_zone(language: str, timezone: str,
                                                                           shown: str) -> None:
    assert local_time(MOMENT, timezone, language) == shown


def test_a_time_of_day_alone_still_names_its_zone() -> None:
    assert local_time(MOMENT, "Europe/Paris", "fr", with_date=False) == "08:00 (heure d’Europe centrale)"
    assert local_time(MOMENT, "Europe/Paris", "zh", with_date=False) == "08:00（中欧时间）"


def test_a_protobuf_timestamp_reads_the_same_and_an_unset_one_is_a_dash() -> None:
    stamp = Timestamp()
    assert local_time(stamp, "Europe/Paris", "fr") == "—"
    stamp.FromDatetime(MOMENT)
    assert local_time(stamp, "Europe/Paris", "fr") == local_time(MOMENT, "Europe/Paris", "fr")
    assert local_time(None, "UTC", "en") == "—"


def test_an_unknown_zone_or_a_fixed_offset_is_still_named() -> None:
    assert zone_label("Mars/Olympus", "en") == "UTC"
    assert zone_label("Etc/GMT+5", "en") == "GMT-05:00"  # POSIX's inverted sign, shown as the offset it is
