"""A customer's trust tier, read from the calls service's own tables, and the admin's override.

The rule itself is pure (review_policy.trust_tier); this module only gathers its facts, in one
statement so a flow's review reads them inside the unit of work that stores the flow.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, exists, func, select
from sqlalchemy.dialects.postgresql import insert

from services.calls.review_policy import TierDecision, TrustFacts, TrustTier, trust_tier
from services.calls.settlement_state import SettlementState
from services.calls.tables import calls, customer_limits, customer_trust, flows
from services.runtime.database import UnitOfWork

APPROVED = "approved"


async def trust_facts(uow: UnitOfWork, customer_id: str) -> TrustFacts:
    paid = and_(calls.c.customer_id == customer_id, calls.c.settlement == SettlementState.SETTLED,
                calls.c.cost_cents > 0)
    row = (await uow.connection.execute(select(
        select(customer_trust.c.tier).where(customer_trust.c.customer_id == customer_id)
        .scalar_subquery().label("override"),
        # A flow that had reasons to wait and is approved: an admin approved it (automatic approval
        # leaves no reasons).
        exists().where(flows.c.customer_id == customer_id, flows.c.status == APPROVED,
                       func.cardinality(flows.c.review_reasons) > 0).label("reviewed"),
        select(func.coalesce(func.sum(calls.c.cost_cents), 0)).where(paid).scalar_subquery().label("paid"),
        select(func.min(calls.c.created_at)).where(paid).scalar_subquery().label("first_paid"),
        select(customer_limits.c.suspended).where(customer_limits.c.customer_id == customer_id)
        .scalar_subquery().label("suspended"),
    ))).one()
    return TrustFacts(override=TrustTier(row.override) if row.override else None,
                      reviewed_and_approved=bool(row.reviewed), paid_cents=int(row.paid),
                      first_paid_call_at=row.first_paid, suspended=bool(row.suspended))


async def tier_of(uow: UnitOfWork, customer_id: str, now: datetime) -> TierDecision:
    return trust_tier(await trust_facts(uow, customer_id), now)


async def set_override(uow: UnitOfWork, customer_id: str, tier: TrustTier | None, *, admin_telegram_id: int,
                       note: str, now: datetime) -> None:
    """Store the admin's tier for this customer; None removes it, so the tier is computed again."""
    if tier is None:
        await uow.connection.execute(customer_trust.delete().where(customer_trust.c.customer_id == customer_id))
        return
    values = {"tier": str(tier), "set_by": admin_telegram_id, "note": note, "updated_at": now}
    await uow.connection.execute(insert(customer_trust).values(customer_id=customer_id, **values)
                                 .on_conflict_do_update(index_elements=["customer_id"], set_=values))


@dataclass(frozen=True)
class TrustStanding:
    """The tier in force with its reason, and the admin's tier if one is set: what an admin reads."""

    decision: TierDecision
    override: TrustTier | None


async def trust_standing(uow: UnitOfWork, customer_id: str, now: datetime) -> TrustStanding:
    facts = await trust_facts(uow, customer_id)
    return TrustStanding(trust_tier(facts, now), facts.override)
