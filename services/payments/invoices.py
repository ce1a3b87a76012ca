"""Invoices and what a provider payment's status means for them: the status moves forward only,
and every cent received is owed to the wallet exactly once (a credit row keyed by the payment and
the amount received so far, written in the same transaction as the status). A payment that does not
match its invoice is credited as DynoPay reports it, or held, and flagged for an admin
(`payment_mismatch.py`, `payment_flags.py`)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert

from services.payments.dynopay_client import ProviderPayment
from services.payments.events import TOPUP_CONFIRMED, TOPUP_EXPIRED, TOPUP_UNDERPAID, announce
from services.payments.payment_flags import flag_payment
from services.payments.payment_mismatch import check_payment
from services.payments.tables import invoices, wallet_credits
from services.runtime.database import UnitOfWork
from services.runtime.outbox import OutboxRelay


class InvoiceStatus(StrEnum):
    PENDING = "pending"
    UNDERPAID = "underpaid"
    CONFIRMED = "confirmed"
    EXPIRED = "expired"


# What the payments tick re-checks with DynoPay.
OPEN = (InvoiceStatus.PENDING, InvoiceStatus.UNDERPAID)


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
    check = check_payment(invoice_coin=invoice.coin, invoice_cents=invoice.usd_cents, payment=payment)
    if check.mismatches:
        await flag_payment(uow, invoice, payment, check, now)
    if check.hold:
        # Its dollar value is unknown: nothing is credited and the invoice stays open until an admin acts.
        return "held"
    received = max(invoice.received_cents, payment.received_cents)
    status = invoice.status
    if payment.status in ("confirmed", "settled"):
        status = InvoiceStatus.CONFIRMED
    elif payment.status == "underpaid" and invoice.status == InvoiceStatus.PENDING:
        status = InvoiceStatus.UNDERPAID
    elif payment.status in ("expired", "failed") and invoice.status in OPEN:
        status = InvoiceStatus.EXPIRED
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
            plan_code=invoice.plan_code if status == InvoiceStatus.CONFIRMED else "",
        ).on_conflict_do_nothing(index_elements=["key"]))
    if status != invoice.status:
        subject = {InvoiceStatus.CONFIRMED: TOPUP_CONFIRMED, InvoiceStatus.UNDERPAID: TOPUP_UNDERPAID,
                   InvoiceStatus.EXPIRED: TOPUP_EXPIRED}[InvoiceStatus(status)]
        await announce(uow, relay, subject, updated)
    return status
