"""Quotas counted per UTC calendar day: when today's count began and when a refused customer may try
again. Pure; shared by the calls service's daily caps and the payments service's invoice caps.

Why a calendar day rather than a sliding 24 hours: the refusal can name one moment that holds for
every cap ("after 00:00 UTC, in 3 h 12 min"), the count is one indexed range per customer, and a
customer who reads the message at 23:50 is not told to wait until tomorrow evening.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def day_start(now: datetime) -> datetime:
    """00:00 UTC of `now`'s day: 2026-12-02 15:43 UTC → 2026-12-02 00:00 UTC."""
    utc = now.astimezone(UTC)
    return datetime(utc.year, utc.month, utc.day, tzinfo=UTC)


def next_reset(now: datetime) -> datetime:
    """When today's counts start again from zero: the next 00:00 UTC (23:59:59 → one second later)."""
    return day_start(now) + timedelta(days=1)


def wait_words(now: datetime) -> str:
    """'try again after 00:00 UTC (in 8 h 17 min)'; under a minute reads 'in 1 min'."""
    left = next_reset(now) - now
    minutes = max(1, -(-int(left.total_seconds()) // 60))
    hours, minutes = divmod(minutes, 60)
    wait = f"{hours} h {minutes} min" if hours else f"{minutes} min"
    return f"try again after 00:00 UTC (in {wait})"
