"""Five-field cron expressions (minute hour day-of-month month day-of-week), as Kubernetes
CronJobs read them, for the ticks' schedules: `*`, `*/n`, `a`, `a-b`, `a-b/n` and lists of them.

Pure functions: which minutes an expression fires on, and the latest firing at or before a moment
(the time a tick stands for, and so its idempotency key). Day of month and day of week must both
match (classic cron ORs them when both are restricted; no tick restricts either)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day of month", 1, 31), ("month", 1, 12), ("day of week", 0, 6))
# Far enough back for any schedule a tick can have (a yearly one would need more; none exists).
SEARCH_LIMIT = timedelta(days=31)


class BadCronExpression(ValueError):
    pass


def _field(text: str, name: str, low: int, high: int) -> frozenset[int]:
    values: set[int] = set()
    for part in text.split(","):
        body, _, step_text = part.partition("/")
        step = int(step_text) if step_text.isdigit() and int(step_text) > 0 else None
        if step_text and step is None:
            raise BadCronExpression(f"bad step in the {name} field: {part!r}")
        if body == "*":
            start, end = low, high
        elif "-" in body:
            first, _, last = body.partition("-")
            if not (first.isdigit() and last.isdigit()):
                raise BadCronExpression(f"bad range in the {name} field: {part!r}")
            start, end = int(first), int(last)
        elif body.isdigit():
            start = end = int(body)
            if step is not None:
                end = high
        else:
            raise BadCronExpression(f"bad {name} field: {part!r}")
        if not low <= start <= end <= high:
            raise BadCronExpression(f"the {name} field must stay within {low}-{high}: {part!r}")
        values.update(range(start, end + 1, step or 1))
    return frozenset(values)


@dataclass(frozen=True)
class CronSchedule:
    expression: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]

    @classmethod
    def parse(cls, expression: str) -> CronSchedule:
        parts = expression.split()
        if len(parts) != 5:
            raise BadCronExpression(f"a cron expression has five fields: {expression!r}")
        fields = [_field(part, name, low, high) for part, (name, low, high) in zip(parts, FIELDS, strict=True)]
        return cls(expression, *fields)

    def fires_at(self, moment: datetime) -> bool:
        weekday = (moment.weekday() + 1) % 7  # cron counts Sunday as 0
        return (moment.minute in self.minutes and moment.hour in self.hours and moment.day in self.days
                and moment.month in self.months and weekday in self.weekdays)

    def latest_at_or_before(self, moment: datetime) -> datetime:
        candidate = moment.replace(second=0, microsecond=0)
        limit = candidate - SEARCH_LIMIT
        while candidate >= limit:
            if self.fires_at(candidate):
                return candidate
            candidate -= timedelta(minutes=1)
        raise BadCronExpression(f"{self.expression!r} does not fire within {SEARCH_LIMIT.days} days")
