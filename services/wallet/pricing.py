"""Pure pricing rules: started minutes, what a plan covers, overage and the worst-case hold.

No I/O here; `tests/wallet/test_pricing.py` checks these with many cases and Hypothesis.
"""

from __future__ import annotations

from dataclasses import dataclass

UNLIMITED = -1


def started_minutes(seconds: int) -> int:
    """Every started minute is billed: 0 s → 0, 1–60 s → 1, 61 s → 2."""
    if seconds < 0:
        raise ValueError("seconds must not be negative")
    return -(-seconds // 60)


def minutes_left(included: int, used: int, reserved: int) -> int:
    """What the allowance still offers; UNLIMITED stays unlimited."""
    if included == UNLIMITED:
        return UNLIMITED
    return max(included - used - reserved, 0)


@dataclass(frozen=True)
class UsageSplit:
    billed_minutes: int
    plan_minutes: int
    overage_minutes: int
    overage_cents: int


def split_usage(seconds: int, available_plan_minutes: int, cents_per_minute: int) -> UsageSplit:
    """Plan minutes first, the rest is overage at the per-minute price."""
    billed = started_minutes(seconds)
    covered = billed if available_plan_minutes == UNLIMITED else min(billed, available_plan_minutes)
    overage = billed - covered
    return UsageSplit(billed, covered, overage, overage * cents_per_minute)


@dataclass(frozen=True)
class Quote:
    plan_minutes: int
    paid_minutes: int
    hold_cents: int
    affordable_minutes: int


def quote_call(max_minutes: int, available_plan_minutes: int, cents_per_minute: int,
               available_cents: int) -> Quote:
    """The worst case of a call of up to `max_minutes`, and how long the customer can afford."""
    if available_plan_minutes == UNLIMITED:
        return Quote(max_minutes, 0, 0, max_minutes)
    covered = min(max_minutes, available_plan_minutes)
    paid = max_minutes - covered
    affordable_paid = available_cents // cents_per_minute if cents_per_minute > 0 else paid
    return Quote(
        plan_minutes=covered,
        paid_minutes=paid,
        hold_cents=paid * cents_per_minute,
        affordable_minutes=covered + min(paid, affordable_paid),
    )


def quote_affordable_call(max_minutes: int, available_plan_minutes: int, cents_per_minute: int,
                          available_cents: int, extra_cents: int = 0) -> Quote:
    """The call as it can be placed: as long as asked, or as long as the plan and the balance cover
    once `extra_cents` (a recording fee, held beside the minutes) is set aside; its hold is the worst
    case of that shorter call plus the extra. Nothing covered is all zeros: the call cannot go.

    At 15 ¢ a minute, 10 minutes asked:
    no plan, $5.00 → 10 paid minutes, $1.50 held · no plan, $0.50 → 3 paid minutes, $0.45 held ·
    2 plan minutes (the trial), $0 → 2 plan minutes, nothing held · the trial, $0.60 → 2 + 4 paid, $0.60 ·
    unlimited plan → 10 plan minutes, nothing held · with a 5 ¢ fee, $0.50 → 3 paid minutes, $0.50 held ·
    with a 5 ¢ fee, $0.04 and the trial → nothing (the fee is not covered).
    """
    if available_cents < extra_cents:
        return Quote(0, 0, 0, 0)
    left = available_cents - extra_cents
    affordable = quote_call(max_minutes, available_plan_minutes, cents_per_minute, left).affordable_minutes
    if affordable == 0:
        return Quote(0, 0, 0, 0)
    capped = quote_call(affordable, available_plan_minutes, cents_per_minute, left)
    return Quote(plan_minutes=capped.plan_minutes, paid_minutes=capped.paid_minutes,
                 hold_cents=capped.hold_cents + extra_cents, affordable_minutes=affordable)
