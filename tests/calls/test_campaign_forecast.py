"""A campaign's forecast (services/calls/campaign_forecast.py): the callees likely answered with the
retry policy and the list's likely cost, from answer rates by country and local hour once there are
enough calls, and the defaults below that."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.calls.call_outcomes import CallOutcome, FailureCause, OutcomeKind, failed
from services.calls.campaign_forecast import (
    DEFAULT_ANSWER_RATE,
    MIN_SAMPLE,
    AnswerRate,
    CallingHours,
    ListGroup,
    RetryPlan,
    answer_rate,
    answered_sample,
    forecast,
    try_hours,
)

ONCE = RetryPlan(1, 0)
HISTORY = {("FR", 10): AnswerRate(200, 120), ("FR", 11): AnswerRate(20, 2), ("FR", 18): AnswerRate(300, 30),
           ("US", 12): AnswerRate(49, 49), ("GB", 9): AnswerRate(30, 15), ("GB", 14): AnswerRate(30, 3)}


@pytest.mark.parametrize(("outcome", "expected"), [
    (CallOutcome(OutcomeKind.ANSWERED), True),
    (CallOutcome(OutcomeKind.TRANSFERRED, "+14155550100"), True),
    (CallOutcome(OutcomeKind.OPTED_OUT), True),
    (CallOutcome(OutcomeKind.NO_ANSWER), False),
    (CallOutcome(OutcomeKind.BUSY), False),
    (CallOutcome(OutcomeKind.VOICEMAIL), False),
    (failed(FailureCause.DECLINED), False),
    (failed(FailureCause.NOT_CONNECTED), False),
    (failed(FailureCause.NO_FUNDS), None),
    (failed(FailureCause.OUTSIDE_HOURS), None),
    (failed(FailureCause.PROVIDER_ERROR), None),
    (CallOutcome(OutcomeKind.STOPPED), None),
    (None, None),
])
def test_only_calls_that_rang_count_in_the_rates(outcome: CallOutcome | None, expected: bool | None) -> None:
    assert answered_sample(outcome) is expected


@pytest.mark.parametrize(("country", "hour", "expected"), [
    ("FR", 10, (0.6, True)),                      # enough calls at that hour
    ("FR", 11, ((120 + 2 + 30) / 520, True)),     # too few at 11: the country's rate over all hours
    ("US", 12, (DEFAULT_ANSWER_RATE, False)),     # 49 calls are one too few, even for the country
    ("GB", 9, (18 / 60, True)),                   # 30 at 9h is too few, the country's 60 are enough
    ("DE", 10, (DEFAULT_ANSWER_RATE, False)),     # no history at all
    ("", 10, (DEFAULT_ANSWER_RATE, False)),       # a number of no known country
])
def test_a_rate_comes_from_history_once_there_are_enough_calls(country: str, hour: int,
                                                               expected: tuple[float, bool]) -> None:
    rate, known = answer_rate(HISTORY, country, hour)
    assert (rate, known) == pytest.approx(expected)


def test_the_minimum_sample_and_the_default_can_be_set() -> None:
    assert answer_rate(HISTORY, "US", 12, min_sample=10) == (1.0, True)
    assert answer_rate({}, "US", 12, default=0.4) == (0.4, False)
    assert MIN_SAMPLE == 50


@pytest.mark.parametrize(("first", "retry", "expected"), [
    (10, ONCE, [10]),
    (10, RetryPlan(3, 60), [10, 11, 12]),
    (20, RetryPlan(2, 120), [20, 8]),             # 22:00 is outside: the next morning's opening
    (6, ONCE, [8]),                               # before the window: its opening
    (23, RetryPlan(2, 30), [8, 8]),
    (12, RetryPlan(3, 0), [12, 12, 12]),
    (20, RetryPlan(2, 30), [20, 20]),             # 20:30 is still inside
    (10, RetryPlan(2, 24 * 60), [10, 10]),        # the next day, same hour
    (10, RetryPlan(0, 0), [10]),                  # no attempts given is one call
])
def test_each_try_rings_at_its_own_local_hour_inside_the_window(first: int, retry: RetryPlan,
                                                               expected: list[int]) -> None:
    assert try_hours(first, retry) == expected


def test_another_calling_window_moves_the_tries_into_it() -> None:
    assert try_hours(8, RetryPlan(2, 60), CallingHours(9, 17)) == [9, 10]
    assert try_hours(16, RetryPlan(2, 60), CallingHours(9, 17)) == [16, 9]


def test_without_history_one_try_reaches_a_quarter_and_says_its_cost_range() -> None:
    result = forecast({}, [ListGroup("US", 12, 100)], ONCE, price_per_minute_cents=15, minutes_per_call=5)
    # 25 answered: at least a minute each; at most 5 minutes each and a minute for each of the 75 misses.
    assert result == type(result)(callees=100, expected_answered=25, low_cents=375, high_cents=25 * 75 + 75 * 15,
                                  from_history=0, answer_percent=25)


def test_retries_reach_more_callees_and_each_missed_try_may_cost_a_minute() -> None:
    result = forecast({}, [ListGroup("US", 12, 100)], RetryPlan(3, 60), price_per_minute_cents=15,
                      minutes_per_call=5)
    answered = 100 * (1 - 0.75 ** 3)  # 57.8
    tries = 100 + 75 + 56.25
    assert (result.expected_answered, result.answer_percent) == (58, 58)
    assert result.low_cents == int(answered * 15)
    assert result.high_cents == pytest.approx(answered * 75 + (tries - answered) * 15, abs=1)


def test_history_replaces_the_default_for_the_callees_it_covers() -> None:
    groups = [ListGroup("FR", 10, 50), ListGroup("DE", 10, 50)]
    result = forecast(HISTORY, groups, ONCE, price_per_minute_cents=10, minutes_per_call=2)
    assert result.expected_answered == 43  # 30 + 12.5, a half rounded up
    assert result.from_history == 50


def test_a_retry_at_another_hour_uses_that_hours_rate() -> None:
    # French callees first rung at 10:00 (60 %), again at 18:00 (10 %).
    result = forecast(HISTORY, [ListGroup("FR", 10, 100)], RetryPlan(2, 8 * 60), price_per_minute_cents=10,
                      minutes_per_call=1)
    assert result.expected_answered == 64  # 60 + 40 × 10 %


@pytest.mark.parametrize(("groups", "expected"), [
    ([], (0, 0, 0, 0)),
    ([ListGroup("US", 12, 0)], (0, 0, 0, 0)),
    ([ListGroup("US", 12, 1)], (0, 3, 15, 1)),     # 0.25 answered rounds to none; its cost range still shows
    ([ListGroup("US", 12, 2)], (1, 7, 30, 2)),    # 0.5 rounds up
])
def test_small_lists(groups: list[ListGroup], expected: tuple[int, int, int, int]) -> None:
    result = forecast({}, groups, ONCE, price_per_minute_cents=15, minutes_per_call=1)
    assert (result.expected_answered, result.low_cents, result.high_cents, result.callees) == expected


def test_a_free_price_costs_nothing() -> None:
    result = forecast({}, [ListGroup("US", 12, 10)], RetryPlan(2, 30), price_per_minute_cents=0, minutes_per_call=5)
    assert (result.low_cents, result.high_cents) == (0, 0)


rates = st.dictionaries(st.tuples(st.sampled_from(["US", "FR", "GB"]), st.integers(0, 23)),
                        st.integers(0, 500).flatmap(lambda calls: st.builds(AnswerRate, st.just(calls),
                                                                            st.integers(0, calls))), max_size=20)
groups = st.lists(st.builds(ListGroup, st.sampled_from(["US", "FR", "GB", "DE", ""]), st.integers(0, 23),
                            st.integers(0, 1000)), max_size=8)


@given(rates, groups, st.integers(1, 5), st.integers(0, 24 * 60), st.integers(0, 100), st.integers(1, 60))
def test_the_forecast_stays_within_its_list_and_grows_with_retries(rates: dict, groups: list[ListGroup],
                                                                   attempts: int, spacing: int, price: int,
                                                                   minutes: int) -> None:
    result = forecast(rates, groups, RetryPlan(attempts, spacing), price_per_minute_cents=price,
                      minutes_per_call=minutes)
    assert result.callees == sum(group.callees for group in groups)
    assert 0 <= result.expected_answered <= result.callees
    assert 0 <= result.low_cents <= result.high_cents
    assert 0 <= result.from_history <= result.callees
    assert 0 <= result.answer_percent <= 100
    if result.callees:  # the share is the count's, before its rounding
        assert abs(result.answer_percent - 100 * result.expected_answered / result.callees) <= 100 / result.callees + 1
    # The high end never passes every try of every callee at the longest call.
    assert result.high_cents <= result.callees * attempts * minutes * price
    more = forecast(rates, groups, RetryPlan(attempts + 1, spacing), price_per_minute_cents=price,
                    minutes_per_call=minutes)
    assert more.expected_answered >= result.expected_answered
