"""RefundCallExtra: what a call paid besides its minutes (the recording fee) goes back once, whoever
asks how often; a call that paid nothing extra, or another customer's call, moves nothing."""

from __future__ import annotations

import asyncio

import grpc
import pytest

from speechcue.wallet.v1 import wallet_pb2
from tests.wallet.conftest import WalletHarness

SINGLE = wallet_pb2.USAGE_KIND_SINGLE


async def settled_call(wallet: WalletHarness, customer: str, suffix: str, *, hold: int, seconds: int,
                       extra: int) -> str:
    call_id = f"{customer}-call-{suffix}"
    await wallet.stub.PlaceHold(wallet_pb2.PlaceHoldRequest(
        idempotency_key=wallet.key("hold"), customer_id=customer, call_id=call_id, amount_cents=hold,
        usage_kind=SINGLE))
    answer = await wallet.stub.SettleCalls(wallet_pb2.SettleCallsRequest(calls=[wallet_pb2.CallToSettle(
        customer_id=customer, call_id=call_id, seconds=seconds, usage_kind=SINGLE, extra_cents=extra)]))
    assert not answer.calls[0].refusal_reason
    return call_id


def refund_request(wallet: WalletHarness, customer: str, call_id: str) -> wallet_pb2.RefundCallExtraRequest:
    return wallet_pb2.RefundCallExtraRequest(idempotency_key=wallet.key("extra"), customer_id=customer,
                                             call_id=call_id, reason="recording not delivered")


async def test_a_calls_extra_is_refunded_once_however_often_asked(wallet: WalletHarness) -> None:
    customer = await wallet.open()
    await wallet.credit(customer, 1_000)
    price = wallet.settings.wallet_price_per_minute_cents
    call_id = await settled_call(wallet, customer, "a", hold=200, seconds=70, extra=5)  # 2 minutes + 5
    assert (await wallet.balance(customer)).available_cents == 1_000 - 2 * price - 5

    # Asked side by side and again, each time under a new key: one refund of exactly the extra.
    answers = await asyncio.gather(*[wallet.stub.RefundCallExtra(refund_request(wallet, customer, call_id))
                                     for _ in range(4)])
    assert {answer.transfer.id for answer in answers} == {answers[0].transfer.id}
    assert answers[0].transfer.amount_cents == 5
    assert answers[0].transfer.kind == wallet_pb2.TRANSFER_KIND_REFUND
    assert (await wallet.balance(customer)).available_cents == 1_000 - 2 * price
    history = await wallet.stub.ListTransactions(wallet_pb2.ListTransactionsRequest(customer_id=customer))
    assert [t.amount_cents for t in history.transfers if t.kind == wallet_pb2.TRANSFER_KIND_REFUND] == [5]
    assert (await wallet.ledger()).ok


async def test_a_call_that_paid_nothing_extra_or_is_someone_elses_moves_nothing(wallet: WalletHarness) -> None:
    customer = await wallet.open()
    other = await wallet.open()
    await wallet.credit(customer, 1_000)
    plain = await settled_call(wallet, customer, "plain", hold=200, seconds=70, extra=0)
    unconnected = await settled_call(wallet, customer, "none", hold=200, seconds=0, extra=5)
    with_extra = await settled_call(wallet, customer, "extra", hold=200, seconds=70, extra=5)
    before = (await wallet.balance(customer)).available_cents

    for owner, call_id in ((customer, plain), (customer, unconnected), (customer, f"{customer}-call-never")):
        answer = await wallet.stub.RefundCallExtra(refund_request(wallet, owner, call_id))
        assert not answer.HasField("transfer"), call_id
    # Someone else's call is answered as unknown: neither refunded nor revealed.
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await wallet.stub.RefundCallExtra(refund_request(wallet, other, with_extra))
    assert refused.value.code() == grpc.StatusCode.NOT_FOUND
    assert (await wallet.balance(customer)).available_cents == before
    assert (await wallet.balance(other)).available_cents == 0


async def test_a_hold_too_small_for_the_extra_refunds_only_what_it_paid(wallet: WalletHarness) -> None:
    customer = await wallet.open()
    await wallet.credit(customer, 1_000)
    price = wallet.settings.wallet_price_per_minute_cents
    # The hold covers the minutes and 2 cents of the 5-cent extra: only those 2 cents were paid.
    call_id = await settled_call(wallet, customer, "short", hold=2 * price + 2, seconds=70, extra=5)
    answer = await wallet.stub.RefundCallExtra(refund_request(wallet, customer, call_id))
    assert answer.transfer.amount_cents == 2
