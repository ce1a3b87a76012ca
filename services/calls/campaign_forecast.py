"""A campaign's forecast before it starts: how many callees are likely to be answered with its retry
policy, and what the list likely costs. Pure: no I/O (answer_rates.py reads the platform's rates, the
servicer the list's countries and hours). An estimate, and the screen says so.

Why from the platform's own calls: whether a callee picks up depends most on where the number is and
the hour it rings there (a mobile in the evening, an office at 10:00), far less on the customer. So
the rate of a (destination country, callee's local hour) is every customer's recent calls there and
then, counted once at least MIN_SAMPLE calls were placed; below that, the country's rate over all
hours; below that, DEFAULT_ANSWER_RATE. A rate is per call: a callee tried three times is answered
with probability 1 − (1 − p₁)(1 − p₂)(1 − p₃), each try at its own local hour (the retry's spacing
later, moved to the next opening of the calling window when it falls outside it, as the dispatcher
does).

The money: a call is billed per started minute, and only a call that connects costs anything (no
answer and busy are 0 s). So the low end is each expected answered call at one minute; the high end is
each at the campaign's longest call, plus one minute for every try that is not answered (a voicemail
or a short connect costs a minute). Plan minutes are not taken off: like the estimate's worst case,
the range is the list's price before the plan pays.

Examples, 100 callees, 15 ¢ a minute, calls of at most 5 minutes, no history (25 % a call):
- one try: 25 answered; $3.75 (25 calls of a minute) to $30.00 (25 of 5 minutes, 75 missed tries of one);
- three tries an hour apart: 1 − 0.75³ = 57.8 % → 58 answered; tries 100 + 75 + 56.25 = 231.25;
- history of 200 calls to FR at 10:00 with 120 answered: 60 % for French callees rung at 10:00.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from services.calls.call_outcomes import CallOutcome, FailureCause, OutcomeKind

DEFAULT_ANSWER_RATE = 0.25
# Calls placed to a (country, hour), or to a country, before their rate replaces the default: below it
# a handful of calls to one office would decide a whole list's forecast.
MIN_SAMPLE = 50
MINUTES_PER_DAY = 24 * 60
# Outcomes of a call that reached a person, and of one that rang (or tried to) and did not. Any other
# (a refusal of ours, a provider error, a stop) says nothing about whether people there pick up.
ANSWERED_KINDS = frozenset({OutcomeKind.ANSWERED, OutcomeKind.TRANSFERRED, OutcomeKind.OPTED_OUT})
MISSED_KINDS = frozenset({OutcomeKind.NO_ANSWER, OutcomeKind.BUSY, OutcomeKind.VOICEMAIL})
MISSED_CAUSES = frozenset({FailureCause.NOT_CONNECTED, FailureCause.DECLINED, FailureCause.BLOCKED,
                           FailureCause.AUTOMATED_MENU})


@dataclass(frozen=True)
class AnswerRate:
    """Calls placed (reached the network) and of those answered, over the rates' window."""

    calls: int
    answered: int


@dataclass(frozen=True)
class ListGroup:
    """Callees of the list in one country whose first call rings at one local hour (0–23)."""

    country: str
    local_hour: int
    callees: int


@dataclass(frozen=True)
class RetryPlan:
    """Calls in all for a callee who is not answered (1: no retry), and minutes between them."""

    attempts: int
    spacing_minutes: int


@dataclass(frozen=True)
class CallingHours:
    """The callee's calling window, in whole local hours: 8 to 21 is 08:00–21:00."""

    start: int = 8
    end: int = 21


@dataclass(frozen=True)
class Forecast:
    callees: int
    expected_answered: int
    low_cents: int
    high_cents: int
    # Callees whose first call's rate came from history (not the default).
    from_history: int
    # The expected answered share of the callees, before rounding the count: 57.8 % → 58.
    answer_percent: int = 0


