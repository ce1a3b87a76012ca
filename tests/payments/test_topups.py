"""Crypto top-ups credit the wallet exactly once, only when really paid, and nothing is lost when
the wallet is down."""

from __future__ import annotations

import asyncio
import json
import time

import grpc
import httpx

from services.payments.dynopay_signature import sign
from services.runtime.service_main import start_service
from speechcue.common.v1 import common_pb2
from speechcue.payments.v1 import payments_pb2
from speechcue.wallet.v1 import wallet_pb2
from tests.event_reader import read_events
from tests.payments.conftest import SECRET, PaymentsHarness


async def post_webhook(harness: PaymentsHarness, body: dict[str, object], *, secret: str = SECRET,
                       timestamp: int | None = None) -> httpx.Response:
    raw = json.dumps(body).encode()
    headers = {"X-Dynopay-Signature-V2": sign(raw, secret, timestamp or int(time.time()))}
    async with httpx.AsyncClient() as client:
        return await client.post(f"{harness.settings.speechcue_public_base_url}/webhooks/dynopay", content=raw,
                                 headers=headers)


async def credited(harness: PaymentsHarness, customer: str, cents: int) -> None:
    async def reached() -> bool:
        try:
            return (await harness.wallet.balance(customer)).available_cents >= cents
        except grpc.aio.AioRpcError as error:  # a restarted wallet: the channel reconnects
            if error.code() != grpc.StatusCode.UNAVAILABLE:
                raise
            return False
    await harness.wait_for(reached)


async def test_paid_invoice_is_credited_once_even_when_the_webhook_is_replayed_ten_times(
    payments: PaymentsHarness,
) -> None:
    customer = await payments.wallet.open()
    coins = await payments.stub.ListCoins(payments_pb2.ListCoinsRequest())
    assert "BTC" in {coin.code for coin in coins.coins}
    invoice = await payments.top_up(customer, 2500)
    assert invoice.status == payments_pb2.INVOICE_STATUS_PENDING and invoice.address and invoice.crypto_amount
    assert invoice.qr_png.startswith(b"\x89PNG")
    await payments.pay(invoice)
    await credited(payments, customer, 2500)
    payment_id = await payments.payment_id(invoice.id)
    body = {"event": "payment.confirmed", "payment_id": payment_id, "status": "confirmed", "base_amount": "25.00"}
    answers = await asyncio.gather(*(post_webhook(payments, body) for _ in range(10)))
    assert all(answer.status_code == 200 for answer in answers)
    await asyncio.sleep(0.5)
    assert (await payments.wallet.balance(customer)).available_cents == 2500
    transfers = await payments.wallet.stub.ListTransactions(wallet_pb2.ListTransactionsRequest(customer_id=customer))
    assert [t.kind for t in transfers.transfers] == [wallet_pb2.TRANSFER_KIND_TOPUP]
    got = await payments.stub.GetInvoice(payments_pb2.GetInvoiceRequest(customer_id=customer, invoice_id=invoice.id))
    assert got.status == payments_pb2.INVOICE_STATUS_CONFIRMED and got.credited_cents == 2500
    await payments.running.context.relay.publish_pending()
    kinds = [event.type for event in await read_events(payments.wallet.nats_url, "PAYMENTS", "payments.>")]
    assert kinds == ["payments.topup.created", "payments.topup.confirmed"]


async def test_forged_or_stale_signatures_are_refused_and_nothing_is_recorded(payments: PaymentsHarness) -> None:
    customer = await payments.wallet.open()
    invoice = await payments.top_up(customer, 1000)
    payment_id = await payments.payment_id(invoice.id)
    body = {"event": "payment.confirmed", "payment_id": payment_id, "status": "confirmed"}
    assert (await post_webhook(payments, body, secret="forged")).status_code == 401
    assert (await post_webhook(payments, body, timestamp=int(time.time()) - 3600)).status_code == 401
    async with httpx.AsyncClient() as client:
        unsigned = await client.post(f"{payments.settings.speechcue_public_base_url}/webhooks/dynopay",
                                     content=json.dumps(body).encode())
    assert unsigned.status_code == 401
    assert await payments.scalar("SELECT count(*) FROM webhook_receipts") == 0
    # Signed, but DynoPay's own status API says it is still pending: nothing moves.
    assert (await post_webhook(payments, body)).json() == {"status": "unchanged"}
    await asyncio.sleep(0.3)
    assert (await payments.wallet.balance(customer)).available_cents == 0


async def test_underpaid_invoice_credits_what_arrived_and_the_rest_later(payments: PaymentsHarness) -> None:
    customer = await payments.wallet.open()
    invoice = await payments.top_up(customer, 2000)
    await payments.pay(invoice, usd="12.345")
    await credited(payments, customer, 1234)
    got = await payments.stub.GetInvoice(payments_pb2.GetInvoiceRequest(customer_id=customer, invoice_id=invoice.id))
    assert got.status == payments_pb2.INVOICE_STATUS_UNDERPAID and got.credited_cents == 1234
    await payments.pay(invoice, usd="7.655")
    await credited(payments, customer, 2000)
    await asyncio.sleep(0.3)
    assert (await payments.wallet.balance(customer)).available_cents == 2000
    await payments.running.context.relay.publish_pending()
    underpaid = await read_events(payments.wallet.nats_url, "PAYMENTS", "payments.topup.underpaid")
    assert len(underpaid) == 1


