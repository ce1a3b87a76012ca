"""Debits posted in batches: concurrent `Debit` requests share one transaction (group commit).

Why: a Debit on its own is five round trips to PostgreSQL and a commit; on a small machine the
wallet spent more CPU on those round trips (socket writes, the driver, SQLAlchemy's layers) than
PostgreSQL spent on the transfer (bench/README.md). Here the requests that arrive while a batch is
being posted wait for the next one, and a batch of any size costs four round trips: `BEGIN`, one
set-based statement that claims every idempotency key and posts every transfer it claimed, one that
stores the answers, releases the keys of refused requests and inserts the events, and `COMMIT`.

Each request keeps its own outcome: a refused debit (too little money, no account) or a replay
does not disturb the others, because none of them raises inside the transaction; the statement
simply posts nothing for it. Only a database failure fails the whole batch, and then every caller
gets the error and retries with its key. A batch holds at most one debit per account and per key,
so one UPDATE moves each balance once; a second debit on the same account waits for the next batch.
Accounts are locked in `customer_id` order, so concurrent batches (here or in another replica)
cannot deadlock each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import asyncpg

from services.runtime.database import Database, UnitOfWork, retrying_deadlocks
from services.runtime.group_commit import GroupCommit
from services.runtime.idempotency import remember_answers, stored_answer
from services.wallet import metrics
from services.wallet.events import WalletEvents
from services.wallet.ledger import AccountNotFound, AccountState, InsufficientFunds, PostedTransfer, SystemAccount
from services.wallet.messages import transfer_result
from speechcue.wallet.v1 import wallet_pb2

MAX_BATCH = 64
CONCURRENT_BATCHES = 1


@dataclass(frozen=True)
class DebitOrder:
    """A validated Debit request."""

    request_key: str
    fingerprint: bytes
    transfer_key: str
    customer_id: str
    amount_cents: int
    cause_type: str
    cause_id: str
    memo: str


_POST_BATCH = f"""
WITH input AS (
  SELECT * FROM unnest($1::text[], $2::bytea[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::text[],
                       $8::text[])
    AS i(request_key, request_hash, transfer_key, customer_id, amount, cause_type, cause_id, memo)
),
claimed AS (
  INSERT INTO idempotency_keys (key, request_hash) SELECT request_key, request_hash FROM input
  ON CONFLICT (key) DO NOTHING RETURNING key
),
locked AS (
  SELECT a.id, a.customer_id FROM accounts a
  WHERE a.customer_id IN (SELECT i.customer_id FROM input i JOIN claimed c ON c.key = i.request_key)
  ORDER BY a.customer_id FOR UPDATE
),
moved AS (
  UPDATE accounts a SET balance_cents = a.balance_cents - i.amount
  FROM locked l JOIN input i ON i.customer_id = l.customer_id
  WHERE a.id = l.id AND a.balance_cents - i.amount >= 0
  RETURNING a.id AS account_id, a.balance_cents, a.in_debt, a.debt_cents, i.*
),
posted AS (
  INSERT INTO transfers (idempotency_key, kind, customer_id, amount_cents, cause_type, cause_id, memo)
  SELECT transfer_key, 'charge', customer_id, amount, cause_type, cause_id, memo FROM moved
  RETURNING id, idempotency_key, created_at
),
entries AS (
  INSERT INTO ledger_entries (transfer_id, account_id, amount_cents, balance_after_cents)
  SELECT p.id, m.account_id, -m.amount, m.balance_cents FROM posted p JOIN moved m ON m.transfer_key = p.idempotency_key
  UNION ALL
  SELECT p.id, {int(SystemAccount.REVENUE)}, m.amount, NULL FROM posted p JOIN moved m
    ON m.transfer_key = p.idempotency_key
)
SELECT i.request_key, c.key IS NOT NULL AS claimed, l.id IS NOT NULL AS account_exists,
       p.id, p.created_at, m.balance_cents, m.in_debt, m.debt_cents,
       (SELECT CAST(coalesce(sum(h.amount_cents), 0) AS bigint) FROM holds h
         WHERE p.id IS NOT NULL AND h.customer_id = i.customer_id AND h.status = 'open') AS held_cents
FROM input i
LEFT JOIN claimed c ON c.key = i.request_key
LEFT JOIN locked l ON l.customer_id = i.customer_id
LEFT JOIN moved m ON m.request_key = i.request_key
LEFT JOIN posted p ON p.idempotency_key = i.transfer_key
"""

_STORED_ANSWERS = "SELECT key, request_hash, response FROM idempotency_keys WHERE key = ANY($1::text[])"


class DebitBatches:
    """Collects Debit orders and posts them in batches; one per wallet process."""

    def __init__(self, database: Database, events: WalletEvents, *, max_batch: int = MAX_BATCH,
                 concurrent_batches: int = CONCURRENT_BATCHES) -> None:
        self._database = database
        self._events = events
        self._batches: GroupCommit[DebitOrder, wallet_pb2.TransferResult] = GroupCommit(
            "debit-batches", self._post_with_retries, max_batch=max_batch, workers=concurrent_batches,
            conflict_keys=lambda order: (("customer", order.customer_id), ("key", order.request_key)),
            on_batch=metrics.debit_batch_size.observe)

    async def debit(self, order: DebitOrder) -> wallet_pb2.TransferResult:
        """Posts the debit with the next batch and returns its own answer (or raises its own refusal)."""
        return await self._batches.submit(order)

    async def close(self) -> None:
        await self._batches.close()

    async def _post_with_retries(self, orders: list[DebitOrder]) -> list[wallet_pb2.TransferResult | Exception]:
        return await retrying_deadlocks(lambda: self._post(orders), doing="a debit batch")

    async def _post(self, orders: list[DebitOrder]) -> list[wallet_pb2.TransferResult | Exception]:
        ordered = sorted(orders, key=lambda order: order.customer_id)
        async with self._database.unit_of_work() as uow:
            rows = {row["request_key"]: row for row in await self._post_rows(uow, ordered)}
            replays = await self._stored_answers(uow, [key for key, row in rows.items() if not row["claimed"]])
            answers: list[tuple[str, wallet_pb2.TransferResult]] = []
            refused: list[str] = []
            outcomes: dict[str, wallet_pb2.TransferResult | Exception] = {}
            for order in ordered:
                row = rows[order.request_key]
                if not row["claimed"]:
                    outcomes[order.request_key] = self._replay(order, replays[order.request_key])
                elif row["id"] is None:
                    refused.append(order.request_key)
                    outcomes[order.request_key] = (
                        InsufficientFunds("the balance is too low for this; top up and try again")
                        if row["account_exists"] else AccountNotFound("this customer has no wallet; open one first"))
                else:
                    transfer = _posted_transfer(order, row)
                    await self._events.debited(uow, transfer)
                    answer = transfer_result(transfer)
                    answers.append((order.request_key, answer))
                    outcomes[order.request_key] = answer
            await remember_answers(uow, answers, forget=refused)
            await uow.commit()
        return [outcomes[order.request_key] for order in orders]

    @staticmethod
    async def _post_rows(uow: UnitOfWork, orders: list[DebitOrder]) -> list[asyncpg.Record]:
        columns = ([o.request_key for o in orders], [o.fingerprint for o in orders], [o.transfer_key for o in orders],
                   [o.customer_id for o in orders], [o.amount_cents for o in orders],
                   [o.cause_type for o in orders], [o.cause_id for o in orders], [o.memo for o in orders])
        return await (await uow.driver()).fetch(_POST_BATCH, *columns)

    @staticmethod
    async def _stored_answers(uow: UnitOfWork, keys: list[str]) -> dict[str, Any]:
        if not keys:
            return {}
        rows = await (await uow.driver()).fetch(_STORED_ANSWERS, keys)
        return {row["key"]: row for row in rows}

    @staticmethod
    def _replay(order: DebitOrder, stored: Any) -> wallet_pb2.TransferResult | Exception:
        try:
            answer = stored_answer(bytes(stored["request_hash"]), stored["response"], order.fingerprint)
        except Exception as refusal:
            return refusal
        return wallet_pb2.TransferResult.FromString(answer)


def _posted_transfer(order: DebitOrder, row: Any) -> PostedTransfer:
    return PostedTransfer(
        id=row["id"], kind="charge", customer_id=order.customer_id, amount_cents=order.amount_cents,
        balance_effect_cents=-order.amount_cents, balance_after_cents=row["balance_cents"],
        cause_type=order.cause_type, cause_id=order.cause_id, memo=order.memo, created_at=row["created_at"],
        account=AccountState(row["balance_cents"], row["held_cents"], row["in_debt"], row["debt_cents"]),
    )

