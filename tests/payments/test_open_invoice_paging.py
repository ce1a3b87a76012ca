"""The payments tick re-checks every open invoice, oldest first, however many there are."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg

from speechcue.common.v1 import common_pb2
from speechcue.payments.v1 import payments_pb2
from tests.payments.conftest import PaymentsHarness

OPEN_INVOICES = 1200


async def test_the_tick_reaches_all_1200_open_invoices_oldest_first(payments: PaymentsHarness) -> None:
    customer = await payments.wallet.open()
    start = datetime(2026, 12, 1, tzinfo=UTC)
    rows: list[tuple[str, str, datetime]] = []
    for number in range(OPEN_INVOICES):
        payment = payments.dynopay.create({"amount": "10.00", "currency": "BTC",
                                           "meta_data": {"customer": customer}})
        # Two invoices per second: within a second, the id orders them.
        rows.append((str(uuid.uuid4()), payment.payment_id, start + timedelta(seconds=number // 2)))
    newest = max(rows, key=lambda row: (row[2], row[0]))
    # DynoPay says the newest one was paid; the webhook never came.
    paid = payments.dynopay.payments[newest[1]]
    paid.status, paid.received_base = "confirmed", paid.base_amount
    shuffled = random.Random(15).sample(rows, len(rows))
    connection = await asyncpg.connect(payments.database_url)
    try:
        await connection.executemany(
            "INSERT INTO invoices (id, customer_id, provider_payment_id, coin, usd_cents, status, created_at) "
            "VALUES ($1, $2, $3, 'BTC', 1000, 'pending', $4)",
            [(invoice_id, customer, payment_id, created) for invoice_id, payment_id, created in shuffled])
    finally:
        await connection.close()
    payments.dynopay.status_reads.clear()

    result = await payments.stub.RunPaymentsTick(common_pb2.RunTickRequest(idempotency_key="tick:payments:paging"))

    oldest_first = [payment_id for _, payment_id, _ in sorted(rows, key=lambda row: (row[2], row[0]))]
    assert list(payments.dynopay.status_reads) == oldest_first
    assert result.processed >= OPEN_INVOICES and result.succeeded >= 1
    got = await payments.stub.GetInvoice(payments_pb2.GetInvoiceRequest(customer_id=customer, invoice_id=newest[0]))
    assert got.status == payments_pb2.INVOICE_STATUS_CONFIRMED and got.credited_cents == 1000
