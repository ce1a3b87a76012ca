"""The billing tick: charges overage that no hold paid, and flags customers who cannot pay.

A customer in debt gets no new holds (so can start no calls) until a later tick collects the debt
after a top-up. Charges are keyed by call and by how much of it was paid before, so a tick that
runs twice, or two ticks at once, charge each cent once.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, exists, select, update

from services.runtime.database import UnitOfWork
from services.wallet.accounts import get_account
from services.wallet.events import WalletEvents
from services.wallet.ledger import Leg, SystemAccount, post_transfer
from services.wallet.tables import accounts, holds, usage


@dataclass
class BillingCounts:
    processed: int = 0
    succeeded: int = 0
    failed: int = 0


_open_hold_for_call = exists().where(and_(holds.c.call_id == usage.c.call_id, holds.c.status == "open"))


async def run_billing_tick(uow: UnitOfWork, events: WalletEvents) -> BillingCounts:
    counts = BillingCounts()
    customers = (
        await uow.connection.execute(
            select(usage.c.customer_id).where(usage.c.paid_cents < usage.c.overage_cents, ~_open_hold_for_call)
            .union(select(accounts.c.customer_id).where(accounts.c.in_debt.is_(True)))
        )
    ).scalars().all()
    for customer_id in sorted(customers):
        counts.processed += 1
        if await _bill_customer(uow, events, customer_id):
            counts.succeeded += 1
        else:
            counts.failed += 1
    return counts


async def _bill_customer(uow: UnitOfWork, events: WalletEvents, customer_id: str) -> bool:
    account = await get_account(uow, customer_id, for_update=True)
    balance = account.balance_cents
    unpaid = (
        await uow.connection.execute(
            select(usage).where(
                usage.c.customer_id == customer_id, usage.c.paid_cents < usage.c.overage_cents,
                ~_open_hold_for_call,
            ).order_by(usage.c.created_at, usage.c.call_id).with_for_update(of=usage)
        )
    ).all()
    debt = 0
    for row in unpaid:
        due = row.overage_cents - row.paid_cents
        charge = min(due, balance)
        if charge > 0:
            transfer = await post_transfer(
                uow, key=f"overage:{row.call_id}:{row.paid_cents}", kind="overage", customer_id=customer_id,
                legs=[Leg(-charge), Leg(charge, SystemAccount.REVENUE)],
                cause_type="call", cause_id=row.call_id, memo="overage minutes",
            )
            await uow.connection.execute(
                update(usage).where(usage.c.call_id == row.call_id).values(paid_cents=row.paid_cents + charge)
            )
            balance -= charge
            await events.overage_charged(uow, transfer, row.call_id)
            await events.debited(uow, transfer, announce=False)
        debt += due - charge
    newly_in_debt = debt > 0 and (not account.in_debt or debt != account.debt_cents)
    await uow.connection.execute(
        update(accounts).where(accounts.c.id == account.id).values(in_debt=debt > 0, debt_cents=debt)
    )
    if newly_in_debt:
        await events.overage_failed(uow, customer_id, debt, balance)
    return debt == 0
