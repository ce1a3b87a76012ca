"""A campaign's forecast (services/calls/campaign_forecast.py): the callees likely answered with the
campaign's retry rules by outcome (campaign_retries.py) and the list's likely cost, from answer rates
by country and local hour once there are enough calls, and the defaults below that."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.calls.call_outcomes import CallOutcome, FailureCause, OutcomeKind, failed
from services.calls.campaign_forecast import (
    DEFAULT_ANSWER_RATE,
    DEFAULT_SPLIT,
    MIN_SAMPLE,
    AnswerRate,
    CallingHours,
    Forecast,
    ListGroup,
    MissedSplit,
    answer_rate,
    answered_sample,
    first_try,
    forecast,
    missed_as,
    missed_split,
    next_try,
)
from services.calls.campaign_retries import (
    DEFAULT_RULES,
    NEVER_RETRY,
    OutcomeRetry,
    RetryOutcome,
    RetryRules,
    rules_from_policy,
)

ONCE = NEVER_RETRY
WINDOW = CallingHours()
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


def every(attempts: int, spacing_minutes: int) -> RetryRules:
    """One rule for every outcome, as an older client's single policy gives (campaign_retries.py)."""
    return rules_from_policy(attempts, spacing_minutes)


def try_hours(first_hour: int, attempts: int, spacing_minutes: int, hours: CallingHours = WINDOW) -> list[int]:
    """The local hour of each of a callee's calls when every call is `spacing` after the last."""
    minutes = [first_try(first_hour, hours)]
    while len(minutes) < max(attempts, 1):
        minutes.append(next_try(minutes[-1], spacing_minutes, hours))
    return [minute // 60 % 24 for minute in minutes]


@pytest.mark.parametrize(("first", "attempts", "spacing", "expected"), [
    (10, 1, 0, [10]),
    (10, 3, 60, [10, 11, 12]),
    (20, 2, 120, [20, 8]),                        # 22:00 is outside: the next morning's opening
    (6, 1, 0, [8]),                               # before the window: its opening
    (23, 2, 30, [8, 8]),
    (12, 3, 0, [12, 12, 12]),
    (20, 2, 30, [20, 20]),                        # 20:30 is still inside
    (10, 2, 24 * 60, [10, 10]),                   # the next day, same hour
    (10, 0, 0, [10]),                             # no attempts given is one call
])
def test_each_try_rings_at_its_own_local_hour_inside_the_window(first: int, attempts: int, spacing: int,
                                                               expected: list[int]) -> None:
    assert try_hours(first, attempts, spacing) == expected


def test_another_calling_window_moves_the_tries_into_it() -> None:
    assert try_hours(8, 2, 60, CallingHours(9, 17)) == [9, 10]
    assert try_hours(16, 2, 60, CallingHours(9, 17)) == [16, 9]


def test_without_history_one_try_reaches_a_quarter_and_says_its_cost_range() -> None:
    result = forecast({}, [ListGroup("US", 12, 100)], ONCE, price_per_minute_cents=15, minutes_per_call=5)
    # 25 answered: at least a minute each; at most 5 minutes each and a minute for each of the 75 misses.
    assert result == type(result)(callees=100, expected_answered=25, low_cents=375, high_cents=25 * 75 + 75 * 15,
                                  from_history=0, answer_percent=25)


def test_retries_alike_for_every_outcome_reach_more_callees_and_each_missed_try_may_cost_a_minute() -> None:
    result = forecast({}, [ListGroup("US", 12, 100)], every(3, 60), price_per_minute_cents=15,
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
    result = forecast(HISTORY, [ListGroup("FR", 10, 100)], every(2, 8 * 60), price_per_minute_cents=10,
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
    result = forecast({}, [ListGroup("US", 12, 10)], DEFAULT_RULES, price_per_minute_cents=0, minutes_per_call=5)
    assert (result.low_cents, result.high_cents) == (0, 0)


@pytest.mark.parametrize(("outcome", "counted_as"), [
    (CallOutcome(OutcomeKind.NO_ANSWER), "no_answer"),
    (CallOutcome(OutcomeKind.BUSY), "busy"),
    (CallOutcome(OutcomeKind.VOICEMAIL), "voicemail"),
    (failed(FailureCause.NOT_CONNECTED), "failed"),
    (failed(FailureCause.DECLINED), "final"),     # no rule calls a callee who declined again
    (failed(FailureCause.BLOCKED), "final"),
    (failed(FailureCause.AUTOMATED_MENU), "final"),
])
def test_a_missed_call_counts_under_the_rule_the_campaign_would_retry_it_by(outcome: CallOutcome,
                                                                           counted_as: str) -> None:
    assert answered_sample(outcome) is False
    assert missed_as(outcome) == counted_as


MISSES = {("FR", 10): AnswerRate(100, 40, no_answer=40, voicemail=20),
          ("FR", 18): AnswerRate(10, 0, busy=10),
          ("GB", 9): AnswerRate(30, 0, no_answer=30)}


def test_the_split_of_missed_calls_comes_from_the_country_then_everywhere_then_the_defaults() -> None:
    assert missed_split(MISSES, "FR") == MissedSplit(no_answer=40, busy=10, voicemail=20, failed=0)
    # Great Britain's 30 missed calls are too few: every country's 100.
    assert missed_split(MISSES, "GB") == MissedSplit(no_answer=70, busy=10, voicemail=20, failed=0)
    assert missed_split(MISSES, "GB", min_sample=30) == MissedSplit(no_answer=30, busy=0, voicemail=0, failed=0)
    assert missed_split({("FR", 10): AnswerRate(100, 40, no_answer=40)}, "DE") == DEFAULT_SPLIT
    # Rates counted without how their misses ended (HISTORY) leave the defaults.
    assert missed_split(HISTORY, "FR") == DEFAULT_SPLIT
    assert DEFAULT_SPLIT == MissedSplit(no_answer=55, busy=10, voicemail=30, failed=5, final=0)


def with_voicemail(attempts: int) -> RetryRules:
    return DEFAULT_RULES.with_rule(RetryOutcome.VOICEMAIL, OutcomeRetry(attempts, 240))


def test_a_campaign_that_never_calls_a_voicemail_again_reaches_fewer_than_one_that_does() -> None:
    results = [forecast({}, [ListGroup("US", 12, 100)], with_voicemail(attempts), price_per_minute_cents=15,
                        minutes_per_call=5) for attempts in (1, 2, 3)]
    # Without history, 30 % of the misses are voicemails (the module docstring's worked examples).
    assert [result.expected_answered for result in results] == [45, 53, 57]
    assert [result.answer_percent for result in results] == [45, 53, 57]
    # Fewer calls, a lower top of the cost range (each missed call may cost a minute).
    assert results[0].high_cents < results[1].high_cents < results[2].high_cents
    assert (results[1].low_cents, results[1].high_cents) == (793, 6347)


def test_each_outcome_is_called_again_by_its_own_rule() -> None:
    # 75 % of calls missed. No answer 3 calls, busy, voicemail and failed 1: every miss after the first
    # call is a no answer 55 % of the time, so 0.75 × (0.45 + 0.55 × 0.75 × (0.45 + 0.55 × 0.75)) go
    # unanswered: 39.6 % answered.
    rules = RetryRules(busy=OutcomeRetry(1, 0), no_answer=OutcomeRetry(3, 60), voicemail=OutcomeRetry(1, 0),
                       failed=OutcomeRetry(1, 0))
    result = forecast({}, [ListGroup("US", 12, 1000)], rules, price_per_minute_cents=10, minutes_per_call=1)
    unanswered = 0.75 * (0.45 + 0.55 * 0.75 * (0.45 + 0.55 * 0.75))
    assert result.expected_answered == round(1000 * (1 - unanswered)) == 396
    # Tries: 1 + 0.75 × 0.55 + (0.75 × 0.55)² a callee.
    tries = 1000 * (1 + 0.75 * 0.55 + (0.75 * 0.55) ** 2)
    assert result.high_cents == pytest.approx(10 * (1000 - 1000 * unanswered) + 10 * (tries - 1000 + 1000 * unanswered),
                                              abs=1)


def test_history_of_how_calls_were_missed_decides_which_rule_follows() -> None:
    # French callees at 10:00: 40 % answered; every miss a voicemail, which this campaign never calls
    # again, while a no answer it calls three times.
    rules = DEFAULT_RULES.with_rule(RetryOutcome.VOICEMAIL, OutcomeRetry(1, 0))
    voicemails = {("FR", hour): AnswerRate(100, 40, voicemail=60) for hour in range(24)}
    rang_out = {("FR", hour): AnswerRate(100, 40, no_answer=60) for hour in range(24)}
    groups = [ListGroup("FR", 10, 100)]
    assert forecast(voicemails, groups, rules, price_per_minute_cents=10, minutes_per_call=1).expected_answered == 40
    assert forecast(rang_out, groups, rules, price_per_minute_cents=10,
                    minutes_per_call=1).expected_answered == round(100 * (1 - 0.6 ** 3)) == 78


def test_a_miss_no_rule_retries_is_final() -> None:
    declined = {("FR", hour): AnswerRate(100, 40, final=60) for hour in range(24)}
    result = forecast(declined, [ListGroup("FR", 10, 100)], every(5, 10), price_per_minute_cents=10,
                      minutes_per_call=1)
    assert result.expected_answered == 40


rates = st.dictionaries(st.tuples(st.sampled_from(["US", "FR", "GB"]), st.integers(0, 23)),
                        st.integers(0, 500).flatmap(lambda calls: st.builds(AnswerRate, st.just(calls),
                                                                            st.integers(0, calls))), max_size=20)
groups = st.lists(st.builds(ListGroup, st.sampled_from(["US", "FR", "GB", "DE", ""]), st.integers(0, 23),
                            st.integers(0, 1000)), max_size=8)
retry_rules = st.builds(RetryRules, *[st.builds(OutcomeRetry, st.integers(1, 5), st.integers(0, 24 * 60))] * 4)
# Splits with every miss under a rule (no final share) and at least one of them.
splits = st.builds(MissedSplit, st.integers(0, 100), st.integers(0, 100), st.integers(0, 100),
                   st.integers(1, 100))


def single_plan(rates: dict, groups: list[ListGroup], attempts: int, spacing: int, *, price: int,
                minutes: int) -> Forecast:
    """The forecast of a campaign that calls every unanswered callee `attempts` times in all whatever
    each call's outcome, in the closed form: 1 − (1 − p₁)…(1 − pₙ) answered, a try for each miss."""
    callees = from_history = 0
    answered = tries = 0.0
    for group in groups:
        if group.callees <= 0:
            continue
        callees += group.callees
        missed = 1.0
        for index, hour in enumerate(try_hours(group.local_hour, attempts, spacing)):
            chance, known = answer_rate(rates, group.country, hour)
            if index == 0 and known:
                from_history += group.callees
            tries += group.callees * missed
            missed *= 1.0 - chance
        answered += group.callees * (1.0 - missed)
    low = math.floor(answered * price + 1e-9)
    high = math.ceil(answered * minutes * price + max(tries - answered, 0.0) * price - 1e-9)
    return Forecast(callees=callees, expected_answered=min(callees, math.floor(answered + 0.5)), low_cents=low,
                    high_cents=max(high, low), from_history=from_history,
                    answer_percent=min(100, math.floor(100 * answered / callees + 0.5)) if callees else 0)


@given(rates, groups, st.integers(1, 5), st.integers(0, 24 * 60), splits, st.integers(0, 100), st.integers(1, 60))
def test_with_every_rule_alike_the_forecast_is_the_single_plans_whatever_the_split(
        rates: dict, groups: list[ListGroup], attempts: int, spacing: int, split: MissedSplit, price: int,
        minutes: int) -> None:
    assert forecast(rates, groups, every(attempts, spacing), price_per_minute_cents=price, minutes_per_call=minutes,
                    default_split=split) == single_plan(rates, groups, attempts, spacing, price=price,
                                                        minutes=minutes)


@given(rates, groups, retry_rules, st.sampled_from(list(RetryOutcome)), splits, st.integers(0, 100),
       st.integers(1, 60))
def test_the_forecast_stays_within_its_list_and_grows_with_any_rules_calls(
        rates: dict, groups: list[ListGroup], rules: RetryRules, outcome: RetryOutcome, split: MissedSplit,
        price: int, minutes: int) -> None:
    result = forecast(rates, groups, rules, price_per_minute_cents=price, minutes_per_call=minutes,
                      default_split=split)
    assert result.callees == sum(group.callees for group in groups)
    assert 0 <= result.expected_answered <= result.callees
    assert 0 <= result.low_cents <= result.high_cents
    assert 0 <= result.from_history <= result.callees
    assert 0 <= result.answer_percent <= 100
    if result.callees:  # the share is the count's, before its rounding
        assert abs(result.answer_percent - 100 * result.expected_answered / result.callees) <= 100 / result.callees + 1
    # The high end never passes the most calls any rule allows, every one at the longest call.
    assert result.high_cents <= result.callees * rules.most_calls * minutes * price
    if rules.rule(outcome).attempts < 5:
        more = forecast(rates, groups, rules.with_rule(outcome, OutcomeRetry(rules.rule(outcome).attempts + 1,
                                                                              rules.rule(outcome).spacing_minutes)),
                        price_per_minute_cents=price, minutes_per_call=minutes, default_split=split)
        assert more.expected_answered >= result.expected_answered
        assert more.high_cents >= result.high_cents
