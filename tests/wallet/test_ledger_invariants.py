"""The ledger invariants, each checked against the real database (issue 2, "Must show")."""

from __future__ import annotations

import asyncio

import asyncpg
import grpc
import pytest
from prometheus_client import REGISTRY

from services.runtime.grpc_client import refusal_reason
from speechcue.common.v1 import common_pb2
from speechcue.wallet.v1 import wallet_pb2
from tests.wallet.conftest import ADMIN_ID, WalletHarness


async def refused(call: object) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call  # type: ignore[misc]
    return caught.value


async def sql(wallet: WalletHarness) -> asyncpg.Connection:
    return await asyncpg.connect(wallet.database_url)


async def test_every_transfer_postings_sum_to_zero_and_the_database_refuses_an_unbalanced_one(
    wallet: WalletHarness,
) -> None:
    customer = await wallet.open()
    await wallet.credit(customer, 500)
    await wallet.debit(customer, 120)
    connection = await sql(wallet)
    try:
        per_transfer = await connection.fetch(
            "SELECT transfer_id, sum(amount_cents) AS total FROM ledger_entries GROUP BY transfer_id")
        assert per_transfer and all(row["total"] == 0 for row in per_transfer)
        with pytest.raises(asyncpg.exceptions.CheckViolationError, match="unbalanced"):
            async with connection.transaction():
                transfer_id = await connection.fetchval(
                    "INSERT INTO transfers (idempotency_key, kind, customer_id, amount_cents, cause_type, cause_id)"
                    " VALUES ('forged', 'charge', $1, 10, 'call', 'c') RETURNING id", customer)
                await connection.execute(
                    "INSERT INTO ledger_entries (transfer_id, account_id, amount_cents) VALUES ($1, 1, 10)",
                    transfer_id)
    finally:
        await connection.close()
    assert (await wallet.ledger()).ok


async def test_all_postings_sum_to_zero_and_cached_balances_equal_their_postings(wallet: WalletHarness) -> None:
    customers = [await wallet.open() for _ in range(3)]
    for index, customer in enumerate(customers):
        await wallet.credit(customer, 1000 + index)
        await wallet.debit(customer, 100 * (index + 1))
    await wallet.stub.PlaceHold(wallet_pb2.PlaceHoldRequest(
        idempotency_key=wallet.key(), customer_id=customers[0], call_id="c-1", amount_cents=300,
        usage_kind=wallet_pb2.USAGE_KIND_SINGLE))
    connection = await sql(wallet)
    try:
        assert await connection.fetchval("SELECT sum(amount_cents) FROM ledger_entries") == 0
        stale = await connection.fetchval(
            "SELECT count(*) FROM accounts a WHERE a.customer_id IS NOT NULL AND a.balance_cents <> "
            "(SELECT coalesce(sum(amount_cents), 0) FROM ledger_entries e WHERE e.account_id = a.id)")
        assert stale == 0
        holds_account = await connection.fetchval("SELECT sum(amount_cents) FROM ledger_entries WHERE account_id = 2")
        assert holds_account == 300
    finally:
        await connection.close()
    report = await wallet.ledger()
    assert report.ok and report.total_cents == 0 and report.accounts_with_stale_balance == 0


async def test_no_customer_balance_goes_below_zero_holds_included(wallet: WalletHarness) -> None:
    customer = await wallet.open()
    await wallet.credit(customer, 500)
    await wallet.stub.PlaceHold(wallet_pb2.PlaceHoldRequest(
        idempotency_key=wallet.key(), customer_id=customer, call_id="c-1", amount_cents=400,
        usage_kind=wallet_pb2.USAGE_KIND_SINGLE))
    error = await refused(wallet.debit(customer, 101))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert refusal_reason(error) == "INSUFFICIENT_FUNDS"
    error = await refused(wallet.stub.PlaceHold(wallet_pb2.PlaceHoldRequest(
        idempotency_key=wallet.key(), customer_id=customer, call_id="c-2", amount_cents=101,
        usage_kind=wallet_pb2.USAGE_KIND_SINGLE)))
    assert refusal_reason(error) == "INSUFFICIENT_FUNDS"
    balance = await wallet.balance(customer)
    assert (balance.available_cents, balance.held_cents) == (100, 400)
    connection = await sql(wallet)
    try:
        with pytest.raises(asyncpg.exceptions.CheckViolationError):
            await connection.execute("UPDATE accounts SET balance_cents = -1 WHERE customer_id = $1", customer)
    finally:
        await connection.close()


