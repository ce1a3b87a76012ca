"""Settling ended calls in batches: usage, capture and release for many calls in one transaction.

Why: every call ends with a settlement, and a campaign ends hundreds of calls a minute. Call by
call (RecordUsage, then CaptureHold) that is a dozen statements and two commits per call, and on a
small machine the calls service's webhooks outran the wallet (bench/README.md). Here a batch costs
the same few statements whatever its size: the rows it needs are read and locked (accounts in
customer order, as every writer here locks them, then the holds and the subscriptions), the
arithmetic is done in Python with the same pure rules as the call-by-call path
(services/wallet/pricing.py), and the results go back as one set-based statement per table.

Idempotent per call, without an idempotency key: a call's usage row and its hold's status are the
record of its settlement, so a call settled before answers what it was settled for, and a batch
repeated after a crash repeats nothing. A call that cannot be settled (no wallet, usage recorded
earlier with other figures) is answered with its reason and does not disturb the others.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from services.runtime.database import UnitOfWork
from services.wallet import metrics
from services.wallet.events import WalletEvents
from services.wallet.ledger import AccountState, PostedTransfer, SystemAccount
from services.wallet.pricing import UsageSplit, minutes_left, split_usage
from services.wallet.subscriptions import SINGLE

MAX_CALLS_PER_BATCH = 500


@dataclass(frozen=True)
class CallToSettle:
    customer_id: str
    call_id: str
    seconds: int
    usage_kind: str
    extra_cents: int


@dataclass(frozen=True)
class SettledCall:
    call_id: str
    cost_cents: int = 0
    plan_minutes: int = 0
    captured_cents: int = 0
    refusal_reason: str = ""


_LOCK_ACCOUNTS = ("SELECT id, customer_id, balance_cents, in_debt, debt_cents FROM accounts "
                  "WHERE customer_id = ANY($1::text[]) ORDER BY customer_id FOR UPDATE")
_LOCK_HOLDS = "SELECT * FROM holds WHERE call_id = ANY($1::text[]) ORDER BY call_id FOR UPDATE"
_RECORDED_USAGE = "SELECT * FROM usage WHERE call_id = ANY($1::text[])"
# The customers' active plans, and any plan a hold reserved minutes from (it may since have been replaced).
_LOCK_SUBSCRIPTIONS = ("SELECT * FROM subscriptions WHERE (customer_id = ANY($1::text[]) AND status = 'active') "
                       "OR id = ANY($2::bigint[]) ORDER BY id FOR UPDATE")

_INSERT_USAGE = """
INSERT INTO usage (call_id, customer_id, usage_kind, seconds, billed_minutes, plan_minutes, overage_minutes,
                   overage_cents, paid_cents, subscription_id)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[],
                     $8::bigint[], $9::bigint[], $10::bigint[])
"""
_MOVE_MINUTES = """
UPDATE subscriptions s SET single_used = s.single_used + d.single_used,
                           single_reserved = s.single_reserved + d.single_reserved,
                           bulk_used = s.bulk_used + d.bulk_used, bulk_reserved = s.bulk_reserved + d.bulk_reserved
FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[])
  AS d(id, single_used, single_reserved, bulk_used, bulk_reserved)
