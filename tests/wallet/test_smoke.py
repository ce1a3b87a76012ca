from tests.wallet.conftest import WalletHarness


async def test_credit_then_debit_moves_balance_and_publishes(wallet: WalletHarness) -> None:
    customer = await wallet.open()
    credited = await wallet.credit(customer, 1000)
    assert credited.balance.available_cents == 1000
    debited = await wallet.debit(customer, 300)
    assert debited.balance.available_cents == 700
    assert debited.transfer.balance_effect_cents == -300
    report = await wallet.ledger()
    assert report.ok, report
    subjects = [event.type for event in await wallet.published()]
    assert subjects == ["wallet.balance.credited", "wallet.balance.debited"]
