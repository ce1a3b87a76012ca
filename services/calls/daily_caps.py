"""Daily caps on what a customer creates: flows, campaigns and list imports, lower for new customers.

Why these three: each is cheap for an abuser to repeat and costs the platform something a call cap
does not see. A flow creates Retell objects and may take an admin's review; a campaign dials a list;
a list import costs seconds of CPU (bench/campaign_import.py: 2.2 s for 100,000 numbers). A new
customer (review_policy.py's tier, read by trust.py) has shown nothing yet, so gets the lower figure. Calls themselves
are capped per hour and per day in limits.py.

The rule (`cap_refusal`) is pure; `refuse_over_cap` counts today's use under a per-customer lock,
so concurrent requests cannot all take the last unit, and refuses with RESOURCE_EXHAUSTED and a
sentence that says when the customer may try again. Counts are per UTC day (daily_quota.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum

from sqlalchemy import func, select

from services.calls import metrics
from services.calls.review_policy import TrustTier
from services.calls.settings import CallsSettings
from services.calls.tables import campaigns, flows, list_imports
from services.calls.trust import tier_of
from services.runtime.daily_quota import day_start, next_reset, wait_words
from services.runtime.database import UnitOfWork
from services.runtime.errors import QuotaExceeded


class DailyCap(StrEnum):
    FLOWS = "flows"
    CAMPAIGNS = "campaigns"
    LIST_IMPORTS = "list_imports"


# What the refusal calls one unit of each cap.
_UNITS = {DailyCap.FLOWS: "new flows", DailyCap.CAMPAIGNS: "new campaigns", DailyCap.LIST_IMPORTS: "list imports"}

CapTable = Mapping[TrustTier, Mapping[DailyCap, int]]


class DailyCapReached(QuotaExceeded):
    default_reason = "DAILY_CAP_REACHED"


def cap_table(settings: CallsSettings) -> CapTable:
    """Tier → cap → how many a day, from the settings."""
    return {
        TrustTier.NEW: {DailyCap.FLOWS: settings.calls_daily_flows_new,
                   DailyCap.CAMPAIGNS: settings.calls_daily_campaigns_new,
                   DailyCap.LIST_IMPORTS: settings.calls_daily_list_imports_new},
        TrustTier.TRUSTED: {DailyCap.FLOWS: settings.calls_daily_flows_trusted,
                       DailyCap.CAMPAIGNS: settings.calls_daily_campaigns_trusted,
                       DailyCap.LIST_IMPORTS: settings.calls_daily_list_imports_trusted},
    }


def cap_refusal(cap: DailyCap, *, tier: TrustTier, used_today: int, now: datetime, table: CapTable) -> str | None:
    """None while one more is allowed today; otherwise the sentence the customer reads.

    10 flows a day for a new customer: 9 used → None; 10 used → "you have made 10 new flows today, the
    most a new account may make in a day; try again after 00:00 UTC (in 8 h 17 min). The limits
    rise once your account is trusted." A cap of 0 refuses the first one.
    """
    limit = table[tier][cap]
    if used_today < limit:
        return None
    unit = _UNITS[cap]
    who = "a new account" if tier is TrustTier.NEW else "an account"
    sentence = f"you have made {used_today} {unit} today, the most {who} may make in a day; {wait_words(now)}."
    if tier is TrustTier.NEW:
        sentence += " The limits rise once your account is trusted."
    return sentence


async def used_today(uow: UnitOfWork, cap: DailyCap, customer_id: str, now: datetime) -> int:
    since = day_start(now)
    if cap is DailyCap.FLOWS:
        # Deleted flows count: deleting and creating again must not reset the cap.
        query = select(func.count()).where(flows.c.customer_id == customer_id, flows.c.created_at >= since)
    elif cap is DailyCap.CAMPAIGNS:
        query = select(func.count()).where(campaigns.c.customer_id == customer_id, campaigns.c.created_at >= since)
    else:
        query = select(func.count()).where(list_imports.c.customer_id == customer_id,
                                           list_imports.c.day == since.date())
    return int((await uow.connection.execute(query)).scalar_one())


# The advisory-lock class of "one customer's daily caps" (limits.py uses 0x5CCA11 for admissions).
_CAPS_LOCK_CLASS = 0x5C_CA95


async def refuse_over_cap(uow: UnitOfWork, cap: DailyCap, *, customer_id: str, settings: CallsSettings,
                          now: datetime) -> None:
    """Raises DailyCapReached when today's cap is used up; otherwise holds the customer's cap lock
    until the transaction ends, so the row this transaction then writes is counted by the next one."""
    await uow.connection.execute(select(func.pg_advisory_xact_lock(
        _CAPS_LOCK_CLASS, func.hashtext(f"{cap.value}:{customer_id}"))))
    tier = (await tier_of(uow, customer_id, now)).tier
    refusal = cap_refusal(cap, tier=tier, used_today=await used_today(uow, cap, customer_id, now), now=now,
                          table=cap_table(settings))
    if refusal is not None:
        metrics.daily_cap_refusals_total.labels(cap.value).inc()
        raise DailyCapReached(refusal, cap=cap.value, tier=tier.value, retry_after=next_reset(now).isoformat())