@pytest.mark.parametrize("statement", [
    "UPDATE ledger_entries SET amount_cents = amount_cents * 2",
    "DELETE FROM ledger_entries",
    "TRUNCATE ledger_entries CASCADE",
    "UPDATE transfers SET amount_cents = 1",
    "DELETE FROM transfers",
])
async def test_postings_and_transfers_can_be_neither_updated_nor_deleted(
    wallet: WalletHarness, statement: str,
) -> None:
    customer = await wallet.open()
    await wallet.credit(customer, 250)
    connection = await sql(wallet)
    try:
        with pytest.raises(asyncpg.exceptions.InsufficientPrivilegeError, match="append-only"):
            await connection.execute(statement)
        assert await connection.fetchval("SELECT count(*) FROM ledger_entries") == 2
    finally:
        await connection.close()
    assert (await wallet.balance(customer)).available_cents == 250


async def test_one_money_movement_per_idempotency_key_even_when_retried_concurrently(wallet: WalletHarness) -> None:
    customer = await wallet.open()
    topup = wallet_pb2.CreditRequest(idempotency_key="topup-once", customer_id=customer, amount_cents=700,
                                     cause=common_pb2.Cause(type=common_pb2.CAUSE_TYPE_PAYMENT, id="pay-1"))
    answers = await asyncio.gather(*(wallet.stub.Credit(topup) for _ in range(12)))
    assert len({answer.transfer.id for answer in answers}) == 1
    assert all(answer.balance.available_cents == 700 for answer in answers)
    debits = await asyncio.gather(*(wallet.debit(customer, 200, key="charge-once") for _ in range(12)))
    assert len({answer.transfer.id for answer in debits}) == 1
    assert (await wallet.balance(customer)).available_cents == 500
    connection = await sql(wallet)
    try:
        assert await connection.fetchval("SELECT count(*) FROM transfers WHERE customer_id = $1", customer) == 2
    finally:
        await connection.close()


async def test_every_charge_references_its_call_or_plan(wallet: WalletHarness) -> None:
    customer = await wallet.open()
    await wallet.credit(customer, 5000)
    error = await refused(wallet.stub.Debit(wallet_pb2.DebitRequest(
        idempotency_key=wallet.key(), customer_id=customer, amount_cents=10)))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert refusal_reason(error) == "CAUSE_INVALID"
    error = await refused(wallet.stub.Debit(wallet_pb2.DebitRequest(
        idempotency_key=wallet.key(), customer_id=customer, amount_cents=10,
        cause=common_pb2.Cause(type=common_pb2.CAUSE_TYPE_CALL))))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    await wallet.debit(customer, 10, call_id="call-7")
    await wallet.stub.BuySubscription(wallet_pb2.BuySubscriptionRequest(
        idempotency_key=wallet.key(), customer_id=customer, plan_code="prime_7d"))
    await wallet.stub.PlaceHold(wallet_pb2.PlaceHoldRequest(
        idempotency_key=wallet.key(), customer_id=customer, call_id="call-8", amount_cents=90,
        usage_kind=wallet_pb2.USAGE_KIND_SINGLE))
    await wallet.stub.CaptureHold(wallet_pb2.CaptureHoldRequest(
        idempotency_key=wallet.key(), customer_id=customer, call_id="call-8", amount_cents=30))
    connection = await sql(wallet)
    try:
        charges = await connection.fetch(
            "SELECT kind, cause_type, cause_id FROM transfers "
            "WHERE kind IN ('charge', 'capture', 'overage', 'plan_purchase', 'hold')")
    finally:
        await connection.close()
    assert {row["kind"] for row in charges} == {"charge", "capture", "plan_purchase", "hold"}
    for row in charges:
        assert row["cause_type"] in ("call", "plan") and row["cause_id"], row


