"""`POST /webhooks/dynopay`: DynoPay's payment news, trusted only after asking DynoPay.

With a secret configured, a missing, forged or stale `X-Dynopay-Signature-V2` is refused with 401
and nothing is recorded. Whatever the webhook says, the payment's status is then read from
DynoPay's API, and only that moves money. A webhook is handled once per state observed at DynoPay
(status and dollars received, as read back): de-duplicating on the status the webhook *claims* let a
premature or forged "confirmed" (observed as "pending") make the real confirmation a duplicate, and
the credit waited for the next tick. An unknown payment or a customer mismatch is recorded and never
credited.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.dialects.postgresql import insert

from services.payments import metrics
from services.payments.credits import CreditDelivery
from services.payments.dynopay_client import DynoPayClient
from services.payments.dynopay_signature import signature_is_valid
from services.payments.dynopay_webhook_schema import OPENAPI_EXTRA
from services.payments.invoices import apply_provider_status, invoice_for_payment
from services.payments.tables import webhook_receipts
from services.runtime.database import Database
from services.runtime.errors import DomainError
from services.runtime.outbox import OutboxRelay
from services.runtime.tracing import continue_trace, trace_id_of, traced
from services.runtime.webhook_json import read_storable_json

log = logging.getLogger(__name__)

# The receipt's status when DynoPay's API could not be asked (down, or the payment unknown to it).
UNOBSERVED = "unobserved"


def add_dynopay_webhook(app: FastAPI, *, database: Database, dynopay: DynoPayClient, relay: OutboxRelay | None,
                        credits: CreditDelivery, secret: str, clock: Callable[[], datetime]) -> None:
    @app.post("/webhooks/dynopay", openapi_extra=OPENAPI_EXTRA)
    async def dynopay_webhook(request: Request) -> JSONResponse:
        """Receives one DynoPay payment notification. Once its invoice is found, it is handled under the
        top-up's trace, the invoice id (services/runtime/tracing.py), as its credit to the wallet and the
        bot's message are; its line names DynoPay's payment id."""
        with traced():
            answer, payment_id = await receive(request)
            log.info("dynopay webhook answered %d: %s", answer.status_code, bytes(answer.body).decode()[:100],
                     extra={"fields": {"payment_id": payment_id}})
        return answer

    async def receive(request: Request) -> tuple[JSONResponse, str]:
        raw = await request.body()
        if secret and not signature_is_valid(raw, request.headers.get("x-dynopay-signature-v2", ""), secret,
                                             int(time.time())):
            metrics.webhooks_total.labels("bad_signature").inc()
            return JSONResponse({"error": "bad or stale signature"}, status_code=401), ""
        try:
            payload = read_storable_json(raw)
            payment_id = payload["payment_id"]
            claimed_status = str(payload.get("status") or payload.get("event", "")).removeprefix("payment.")
            if not isinstance(payment_id, str) or not 0 < len(payment_id) <= 128:
                raise ValueError("payment_id")
        except (ValueError, KeyError, TypeError, AttributeError):
            metrics.webhooks_total.labels("malformed").inc()
            return JSONResponse({"error": "malformed body"}, status_code=400), ""
        try:
            payment = await dynopay.payment_status(payment_id)
        except DomainError:
            payment = None  # recorded; the payments tick asks again
        observed_status = payment.status if payment is not None else UNOBSERVED
        observed_cents = payment.received_cents if payment is not None else 0
        receipt = ((webhook_receipts.c.payment_id == payment_id) & (webhook_receipts.c.status == observed_status)
                   & (webhook_receipts.c.received_cents == observed_cents))
        async with database.unit_of_work() as uow:
            first = (await uow.connection.execute(insert(webhook_receipts).values(
                payment_id=payment_id, status=observed_status, received_cents=observed_cents,
                claimed_status=claimed_status[:20], payload=payload, outcome="received",
            ).on_conflict_do_nothing().returning(webhook_receipts.c.payment_id))).first()
            if first is None:
                metrics.webhooks_total.labels("duplicate").inc()
                return JSONResponse({"status": "duplicate"}), payment_id
            invoice = await invoice_for_payment(uow, payment_id)
            if invoice is not None:  # from here on, under the top-up's own trace: its invoice id
                continue_trace(trace_id_of(invoice.id))
            if invoice is None:
                outcome = "unknown_payment"
            elif payment is None:
                outcome = "status_unavailable"
            else:
                outcome = await apply_provider_status(uow, relay, invoice, payment, clock())
            await uow.connection.execute(webhook_receipts.update().where(receipt).values(outcome=outcome))
            uow.after_commit(credits.wake)
            await uow.commit()
        metrics.webhooks_total.labels(outcome).inc()
        return JSONResponse({"status": outcome}), payment_id
