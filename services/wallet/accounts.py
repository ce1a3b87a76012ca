"""Customer accounts: opening one, reading its balance, and locking it for a change."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert

from services.runtime.database import UnitOfWork
from services.wallet.ledger import AccountNotFound
from services.wallet.tables import accounts, holds


@dataclass(frozen=True)
class BalanceView:
    customer_id: str
    available_cents: int
    held_cents: int
    in_debt: bool
    debt_cents: int


async def open_account(uow: UnitOfWork, customer_id: str) -> Any:
    """Opens the customer's account if it is new; opening twice returns the same account."""
    await uow.connection.execute(
        insert(accounts).values(customer_id=customer_id).on_conflict_do_nothing(index_elements=["customer_id"])
    )
    return await get_account(uow, customer_id)


async def get_account(uow: UnitOfWork, customer_id: str, *, for_update: bool = False) -> Any:
    query = select(accounts).where(accounts.c.customer_id == customer_id)
    if for_update:
        query = query.with_for_update()
    row = (await uow.connection.execute(query)).first()
    if row is None:
        raise AccountNotFound("this customer has no wallet; open one first")
    return row


async def read_balance(uow: UnitOfWork, customer_id: str) -> BalanceView:
    """The balance with what is held for calls in flight, in one round trip (it ends every
    money-moving request)."""
    held = (
        select(func.coalesce(func.sum(holds.c.amount_cents), 0))
        .where(holds.c.customer_id == accounts.c.customer_id, holds.c.status == "open")
        .scalar_subquery()
    )
    row = (
        await uow.connection.execute(
            select(accounts.c.balance_cents, accounts.c.in_debt, accounts.c.debt_cents, held.label("held"))
            .where(accounts.c.customer_id == customer_id)
        )
    ).first()
    if row is None:
        raise AccountNotFound("this customer has no wallet; open one first")
    return BalanceView(customer_id, row.balance_cents, int(row.held), row.in_debt, row.debt_cents)