WHERE s.id = d.id
"""
_PAY_RECORDED_USAGE = """
UPDATE usage u SET paid_cents = least(u.overage_cents, u.paid_cents + d.amount)
FROM unnest($1::text[], $2::bigint[]) AS d(call_id, amount) WHERE u.call_id = d.call_id
"""
_RESOLVE_HOLDS = """
UPDATE holds h SET status = d.status, captured_cents = d.captured, reserved_minutes = 0, resolved_at = $4
FROM unnest($1::text[], $2::text[], $3::bigint[]) AS d(call_id, status, captured)
WHERE h.call_id = d.call_id
"""
# Transfers, their entries and the customers' balances in one statement; each leg names its
# transfer by key, and the customer legs carry the balance they leave behind (computed under lock).
_POST_TRANSFERS = """
WITH posted AS (
  INSERT INTO transfers (idempotency_key, kind, customer_id, amount_cents, cause_type, cause_id)
  SELECT key, kind, customer_id, amount, 'call', cause_id
  FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[])
    AS t(key, kind, customer_id, amount, cause_id)
  RETURNING id, idempotency_key, created_at
),
entries AS (
  INSERT INTO ledger_entries (transfer_id, account_id, amount_cents, balance_after_cents)
  SELECT p.id, l.account_id, l.amount, l.balance_after
  FROM unnest($6::text[], $7::bigint[], $8::bigint[], $9::bigint[]) AS l(key, account_id, amount, balance_after)
  JOIN posted p ON p.idempotency_key = l.key
),
moved AS (
  UPDATE accounts a SET balance_cents = a.balance_cents + d.delta
  FROM unnest($10::bigint[], $11::bigint[]) AS d(id, delta) WHERE a.id = d.id
)
SELECT id, idempotency_key, created_at FROM posted
"""


@dataclass
class _Allowance:
    """A locked subscription's counters, moved in memory while the batch is worked out."""

    row: Any
    single_used: int = 0
    single_reserved: int = 0
    bulk_used: int = 0
    bulk_reserved: int = 0

    def left(self, usage_kind: str) -> int:
        if usage_kind == SINGLE:
            return minutes_left(self.row["single_minutes"], self.row["single_used"] + self.single_used,
                                self.row["single_reserved"] + self.single_reserved)
        return minutes_left(self.row["bulk_minutes"], self.row["bulk_used"] + self.bulk_used,
                            self.row["bulk_reserved"] + self.bulk_reserved)

    def change(self, usage_kind: str, *, used: int = 0, reserved: int = 0) -> None:
        if usage_kind == SINGLE:
            self.single_used += used
            self.single_reserved += reserved
        else:
            self.bulk_used += used
            self.bulk_reserved += reserved

    @property
    def changed(self) -> bool:
        return any((self.single_used, self.single_reserved, self.bulk_used, self.bulk_reserved))


@dataclass(frozen=True)
class _Transfer:
    key: str
    kind: str
    customer_id: str
    amount_cents: int
    call_id: str
    legs: tuple[tuple[int, int, int | None], ...]  # (account id, amount, balance after) per leg


class _Batch:
    """What one batch writes, gathered while each call is worked out in turn."""

    def __init__(self, accounts: dict[str, asyncpg.Record]) -> None:
        self.balances = {customer: row["balance_cents"] for customer, row in accounts.items()}
        self.account_ids = {customer: row["id"] for customer, row in accounts.items()}
        self.usage: list[tuple[Any, ...]] = []
        self.resolved: list[tuple[str, str, int]] = []
        self.transfers: list[_Transfer] = []
        self.posted: dict[str, asyncpg.Record] = {}
        self.paid: list[tuple[str, int]] = []  # (call, cents) paid on usage recorded before this batch

    def resolve(self, hold: Any, amount: int, status: str) -> None:
        """Moves `amount` of the hold to revenue and gives the rest back to the customer."""
        customer, call_id = hold["customer_id"], hold["call_id"]
        if amount > 0:
            self.transfers.append(_Transfer(f"capture:{call_id}", "capture", customer, amount, call_id, (
                (int(SystemAccount.HOLDS), -amount, None), (int(SystemAccount.REVENUE), amount, None))))
        rest = hold["amount_cents"] - amount
        if rest > 0:
            self.balances[customer] += rest
            self.transfers.append(_Transfer(f"release:{call_id}", "release", customer, rest, call_id, (
                (int(SystemAccount.HOLDS), -rest, None), (self.account_ids[customer], rest, self.balances[customer]))))
        self.resolved.append((call_id, status, amount))