def answered_sample(outcome: CallOutcome | None) -> bool | None:
    """How a placed call counts in the rates: True answered, False missed, None not at all.

    answered, transferred, opted out → True; no answer, busy, voicemail, declined, not connected →
    False; no funds, outside hours, a provider error, stopped by you → None."""
    if outcome is None:
        return None
    if outcome.kind in ANSWERED_KINDS:
        return True
    if outcome.kind in MISSED_KINDS or (outcome.kind is OutcomeKind.FAILED and outcome.why in MISSED_CAUSES):
        return False
    return None


def answer_rate(rates: Mapping[tuple[str, int], AnswerRate], country: str, hour: int, *,
                min_sample: int = MIN_SAMPLE, default: float = DEFAULT_ANSWER_RATE) -> tuple[float, bool]:
    """The chance one call is answered, and whether history says it: the (country, hour)'s rate with
    at least `min_sample` calls, else the country's over all hours, else `default`.

    FR 10h 120/200 → (0.6, True); FR 10h 10/20 but FR 300/1000 → (0.3, True); nothing → (0.25, False)."""
    here = rates.get((country, hour))
    if country and here is not None and here.calls >= min_sample:
        return here.answered / here.calls, True
    calls = answered = 0
    for (rate_country, _), rate in rates.items():
        if country and rate_country == country:
            calls += rate.calls
            answered += rate.answered
    if calls >= min_sample:
        return answered / calls, True
    return default, False


def try_hours(first_hour: int, retry: RetryPlan, hours: CallingHours = CallingHours()) -> list[int]:
    """The local hour of each try: the first inside the window, each next `spacing` later, moved to the
    window's opening when it falls outside it. 10h, 3 tries 60 min → [10, 11, 12]; 20h, 2 tries 120 min
    → [20, 8]; 6h, 1 try → [8]."""
    minute = _inside(first_hour * 60, hours)
    found = [minute // 60 % 24]
    for _ in range(max(retry.attempts, 1) - 1):
        minute = _inside(minute + max(retry.spacing_minutes, 0), hours)
        found.append(minute // 60 % 24)
    return found


def _inside(minute: int, hours: CallingHours) -> int:
    """`minute` (from some midnight) if inside the window, else the window's next opening."""
    of_day = minute % MINUTES_PER_DAY
    if hours.start * 60 <= of_day < hours.end * 60:
        return minute
    opening = minute - of_day + hours.start * 60
    return opening if opening > minute else opening + MINUTES_PER_DAY


def forecast(rates: Mapping[tuple[str, int], AnswerRate], groups: Iterable[ListGroup], retry: RetryPlan, *,
             price_per_minute_cents: int, minutes_per_call: int, hours: CallingHours = CallingHours(),
             min_sample: int = MIN_SAMPLE, default: float = DEFAULT_ANSWER_RATE) -> Forecast:
    """The forecast of a list (see the module docstring)."""
    callees = from_history = 0
    answered = tries = 0.0
    for group in groups:
        if group.callees <= 0:
            continue
        callees += group.callees
        missed = 1.0  # the chance every try so far went unanswered
        for index, hour in enumerate(try_hours(group.local_hour, retry, hours)):
            chance, known = answer_rate(rates, group.country, hour, min_sample=min_sample, default=default)
            if index == 0 and known:
                from_history += group.callees
            tries += group.callees * missed
            missed *= 1.0 - chance
        answered += group.callees * (1.0 - missed)
    unanswered_tries = max(tries - answered, 0.0)
    price = max(price_per_minute_cents, 0)
    low = math.floor(answered * price + 1e-9)
    high = math.ceil(answered * max(minutes_per_call, 1) * price + unanswered_tries * price - 1e-9)
    return Forecast(callees=callees, expected_answered=min(callees, math.floor(answered + 0.5)),
                    low_cents=low, high_cents=max(high, low), from_history=from_history,
                    answer_percent=min(100, math.floor(100 * answered / callees + 0.5)) if callees else 0)
