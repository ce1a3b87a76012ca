"""Subscriptions: buying a plan from the balance, the allowance of plan minutes, auto-renewal,
expiry and the warning before it (the subscription tick)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, literal_column, select, update

from services.runtime.database import UnitOfWork
from services.runtime.errors import FailedPrecondition
from services.wallet import events as subjects
from services.wallet.accounts import get_account
from services.wallet.events import WalletEvents, timestamp
from services.wallet.ledger import InsufficientFunds, Leg, SystemAccount, post_transfer
from services.wallet.plans import get_plan
from services.wallet.pricing import minutes_left
from services.wallet.tables import accounts, subscriptions
from speechcue.events.v1 import wallet_events_pb2

SINGLE = "single"
BULK = "bulk"


class PlanUnavailable(FailedPrecondition):
    default_reason = "PLAN_INACTIVE"


class TrialAlreadyUsed(FailedPrecondition):
    default_reason = "TRIAL_ALREADY_USED"


class NoActiveSubscription(FailedPrecondition):
    default_reason = "NO_ACTIVE_PLAN"


async def active_subscription(uow: UnitOfWork, customer_id: str, *, for_update: bool = False) -> Any | None:
    query = select(subscriptions).where(
        subscriptions.c.customer_id == customer_id, subscriptions.c.status == "active"
    )
    if for_update:
        query = query.with_for_update()
    return (await uow.connection.execute(query)).first()


async def latest_subscription(uow: UnitOfWork, customer_id: str) -> Any | None:
    query = (select(subscriptions).where(subscriptions.c.customer_id == customer_id)
             .order_by(subscriptions.c.id.desc()).limit(1))
    return (await uow.connection.execute(query)).first()


def allowance_left(subscription: Any | None, usage_kind: str) -> int:
    """Plan minutes still available for this kind of call (0 without a plan, -1 unlimited)."""
    if subscription is None:
        return 0
    if usage_kind == SINGLE:
        return minutes_left(subscription.single_minutes, subscription.single_used, subscription.single_reserved)
    return minutes_left(subscription.bulk_minutes, subscription.bulk_used, subscription.bulk_reserved)


async def change_minutes(uow: UnitOfWork, subscription_id: int, usage_kind: str, *,
                         used: int = 0, reserved: int = 0) -> None:
    column_used = subscriptions.c.single_used if usage_kind == SINGLE else subscriptions.c.bulk_used
    column_reserved = subscriptions.c.single_reserved if usage_kind == SINGLE else subscriptions.c.bulk_reserved
    await uow.connection.execute(
        update(subscriptions).where(subscriptions.c.id == subscription_id).values(
            {column_used: column_used + used, column_reserved: column_reserved + reserved}
        )
    )


def _change_event(subscription: Any, plan: Any) -> wallet_events_pb2.SubscriptionChanged:
    return wallet_events_pb2.SubscriptionChanged(
        subscription_id=subscription.id, plan_code=plan.code, plan_name=plan.name,
        expires_at=timestamp(subscription.expires_at), auto_renew=subscription.auto_renew,
        price_cents=subscription.price_cents,
    )


async def buy_subscription(uow: UnitOfWork, events: WalletEvents, *, key: str, customer_id: str,
                           plan_code: str, auto_renew: bool, now: datetime) -> Any:
    """Pays the plan from the balance and makes it the customer's active plan. A plan bought while
    another is active replaces it from now on."""
    plan = await get_plan(uow, plan_code)
    if not plan.active:
        raise PlanUnavailable(f"the plan '{plan.name}' is no longer offered; choose another")
    account = await get_account(uow, customer_id, for_update=True)
    if plan.is_trial:
        if account.trial_used:
            raise TrialAlreadyUsed("the free trial can be used once per customer")
        await uow.connection.execute(
            update(accounts).where(accounts.c.id == account.id).values(trial_used=True)
        )
        auto_renew = False
    current = await active_subscription(uow, customer_id, for_update=True)
    if current is not None:
        await uow.connection.execute(
            update(subscriptions).where(subscriptions.c.id == current.id).values(status="replaced")
        )
    inserted = (
        await uow.connection.execute(
            subscriptions.insert().values(
                customer_id=customer_id, plan_code=plan.code, status="active", started_at=now,
                expires_at=now + timedelta(days=plan.duration_days), auto_renew=auto_renew,
                price_cents=plan.price_cents, single_minutes=plan.single_minutes,
                bulk_minutes=plan.bulk_minutes, overage_cents_per_minute=plan.overage_cents_per_minute,
            ).returning(*subscriptions.c)
        )
    ).one()
    if plan.price_cents > 0:
        transfer = await post_transfer(
            uow, key=f"plan:{inserted.id}:1", kind="plan_purchase", customer_id=customer_id,
            legs=[Leg(-plan.price_cents), Leg(plan.price_cents, SystemAccount.REVENUE)],
            cause_type="plan", cause_id=str(inserted.id), memo=plan.name,
        )
        await events.debited(uow, transfer)
    await events.subscription(uow, subjects.SUBSCRIPTION_ACTIVATED, customer_id, _change_event(inserted, plan))
    return inserted


async def set_auto_renew(uow: UnitOfWork, customer_id: str, auto_renew: bool) -> Any:
    current = await active_subscription(uow, customer_id, for_update=True)
    if current is None:
        raise NoActiveSubscription("there is no active plan to change; buy a plan first")
    plan = await get_plan(uow, current.plan_code)
    if plan.is_trial and auto_renew:
        raise FailedPrecondition("the free trial does not renew", reason="TRIAL_DOES_NOT_RENEW")
    return (
        await uow.connection.execute(
            update(subscriptions).where(subscriptions.c.id == current.id)
            .values(auto_renew=auto_renew).returning(*subscriptions.c)
        )
    ).one()


@dataclass
class TickCounts:
    processed: int = 0
    succeeded: int = 0
    failed: int = 0


async def run_subscription_tick(uow: UnitOfWork, events: WalletEvents, *, now: datetime,
                                warning_hours: int) -> TickCounts:
    """Renews or expires every subscription that has run out, and warns once before expiry.
    Idempotent by state: a renewed subscription's new period is not due again, and its renewal
    transfer is keyed by subscription and period."""
    counts = TickCounts()
    due = (
        await uow.connection.execute(
            select(subscriptions).where(subscriptions.c.status == "active", subscriptions.c.expires_at <= now)
            .order_by(subscriptions.c.id).with_for_update(skip_locked=True)
        )
    ).all()
    for subscription in due:
        counts.processed += 1
        plan = await get_plan(uow, subscription.plan_code)
        if subscription.auto_renew and plan.active and not plan.is_trial:
            if await _renew(uow, events, subscription, plan):
                counts.succeeded += 1
                continue
            counts.failed += 1
        await uow.connection.execute(
            update(subscriptions).where(subscriptions.c.id == subscription.id).values(status="expired")
        )
        await events.subscription(uow, subjects.SUBSCRIPTION_EXPIRED, subscription.customer_id,
                                  _change_event(subscription, plan))
    expiring = (
        await uow.connection.execute(
            select(subscriptions).where(
                subscriptions.c.status == "active",
                subscriptions.c.expiring_warned.is_(False),
                # Short plans are warned halfway through, not the moment they start.
                subscriptions.c.expires_at <= now + func.least(
                    timedelta(hours=warning_hours),
                    literal_column("(subscriptions.expires_at - subscriptions.started_at) / 2"),
                ),
            ).with_for_update(skip_locked=True)
        )
    ).all()
    for subscription in expiring:
        plan = await get_plan(uow, subscription.plan_code)
        await uow.connection.execute(
            update(subscriptions).where(subscriptions.c.id == subscription.id).values(expiring_warned=True)
        )
        await events.subscription(uow, subjects.SUBSCRIPTION_EXPIRING, subscription.customer_id,
                                  _change_event(subscription, plan))
        counts.processed += 1
        counts.succeeded += 1
    return counts


async def _renew(uow: UnitOfWork, events: WalletEvents, subscription: Any, plan: Any) -> bool:
    """Charges the next period at the plan's current price; False when the balance is too low."""
    period = subscription.period + 1
    transfer = None
    if plan.price_cents > 0:
        try:
            async with uow.connection.begin_nested():
                transfer = await post_transfer(
                    uow, key=f"plan:{subscription.id}:{period}", kind="plan_purchase",
                    customer_id=subscription.customer_id,
                    legs=[Leg(-plan.price_cents), Leg(plan.price_cents, SystemAccount.REVENUE)],
                    cause_type="plan", cause_id=str(subscription.id), memo=f"{plan.name} renewal",
                )
        except InsufficientFunds:
            return False
    renewed = (
        await uow.connection.execute(
            update(subscriptions).where(subscriptions.c.id == subscription.id).values(
                period=period, started_at=subscription.expires_at,
                expires_at=subscription.expires_at + timedelta(days=plan.duration_days),
                price_cents=plan.price_cents, single_minutes=plan.single_minutes,
                bulk_minutes=plan.bulk_minutes, overage_cents_per_minute=plan.overage_cents_per_minute,
                single_used=0, bulk_used=0, expiring_warned=False,
            ).returning(*subscriptions.c)
        )
    ).one()
    if transfer is not None:
        await events.debited(uow, transfer)
    await events.subscription(uow, subjects.SUBSCRIPTION_RENEWED, subscription.customer_id,
                              _change_event(renewed, plan))
    return True