def _record_split(batch: _Batch, call: CallToSettle, split: UsageSplit, paid: int, subscription_id: int | None) -> None:
    batch.usage.append((call.call_id, call.customer_id, call.usage_kind, call.seconds, split.billed_minutes,
                        split.plan_minutes, split.overage_minutes, split.overage_cents, paid, subscription_id))


async def settle_calls(uow: UnitOfWork, events: WalletEvents, orders: list[CallToSettle], *,
                       pay_as_you_go_cents: int, now: datetime) -> list[SettledCall]:
    """Settles every order it can, in one transaction (the caller commits); answers in order."""
    driver = await uow.driver()
    customers = sorted({order.customer_id for order in orders})
    call_ids = [order.call_id for order in orders]
    accounts = {row["customer_id"]: row for row in await driver.fetch(_LOCK_ACCOUNTS, customers)}
    holds = {row["call_id"]: row for row in await driver.fetch(_LOCK_HOLDS, call_ids)}
    recorded = {row["call_id"]: row for row in await driver.fetch(_RECORDED_USAGE, call_ids)}
    reserved_from = sorted({row["subscription_id"] for row in holds.values() if row["subscription_id"] is not None})
    subscription_rows = await driver.fetch(_LOCK_SUBSCRIPTIONS, customers, reserved_from)
    allowances = {row["id"]: _Allowance(row) for row in subscription_rows}
    active = {row["customer_id"]: allowances[row["id"]] for row in subscription_rows if row["status"] == "active"}

    batch = _Batch(accounts)
    answers = [_settle_one(batch, order, accounts, holds, recorded, allowances, active, pay_as_you_go_cents)
               for order in orders]
    await _write(driver, batch, allowances, now)
    await _announce_captures(uow, events, batch, accounts)
    return answers


def _settle_one(batch: _Batch, call: CallToSettle, accounts: dict[str, Any], holds: dict[str, Any],
                recorded: dict[str, Any], allowances: dict[int, _Allowance], active: dict[str, _Allowance],
                pay_as_you_go_cents: int) -> SettledCall:
    if call.customer_id not in accounts:
        return SettledCall(call.call_id, refusal_reason="ACCOUNT_NOT_FOUND")
    existing = recorded.get(call.call_id)
    if existing is not None and (existing["customer_id"], existing["seconds"], existing["usage_kind"]) != (
            call.customer_id, call.seconds, call.usage_kind):
        return SettledCall(call.call_id, refusal_reason="USAGE_ALREADY_RECORDED")
    hold = holds.get(call.call_id)
    if hold is not None and hold["customer_id"] != call.customer_id:
        # Another customer's call: settling it here would charge this customer and block the owner's.
        return SettledCall(call.call_id, refusal_reason="CALL_NOT_FOUND")
    open_hold = hold if hold is not None and hold["status"] == "open" else None
    if open_hold is not None and open_hold["reserved_minutes"] and open_hold["subscription_id"] in allowances:
        # The call's own reservation is part of what it may use, so it is freed before counting.
        allowances[open_hold["subscription_id"]].change(open_hold["usage_kind"],
                                                        reserved=-open_hold["reserved_minutes"])
    split: UsageSplit | None = None
    subscription = active.get(call.customer_id)
    if existing is not None:
        overage, plan_minutes = existing["overage_cents"], existing["plan_minutes"]
    elif call.seconds > 0:
        price = subscription.row["overage_cents_per_minute"] if subscription is not None else pay_as_you_go_cents
        split = split_usage(call.seconds, subscription.left(call.usage_kind) if subscription else 0, price)
        if subscription is not None and split.plan_minutes:
            subscription.change(call.usage_kind, used=split.plan_minutes)
        overage, plan_minutes = split.overage_cents, split.plan_minutes
    else:
        overage, plan_minutes = 0, 0
    cost = overage + call.extra_cents if call.seconds > 0 else 0
    captured = min(cost, open_hold["amount_cents"]) if open_hold is not None else 0
    # What the hold pays is the call's overage; the billing tick must not charge it again.
    paid_before = min(hold["captured_cents"], overage) if hold is not None else 0
    if split is not None:
        _record_split(batch, call, split, min(overage, paid_before + captured),
                      subscription.row["id"] if subscription is not None else None)
    elif existing is not None and captured:
        batch.paid.append((call.call_id, captured))
    if open_hold is None:
        return SettledCall(call.call_id, cost, plan_minutes, hold["captured_cents"] if hold is not None else 0)
    # A call that never connected releases its hold; one that did captures it, if only for 0 cents.
    batch.resolve(open_hold, captured, "captured" if call.seconds > 0 else "released")
    return SettledCall(call.call_id, cost, plan_minutes, captured)