async def test_wallet_down_when_the_confirmation_arrives_is_credited_once_it_returns(
    payments: PaymentsHarness,
) -> None:
    customer = await payments.wallet.open()
    invoice = await payments.top_up(customer, 1500)
    await payments.wallet.running.stop()
    await payments.pay(invoice)
    await payments.wait_for(lambda: _pending_credit_attempted(payments))
    restarted = await start_service(payments.wallet.settings, "wallet", _wallet_builder(payments))
    try:
        await credited(payments, customer, 1500)
        await asyncio.sleep(0.3)
        assert (await payments.wallet.balance(customer)).available_cents == 1500
    finally:
        payments.wallet.running = restarted


async def _pending_credit_attempted(payments: PaymentsHarness) -> bool:
    return bool(await payments.scalar("SELECT count(*) FROM wallet_credits WHERE attempts > 0 AND status = 'pending'"))


def _wallet_builder(payments: PaymentsHarness) -> object:
    from services.runtime.service_main import GrpcService, ServiceParts
    from services.wallet.access import WALLET_ACCESS
    from services.wallet.events import WalletEvents
    from services.wallet.servicer import WalletServicer
    from speechcue.wallet.v1 import wallet_pb2_grpc

    def build(context: object) -> ServiceParts:
        events = WalletEvents(context.relay, 200)  # type: ignore[attr-defined]
        servicer = WalletServicer(context.database, events, payments.wallet.settings)  # type: ignore[attr-defined]
        return ServiceParts(grpc_services=[GrpcService(
            wallet_pb2_grpc.add_WalletServiceServicer_to_server, servicer,
            wallet_pb2.DESCRIPTOR.services_by_name["WalletService"].full_name, WALLET_ACCESS)])

    return build


async def test_a_plan_bought_with_crypto_is_active_with_zero_net_effect_on_balance(payments: PaymentsHarness) -> None:
    customer = await payments.wallet.open()
    invoice = await payments.top_up(customer, 0, plan_code="elite_7d")
    assert invoice.usd_cents == 2500 and invoice.plan_code == "elite_7d"
    await payments.pay(invoice)

    async def plan_active() -> bool:
        subscription = await payments.wallet.stub.GetSubscription(wallet_pb2.GetSubscriptionRequest(
            customer_id=customer))
        return subscription.status == wallet_pb2.SUBSCRIPTION_STATUS_ACTIVE

    await payments.wait_for(plan_active)
    subscription = await payments.wallet.stub.GetSubscription(wallet_pb2.GetSubscriptionRequest(customer_id=customer))
    assert subscription.plan.code == "elite_7d" and subscription.bulk_minutes_left == 300
    assert (await payments.wallet.balance(customer)).available_cents == 0
    assert (await payments.wallet.ledger()).ok


async def test_unknown_payment_is_recorded_and_never_credited(payments: PaymentsHarness) -> None:
    answer = await post_webhook(payments, {"event": "payment.confirmed", "payment_id": "dp_nobody",
                                           "status": "confirmed", "base_amount": "99"})
    assert answer.status_code == 200 and answer.json()["status"] == "unknown_payment"
    assert await payments.scalar("SELECT count(*) FROM wallet_credits") == 0
    malformed = await post_webhook(payments, {"no": "payment"})
    assert malformed.status_code == 400


async def test_amount_limits_and_unknown_coins_are_refused(payments: PaymentsHarness) -> None:
    import pytest

    customer = await payments.wallet.open()
    for cents, coin in ((100, "BTC"), (10**9, "BTC"), (1000, "DOGE")):
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await payments.stub.CreateTopUp(payments_pb2.CreateTopUpRequest(
                idempotency_key=f"bad-{cents}-{coin}", customer_id=customer, coin=coin, usd_cents=cents))
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_expired_invoice_is_closed_by_the_tick_and_a_customer_mismatch_is_never_credited(
    payments: PaymentsHarness,
) -> None:
    customer = await payments.wallet.open()
    invoice = await payments.top_up(customer, 1000)
    payment_id = await payments.payment_id(invoice.id)
    payments.dynopay.payments[payment_id].status = "expired"  # DynoPay's webhook for it never came
    result = await payments.stub.RunPaymentsTick(common_pb2.RunTickRequest(idempotency_key="tick:payments:1"))
    assert result.succeeded == 1
    got = await payments.stub.GetInvoice(payments_pb2.GetInvoiceRequest(customer_id=customer, invoice_id=invoice.id))
    assert got.status == payments_pb2.INVOICE_STATUS_EXPIRED

    other = await payments.wallet.open()
    second = await payments.top_up(other, 1000)
    simulated = payments.dynopay.payments[await payments.payment_id(second.id)]
    simulated.meta_data["customer"] = customer  # the provider's record names someone else
    await payments.pay(second)
    await asyncio.sleep(0.5)
    assert (await payments.wallet.balance(other)).available_cents == 0
    assert (await payments.wallet.balance(customer)).available_cents == 0
    outcomes = await payments.scalar("SELECT string_agg(outcome, ',') FROM webhook_receipts")
    assert "customer_mismatch" in outcomes
