"""A payment that does not match its invoice (another amount, more than asked, another coin) is
credited as DynoPay reports it and flagged for an admin; one whose dollar value is unknown is held."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from prometheus_client import REGISTRY

from speechcue.payments.v1 import payments_pb2
from tests.payments.conftest import PaymentsHarness
from tests.payments.signed_webhooks import post_signed_webhook, wait_until_credited


def flags_counted(kind: str, action: str) -> float:
    return REGISTRY.get_sample_value("speechcue_payment_flags_total", {"kind": kind, "action": action}) or 0.0


async def flags(payments: PaymentsHarness, payment_id: str) -> list[tuple[Any, ...]]:
    rows = await payments.scalar(
        "SELECT coalesce(json_agg(json_build_array(kind, action, invoice_cents, reported_base_cents, "
        "received_cents) ORDER BY kind), '[]')::text FROM payment_flags WHERE payment_id = $1", payment_id)
    return [tuple(row) for row in json.loads(rows)]


async def test_a_payment_for_another_amount_is_credited_as_reported_and_flagged(payments: PaymentsHarness) -> None:
    before = flags_counted("amount", "credited")
    customer = await payments.wallet.open()
    invoice = await payments.top_up(customer, 2000, key="mismatch-amount")
    payment_id = await payments.payment_id(invoice.id)
    payments.dynopay.payments[payment_id].base_amount = Decimal("15.005")  # DynoPay holds another amount
    await payments.pay(invoice)
    await wait_until_credited(payments, customer, 1500)
    got = await payments.stub.GetInvoice(payments_pb2.GetInvoiceRequest(customer_id=customer, invoice_id=invoice.id))
    assert got.status == payments_pb2.INVOICE_STATUS_CONFIRMED and got.credited_cents == 1500
    assert await flags(payments, payment_id) == [("amount", "credited", 2000, 1500, 1500)]
    assert flags_counted("amount", "credited") == before + 1
    # The same news again flags nothing more.
    body = {"event": "payment.confirmed", "payment_id": payment_id, "status": "confirmed"}
    assert (await post_signed_webhook(payments, body)).json() == {"status": "duplicate"}
    assert await flags(payments, payment_id) == [("amount", "credited", 2000, 1500, 1500)]
    assert flags_counted("amount", "credited") == before + 1


async def test_more_than_asked_is_credited_whole_and_flagged(payments: PaymentsHarness) -> None:
    customer = await payments.wallet.open()
    invoice = await payments.top_up(customer, 2000, key="mismatch-over")
    await payments.pay(invoice, usd="35")
    await wait_until_credited(payments, customer, 3500)
    assert await flags(payments, await payments.payment_id(invoice.id)) == [("overpaid", "credited", 2000, 2000,
                                                                            3500)]


async def test_a_payment_in_another_coin_is_credited_at_dynopays_dollar_value_and_flagged(
    payments: PaymentsHarness,
) -> None:
    customer = await payments.wallet.open()
    invoice = await payments.top_up(customer, 2000, key="mismatch-coin")
    payment_id = await payments.payment_id(invoice.id)
    payments.dynopay.payments[payment_id].currency = "ETH"
    await payments.pay(invoice)
    await wait_until_credited(payments, customer, 2000)
    assert await flags(payments, payment_id) == [("currency", "credited", 2000, 2000, 2000)]


async def test_a_payment_in_another_coin_without_a_dollar_value_is_held_and_flagged(
    payments: PaymentsHarness, monkeypatch: Any,
) -> None:
    before = flags_counted("currency", "held")
    customer = await payments.wallet.open()
    invoice = await payments.top_up(customer, 2000, key="mismatch-held")
    payment_id = await payments.payment_id(invoice.id)
    simulated = payments.dynopay.payments[payment_id]
    simulated.currency = "ETH"
    as_json = type(simulated).as_json

    def without_dollar_value(payment: Any) -> dict[str, Any]:
        shown = as_json(payment)
        if payment.payment_id == payment_id:
            del shown["received_base_amount"]
        return shown

    monkeypatch.setattr(type(simulated), "as_json", without_dollar_value)
    simulated.status, simulated.received_base = "confirmed", simulated.base_amount
    body = {"event": "payment.confirmed", "payment_id": payment_id, "status": "confirmed"}
    assert (await post_signed_webhook(payments, body)).json() == {"status": "held"}
    assert await flags(payments, payment_id) == [("currency", "held", 2000, 2000, 2000)]
    assert flags_counted("currency", "held") == before + 1
    assert await payments.scalar("SELECT count(*) FROM wallet_credits WHERE invoice_id = $1", invoice.id) == 0
    got = await payments.stub.GetInvoice(payments_pb2.GetInvoiceRequest(customer_id=customer, invoice_id=invoice.id))
    assert got.status == payments_pb2.INVOICE_STATUS_PENDING and got.credited_cents == 0
    assert (await payments.wallet.balance(customer)).available_cents == 0
