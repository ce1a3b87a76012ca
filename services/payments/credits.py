"""Delivering what is owed to the wallet: each credit row is sent as `Wallet.Credit` with its own
key until the wallet takes it, then the plan it pays for is bought. Nothing is lost while the
wallet is down: the row waits, and DynoPay's short retry horizon is never relied on."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

import grpc
from sqlalchemy import select, update

from services.payments import metrics
from services.payments.tables import wallet_credits
from services.runtime.background import keep_passing
from services.runtime.database import Database, UnitOfWork
from services.runtime.grpc_client import refusal_reason
from services.runtime.tracing import trace_id_of, traced
from speechcue.common.v1 import common_pb2
from speechcue.wallet.v1 import wallet_pb2, wallet_pb2_grpc

log = logging.getLogger(__name__)


class CreditDelivery:
    def __init__(self, database: Database, wallet: wallet_pb2_grpc.WalletServiceStub,
                 clock: Callable[[], datetime], *, poll_seconds: float = 2.0) -> None:
        self.database = database
        self.wallet = wallet
        self.clock = clock
        self._poll_seconds = poll_seconds
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def run_forever(self) -> None:
        async def one_pass() -> bool:
            await self.deliver_pending()
            return False

        await keep_passing(one_pass, self._wake, poll_seconds=self._poll_seconds,
                           on_failure=lambda error: log.error("credit delivery pass failed", exc_info=error))

    async def deliver_pending(self) -> tuple[int, int]:
        """Returns (tried, delivered)."""
        async with self.database.unit_of_work() as uow:
            keys = (await uow.connection.execute(select(wallet_credits.c.key).where(
                wallet_credits.c.status == "pending").order_by(wallet_credits.c.created_at).limit(100))).scalars().all()
        delivered = 0
        for key in keys:
            delivered += await self.deliver(key)
        return len(keys), delivered

    async def deliver(self, key: str) -> int:
        async with self.database.unit_of_work() as uow:
            credit = (await uow.connection.execute(
                select(wallet_credits).where(wallet_credits.c.key == key, wallet_credits.c.status == "pending")
                .with_for_update(skip_locked=True))).first()
            if credit is None:
                return 0
            # Under the top-up's own trace (its invoice id: services/runtime/tracing.py), with its webhook.
            with traced(trace_id_of(credit.invoice_id)):
                return await self._deliver(uow, key, credit)

    async def _deliver(self, uow: UnitOfWork, key: str, credit: Any) -> int:
        note = ""
        try:
            await self.wallet.Credit(wallet_pb2.CreditRequest(
                idempotency_key=credit.key, customer_id=credit.customer_id, amount_cents=credit.amount_cents,
                cause=common_pb2.Cause(type=common_pb2.CAUSE_TYPE_PAYMENT, id=credit.invoice_id),
                memo="crypto top-up"), timeout=10)
            if credit.plan_code:
                note = await self._buy_plan(credit.key, credit.customer_id, credit.plan_code)
        except grpc.aio.AioRpcError as error:
            await uow.connection.execute(update(wallet_credits).where(wallet_credits.c.key == key).values(
                attempts=credit.attempts + 1, last_error=f"{error.code().name}: {error.details()}"[:300]))
            await uow.commit()
            return 0
        await uow.connection.execute(update(wallet_credits).where(wallet_credits.c.key == key).values(
            status="delivered", delivered_at=self.clock(), attempts=credit.attempts + 1, last_error=note))
        metrics.credited_cents_total.inc(credit.amount_cents)
        await uow.commit()
        return 1

    async def _buy_plan(self, key: str, customer_id: str, plan_code: str) -> str:
        try:
            await self.wallet.BuySubscription(wallet_pb2.BuySubscriptionRequest(
                idempotency_key=f"plan:{key}", customer_id=customer_id, plan_code=plan_code), timeout=10)
        except grpc.aio.AioRpcError as error:
            if error.code() != grpc.StatusCode.FAILED_PRECONDITION:
                raise
            # The money stays in the wallet; the customer can buy the plan from there.
            return f"plan not bought: {refusal_reason(error) or error.details()}"
        return ""
