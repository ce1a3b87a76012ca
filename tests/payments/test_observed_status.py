"""A webhook is de-duplicated on the payment's state observed at DynoPay, not on the status it
claims: a premature (or forged) "confirmed" cannot swallow the real confirmation."""

from __future__ import annotations

from speechcue.payments.v1 import payments_pb2
from speechcue.wallet.v1 import wallet_pb2
from tests.payments.conftest import PaymentsHarness
from tests.payments.signed_webhooks import post_signed_webhook, wait_until_credited


async def test_a_premature_confirmed_does_not_swallow_the_real_one_which_credits_at_once_and_once(
    payments: PaymentsHarness,
) -> None:
    customer = await payments.wallet.open()
    invoice = await payments.top_up(customer, 2500, key="premature-1")
    payment_id = await payments.payment_id(invoice.id)
    premature = {"event": "payment.confirmed", "payment_id": payment_id, "status": "confirmed",
                 "base_amount": "25.00", "received_base_amount": "25.00"}
    # DynoPay's API still says pending: nothing moves, and the claim is kept as a claim.
    assert (await post_signed_webhook(payments, premature)).json() == {"status": "unchanged"}
    assert (await post_signed_webhook(payments, premature)).json() == {"status": "duplicate"}

    # The customer pays; DynoPay sends its real "confirmed". No tick runs in this test: the credit
    # comes from that webhook or not at all.
    await payments.pay(invoice)
    await wait_until_credited(payments, customer, 2500)
    receipts = await payments.scalar(
        "SELECT string_agg(status || '/' || claimed_status || '/' || outcome, ',' ORDER BY received_at) "
        "FROM webhook_receipts WHERE payment_id = $1", payment_id)
    assert receipts == "pending/confirmed/unchanged,confirmed/confirmed/confirmed"

    # Replays of the same observed state take effect once.
    for _ in range(3):
        assert (await post_signed_webhook(payments, premature)).json() == {"status": "duplicate"}
    assert await payments.scalar("SELECT count(*) FROM wallet_credits WHERE invoice_id = $1", invoice.id) == 1
    await payments.wait_for(lambda: _all_delivered(payments, invoice.id))
    assert (await payments.wallet.balance(customer)).available_cents == 2500
    transfers = await payments.wallet.stub.ListTransactions(wallet_pb2.ListTransactionsRequest(customer_id=customer))
    assert [t.kind for t in transfers.transfers] == [wallet_pb2.TRANSFER_KIND_TOPUP]
    got = await payments.stub.GetInvoice(payments_pb2.GetInvoiceRequest(customer_id=customer, invoice_id=invoice.id))
    assert got.status == payments_pb2.INVOICE_STATUS_CONFIRMED


async def test_a_second_part_payment_is_not_a_duplicate_of_the_first(payments: PaymentsHarness) -> None:
    customer = await payments.wallet.open()
    invoice = await payments.top_up(customer, 3000, key="parts-1")
    await payments.pay(invoice, usd="10")
    await wait_until_credited(payments, customer, 1000)
    # Still underpaid after the second part: the same status, another amount observed.
    await payments.pay(invoice, usd="10")
    await wait_until_credited(payments, customer, 2000)
    assert (await payments.wallet.balance(customer)).available_cents == 2000


async def _all_delivered(payments: PaymentsHarness, invoice_id: str) -> bool:
    return bool(await payments.scalar(
        "SELECT bool_and(status = 'delivered') FROM wallet_credits WHERE invoice_id = $1", invoice_id))
