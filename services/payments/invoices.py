"""Invoices and what a provider payment's status means for them: the status moves forward only,
and every cent received is owed to the wallet exactly once (a credit row keyed by the payment and
the amount received so far, written in the same transaction as the status)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert

from services.payments.dynopay_client import ProviderPayment
from services.payments.events import TOPUP_CONFIRMED, TOPUP_EXPIRED, TOPUP_UNDERPAID, announce
from services.payments.tables import invoices, wallet_credits
from services.runtime.database import UnitOfWork
from services.runtime.outbox import OutboxRelay

FINAL = frozenset({"confirmed", "expired"})


def credit_key(payment_id: str, received_before: int) -> str:
    return f"dynopay:{payment_id}" if received_before == 0 else f"dynopay:{payment_id}:{received_before}"


async def invoice_for_payment(uow: UnitOfWork, payment_id: str) -> Any | None:
    return (await uow.connection.execute(
        select(invoices).where(invoices.c.provider_payment_id == payment_id).with_for_update())).first()


async def apply_provider_status(uow: UnitOfWork, relay: OutboxRelay | None, invoice: Any,
                                payment: ProviderPayment, now: datetime) -> str:
    """Brings the invoice in line with what DynoPay's status API says. Returns what changed."""
    if payment.meta_data.get("customer") not in (None, invoice.customer_id):
        return "customer_mismatch"
    received = max(invoice.received_cents, payment.received_cents)
    status = invoice.status
    if payment.status in ("confirmed", "settled"):
        status = "confirmed"
    elif payment.status == "underpaid" and invoice.status == "pending":
        status = "underpaid"
    elif payment.status in ("expired", "failed") and invoice.status in ("pending", "underpaid"):
        status = "expired"
    if status == invoice.status and received == invoice.received_cents:
        return "unchanged"
    updated = (await uow.connection.execute(update(invoices).where(invoices.c.id == invoice.id).values(
        status=status, received_cents=received, updated_at=now).returning(*invoices.c))).one()
    newly_received = received - invoice.received_cents
    if newly_received > 0:
        await uow.connection.execute(insert(wallet_credits).values(
            # Keyed by the payment (and, after a part payment, by how much had arrived before), so the
            # same news told twice adds nothing.
            key=credit_key(payment.payment_id, invoice.received_cents), invoice_id=invoice.id,
            customer_id=invoice.customer_id, amount_cents=newly_received,
            plan_code=invoice.plan_code if status == "confirmed" else "",
        ).on_conflict_do_nothing(index_elements=["key"]))
    if status != invoice.status:
        subject = {"confirmed": TOPUP_CONFIRMED, "underpaid": TOPUP_UNDERPAID, "expired": TOPUP_EXPIRED}[status]
        await announce(uow, relay, subject, updated)
    return status
