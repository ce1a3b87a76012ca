"""What a campaign may cost before it starts, and whether the plan and the wallet cover its first calls.

Why no rule of its own: a campaign's calls are admitted one by one by the admission rule
(admission.py) when the dispatcher dials them, each holding its worst case, plan minutes first. So
the estimate asks that same rule, the same way (`CallPlacer.admission`, bulk usage, no recording),
for the first calls at once: N calls of M minutes use plan minutes first and then the balance
exactly as one call of N × M minutes does, so the wallet's quote of N × M minutes says how many of
the N it covers at full length (its affordable minutes ÷ M) and how many plan minutes they use. A
refusal (no money, a plan without transfer, debt) is the one the first dial would meet.

The first calls are as many as may be in flight at once (the customer's concurrency cap): they are
held together, so the money must cover them together. One quote covers at most the wallet's
longest call (1,440 minutes), which bounds N for long calls.

Pure: no I/O. At 15 ¢ a minute, 5 minutes per call, 40 callees, 10 at once, no plan:
- $20.00 → 10 first calls asked (50 minutes), all 10 covered; each call at most $0.75, the list $30.00;
- $2.00 → 13 minutes affordable → 2 of the 10 covered;
- $0 → refused INSUFFICIENT_FUNDS, none covered.
"""

from __future__ import annotations

from services.calls.admission import Admission
from services.calls.campaign_forecast import Forecast
from speechcue.calls.v1 import calls_pb2

MAX_QUOTED_MINUTES = 24 * 60  # the wallet's longest call (services/wallet/servicer.py MAX_CALL_MINUTES)


def first_calls(*, callees: int, minutes_per_call: int, max_concurrent: int) -> int:
    """How many first calls the money should cover: those in flight at once, at most the callees and at
    most what one quote can ask; at least one, so an empty list is still quoted a call.

    40 callees, 10 at once, 5 min → 10 · 3 callees → 3 · 500 at once of 60 min → 24 · 0 callees → 1."""
    return max(1, min(callees, max_concurrent, MAX_QUOTED_MINUTES // minutes_per_call))


def campaign_quote(first: Admission, *, campaign_id: str, callees: int, minutes_per_call: int,
                   first_calls: int) -> calls_pb2.CampaignQuote:
    """The estimate from the admission of the first calls (asked as `first_calls` × `minutes_per_call`)."""
    call_cost = first.price_per_minute_cents * minutes_per_call
    covered = min(first_calls, first.max_minutes // minutes_per_call) if first.admitted else 0
    return calls_pb2.CampaignQuote(
        campaign_id=campaign_id, callees=callees, minutes_per_call=minutes_per_call,
        price_per_minute_cents=first.price_per_minute_cents, call_cost_cents=call_cost,
        estimate_cents=call_cost * callees, plan_code=first.plan_code, plan_name=first.plan_name,
        plan_minutes=first.plan_minutes, first_calls=first_calls, calls_covered=covered,
        blocked_reason=first.refusal or "")


def with_forecast(quote: calls_pb2.CampaignQuote, likely: Forecast) -> calls_pb2.CampaignQuote:
    """The quote with the list's forecast beside its worst case (campaign_forecast.py)."""
    quote.expected_answered = likely.expected_answered
    quote.likely_low_cents = likely.low_cents
    quote.likely_high_cents = likely.high_cents
    quote.expected_answer_percent = likely.answer_percent
    quote.forecast_from_history = likely.from_history
    return quote
