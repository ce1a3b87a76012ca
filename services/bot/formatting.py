"""Numbers, money, durations, times and phone numbers as the chat shows them."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.numbers import format_currency
from google.protobuf.timestamp_pb2 import Timestamp

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


def local_time(moment: datetime | Timestamp | None, timezone: str) -> str:
    if isinstance(moment, Timestamp):
        if moment.seconds == 0 and moment.nanos == 0:
            return "—"
        moment = moment.ToDatetime(tzinfo=UTC)
    if moment is None:
        return "—"
    return moment.astimezone(zone(timezone)).strftime("%Y-%m-%d %H:%M")


def progress_bar(done: int, total: int) -> str:
    filled = 0 if total <= 0 else round(BAR_WIDTH * min(done, total) / total)
    percent = 0 if total <= 0 else round(100 * min(done, total) / total)
    return f"{'█' * filled}{'░' * (BAR_WIDTH - filled)} {percent}%"
