"""The plans the platform sells, as seeded by the first migration. Admins change them at run time
with `UpsertPlan`; this module is only the starting catalogue."""

from __future__ import annotations

from dataclasses import dataclass

UNLIMITED = -1
OVERAGE_CENTS_PER_MINUTE = 15


@dataclass(frozen=True)
class PlanTerms:
    code: str
    name: str
    duration_days: int
    price_cents: int
    single_minutes: int
    bulk_minutes: int
    call_transfer: bool
    overage_cents_per_minute: int = OVERAGE_CENTS_PER_MINUTE
    is_trial: bool = False
    active: bool = True
    sort_order: int = 0


def _tier(tier: str, prices: tuple[int, int, int], minutes: tuple[int, int, int], order: int) -> list[PlanTerms]:
    plans = []
    for index, days in enumerate((1, 7, 30)):
        plans.append(PlanTerms(
            code=f"{tier.lower()}_{days}d",
            name=f"{tier} {days} day{'s' if days > 1 else ''}",
            duration_days=days,
            price_cents=prices[index] * 100,
            single_minutes=UNLIMITED,
            bulk_minutes=minutes[index],
            # Call transfer comes with every plan but the shortest Prime.
            call_transfer=not (tier == "Prime" and days == 1),
            sort_order=order + index,
        ))
    return plans


CATALOGUE: tuple[PlanTerms, ...] = (
    PlanTerms(code="trial", name="Free trial", duration_days=2, price_cents=0, single_minutes=2,
              bulk_minutes=0, call_transfer=False, is_trial=True, sort_order=0),
    *_tier("Prime", (10, 20, 30), (100, 200, 500), 10),
    *_tier("Elite", (15, 25, 35), (150, 300, 600), 20),
    *_tier("Ultra", (20, 30, 40), (200, 400, 800), 30),
)
