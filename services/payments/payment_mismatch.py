"""Does a payment match its invoice? A pure rule, the one the webhook and the payments tick share.

A customer can pay in another coin than the invoice's (some wallets let them), DynoPay can hold a
payment for another US-dollar amount than we asked, and a customer can send more than asked. None of
these is refused: the wallet is credited with what DynoPay reports was received, valued in US
dollars by DynoPay and rounded down to the cent by the same rule every amount goes through
(`amounts.usd_to_cents`), and an admin is told. The one case that is not credited is a payment in
another coin whose dollar value DynoPay did not report: crediting the invoice's amount for it would
be a guess, so it is held (nothing credited, the invoice left open) until an admin decides.

Worked examples, for an invoice of $20.00 in BTC (DynoPay's status, currency, base, received):
- confirmed, BTC, $20.00, $20.00 → matches.
- underpaid, BTC, $20.00, $12.34 → matches (an underpaid invoice is its own, customer-facing flow).
- confirmed, BTC, $20.00, $35.00 → overpaid; credit $35.00.
- confirmed, BTC, $15.00, $15.00 → amount; credit $15.00.
- confirmed, ETH, $20.00, $20.00 → currency; credit $20.00.
- confirmed, ETH, $20.00, not reported → currency; hold.
- pending, ETH, $20.00, nothing yet → matches: no money has moved, so there is nothing to flag yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from services.payments.dynopay_client import ProviderPayment

# The statuses in which DynoPay says money arrived.
MONEY_ARRIVED = frozenset({"underpaid", "confirmed", "settled"})


class MismatchKind(StrEnum):
    CURRENCY = "currency"  # paid in another coin than the invoice's
    AMOUNT = "amount"  # DynoPay's payment is for another US-dollar amount than the invoice
    OVERPAID = "overpaid"  # more arrived than the invoice asked for


class FlagAction(StrEnum):
    CREDITED = "credited"  # credited as DynoPay reported it
    HELD = "held"  # nothing credited: its dollar value is unknown


@dataclass(frozen=True)
class PaymentCheck:
    mismatches: tuple[MismatchKind, ...]
    hold: bool

    @property
    def action(self) -> FlagAction:
        return FlagAction.HELD if self.hold else FlagAction.CREDITED


MATCHES = PaymentCheck(mismatches=(), hold=False)


def check_payment(*, invoice_coin: str, invoice_cents: int, payment: ProviderPayment) -> PaymentCheck:
    """What does not match between the invoice and DynoPay's payment, and whether to hold it."""
    if payment.status not in MONEY_ARRIVED and payment.received_cents == 0:
        return MATCHES
    mismatches: list[MismatchKind] = []
    # An empty currency is DynoPay not saying, which is not the same as saying another one.
    other_coin = bool(payment.currency) and payment.currency.strip().upper() != invoice_coin.strip().upper()
    if other_coin:
        mismatches.append(MismatchKind.CURRENCY)
    if payment.base_cents != invoice_cents:
        mismatches.append(MismatchKind.AMOUNT)
    if payment.received_cents > invoice_cents:
        mismatches.append(MismatchKind.OVERPAID)
    return PaymentCheck(mismatches=tuple(mismatches), hold=other_coin and not payment.received_reported)
