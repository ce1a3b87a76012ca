"""Posting double-entry transfers and reading the ledger back.

A transfer moves `amount` between accounts: legs that sum to zero, at most one of them a
customer's. The customer's cached balance is changed in the same statement that checks it stays
at or above zero, so concurrent debits can never overdraw it; system account balances are never
stored (one hot row would serialise every transfer) and are derived from the entries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum
from typing import Any

from sqlalchemy import func, select, text

from services.runtime.database import UnitOfWork
from services.runtime.driver_sql import DriverStatement
from services.runtime.errors import FailedPrecondition, NotFound
from services.wallet.tables import accounts, ledger_entries, transfers


class SystemAccount(IntEnum):
    REVENUE = 1
    HOLDS = 2
    PROVIDER_CLEARING = 3
    PROMOTIONS = 4


class InsufficientFunds(FailedPrecondition):
    default_reason = "INSUFFICIENT_FUNDS"


class AccountNotFound(NotFound):
    default_reason = "ACCOUNT_NOT_FOUND"


@dataclass(frozen=True)
class Leg:
    """One side of a transfer: a system account, or the customer's own (when `system` is None)."""

    amount_cents: int
    system: SystemAccount | None = None


@dataclass(frozen=True)
class AccountState:
    """The customer's account right after a transfer moved it."""

    balance_cents: int
    held_cents: int
    in_debt: bool
    debt_cents: int


@dataclass(frozen=True)
class PostedTransfer:
    id: int
    kind: str
    customer_id: str | None
    amount_cents: int
    balance_effect_cents: int
    balance_after_cents: int | None
    cause_type: str
    cause_id: str
    memo: str
    created_at: datetime
    account: AccountState | None = None


def _posting_sql(system_legs: int, *, with_customer: bool) -> str:
    """One statement, one round trip: move the customer's balance (only if it stays ≥ 0), insert
    the transfer and its entries, and return the account as it now is with what it holds."""
    system_rows = " UNION ALL ".join(
        f"SELECT t.id, CAST(:account_{i} AS bigint), CAST(:amount_{i} AS bigint), CAST(NULL AS bigint) FROM t"
        for i in range(system_legs)
    )
    insert_transfer = (
        "INSERT INTO transfers (idempotency_key, kind, customer_id, amount_cents, cause_type, cause_id, memo) "
        "SELECT :key, :kind, :customer_id, :amount, :cause_type, :cause_id, :memo"
    )
    entries = "INSERT INTO ledger_entries (transfer_id, account_id, amount_cents, balance_after_cents) "
    if not with_customer:
        return (f"WITH t AS ({insert_transfer} RETURNING id, created_at), e AS ({entries}{system_rows}) "
                "SELECT id, created_at FROM t")
    return (
        "WITH moved AS (UPDATE accounts SET balance_cents = balance_cents + :delta "
        "WHERE customer_id = :customer_id AND balance_cents + :delta >= 0 "
        "RETURNING id, balance_cents, in_debt, debt_cents), "
        f"t AS ({insert_transfer} FROM moved RETURNING id, created_at), "
        f"e AS ({entries}SELECT t.id, moved.id, CAST(:delta AS bigint), moved.balance_cents FROM t, moved "
        f"UNION ALL {system_rows}) "
        "SELECT t.id, t.created_at, moved.balance_cents, moved.in_debt, moved.debt_cents, "
        "(SELECT CAST(coalesce(sum(h.amount_cents), 0) AS bigint) FROM holds h "
        " WHERE h.customer_id = :customer_id AND h.status = 'open') AS held_cents "
        "FROM t, moved"
    )


_POSTINGS = {(legs, with_customer): DriverStatement(_posting_sql(legs, with_customer=with_customer))
             for legs in (1, 2, 3) for with_customer in (True, False)}


async def customer_account_exists(uow: UnitOfWork, customer_id: str) -> bool:
    found = await uow.connection.execute(select(accounts.c.id).where(accounts.c.customer_id == customer_id))
    return found.first() is not None


