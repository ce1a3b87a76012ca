"""Telling an admin about a payment that does not match its invoice (`payment_mismatch.py` decides
which): a row in `payment_flags` per (payment, kind), written in the transaction that credits or
holds the money, so a replayed webhook or the next tick adds nothing; on commit, the counter
`speechcue_payment_flags_total{kind,action}` (an operator can alert on it) and one warning log line
naming the invoice and the payment. Admins read the unresolved rows (`resolved_at IS NULL`)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy.dialects.postgresql import insert

from services.payments import metrics
from services.payments.dynopay_client import ProviderPayment
from services.payments.payment_mismatch import MismatchKind, PaymentCheck
from services.payments.tables import payment_flags
from services.runtime.database import UnitOfWork

log = logging.getLogger(__name__)


async def flag_payment(uow: UnitOfWork, invoice: Any, payment: ProviderPayment, check: PaymentCheck,
                       now: datetime) -> None:
    """Records each mismatch not recorded before; counts and logs the new ones once committed."""
    new: list[MismatchKind] = []
    for kind in check.mismatches:
        inserted = (await uow.connection.execute(insert(payment_flags).values(
            payment_id=payment.payment_id, kind=kind, invoice_id=invoice.id, customer_id=invoice.customer_id,
            invoice_coin=invoice.coin, payment_currency=payment.currency, invoice_cents=invoice.usd_cents,
            reported_base_cents=payment.base_cents, received_cents=payment.received_cents, action=check.action,
            flagged_at=now,
        ).on_conflict_do_nothing().returning(payment_flags.c.kind))).first()
        if inserted is not None:
            new.append(kind)
    if not new:
        return

    def announce() -> None:
        for kind in new:
            metrics.payment_flags_total.labels(kind, check.action).inc()
        log.warning(
            "payment %s does not match invoice %s (%s): invoice %s %d cents, DynoPay %s base %d received %d "
            "cents; %s, flagged for an admin", payment.payment_id, invoice.id, ", ".join(new), invoice.coin,
            invoice.usd_cents, payment.currency or "?", payment.base_cents, payment.received_cents, check.action)

    uow.after_commit(announce)
