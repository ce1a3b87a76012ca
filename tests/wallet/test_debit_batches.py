"""Debits that arrive together are posted in one transaction (services/wallet/debit_batches.py);
each one keeps its own outcome, its own answer and its own event."""

from __future__ import annotations

import asyncio

import grpc
import pytest

from services.runtime.grpc_client import refusal_reason
from tests.wallet.conftest import WalletHarness


async def outcome(call: asyncio.Future[object] | object) -> object:
    try:
        return await call  # type: ignore[misc]
    except grpc.aio.AioRpcError as error:
        return refusal_reason(error)


async def test_refused_debits_in_a_burst_do_not_disturb_the_others(wallet: WalletHarness) -> None:
    rich = [await wallet.open() for _ in range(6)]
    poor = [await wallet.open() for _ in range(3)]
    for customer in rich:
        await wallet.credit(customer, 1_000)
    for customer in poor:
        await wallet.credit(customer, 50)

    burst = [wallet.debit(customer, 300) for customer in rich] + [wallet.debit(customer, 51) for customer in poor]
    burst.append(wallet.debit("cust-without-a-wallet", 10))
    outcomes = await asyncio.gather(*(outcome(call) for call in burst))

    for answer in outcomes[:6]:
        assert not isinstance(answer, str)
        assert answer.balance.available_cents == 700  # type: ignore[attr-defined]
    assert outcomes[6:9] == ["INSUFFICIENT_FUNDS"] * 3
    assert outcomes[9] == "ACCOUNT_NOT_FOUND"
    for customer in poor:
        assert (await wallet.balance(customer)).available_cents == 50
    report = await wallet.ledger()
    assert report.ok
    debited = await wallet.published("wallet.balance.debited")
    assert sorted(event.customer_id for event in debited) == sorted(rich)


async def test_many_debits_on_one_account_at_once_each_post_once_and_never_overdraw(wallet: WalletHarness) -> None:
    customer = await wallet.open()
    await wallet.credit(customer, 1_000)
    # 30 debits of 40 cents: only 25 fit; a batch takes one debit per account, the rest wait their turn.
    outcomes = await asyncio.gather(*(outcome(wallet.debit(customer, 40)) for _ in range(30)))

    posted = [answer for answer in outcomes if not isinstance(answer, str)]
    assert len(posted) == 25
    assert outcomes.count("INSUFFICIENT_FUNDS") == 5
    balances_after = sorted(answer.transfer.balance_after_cents for answer in posted)  # type: ignore[attr-defined]
    assert balances_after == list(range(0, 1_000, 40))
    assert (await wallet.balance(customer)).available_cents == 0
    assert (await wallet.ledger()).ok


async def test_replays_arriving_with_new_debits_return_the_first_answer(wallet: WalletHarness) -> None:
    customers = [await wallet.open() for _ in range(4)]
    for customer in customers:
        await wallet.credit(customer, 500)
    first = await wallet.debit(customers[0], 100, key="debit-replayed")

    outcomes = await asyncio.gather(
        outcome(wallet.debit(customers[0], 100, key="debit-replayed")),
        outcome(wallet.debit(customers[0], 100, key="debit-replayed")),
        outcome(wallet.debit(customers[0], 999, key="debit-replayed")),
        *(outcome(wallet.debit(customer, 100)) for customer in customers[1:]),
    )

    assert outcomes[0] == first
    assert outcomes[1] == first
    assert outcomes[2] == "IDEMPOTENCY_KEY_REUSED"
    assert all(not isinstance(answer, str) for answer in outcomes[3:])
    assert (await wallet.balance(customers[0])).available_cents == 400
    assert (await wallet.ledger()).transfers == 4 + 1 + 3


async def test_a_refused_debit_can_be_retried_with_its_key_after_a_top_up(wallet: WalletHarness) -> None:
    customer = await wallet.open()
    await wallet.credit(customer, 20)
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await wallet.debit(customer, 30, key="debit-after-top-up")
    assert refusal_reason(refused.value) == "INSUFFICIENT_FUNDS"

    await wallet.credit(customer, 20)
    answer = await wallet.debit(customer, 30, key="debit-after-top-up")
    assert answer.balance.available_cents == 10
