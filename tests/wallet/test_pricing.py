"""The pure pricing rules: started minutes, plan-first splitting, quotes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.wallet.pricing import UNLIMITED, minutes_left, quote_call, split_usage, started_minutes


@pytest.mark.parametrize(("seconds", "minutes"), [(0, 0), (1, 1), (59, 1), (60, 1), (61, 2), (120, 2), (121, 3)])
def test_every_started_minute_is_billed(seconds: int, minutes: int) -> None:
    assert started_minutes(seconds) == minutes


def test_negative_duration_is_a_bug() -> None:
    with pytest.raises(ValueError):
        started_minutes(-1)


@pytest.mark.parametrize(("included", "used", "reserved", "left"), [
    (100, 0, 0, 100), (100, 60, 30, 10), (100, 90, 30, 0), (UNLIMITED, 10**6, 5, UNLIMITED), (0, 0, 0, 0),
])
def test_minutes_left(included: int, used: int, reserved: int, left: int) -> None:
    assert minutes_left(included, used, reserved) == left


def test_split_uses_plan_first_then_overage() -> None:
    split = split_usage(7 * 60 + 1, available_plan_minutes=5, cents_per_minute=15)
    assert (split.billed_minutes, split.plan_minutes, split.overage_minutes, split.overage_cents) == (8, 5, 3, 45)
    assert split_usage(3600, UNLIMITED, 15).overage_cents == 0
    assert split_usage(90, 0, 15).overage_cents == 30


@given(seconds=st.integers(0, 86_400), available=st.one_of(st.just(UNLIMITED), st.integers(0, 2_000)),
       price=st.integers(1, 1_000))
def test_split_always_accounts_for_every_billed_minute(seconds: int, available: int, price: int) -> None:
    split = split_usage(seconds, available, price)
    assert split.plan_minutes + split.overage_minutes == split.billed_minutes == started_minutes(seconds)
    assert split.overage_cents == split.overage_minutes * price
    if available != UNLIMITED:
        assert split.plan_minutes <= available
    else:
        assert split.overage_minutes == 0


@given(max_minutes=st.integers(1, 1_440), available=st.one_of(st.just(UNLIMITED), st.integers(0, 2_000)),
       price=st.integers(1, 1_000), balance=st.integers(0, 10**7))
def test_quote_holds_the_worst_case_and_never_promises_more_than_is_affordable(
    max_minutes: int, available: int, price: int, balance: int,
) -> None:
    quote = quote_call(max_minutes, available, price, balance)
    assert quote.plan_minutes + quote.paid_minutes == max_minutes
    assert quote.hold_cents == quote.paid_minutes * price
    assert quote.affordable_minutes <= max_minutes
    paid_part = quote.affordable_minutes - quote.plan_minutes
    assert paid_part * price <= balance or available == UNLIMITED
    # What the hold covers is exactly the worst case of what may be used.
    worst = split_usage(max_minutes * 60, available, price)
    assert worst.overage_cents == quote.hold_cents
