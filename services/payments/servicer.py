"""speechcue.payments.v1.PaymentsService."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from sqlalchemy import select, tuple_

from services.payments import metrics
from services.payments.amounts import cents_to_usd
from services.payments.credits import CreditDelivery
from services.payments.dynopay_client import DynoPayClient
from services.payments.events import TOPUP_CREATED, announce
from services.payments.invoice_caps import refuse_over_invoice_caps
from services.payments.invoices import OPEN, apply_provider_status
from services.payments.qr import qr_png
from services.payments.settings import PaymentsSettings
from services.payments.tables import invoices
from services.runtime.database import Database, UnitOfWork
from services.runtime.errors import DomainError, InvalidArgument, NotFound
from services.runtime.idempotency import run_idempotent
from services.runtime.outbox import OutboxRelay
from services.runtime.paging import decode_token, encode_token, page_size
from services.runtime.ticks import run_tick
from services.runtime.tracing import trace_id_of, traced
from services.runtime.validation import require_id
from speechcue.common.v1 import common_pb2
from speechcue.payments.v1 import payments_pb2, payments_pb2_grpc
from speechcue.wallet.v1 import wallet_pb2, wallet_pb2_grpc

STATUSES = {"pending": payments_pb2.INVOICE_STATUS_PENDING, "underpaid": payments_pb2.INVOICE_STATUS_UNDERPAID,
            "confirmed": payments_pb2.INVOICE_STATUS_CONFIRMED, "expired": payments_pb2.INVOICE_STATUS_EXPIRED}
COIN_CACHE_SECONDS = 600.0
INVOICE_LIFETIME = timedelta(minutes=30)
# Open invoices read per page by the payments tick, which pages until none is left: a bounded read
# per query, and every open invoice re-checked on every run however many there are.
OPEN_INVOICES_PAGE = 200


def _stamp(moment: datetime | None) -> Timestamp | None:
    if moment is None:
        return None
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


def invoice_message(row: Any) -> payments_pb2.Invoice:
    return payments_pb2.Invoice(
        id=row.id, customer_id=row.customer_id, coin=row.coin, usd_cents=row.usd_cents,
        crypto_amount=row.crypto_amount, address=row.address, expires_at=_stamp(row.expires_at),
        status=STATUSES.get(row.status, payments_pb2.INVOICE_STATUS_UNSPECIFIED), credited_cents=row.received_cents,
        qr_png=bytes(row.qr_png), plan_code=row.plan_code, created_at=_stamp(row.created_at),
        payment_url=row.payment_url)


class PaymentsServicer(payments_pb2_grpc.PaymentsServiceServicer):
    def __init__(self, database: Database, dynopay: DynoPayClient, wallet: wallet_pb2_grpc.WalletServiceStub,
                 relay: OutboxRelay | None, credits: CreditDelivery, settings: PaymentsSettings,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.database = database
        self.dynopay = dynopay
        self.wallet = wallet
        self.relay = relay
        self.credits = credits
        self.settings = settings
        self.clock = clock
        self._coins: tuple[float, list[tuple[str, str]]] = (0.0, [])

    async def _coin_list(self) -> list[tuple[str, str]]:
        fetched_at, coins = self._coins
        if not coins or time.monotonic() - fetched_at > COIN_CACHE_SECONDS:
            coins = await self.dynopay.currencies()
            self._coins = (time.monotonic(), coins)
        return coins

    async def ListCoins(self, request: payments_pb2.ListCoinsRequest,
                        context: grpc.aio.ServicerContext) -> payments_pb2.ListCoinsResponse:
        return payments_pb2.ListCoinsResponse(
            coins=[payments_pb2.Coin(code=code, name=name) for code, name in await self._coin_list()],
            min_usd_cents=self.settings.payments_min_usd_cents, max_usd_cents=self.settings.payments_max_usd_cents)

    async def CreateTopUp(self, request: payments_pb2.CreateTopUpRequest,
                          context: grpc.aio.ServicerContext) -> payments_pb2.Invoice:
        customer_id = require_id("customer_id", request.customer_id)
        coin = require_id("coin", request.coin, max_length=20)
        if coin not in {code for code, _ in await self._coin_list()}:
            raise InvalidArgument(f"{coin} is not a supported coin; list the coins to choose", reason="BAD_COIN")
        usd_cents = request.usd_cents
        if request.plan_code:
            plans = await self.wallet.ListPlans(wallet_pb2.ListPlansRequest(), timeout=10)
            plan = next((p for p in plans.plans if p.code == request.plan_code and p.price_cents > 0), None)
            if plan is None:
                raise NotFound("no such plan for sale", reason="PLAN_NOT_FOUND")
            usd_cents = plan.price_cents
        low, high = self.settings.payments_min_usd_cents, self.settings.payments_max_usd_cents
        if not low <= usd_cents <= high:
            raise InvalidArgument(f"a top-up is between ${cents_to_usd(low)} and ${cents_to_usd(high)}",
                                  reason="AMOUNT_OUT_OF_RANGE")

        async def work(uow: UnitOfWork) -> payments_pb2.Invoice:
            await refuse_over_invoice_caps(uow, customer_id, self.settings, self.clock())
            invoice_id = str(uuid.uuid4())
            payment = await self.dynopay.create_payment(
                usd=cents_to_usd(usd_cents), currency=coin, webhook_url=self.settings.webhook_url,
                meta_data={"customer": customer_id, "invoice": invoice_id})
            now = self.clock()
            row = (await uow.connection.execute(invoices.insert().values(
                id=invoice_id, customer_id=customer_id, provider_payment_id=payment.payment_id, coin=coin,
                usd_cents=usd_cents, crypto_amount=payment.crypto_amount, address=payment.address,
                payment_url=payment.checkout_url, qr_png=qr_png(payment.address) if payment.address else b"",
                plan_code=request.plan_code, status="pending", expires_at=now + INVOICE_LIFETIME, created_at=now,
            ).returning(*invoices.c))).one()
            await announce(uow, self.relay, TOPUP_CREATED, row)
            metrics.topups_total.inc()
            return invoice_message(row)

        return await run_idempotent(self.database, request.idempotency_key, request, payments_pb2.Invoice, work)

    async def GetInvoice(self, request: payments_pb2.GetInvoiceRequest,
                         context: grpc.aio.ServicerContext) -> payments_pb2.Invoice:
        async with self.database.unit_of_work() as uow:
            row = (await uow.connection.execute(select(invoices).where(
                invoices.c.id == require_id("invoice_id", request.invoice_id),
                invoices.c.customer_id == require_id("customer_id", request.customer_id)))).first()
        if row is None:
            raise NotFound("no such invoice for this customer", reason="INVOICE_NOT_FOUND")
        return invoice_message(row)

    async def ListInvoices(self, request: payments_pb2.ListInvoicesRequest,
                           context: grpc.aio.ServicerContext) -> payments_pb2.ListInvoicesResponse:
        customer_id = require_id("customer_id", request.customer_id)
        size = page_size(request.page.page_size)
        position = decode_token(request.page.page_token, int)
        offset = position[0] if position else 0
        async with self.database.unit_of_work() as uow:
            rows = (await uow.connection.execute(select(invoices).where(invoices.c.customer_id == customer_id)
                    .order_by(invoices.c.created_at.desc(), invoices.c.id).offset(offset).limit(size + 1))).all()
        return payments_pb2.ListInvoicesResponse(
            invoices=[invoice_message(row) for row in rows[:size]],
            next_page_token=encode_token(offset + size) if len(rows) > size else "")

    async def RunPaymentsTick(self, request: common_pb2.RunTickRequest,
                              context: grpc.aio.ServicerContext) -> common_pb2.TickResult:
        async def work(uow: UnitOfWork) -> common_pb2.TickResult:
            checked, changed = await self.recheck_open_invoices()
            tried, delivered = await self.credits.deliver_pending()
            return common_pb2.TickResult(name="payments", processed=checked + tried, succeeded=changed + delivered,
                                           failed=tried - delivered)

        return await run_tick(self.database, "payments", request.idempotency_key, request, common_pb2.TickResult,
                              work)

    async def recheck_open_invoices(self) -> tuple[int, int]:
        """Asks DynoPay about every open invoice, oldest first, a page at a time. Returns (checked, changed)."""
        checked = changed = 0
        after: tuple[datetime, str] | None = None
        while True:
            page = await self._open_invoices_after(after)
            for invoice_id, payment_id, _ in page:
                with traced(trace_id_of(invoice_id)):  # each top-up under its own trace, as its webhooks
                    changed += await self._recheck(invoice_id, payment_id)
            checked += len(page)
            if len(page) < OPEN_INVOICES_PAGE:
                return checked, changed
            # Keyset paging by (created_at, id): an invoice closed meanwhile does not shift the pages.
            after = (page[-1].created_at, page[-1].id)

    async def _open_invoices_after(self, after: tuple[datetime, str] | None) -> list[Any]:
        query = select(invoices.c.id, invoices.c.provider_payment_id, invoices.c.created_at).where(
            invoices.c.status.in_(OPEN))
        if after is not None:
            query = query.where(tuple_(invoices.c.created_at, invoices.c.id) > tuple_(*after))
        async with self.database.unit_of_work() as uow:
            return list((await uow.connection.execute(
                query.order_by(invoices.c.created_at, invoices.c.id).limit(OPEN_INVOICES_PAGE))).all())

    async def _recheck(self, invoice_id: str, payment_id: str) -> int:
        """1 when the invoice changed."""
        try:
            payment = await self.dynopay.payment_status(payment_id)
        except DomainError:
            return 0  # asked again on the next run
        async with self.database.unit_of_work() as uow:
            row = (await uow.connection.execute(select(invoices).where(invoices.c.id == invoice_id)
                                                .with_for_update())).one()
            outcome = await apply_provider_status(uow, self.relay, row, payment, self.clock())
            uow.after_commit(self.credits.wake)
            await uow.commit()
        return int(outcome not in ("unchanged", "customer_mismatch", "held"))
