"""The payments service's events (stream PAYMENTS)."""

from __future__ import annotations

from typing import Any

from services.runtime.database import UnitOfWork
from services.runtime.outbox import OutboxRelay, stage_event
from speechcue.events.v1 import payments_events_pb2

TOPUP_CREATED = "payments.topup.created"
TOPUP_CONFIRMED = "payments.topup.confirmed"
TOPUP_UNDERPAID = "payments.topup.underpaid"
TOPUP_EXPIRED = "payments.topup.expired"


async def announce(uow: UnitOfWork, relay: OutboxRelay | None, subject: str, invoice: Any) -> None:
    change = payments_events_pb2.TopUpChanged(
        invoice_id=invoice.id, coin=invoice.coin, usd_cents=invoice.usd_cents,
        credited_cents=invoice.received_cents, missing_cents=max(invoice.usd_cents - invoice.received_cents, 0),
        plan_code=invoice.plan_code)
    if invoice.expires_at is not None:
        change.expires_at.FromDatetime(invoice.expires_at)
    await stage_event(uow, relay, subject, invoice.customer_id, change)
