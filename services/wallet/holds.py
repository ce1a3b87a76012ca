"""Holds for calls: money (and plan minutes) reserved for a call's worst case, then captured for
the actual cost with the rest released. One hold per call, resolved once: the transfer keys
`hold:<call>`, `capture:<call>` and `release:<call>` make the ledger itself refuse a second one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert

from services.runtime.database import UnitOfWork
from services.runtime.errors import FailedPrecondition, InvalidArgument, NotFound
from services.wallet.accounts import get_account
from services.wallet.events import WalletEvents
from services.wallet.ledger import Leg, SystemAccount, post_transfer
from services.wallet.pricing import UNLIMITED
from services.wallet.subscriptions import active_subscription, allowance_left, change_minutes
from services.wallet.tables import holds, usage


class CustomerInDebt(FailedPrecondition):
    default_reason = "CUSTOMER_IN_DEBT"


class HoldNotFound(NotFound):
    default_reason = "HOLD_NOT_FOUND"


class HoldAlreadyResolved(FailedPrecondition):
    default_reason = "HOLD_ALREADY_RESOLVED"


class HoldExists(FailedPrecondition):
    default_reason = "HOLD_EXISTS"


class NotEnoughPlanMinutes(FailedPrecondition):
    default_reason = "NOT_ENOUGH_PLAN_MINUTES"


async def place_hold(uow: UnitOfWork, events: WalletEvents, *, customer_id: str, call_id: str,
                     amount_cents: int, plan_minutes: int, usage_kind: str) -> Any:
    account = await get_account(uow, customer_id, for_update=True)
    if account.in_debt:
        raise CustomerInDebt(
            f"unpaid overage of {account.debt_cents} cents must be paid first; top up to continue"
        )
    subscription_id = None
    if plan_minutes > 0:
        subscription = await active_subscription(uow, customer_id, for_update=True)
        available = allowance_left(subscription, usage_kind)
        if subscription is None or (available != UNLIMITED and available < plan_minutes):
            raise NotEnoughPlanMinutes("the plan has fewer minutes left than this call needs; quote again")
        subscription_id = subscription.id
        if available != UNLIMITED:
            await change_minutes(uow, subscription.id, usage_kind, reserved=plan_minutes)
    created = (
        await uow.connection.execute(
            insert(holds).values(
                call_id=call_id, customer_id=customer_id, amount_cents=amount_cents, plan_minutes=plan_minutes,
                reserved_minutes=plan_minutes if subscription_id is not None and plan_minutes else 0,
                subscription_id=subscription_id, usage_kind=usage_kind, status="open",
            ).on_conflict_do_nothing(index_elements=["call_id"]).returning(*holds.c)
        )
    ).first()
    if created is None:
        raise HoldExists("this call already has a hold; a call is held once")
    if amount_cents > 0:
        transfer = await post_transfer(
            uow, key=f"hold:{call_id}", kind="hold", customer_id=customer_id,
            legs=[Leg(-amount_cents), Leg(amount_cents, SystemAccount.HOLDS)],
            cause_type="call", cause_id=call_id,
        )
        await events.debited(uow, transfer, announce=False)
    return created


async def _open_hold(uow: UnitOfWork, customer_id: str, call_id: str) -> Any:
    hold = (
        await uow.connection.execute(
            select(holds).where(holds.c.call_id == call_id, holds.c.customer_id == customer_id).with_for_update()
        )
    ).first()
    if hold is None:
        raise HoldNotFound("this call has no hold")
    if hold.status != "open":
        raise HoldAlreadyResolved(f"this call's hold was already {hold.status}")
    return hold


async def free_reservation(uow: UnitOfWork, hold: Any) -> None:
    """Returns the hold's still-reserved plan minutes to the subscription's allowance."""
    if hold.reserved_minutes and hold.subscription_id is not None:
        await change_minutes(uow, hold.subscription_id, hold.usage_kind, reserved=-hold.reserved_minutes)
        await uow.connection.execute(
            update(holds).where(holds.c.call_id == hold.call_id).values(reserved_minutes=0)
        )


async def capture_hold(uow: UnitOfWork, events: WalletEvents, *, customer_id: str, call_id: str,
                       amount_cents: int, now: datetime) -> Any:
    hold = await _open_hold(uow, customer_id, call_id)
    if amount_cents > hold.amount_cents:
        raise InvalidArgument(
            f"cannot capture {amount_cents} cents from a hold of {hold.amount_cents}",
            reason="CAPTURE_EXCEEDS_HOLD",
        )
    if amount_cents > 0:
        transfer = await post_transfer(
            uow, key=f"capture:{call_id}", kind="capture", customer_id=customer_id,
            legs=[Leg(-amount_cents, SystemAccount.HOLDS), Leg(amount_cents, SystemAccount.REVENUE)],
            cause_type="call", cause_id=call_id,
        )
        await _pay_usage_from_capture(uow, call_id, amount_cents)
        await events.debited(uow, transfer)
    rest = hold.amount_cents - amount_cents
    if rest > 0:
        await post_transfer(
            uow, key=f"release:{call_id}", kind="release", customer_id=customer_id,
            legs=[Leg(-rest, SystemAccount.HOLDS), Leg(rest)],
            cause_type="call", cause_id=call_id,
        )
    await free_reservation(uow, hold)
    return await _resolve(uow, call_id, "captured", amount_cents, now)


async def release_hold(uow: UnitOfWork, *, customer_id: str, call_id: str, now: datetime) -> Any:
    hold = await _open_hold(uow, customer_id, call_id)
    if hold.amount_cents > 0:
        await post_transfer(
            uow, key=f"release:{call_id}", kind="release", customer_id=customer_id,
            legs=[Leg(-hold.amount_cents, SystemAccount.HOLDS), Leg(hold.amount_cents)],
            cause_type="call", cause_id=call_id,
        )
    await free_reservation(uow, hold)
    return await _resolve(uow, call_id, "released", 0, now)


async def _resolve(uow: UnitOfWork, call_id: str, status: str, captured: int, now: datetime) -> Any:
    return (
        await uow.connection.execute(
            update(holds).where(holds.c.call_id == call_id)
            .values(status=status, captured_cents=captured, resolved_at=now).returning(*holds.c)
        )
    ).one()


async def _pay_usage_from_capture(uow: UnitOfWork, call_id: str, amount_cents: int) -> None:
    """What a capture pays is the call's overage; the billing tick must not charge it again."""
    await uow.connection.execute(
        update(usage).where(usage.c.call_id == call_id).values(
            paid_cents=func.least(usage.c.overage_cents, usage.c.paid_cents + amount_cents)
        )
    )
