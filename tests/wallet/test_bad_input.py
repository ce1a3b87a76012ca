"""Bad input is refused with the right status code and changes nothing."""

from __future__ import annotations

import asyncpg
import grpc
import pytest

from services.runtime.grpc_client import refusal_reason
from speechcue.common.v1 import common_pb2
from speechcue.wallet.v1 import wallet_pb2, wallet_pb2_grpc
from tests.wallet.conftest import WalletHarness

PAYMENT = common_pb2.Cause(type=common_pb2.CAUSE_TYPE_PAYMENT, id="pay-1")
CALL = common_pb2.Cause(type=common_pb2.CAUSE_TYPE_CALL, id="call-1")


async def ledger_snapshot(wallet: WalletHarness) -> tuple[object, ...]:
    connection = await asyncpg.connect(wallet.database_url)
    try:
        return (
            await connection.fetchval("SELECT count(*) FROM transfers"),
            await connection.fetchval("SELECT count(*) FROM ledger_entries"),
            tuple(await connection.fetch("SELECT customer_id, balance_cents FROM accounts ORDER BY id")),
            await connection.fetchval("SELECT count(*) FROM holds"),
            await connection.fetchval("SELECT count(*) FROM subscriptions"),
            await connection.fetchval("SELECT count(*) FROM usage"),
            await connection.fetchval("SELECT count(*) FROM idempotency_keys WHERE response IS NOT NULL"),
        )
    finally:
        await connection.close()


BAD_REQUESTS = [
    ("zero credit", "Credit", lambda c: wallet_pb2.CreditRequest(
        idempotency_key="b1", customer_id=c, amount_cents=0, cause=PAYMENT),
     grpc.StatusCode.INVALID_ARGUMENT, "AMOUNT_OUT_OF_RANGE"),
    ("negative credit", "Credit", lambda c: wallet_pb2.CreditRequest(
        idempotency_key="b2", customer_id=c, amount_cents=-500, cause=PAYMENT),
     grpc.StatusCode.INVALID_ARGUMENT, "AMOUNT_OUT_OF_RANGE"),
    ("absurd credit", "Credit", lambda c: wallet_pb2.CreditRequest(
        idempotency_key="b3", customer_id=c, amount_cents=2**62, cause=PAYMENT),
     grpc.StatusCode.INVALID_ARGUMENT, "AMOUNT_OUT_OF_RANGE"),
    ("negative debit", "Debit", lambda c: wallet_pb2.DebitRequest(
        idempotency_key="b4", customer_id=c, amount_cents=-1, cause=CALL),
     grpc.StatusCode.INVALID_ARGUMENT, "AMOUNT_OUT_OF_RANGE"),
    ("unknown account debit", "Debit", lambda c: wallet_pb2.DebitRequest(
        idempotency_key="b5", customer_id="nobody", amount_cents=1, cause=CALL),
     grpc.StatusCode.NOT_FOUND, "ACCOUNT_NOT_FOUND"),
    ("unknown account credit", "Credit", lambda c: wallet_pb2.CreditRequest(
        idempotency_key="b6", customer_id="nobody", amount_cents=1, cause=PAYMENT),
     grpc.StatusCode.NOT_FOUND, "ACCOUNT_NOT_FOUND"),
    ("over-long customer id", "Credit", lambda c: wallet_pb2.CreditRequest(
        idempotency_key="b7", customer_id="x" * 65, amount_cents=1, cause=PAYMENT),
     grpc.StatusCode.INVALID_ARGUMENT, "FIELD_INVALID"),
    ("over-long memo", "Debit", lambda c: wallet_pb2.DebitRequest(
        idempotency_key="b8", customer_id=c, amount_cents=1, cause=CALL, memo="m" * 501),
     grpc.StatusCode.INVALID_ARGUMENT, "FIELD_TOO_LONG"),
    ("over-long key", "Debit", lambda c: wallet_pb2.DebitRequest(
        idempotency_key="k" * 201, customer_id=c, amount_cents=1, cause=CALL),
     grpc.StatusCode.INVALID_ARGUMENT, "IDEMPOTENCY_KEY_INVALID"),
    ("missing key", "Debit", lambda c: wallet_pb2.DebitRequest(customer_id=c, amount_cents=1, cause=CALL),
     grpc.StatusCode.INVALID_ARGUMENT, "IDEMPOTENCY_KEY_MISSING"),
    ("control characters in id", "Credit", lambda c: wallet_pb2.CreditRequest(
        idempotency_key="b9", customer_id="a\x00b", amount_cents=1, cause=PAYMENT),
     grpc.StatusCode.INVALID_ARGUMENT, "FIELD_INVALID"),
    ("hold of nothing", "PlaceHold", lambda c: wallet_pb2.PlaceHoldRequest(
        idempotency_key="b10", customer_id=c, call_id="x", usage_kind=wallet_pb2.USAGE_KIND_SINGLE),
     grpc.StatusCode.INVALID_ARGUMENT, "EMPTY_HOLD"),
    ("hold without kind", "PlaceHold", lambda c: wallet_pb2.PlaceHoldRequest(
        idempotency_key="b11", customer_id=c, call_id="x", amount_cents=5),
     grpc.StatusCode.INVALID_ARGUMENT, "FIELD_INVALID"),
    ("capture of unknown hold", "CaptureHold", lambda c: wallet_pb2.CaptureHoldRequest(
        idempotency_key="b12", customer_id=c, call_id="none", amount_cents=1),
     grpc.StatusCode.NOT_FOUND, "HOLD_NOT_FOUND"),
    ("unknown plan", "BuySubscription", lambda c: wallet_pb2.BuySubscriptionRequest(
        idempotency_key="b13", customer_id=c, plan_code="gold"),
     grpc.StatusCode.NOT_FOUND, "PLAN_NOT_FOUND"),
    ("plan by a non-admin", "UpsertPlan", lambda c: wallet_pb2.UpsertPlanRequest(
        idempotency_key="b14", admin_telegram_id=7, plan=wallet_pb2.Plan(code="x", name="X")),
     grpc.StatusCode.PERMISSION_DENIED, "NOT_ADMIN"),
    ("negative usage", "RecordUsage", lambda c: wallet_pb2.RecordUsageRequest(
        idempotency_key="b15", customer_id=c, call_id="x", seconds=-1, usage_kind=wallet_pb2.USAGE_KIND_BULK),
     grpc.StatusCode.INVALID_ARGUMENT, "FIELD_OUT_OF_RANGE"),
    ("forged page token", "ListTransactions", lambda c: wallet_pb2.ListTransactionsRequest(
        customer_id=c, page=common_pb2.PageRequest(page_token="bm90LWEtdG9rZW4=")),
     grpc.StatusCode.INVALID_ARGUMENT, "PAGE_TOKEN_INVALID"),
    ("debit beyond balance", "Debit", lambda c: wallet_pb2.DebitRequest(
        idempotency_key="b16", customer_id=c, amount_cents=1001, cause=CALL),
     grpc.StatusCode.FAILED_PRECONDITION, "INSUFFICIENT_FUNDS"),
]


