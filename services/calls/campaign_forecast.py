"""A campaign's forecast before it starts: how many callees are likely to be answered with its retry
rules, and what the list likely costs. Pure: no I/O (forecast_inputs.py reads the platform's rates and
the list's countries and hours). An estimate, and the screen says so.

Why from the platform's own calls: whether a callee picks up depends most on where the number is and
the hour it rings there (a mobile in the evening, an office at 10:00), far less on the customer. So
the rate of a (destination country, callee's local hour) is every customer's recent calls there and
then, counted once at least MIN_SAMPLE calls were placed; below that, the country's rate over all
hours; below that, DEFAULT_ANSWER_RATE.

Why by outcome: the campaign retries a callee by how its last call ended (campaign_retries.py: busy,
no answer, voicemail and a failed line each with its calls and spacing; anything else is final), so
the forecast walks the same rule. A try is answered with its (country, hour)'s rate; a try that is not
ends as no answer, busy, voicemail, a failed line or a final miss (declined, blocked, an automated
menu: no rule retries those) in the proportions of the platform's missed calls to that country (at
least MIN_SAMPLE of them), else of all its missed calls, else DEFAULT_SPLIT: no answer 55 %, voicemail
30 %, busy 10 %, failed 5 %, final 0 % (a phone nobody picks up mostly rings out, a mobile often sends
it to voicemail; busy and broken lines are rarer). Each of those is tried again as its rule says
(while the callee's calls are fewer than the rule's, its spacing later, moved to the next opening of
the calling window when it falls outside it, as the dispatcher does), and so on: a callee answered
after no answer then busy took the no-answer rule's spacing, then the busy rule's. When every rule is
the same, the split changes nothing and a callee tried n times is answered with probability
1 − (1 − p₁)(1 − p₂)…(1 − pₙ), each try at its own local hour.

The money: a call is billed per started minute, and only a call that connects costs anything (no
answer and busy are 0 s). So the low end is each expected answered call at one minute; the high end is
each at the campaign's longest call, plus one minute for every expected try that is not answered (a
voicemail or a short connect costs a minute). Plan minutes are not taken off: like the estimate's
worst case, the range is the list's price before the plan pays. More expected tries, a higher top.

Examples, 100 callees, 15 ¢ a minute, calls of at most 5 minutes, no history (25 % a call):
- one try: 25 answered; $3.75 (25 calls of a minute) to $30.00 (25 of 5 minutes, 75 missed tries of one);
- every rule three tries an hour apart: 1 − 0.75³ = 57.8 % → 58 answered; tries 100 + 75 + 56.25 = 231.25;
- the default rules (busy 3 × 10 min, no answer 3 × 1 h, voicemail 2 × 4 h, failed 2 × 30 min): every
  callee missed once is called again; missed twice, a third time only if the second call rang out or
  was busy (65 %): 1 − 0.75 × 0.75 × (0.35 + 0.65 × 0.75) = 52.9 % → 53 answered, $7.93 to $63.47;
- the same with a voicemail never called again: 1 − 0.75 × (0.30 + 0.70 × 0.75 × 0.8375) = 44.5 % → 45;
- history of 200 calls to FR at 10:00 with 120 answered: 60 % for French callees rung at 10:00.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from services.calls.call_outcomes import CallOutcome, FailureCause, OutcomeKind
from services.calls.campaign_retries import RetryOutcome, RetryRules, retry_outcome

DEFAULT_ANSWER_RATE = 0.25
# Calls placed to a (country, hour), or to a country, before their rate replaces the default, and
# missed calls before their split replaces DEFAULT_SPLIT: below it a handful of calls to one office
# would decide a whole list's forecast.
MIN_SAMPLE = 50
MINUTES_PER_DAY = 24 * 60
# Outcomes of a call that reached a person, and of one that rang (or tried to) and did not. Any other
# (a refusal of ours, a provider error, a stop) says nothing about whether people there pick up.
ANSWERED_KINDS = frozenset({OutcomeKind.ANSWERED, OutcomeKind.TRANSFERRED, OutcomeKind.OPTED_OUT})
MISSED_KINDS = frozenset({OutcomeKind.NO_ANSWER, OutcomeKind.BUSY, OutcomeKind.VOICEMAIL})
MISSED_CAUSES = frozenset({FailureCause.NOT_CONNECTED, FailureCause.DECLINED, FailureCause.BLOCKED,
                           FailureCause.AUTOMATED_MENU})
# A missed call that no retry rule takes up (retry_outcome says None): declined, blocked, a menu.
FINAL = "final"


@dataclass(frozen=True)
class AnswerRate:
    """Calls placed (reached the network) and of those answered, over the rates' window; and the calls
    not answered by how they ended (`missed_as`), 0 each where that was not counted."""

    calls: int
    answered: int
    no_answer: int = 0
    busy: int = 0
    voicemail: int = 0
    failed: int = 0
    final: int = 0


@dataclass(frozen=True)
class MissedSplit:
    """How tries that are not answered end, as weights (counts of missed calls, or percents): each of
    the four retried by its outcome's rule, `final` never again."""

    no_answer: int
    busy: int
    voicemail: int
    failed: int
    final: int = 0

    def weight(self, outcome: RetryOutcome) -> int:
        return getattr(self, outcome.value)  # type: ignore[no-any-return]

    @property
    def total(self) -> int:
        return self.no_answer + self.busy + self.voicemail + self.failed + self.final


