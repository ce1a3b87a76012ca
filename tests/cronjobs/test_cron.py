"""Cron expressions as the tick schedules use them, and the one schedule table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cronjobs.cron import BadCronExpression, CronSchedule
from cronjobs.requesting import STUBS, tick_key
from cronjobs.schedule import TICKS, tick_named

MOMENT = datetime(2026, 11, 24, 13, 37, 42, tzinfo=UTC)  # a Tuesday


@pytest.mark.parametrize(("expression", "latest"), [
    ("* * * * *", datetime(2026, 11, 24, 13, 37, tzinfo=UTC)),
    ("*/5 * * * *", datetime(2026, 11, 24, 13, 35, tzinfo=UTC)),
    ("*/10 * * * *", datetime(2026, 11, 24, 13, 30, tzinfo=UTC)),
    ("0 * * * *", datetime(2026, 11, 24, 13, 0, tzinfo=UTC)),
    ("15,45 9-17 * * 1-5", datetime(2026, 11, 24, 13, 15, tzinfo=UTC)),
    ("0 0 * * 0", datetime(2026, 11, 22, 0, 0, tzinfo=UTC)),  # the Sunday before
    ("30 2 1 * *", datetime(2026, 11, 1, 2, 30, tzinfo=UTC)),
    ("5/20 * * * *", datetime(2026, 11, 24, 13, 25, tzinfo=UTC)),
])
def test_latest_firing_at_or_before_a_moment(expression: str, latest: datetime) -> None:
    assert CronSchedule.parse(expression).latest_at_or_before(MOMENT) == latest


@pytest.mark.parametrize("expression", ["* * * *", "60 * * * *", "*/0 * * * *", "a * * * *", "5-1 * * * *",
                                        "* 24 * * *", "* * 0 * *", "* * * 13 *", "* * * * 7", "1,x * * * *"])
def test_malformed_expressions_are_refused_with_the_field_named(expression: str) -> None:
    with pytest.raises(BadCronExpression):
        CronSchedule.parse(expression)


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)),
       st.sampled_from([tick.schedule for tick in TICKS]))
def test_the_latest_firing_fires_and_no_later_minute_before_the_moment_does(naive: datetime, expression: str) -> None:
    moment = naive.replace(tzinfo=UTC)
    schedule = CronSchedule.parse(expression)
    latest = schedule.latest_at_or_before(moment)
    assert latest <= moment and schedule.fires_at(latest)
    minute = latest + timedelta(minutes=1)
    while minute <= moment:
        assert not schedule.fires_at(minute)
        minute += timedelta(minutes=1)


def test_the_table_names_each_tick_once_with_a_real_rpc_of_its_service() -> None:
    assert len({tick.name for tick in TICKS}) == len(TICKS)
    for tick in TICKS:
        assert hasattr(STUBS[tick.service](_NoChannel()), tick.rpc), tick
        assert tick.cron.expression == tick.schedule
    periods = {tick.name: tick.schedule for tick in TICKS}
    # DESIGN.md §5: billing every 5 min, notifications every 10, subscriptions hourly, campaigns every minute.
    assert periods["billing"] == "*/5 * * * *" and periods["notifications"] == "*/10 * * * *"
    assert periods["subscriptions"] == "0 * * * *" and periods["campaigns"] == "* * * * *"


def test_a_ticks_key_names_its_scheduled_minute() -> None:
    assert tick_key(tick_named("billing"), datetime(2026, 11, 24, 13, 35, tzinfo=UTC)) == \
        "tick:billing:2026-11-24T13:35Z"
    with pytest.raises(KeyError):
        tick_named("nonsense")


class _NoChannel:
    """Enough of a channel for a generated stub to name its methods."""

    def unary_unary(self, *args: object, **kwargs: object) -> object:
        return object()