async def post_transfer(
    uow: UnitOfWork,
    *,
    key: str,
    kind: str,
    customer_id: str | None,
    legs: list[Leg],
    cause_type: str,
    cause_id: str,
    memo: str = "",
) -> PostedTransfer:
    """Posts one balanced transfer; raises InsufficientFunds if the customer leg would overdraw."""
    if sum(leg.amount_cents for leg in legs) != 0:
        raise ValueError("a transfer's legs must sum to zero")
    customer_legs = [leg for leg in legs if leg.system is None]
    system_legs = [leg for leg in legs if leg.system is not None]
    if len(customer_legs) > 1 or (customer_legs and customer_id is None):
        raise ValueError("a transfer has at most one customer leg, and it needs the customer id")
    amount = sum(leg.amount_cents for leg in legs if leg.amount_cents > 0)
    customer_delta = customer_legs[0].amount_cents if customer_legs else 0
    params: dict[str, Any] = {
        "key": key, "kind": kind, "customer_id": customer_id, "amount": amount,
        "cause_type": cause_type, "cause_id": cause_id, "memo": memo, "delta": customer_delta,
    }
    for index, leg in enumerate(system_legs):
        params[f"account_{index}"] = int(leg.system)  # type: ignore[arg-type]
        params[f"amount_{index}"] = leg.amount_cents
    if not customer_legs:
        del params["delta"]
    row = (await _POSTINGS[(len(system_legs), bool(customer_legs))].execute(uow, **params)).first()
    if row is None:
        if not await customer_account_exists(uow, customer_id or ""):
            raise AccountNotFound("this customer has no wallet; open one first")
        raise InsufficientFunds("the balance is too low for this; top up and try again")
    account = AccountState(row.balance_cents, row.held_cents, row.in_debt, row.debt_cents) if customer_legs else None
    return PostedTransfer(
        id=row.id, kind=kind, customer_id=customer_id, amount_cents=amount,
        balance_effect_cents=customer_delta, balance_after_cents=account.balance_cents if account else None,
        cause_type=cause_type, cause_id=cause_id, memo=memo, created_at=row.created_at, account=account,
    )


async def find_transfer_by_key(uow: UnitOfWork, key: str) -> PostedTransfer | None:
    rows = (await uow.connection.execute(_TRANSFER_VIEW.where(transfers.c.idempotency_key == key))).first()
    return _posted(rows) if rows is not None else None


_customer_entry = (
    select(ledger_entries.c.transfer_id, ledger_entries.c.amount_cents, ledger_entries.c.balance_after_cents)
    .join(accounts, accounts.c.id == ledger_entries.c.account_id)
    .where(accounts.c.customer_id.is_not(None))
    .subquery()
)

_TRANSFER_VIEW = select(
    transfers.c.id, transfers.c.kind, transfers.c.customer_id, transfers.c.amount_cents,
    func.coalesce(_customer_entry.c.amount_cents, 0).label("balance_effect_cents"),
    _customer_entry.c.balance_after_cents,
    transfers.c.cause_type, transfers.c.cause_id, transfers.c.memo, transfers.c.created_at,
).outerjoin(_customer_entry, _customer_entry.c.transfer_id == transfers.c.id)


def _posted(row: object) -> PostedTransfer:
    return PostedTransfer(**{name: getattr(row, name) for name in PostedTransfer.__dataclass_fields__
                             if name != "account"})


async def list_customer_transfers(
    uow: UnitOfWork, customer_id: str, *, before_id: int | None, limit: int
) -> list[PostedTransfer]:
    """Newest first; `before_id` pages backwards."""
    query = _TRANSFER_VIEW.where(transfers.c.customer_id == customer_id)
    if before_id is not None:
        query = query.where(transfers.c.id < before_id)
    rows = (await uow.connection.execute(query.order_by(transfers.c.id.desc()).limit(limit))).all()
    return [_posted(row) for row in rows]


@dataclass(frozen=True)
class LedgerReport:
    total_cents: int
    unbalanced_transfers: int
    accounts_with_stale_balance: int
    negative_customer_accounts: int
    transfers: int

    @property
    def ok(self) -> bool:
        return (self.total_cents == 0 and self.unbalanced_transfers == 0
                and self.accounts_with_stale_balance == 0 and self.negative_customer_accounts == 0)


_CHECK_LEDGER = text("""
SELECT
  (SELECT CAST(coalesce(sum(amount_cents), 0) AS bigint) FROM ledger_entries) AS total_cents,
  (SELECT count(*) FROM (SELECT transfer_id FROM ledger_entries GROUP BY transfer_id
                         HAVING sum(amount_cents) <> 0) AS u) AS unbalanced_transfers,
  (SELECT count(*) FROM accounts a
     WHERE a.customer_id IS NOT NULL
       AND a.balance_cents <> (SELECT coalesce(sum(e.amount_cents), 0) FROM ledger_entries e
                               WHERE e.account_id = a.id)) AS accounts_with_stale_balance,
  (SELECT count(*) FROM accounts WHERE customer_id IS NOT NULL AND balance_cents < 0)
     AS negative_customer_accounts,
  (SELECT count(*) FROM transfers) AS transfers
""")


async def check_ledger(uow: UnitOfWork) -> LedgerReport:
    """Recomputes the invariants from the entries. One statement sees one snapshot, so the figures
    agree with each other even while transfers are being posted."""
    row = (await uow.connection.execute(_CHECK_LEDGER)).one()
    return LedgerReport(**row._mapping)