# Without history (see the module docstring for why these).
DEFAULT_SPLIT = MissedSplit(no_answer=55, busy=10, voicemail=30, failed=5)


@dataclass(frozen=True)
class ListGroup:
    """Callees of the list in one country whose first call rings at one local hour (0–23)."""

    country: str
    local_hour: int
    callees: int


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


def missed_as(outcome: CallOutcome) -> str:
    """Which count of AnswerRate a missed call adds to: its retry rule's outcome (campaign_retries.py),
    or FINAL when no rule retries it. no answer → no_answer; not connected → failed; declined → final."""
    rule = retry_outcome(outcome)
    return rule.value if rule is not None else FINAL


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


def missed_split(rates: Mapping[tuple[str, int], AnswerRate], country: str, *, min_sample: int = MIN_SAMPLE,
                 default: MissedSplit = DEFAULT_SPLIT) -> MissedSplit:
    """How missed tries to `country` end: its missed calls over all hours once there are `min_sample`,
    else every country's, else `default`. FR with 40 no answers and 20 voicemails → 2 : 1; FR with
    10 missed calls → every country's."""
    country_split = _split_of(rate for (rate_country, _), rate in rates.items() if country and rate_country == country)
    if country_split.total >= min_sample:
        return country_split
    everywhere = _split_of(rates.values())
    return everywhere if everywhere.total >= min_sample else default


def _split_of(rates: Iterable[AnswerRate]) -> MissedSplit:
    no_answer = busy = voicemail = failed = final = 0
    for rate in rates:
        no_answer, busy = no_answer + rate.no_answer, busy + rate.busy
        voicemail, failed, final = voicemail + rate.voicemail, failed + rate.failed, final + rate.final
    return MissedSplit(no_answer=no_answer, busy=busy, voicemail=voicemail, failed=failed, final=final)


def first_try(hour: int, hours: CallingHours = CallingHours()) -> int:
    """The minute (from the day's midnight) a callee's first call rings: the hour, or the window's next
    opening when it is outside. 10h → 600; 6h → 480 (08:00); 23h → 1920 (08:00 the next day)."""
    return _inside(hour * 60, hours)


def next_try(minute: int, spacing_minutes: int, hours: CallingHours = CallingHours()) -> int:
    """The minute of the next call, `spacing` after a call at `minute`, moved to the window's next opening
    when it falls outside. 600 + 60 → 660; 1200 (20:00) + 120 → 1920 (08:00 the next day)."""
    return _inside(minute + max(spacing_minutes, 0), hours)


