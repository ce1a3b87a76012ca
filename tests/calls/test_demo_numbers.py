"""The demo's and the end-to-end tests' callees (devstack/demo.py `callable_numbers`) are numbers calls
may go to at every hour of the day: valid landlines or mobiles of allowed countries, inside the callee's
calling window. Before, a Paris number with one digit too many and a London number of unknown type
were picked at the hours their region came first, and the end-to-end tests failed only then."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from devstack.demo import callable_numbers
from services.calls.calling_window import next_allowed
from services.calls.destinations import destination_refusal, parse_country_list
from services.calls.phone_numbers import timezones_of
from services.calls.settings import CallsSettings

DEFAULTS = CallsSettings.model_fields


@pytest.mark.parametrize("quarter_hour", range(0, 24 * 4))
def test_the_demo_callees_at_every_hour_may_be_called_then(quarter_hour: int) -> None:
    now = datetime(2026, 12, 2, tzinfo=UTC) + timedelta(minutes=15 * quarter_hour)
    allowed = parse_country_list(DEFAULTS["calls_allowed_countries"].default)
    start, end = DEFAULTS["calls_window_start"].default, DEFAULTS["calls_window_end"].default
    for number in callable_numbers(5, now):
        assert destination_refusal(number, allowed) is None, number
        assert next_allowed(now, timezones_of(number), start, end) == now, number
