"""Accounts, history paging and the balance events a customer is told about."""

from __future__ import annotations

from speechcue.events.v1 import wallet_events_pb2
from speechcue.wallet.v1 import wallet_pb2
from tests.wallet.conftest import WalletHarness


async def test_opening_an_account_twice_returns_the_same_account(wallet: WalletHarness) -> None:
    first = await wallet.stub.OpenAccount(wallet_pb2.OpenAccountRequest(idempotency_key="a", customer_id="c-1"))
    second = await wallet.stub.OpenAccount(wallet_pb2.OpenAccountRequest(idempotency_key="b", customer_id="c-1"))
    assert first.opened_at == second.opened_at and second.balance_cents == 0


async def test_history_is_newest_first_and_pages_without_gaps_or_repeats(wallet: WalletHarness) -> None:
    customer = await wallet.open()
    for cents in range(1, 26):
        await wallet.credit(customer, cents)
    await wallet.debit(customer, 5)
    seen: list[wallet_pb2.Transfer] = []
    token = ""
    while True:
        page = await wallet.stub.ListTransactions(wallet_pb2.ListTransactionsRequest(
            customer_id=customer, page={"page_size": 7, "page_token": token}))
        seen.extend(page.transfers)
        token = page.next_page_token
        if not token:
            break
    assert len(seen) == 26 and len({transfer.id for transfer in seen}) == 26
    assert [transfer.id for transfer in seen] == sorted((transfer.id for transfer in seen), reverse=True)
    newest = seen[0]
    assert newest.kind == wallet_pb2.TRANSFER_KIND_CHARGE
    assert (newest.amount_cents, newest.balance_effect_cents, newest.balance_after_cents) == (5, -5, 320)


async def test_low_balance_is_announced_once_when_the_threshold_is_crossed(wallet: WalletHarness) -> None:
    threshold = wallet.settings.wallet_low_balance_cents
    customer = await wallet.open()
    await wallet.credit(customer, threshold + 100)
    await wallet.debit(customer, 50)       # still above
    await wallet.debit(customer, 60)       # crosses below
    await wallet.debit(customer, 10)       # already below: no second warning
    lows = await wallet.published("wallet.balance.low")
    assert len(lows) == 1
    payload = wallet_events_pb2.BalanceLow()
    lows[0].payload.Unpack(payload)
    assert (payload.balance_cents, payload.threshold_cents) == (threshold - 10, threshold)
    assert lows[0].customer_id == customer
