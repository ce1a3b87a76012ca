"""The rule that decides whether a payment matches its invoice (services/payments/payment_mismatch.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.payments.dynopay_client import KNOWN_STATUSES, ProviderPayment
from services.payments.payment_mismatch import FlagAction, MismatchKind, check_payment

CURRENCY, AMOUNT, OVERPAID = MismatchKind.CURRENCY, MismatchKind.AMOUNT, MismatchKind.OVERPAID


def payment(status: str, currency: str, base: int, received: int, *, reported: bool = True) -> ProviderPayment:
    return ProviderPayment(payment_id="dp_1", status=status, base_cents=base, received_cents=received,
                           received_reported=reported, currency=currency, crypto_amount="", address="",
                           checkout_url="", meta_data={})


@pytest.mark.parametrize(("given_payment", "mismatches", "action"), [
    (payment("confirmed", "BTC", 2000, 2000), (), FlagAction.CREDITED),
    (payment("confirmed", "btc", 2000, 2000), (), FlagAction.CREDITED),
    (payment("settled", "", 2000, 2000), (), FlagAction.CREDITED),
    (payment("underpaid", "BTC", 2000, 1234), (), FlagAction.CREDITED),
    (payment("confirmed", "BTC", 2000, 3500), (OVERPAID,), FlagAction.CREDITED),
    (payment("confirmed", "BTC", 1500, 1500), (AMOUNT,), FlagAction.CREDITED),
    (payment("confirmed", "BTC", 2500, 2500), (AMOUNT, OVERPAID), FlagAction.CREDITED),
    (payment("confirmed", "ETH", 2000, 2000), (CURRENCY,), FlagAction.CREDITED),
    (payment("underpaid", "ETH", 2000, 500), (CURRENCY,), FlagAction.CREDITED),
    (payment("confirmed", "ETH", 2000, 2000, reported=False), (CURRENCY,), FlagAction.HELD),
    (payment("confirmed", "BTC", 1500, 1500, reported=False), (AMOUNT,), FlagAction.CREDITED),
    (payment("pending", "ETH", 1500, 0), (), FlagAction.CREDITED),
    (payment("expired", "ETH", 1500, 0, reported=False), (), FlagAction.CREDITED),
])
def test_worked_examples_for_a_20_dollar_btc_invoice(
    given_payment: ProviderPayment, mismatches: tuple[MismatchKind, ...], action: FlagAction,
) -> None:
    check = check_payment(invoice_coin="BTC", invoice_cents=2000, payment=given_payment)
    assert (check.mismatches, check.action) == (mismatches, action)


@given(status=st.sampled_from(sorted(KNOWN_STATUSES)), coin=st.sampled_from(["BTC", "ETH", ""]),
       base=st.integers(0, 10**6), received=st.integers(0, 10**6), reported=st.booleans(),
       invoice_cents=st.integers(1, 10**6))
def test_only_money_of_unknown_dollar_value_is_held_and_anything_held_is_flagged(
    status: str, coin: str, base: int, received: int, reported: bool, invoice_cents: int,
) -> None:
    check = check_payment(invoice_coin="BTC", invoice_cents=invoice_cents,
                          payment=payment(status, coin, base, received, reported=reported))
    if check.hold:
        assert coin == "ETH" and not reported and CURRENCY in check.mismatches
    if coin in ("BTC", "") or reported:
        assert not check.hold
    if status not in ("underpaid", "confirmed", "settled") and received == 0:
        assert check.mismatches == ()
    assert len(set(check.mismatches)) == len(check.mismatches)