async def test_at_most_one_hold_per_call_resolved_once(wallet: WalletHarness) -> None:
    customer = await wallet.open()
    await wallet.credit(customer, 1000)
    place = wallet_pb2.PlaceHoldRequest(idempotency_key="hold-1", customer_id=customer, call_id="call-1",
                                        amount_cents=300, usage_kind=wallet_pb2.USAGE_KIND_SINGLE)
    first = await wallet.stub.PlaceHold(place)
    assert (await wallet.stub.PlaceHold(place)) == first
    second = wallet_pb2.PlaceHoldRequest()
    second.CopyFrom(place)
    second.idempotency_key = "hold-2"
    assert refusal_reason(await refused(wallet.stub.PlaceHold(second))) == "HOLD_EXISTS"
    capture = wallet_pb2.CaptureHoldRequest(idempotency_key="cap-1", customer_id=customer, call_id="call-1",
                                            amount_cents=120)
    captured = await wallet.stub.CaptureHold(capture)
    assert captured.status == wallet_pb2.HOLD_STATUS_CAPTURED and captured.captured_cents == 120
    assert (await wallet.stub.CaptureHold(capture)) == captured
    again = wallet_pb2.CaptureHoldRequest(idempotency_key="cap-2", customer_id=customer, call_id="call-1",
                                          amount_cents=120)
    assert refusal_reason(await refused(wallet.stub.CaptureHold(again))) == "HOLD_ALREADY_RESOLVED"
    release = wallet_pb2.ReleaseHoldRequest(idempotency_key="rel-1", customer_id=customer, call_id="call-1")
    assert refusal_reason(await refused(wallet.stub.ReleaseHold(release))) == "HOLD_ALREADY_RESOLVED"
    balance = await wallet.balance(customer)
    assert (balance.available_cents, balance.held_cents) == (880, 0)
    over = wallet_pb2.PlaceHoldRequest(idempotency_key="hold-3", customer_id=customer, call_id="call-2",
                                       amount_cents=100, usage_kind=wallet_pb2.USAGE_KIND_SINGLE)
    await wallet.stub.PlaceHold(over)
    error = await refused(wallet.stub.CaptureHold(wallet_pb2.CaptureHoldRequest(
        idempotency_key="cap-3", customer_id=customer, call_id="call-2", amount_cents=101)))
    assert refusal_reason(error) == "CAPTURE_EXCEEDS_HOLD"
    assert (await wallet.ledger()).ok


async def test_refunds_never_exceed_the_original_charge_even_concurrently(wallet: WalletHarness) -> None:
    customer = await wallet.open()
    await wallet.credit(customer, 1000)
    charge = await wallet.debit(customer, 400)

    def refund(key: str, cents: int) -> wallet_pb2.RefundRequest:
        return wallet_pb2.RefundRequest(idempotency_key=key, customer_id=customer, transfer_id=charge.transfer.id,
                                        amount_cents=cents, admin_telegram_id=ADMIN_ID, reason="goodwill")

    await wallet.stub.Refund(refund("r-1", 150))
    outcomes = await asyncio.gather(*(wallet.stub.Refund(refund(f"r-c{i}", 100)) for i in range(6)),
                                    return_exceptions=True)
    succeeded = [o for o in outcomes if not isinstance(o, BaseException)]
    refusals = [o for o in outcomes if isinstance(o, grpc.aio.AioRpcError)]
    assert len(succeeded) == 2 and len(refusals) == 4
    assert all(refusal_reason(error) == "REFUND_EXCEEDS_CHARGE" for error in refusals)
    assert (await wallet.balance(customer)).available_cents == 600 + 350
    error = await refused(wallet.stub.Refund(refund("r-9", 51)))
    assert refusal_reason(error) == "REFUND_EXCEEDS_CHARGE"
    not_admin = refund("r-10", 1)
    not_admin.admin_telegram_id = 1
    assert (await refused(wallet.stub.Refund(not_admin))).code() == grpc.StatusCode.PERMISSION_DENIED
    topup = (await wallet.stub.ListTransactions(wallet_pb2.ListTransactionsRequest(customer_id=customer))).transfers[-1]
    assert topup.kind == wallet_pb2.TRANSFER_KIND_TOPUP
    assert refusal_reason(await refused(wallet.stub.Refund(
        wallet_pb2.RefundRequest(idempotency_key="r-11", customer_id=customer, transfer_id=topup.id,
                                 amount_cents=1, admin_telegram_id=ADMIN_ID)))) == "NOT_REFUNDABLE"
    assert (await wallet.ledger()).ok


async def test_the_ledger_tick_finds_a_tampered_balance_and_turns_the_alert_gauge_off(wallet: WalletHarness) -> None:
    customer = await wallet.open()
    await wallet.credit(customer, 500)

    def gauge() -> float | None:
        return REGISTRY.get_sample_value("speechcue_wallet_ledger_invariants_ok")

    clean = await wallet.stub.RunLedgerCheckTick(common_pb2.RunTickRequest(idempotency_key="tick:ledger:1"))
    assert (clean.name, clean.failed) == ("ledger", 0) and clean.processed >= 1
    assert gauge() == 1
    connection = await sql(wallet)
    try:
        await connection.execute("UPDATE accounts SET balance_cents = balance_cents + 7 WHERE customer_id = $1",
                                 customer)
    finally:
        await connection.close()
    replayed = await wallet.stub.RunLedgerCheckTick(common_pb2.RunTickRequest(idempotency_key="tick:ledger:1"))
    assert replayed == clean  # a redelivered tick answers as it did
    broken = await wallet.stub.RunLedgerCheckTick(common_pb2.RunTickRequest(idempotency_key="tick:ledger:2"))
    assert broken.failed == 1  # the stale balance (the entries themselves still add up to zero)
    assert gauge() == 0