async def _write(driver: asyncpg.Connection, batch: _Batch, allowances: dict[int, _Allowance], now: datetime) -> None:
    if batch.usage:
        await driver.execute(_INSERT_USAGE, *(list(column) for column in zip(*batch.usage, strict=True)))
    if batch.paid:
        await driver.execute(_PAY_RECORDED_USAGE, *(list(column) for column in zip(*batch.paid, strict=True)))
    moved = [allowance for allowance in allowances.values() if allowance.changed]
    if moved:
        await driver.execute(_MOVE_MINUTES, [a.row["id"] for a in moved], [a.single_used for a in moved],
                             [a.single_reserved for a in moved], [a.bulk_used for a in moved],
                             [a.bulk_reserved for a in moved])
    if batch.resolved:
        call_ids, statuses, captured = (list(column) for column in zip(*batch.resolved, strict=True))
        await driver.execute(_RESOLVE_HOLDS, call_ids, statuses, captured, now)
    if batch.transfers:
        legs = [(transfer.key, *leg) for transfer in batch.transfers for leg in transfer.legs]
        deltas: dict[int, int] = defaultdict(int)
        for transfer in batch.transfers:
            for account_id, amount, balance_after in transfer.legs:
                if balance_after is not None:
                    deltas[account_id] += amount
        posted = await driver.fetch(
            _POST_TRANSFERS, [t.key for t in batch.transfers], [t.kind for t in batch.transfers],
            [t.customer_id for t in batch.transfers], [t.amount_cents for t in batch.transfers],
            [t.call_id for t in batch.transfers], *(list(column) for column in zip(*legs, strict=True)),
            list(deltas), list(deltas.values()))
        batch.posted = {row["idempotency_key"]: row for row in posted}
        counts: dict[str, int] = defaultdict(int)
        cents: dict[str, int] = defaultdict(int)
        for transfer in batch.transfers:
            counts[transfer.kind] += 1
            cents[transfer.kind] += transfer.amount_cents
        # Counted once per kind, not per transfer: the label lookups showed in the wallet's profile.
        for kind, count in counts.items():
            metrics.transfers_total.labels(kind).inc(count)
            metrics.transferred_cents_total.labels(kind).inc(cents[kind])


async def _announce_captures(uow: UnitOfWork, events: WalletEvents, batch: _Batch,
                             accounts: dict[str, Any]) -> None:
    """A capture is announced as a debit of the call's cost, as CaptureHold announces it."""
    for transfer in batch.transfers:
        if transfer.kind != "capture":
            continue
        row = batch.posted[transfer.key]
        account = accounts[transfer.customer_id]
        balance = batch.balances[transfer.customer_id]
        await events.debited(uow, PostedTransfer(
            id=row["id"], kind="capture", customer_id=transfer.customer_id, amount_cents=transfer.amount_cents,
            balance_effect_cents=0, balance_after_cents=balance, cause_type="call", cause_id=transfer.call_id,
            memo="", created_at=row["created_at"],
            account=AccountState(balance, 0, account["in_debt"], account["debt_cents"])))
