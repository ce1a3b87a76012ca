"""Numbers, money, durations, times and phone numbers as the chat shows them."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from babel.dates import format_date, format_time, get_timezone_gmt, get_timezone_location, get_timezone_name
from babel.numbers import format_currency
from google.protobuf.timestamp_pb2 import Timestamp

from services.bot.timezones import CLDR_NAMES

BAR_WIDTH = 12
# The CLDR locale whose number and currency conventions each chat language shows (and reads back).
BABEL_LOCALES = {"en": "en_US", "fr": "fr_FR", "hi": "hi_IN", "zh": "zh_Hans_CN"}


def money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}${abs(cents) // 100:,}.{abs(cents) % 100:02d}"


def babel_locale(language: str) -> str:
    return BABEL_LOCALES.get(language, BABEL_LOCALES["en"])


def local_money(cents: int, language: str) -> str:
    """US dollars the way the chat's language writes them: `$1,050.50`, `1 050,50 $US`, `US$1,050.50`."""
    return format_currency(Decimal(cents) / 100, "USD", locale=babel_locale(language))


def duration(seconds: int) -> str:
    minutes, rest = divmod(max(0, int(seconds)), 60)
    return f"{minutes}:{rest:02d}"


def masked_number(number: str) -> str:
    """Enough of a number to recognise it, not enough to copy it out of a screenshot."""
    if len(number) <= 6:
        return number
    return f"{number[:5]}•••{number[-3:]}"


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


# Zones whose CLDR name would read "Unknown Region (UTC) Time": shown as UTC in every language.
_UTC_NAMES = frozenset({"UTC", "Etc/UTC", "Etc/GMT", "GMT", "Etc/Universal", "Etc/Zulu", "Universal", "Zulu"})


@cache
def zone_label(timezone: str, language: str) -> str:
    """A zone as the chat's language names it: "Europe/Paris" → "Central European Time",
    "heure d’Europe centrale", "中欧时间", "मध्य यूरोपीय समय"; UTC (and an unknown name) → "UTC"."""
    place = zone(timezone)
    if place.key in _UTC_NAMES:
        return "UTC"
    if place.key.startswith("Etc/"):  # a fixed offset with no place: its offset ("Etc/GMT+5" is GMT-05:00)
        return str(get_timezone_gmt(datetime.now(UTC).astimezone(place), "long", locale=babel_locale(language)))
    try:
        return str(get_timezone_name(place, "long", zone_variant="generic", locale=babel_locale(language)))
    except (LookupError, ValueError):
        return place.key


@cache
def zone_choice(timezone: str, language: str) -> str:
    """A zone on a button, its city and its name in the chat's language: "New York · Eastern Time",
    "巴黎 · 中欧时间"; UTC → "UTC"."""
    label = zone_label(timezone, language)
    place = zone(timezone)
    if label == "UTC" or place.key.startswith("Etc/"):
        return label
    # CLDR keeps some cities under their zone's older name (Asia/Calcutta): asked by that name first.
    names = Locale.parse(babel_locale(language)).time_zones
    city = (names.get(CLDR_NAMES.get(place.key, place.key)) or {}).get("city")
    if not city:
        try:
            city = get_timezone_location(place, locale=babel_locale(language), return_city=True)
        except (LookupError, ValueError):
            city = place.key.rsplit("/", 1)[-1].replace("_", " ")
    return f"{city} · {label}"


def local_time(moment: datetime | Timestamp | None, timezone: str, language: str = "en", *,
               with_date: bool = True, with_zone: bool = True) -> str:
    """A moment as the customer reads it: in their timezone, in their language's date and time
    format, with the zone named, so no time on any screen is ambiguous. Worked examples
    (2026-12-03 07:00 UTC, Europe/Paris): en "Dec 3, 2026, 8:00 AM (Central European Time)",
    fr "3 déc. 2026, 08:00 (heure d’Europe centrale)", zh "2026年12月3日 08:00（中欧时间）";
    `with_date=False` → "8:00 AM (Central European Time)"; `with_zone=False` → "Dec 3, 2026, 8:00 AM", for
    a list whose heading names the zone once (a button label has no room for it). An unset moment is "—"."""
    if isinstance(moment, Timestamp):
        if moment.seconds == 0 and moment.nanos == 0:
            return "—"
        moment = moment.ToDatetime(tzinfo=UTC)
    if moment is None:
        return "—"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    locale = babel_locale(language)
    local = moment.astimezone(zone(timezone))
    shown = format_time(local, "short", locale=locale)
    if with_date:
        pattern = str(Locale.parse(locale).datetime_formats["medium"]).replace("'", "")
        shown = pattern.replace("{0}", shown).replace("{1}", format_date(local, "medium", locale=locale))
    if not with_zone:
        return shown
    label = zone_label(timezone, language)
    return f"{shown}（{label}）" if language == "zh" else f"{shown} ({label})"


def progress_bar(done: int, total: int) -> str:
    filled = 0 if total <= 0 else round(BAR_WIDTH * min(done, total) / total)
    percent = 0 if total <= 0 else round(100 * min(done, total) / total)
    return f"{'█' * filled}{'░' * (BAR_WIDTH - filled)} {percent}%"