def _inside(minute: int, hours: CallingHours) -> int:
    """`minute` (from some midnight) if inside the window, else the window's next opening."""
    of_day = minute % MINUTES_PER_DAY
    if hours.start * 60 <= of_day < hours.end * 60:
        return minute
    opening = minute - of_day + hours.start * 60
    return opening if opening > minute else opening + MINUTES_PER_DAY


def forecast(rates: Mapping[tuple[str, int], AnswerRate], groups: Iterable[ListGroup], rules: RetryRules, *,
             price_per_minute_cents: int, minutes_per_call: int, hours: CallingHours = CallingHours(),
             min_sample: int = MIN_SAMPLE, default: float = DEFAULT_ANSWER_RATE,
             default_split: MissedSplit = DEFAULT_SPLIT) -> Forecast:
    """The forecast of a list with the campaign's retry rules (see the module docstring)."""
    chances: dict[tuple[str, int], tuple[float, bool]] = {}
    walks: dict[tuple[str, int], _Walk] = {}

    def chance_at(country: str, minute: int) -> tuple[float, bool]:
        key = (country, minute // 60 % 24)
        if key not in chances:
            chances[key] = answer_rate(rates, country, key[1], min_sample=min_sample, default=default)
        return chances[key]

    callees = from_history = 0
    answered = tries = 0.0
    for group in groups:
        if group.callees <= 0:
            continue
        callees += group.callees
        first = first_try(group.local_hour, hours) % MINUTES_PER_DAY
        if chance_at(group.country, first)[1]:
            from_history += group.callees
        key = (group.country, first)
        if key not in walks:  # the same for every group of the country ringing first then
            split = missed_split(rates, group.country, min_sample=min_sample, default=default_split)
            walks[key] = _walk(chance_at, group.country, first, rules, split, hours)
        walk = walks[key]
        for reached in walk.reached:
            tries += group.callees * reached
        answered += group.callees * (1.0 - walk.never)
    unanswered_tries = max(tries - answered, 0.0)
    price = max(price_per_minute_cents, 0)
    low = math.floor(answered * price + 1e-9)
    high = math.ceil(answered * max(minutes_per_call, 1) * price + unanswered_tries * price - 1e-9)
    return Forecast(callees=callees, expected_answered=min(callees, math.floor(answered + 0.5)),
                    low_cents=low, high_cents=max(high, low), from_history=from_history,
                    answer_percent=min(100, math.floor(100 * answered / callees + 0.5)) if callees else 0)


@dataclass(frozen=True)
class _Walk:
    """One callee's calls by the rules: the chance of each call (every call of every branch, in order),
    and the chance that all went unanswered and none follows."""

    reached: list[float]
    never: float


def _walk(chance_at: Callable[[str, int], tuple[float, bool]], country: str, first: int, rules: RetryRules,
          split: MissedSplit, hours: CallingHours) -> _Walk:
    """A callee in `country` called first at minute `first` of the day, its calls layer by layer (the
    first call, the second, …): each layer's calls by the minute of the day they ring, with the chance
    the callee gets that call, unanswered until then."""
    reached: list[float] = []
    never = 0.0
    layer = {first: 1.0}
    for calls in range(1, max(rules.most_calls, 1) + 1):
        following: dict[int, float] = {}
        for minute, chance in layer.items():
            reached.append(chance)
            missed = chance * (1.0 - chance_at(country, minute)[0])
            # Outcomes whose rules call again at the same minute share a branch: with every rule alike
            # there is one, and the split cannot change the result.
            branches: dict[int, int] = {}
            for outcome in RetryOutcome:
                rule = rules.rule(outcome)
                if split.weight(outcome) > 0 and calls < rule.attempts:
                    at = next_try(minute, rule.spacing_minutes, hours) % MINUTES_PER_DAY
                    branches[at] = branches.get(at, 0) + split.weight(outcome)
            stopped = split.total - sum(branches.values())
            if stopped or not branches:
                never += missed * (stopped / split.total if split.total else 1.0)
            for at, weight in branches.items():
                following[at] = following.get(at, 0.0) + missed * (weight / split.total)
        layer = following
        if not layer:
            break
    return _Walk(reached, never)
