"""Recording a call's usage: started minutes come out of the plan's allowance first, the rest is
overage at the plan's (or the pay-as-you-go) price per minute. The overage is paid by the call's
hold when it is captured; whatever a hold did not pay, the billing tick charges."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from services.runtime.database import UnitOfWork
from services.runtime.errors import FailedPrecondition, NotFound
from services.wallet.accounts import get_account
from services.wallet.holds import free_reservation
from services.wallet.pricing import split_usage
from services.wallet.subscriptions import active_subscription, allowance_left, change_minutes
from services.wallet.tables import holds, usage


class UsageAlreadyRecorded(FailedPrecondition):
    default_reason = "USAGE_ALREADY_RECORDED"


class CallOfAnotherCustomer(NotFound):
    default_reason = "CALL_NOT_FOUND"


async def record_usage(uow: UnitOfWork, *, customer_id: str, call_id: str, seconds: int,
                       usage_kind: str, pay_as_you_go_cents: int) -> Any:
    await get_account(uow, customer_id, for_update=True)
    existing = (await uow.connection.execute(select(usage).where(usage.c.call_id == call_id))).first()
    if existing is not None:
        if (existing.customer_id, existing.seconds, existing.usage_kind) == (customer_id, seconds, usage_kind):
            return existing
        raise UsageAlreadyRecorded("this call's usage was already recorded with other figures")
    hold = (await uow.connection.execute(select(holds).where(holds.c.call_id == call_id).with_for_update())).first()
    if hold is not None and hold.customer_id != customer_id:
        # Another customer's call: recording it here would charge this customer and block the owner's.
        raise CallOfAnotherCustomer("no such call for this customer")
    # The call's own reservation is part of what it may use, so it is freed before counting.
    if hold is not None:
        await free_reservation(uow, hold)
    subscription = await active_subscription(uow, customer_id, for_update=True)
    price = subscription.overage_cents_per_minute if subscription is not None else pay_as_you_go_cents
    split = split_usage(seconds, allowance_left(subscription, usage_kind), price)
    if subscription is not None and split.plan_minutes:
        await change_minutes(uow, subscription.id, usage_kind, used=split.plan_minutes)
    already_paid = min(hold.captured_cents, split.overage_cents) if hold is not None else 0
    return (
        await uow.connection.execute(
            insert(usage).values(
                call_id=call_id, customer_id=customer_id, usage_kind=usage_kind, seconds=seconds,
                billed_minutes=split.billed_minutes, plan_minutes=split.plan_minutes,
                overage_minutes=split.overage_minutes, overage_cents=split.overage_cents,
                paid_cents=already_paid, subscription_id=subscription.id if subscription is not None else None,
            ).returning(*usage.c)
        )
    ).one()
