"""What a campaign's forecast is computed from (campaign_forecast.py): the platform's answer rates by
destination country and the callee's local hour (with its missed calls by how they ended: no answer,
busy, voicemail, a failed line, or final, for the retry rules), and the list's callees by country and
the local hour their first call would ring. Reads only; the rule is campaign_forecast.py's.

Why the database counts and Python decides: a call's outcome is call_outcomes.py's rule, and a number's
country and timezone are phonenumbers', neither of which SQL can say. So one grouped query counts the
recent window's placed calls by what those depend on (the number's first five characters, which fix
the country and, in the +1 zone, the area code and so the timezone; the UTC hour; the facts the
outcome is read from), with one number of each group as its sample; Python reads each group once.
The rows are bounded by the groups (prefixes × 24 hours × outcome facts), and at most MAX_GROUPS.
The window is RATES_WINDOW, over every customer's calls (an index on calls.placed_at, migration 0020),
and the answer is kept for CACHE_FOR and read again behind the screens (AnswerRatesCache), so a confirm
screen does not scan it.

The list side is the same grouping over the campaign's callees still to call.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnClause, Integer, cast, extract, func, literal_column, select

from services.calls.call_outcomes import call_outcome
from services.calls.campaign_forecast import AnswerRate, ListGroup, answered_sample, missed_as
from services.calls.destinations import country_of
from services.calls.phone_numbers import timezones_of
from services.calls.tables import calls, campaign_callees
from services.runtime.database import Database, UnitOfWork

log = logging.getLogger(__name__)

RATES_WINDOW = timedelta(days=30)
CACHE_FOR = timedelta(minutes=10)
MAX_GROUPS = 50_000
PREFIX_LENGTH = 5


@lru_cache(maxsize=4096)
def _where(sample: str) -> tuple[str, str]:
    """A number's country and (first) timezone; '' for what phonenumbers cannot tell."""
    try:
        zones = timezones_of(sample)
    except Exception:
        zones = ()
    return country_of(sample), zones[0] if zones else ""


def _local_hour(zone: str, utc_hour: int, day: datetime) -> int:
    """The local hour in `zone` of `utc_hour` on `day` (mid-hour, so a half-hour offset lands inside)."""
    moment = day.replace(hour=utc_hour, minute=30, second=0, microsecond=0)
    return moment.astimezone(ZoneInfo(zone)).hour if zone else utc_hour


# The grouped expressions hold their constants as literals: with bound parameters the SELECT's and the
# GROUP BY's copies would be different expressions to PostgreSQL.
_PREFIX_LENGTH: ColumnClause[int] = literal_column(str(PREFIX_LENGTH))


async def answer_rates(uow: UnitOfWork, now: datetime) -> dict[tuple[str, int], AnswerRate]:
    """Every customer's calls placed in the last RATES_WINDOW, as answer rates by (country, local hour)."""
    prefix = func.left(calls.c.to_number, _PREFIX_LENGTH)
    utc_hour = cast(extract("hour", func.timezone(literal_column("'UTC'"), calls.c.placed_at)), Integer)
    transferred = calls.c.transfer_number != literal_column("''")
    groups = (select(prefix.label("prefix"), utc_hour.label("utc_hour"), calls.c.status,
                     calls.c.disconnection_reason, calls.c.failure_reason, calls.c.in_voicemail, calls.c.opted_out,
                     transferred.label("transferred"), calls.c.stopped_by_customer,
                     func.count().label("calls"), func.min(calls.c.to_number).label("sample"))
              .where(calls.c.placed_at >= now - RATES_WINDOW, calls.c.placed_at <= now,
                     calls.c.status.in_(("ended", "failed")))
              .group_by(prefix, utc_hour, calls.c.status, calls.c.disconnection_reason, calls.c.failure_reason,
                        calls.c.in_voicemail, calls.c.opted_out, transferred, calls.c.stopped_by_customer)
              .limit(MAX_GROUPS))
    counted: dict[tuple[str, int], Counter[str]] = {}
    for row in (await uow.connection.execute(groups)).all():
        outcome = call_outcome(
            status=row.status, disconnection_reason=row.disconnection_reason, failure_reason=row.failure_reason,
            in_voicemail=row.in_voicemail, opted_out=row.opted_out,
            transfer_number="transferred" if row.transferred else "", stopped_by_customer=row.stopped_by_customer)
        answered = answered_sample(outcome)
        if outcome is None or answered is None:
            continue
        country, zone = _where(row.sample)
        if not country:
            continue
        tally = counted.setdefault((country, _local_hour(zone, row.utc_hour, now)), Counter())
        tally["calls"] += row.calls
        # A missed call also counts under how it ended: the forecast retries it by that outcome's rule.
        tally["answered" if answered else missed_as(outcome)] += row.calls
    return {key: AnswerRate(calls=tally["calls"], answered=tally["answered"], no_answer=tally["no_answer"],
                            busy=tally["busy"], voicemail=tally["voicemail"], failed=tally["failed"],
                            final=tally["final"])
            for key, tally in counted.items()}


async def list_groups(uow: UnitOfWork, campaign_id: str, start: datetime) -> list[ListGroup]:
    """The campaign's callees still to call, by country and the local hour at `start` (the forecast
    moves an hour outside the calling window to its opening, as the dispatcher does)."""
    prefix = func.left(campaign_callees.c.number, _PREFIX_LENGTH)
    rows = (await uow.connection.execute(
        select(prefix.label("prefix"), func.min(campaign_callees.c.number).label("sample"),
               func.count().label("callees"))
        .where(campaign_callees.c.campaign_id == campaign_id, campaign_callees.c.status == "pending")
        .group_by(prefix))).all()
    groups: list[ListGroup] = []
    for row in rows:
        country, zone = _where(row.sample)
        hour = start.astimezone(ZoneInfo(zone)).hour if zone else start.hour
        groups.append(ListGroup(country=country, local_hour=hour, callees=row.callees))
    return groups


@dataclass
class AnswerRatesCache:
    """The rates, read at most once per CACHE_FOR per process. Once they are older, the screen that
    finds them so gets them at once and they are read again behind it: the read takes 1.4–2.3 s over
    500,000 calls in the window (1,000,000 in the table, on the 2-core machine beside other work), too
    long for a confirm screen to wait. Only the first read (or one after the clock moved back) waits."""

    read_at: datetime | None = None
    rates: Mapping[tuple[str, int], AnswerRate] = field(default_factory=dict)
    reading: asyncio.Task[None] | None = None

    async def get(self, database: Database, now: datetime) -> Mapping[tuple[str, int], AnswerRate]:
        if self.read_at is None or now < self.read_at:
            await self._read(database, now)
        elif now >= self.read_at + CACHE_FOR and (self.reading is None or self.reading.done()):
            self.reading = asyncio.create_task(self._read(database, now))
            self.reading.add_done_callback(_log_failure)
        return self.rates

    async def _read(self, database: Database, now: datetime) -> None:
        async with database.unit_of_work() as uow:
            self.rates = await answer_rates(uow, now)
        self.read_at = now


def _log_failure(task: asyncio.Task[None]) -> None:
    """A read behind a screen that failed: the last rates stay, and the next screen tries again."""
    if not task.cancelled() and task.exception() is not None:
        log.warning("the answer rates could not be read again", exc_info=task.exception())