@pytest.mark.parametrize(("method", "build", "code", "reason"), [row[1:] for row in BAD_REQUESTS],
                         ids=[row[0] for row in BAD_REQUESTS])
async def test_bad_request_is_refused_and_changes_nothing(
    wallet: WalletHarness, method: str, build: object, code: grpc.StatusCode, reason: str,
) -> None:
    customer = await wallet.open()
    await wallet.credit(customer, 1000)
    before = await ledger_snapshot(wallet)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await getattr(wallet.stub, method)(build(customer))  # type: ignore[operator]
    assert caught.value.code() == code
    assert refusal_reason(caught.value) == reason
    assert await ledger_snapshot(wallet) == before


async def test_reused_key_with_a_different_request_is_refused_and_changes_nothing(wallet: WalletHarness) -> None:
    customer = await wallet.open()
    await wallet.credit(customer, 1000)
    first = await wallet.debit(customer, 100, key="same-key")
    before = await ledger_snapshot(wallet)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await wallet.debit(customer, 200, key="same-key")
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert refusal_reason(caught.value) == "IDEMPOTENCY_KEY_REUSED"
    assert await ledger_snapshot(wallet) == before
    assert (await wallet.debit(customer, 100, key="same-key")) == first


@pytest.mark.parametrize("token", [None, "wrong-token"])
async def test_a_call_without_the_internal_token_is_unauthenticated_and_changes_nothing(
    wallet: WalletHarness, token: str | None,
) -> None:
    customer = await wallet.open()
    before = await ledger_snapshot(wallet)
    metadata = (("authorization", f"Bearer {token}"),) if token else ()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{wallet.running.grpc_port}") as channel:
        stub = wallet_pb2_grpc.WalletServiceStub(channel)
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await stub.Credit(wallet_pb2.CreditRequest(idempotency_key="t", customer_id=customer,
                                                       amount_cents=100, cause=PAYMENT), metadata=metadata)
        assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await stub.GetBalance(wallet_pb2.GetBalanceRequest(customer_id=customer), metadata=metadata)
        assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert await ledger_snapshot(wallet) == before
