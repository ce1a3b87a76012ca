"""USD amounts from DynoPay to integer cents. Pure.

The rule: parse as Decimal (never float) and round *down* to the cent, so a payment is never
credited with more than was paid: 10.1 → 1010, 0.29 → 29, 19.999 → 1999. Anything that is not a
finite, non-negative number of at most 12 integer digits is refused.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal, InvalidOperation

MAX_DOLLARS = Decimal("1000000000000")


class BadAmount(ValueError):
    pass


def usd_to_cents(value: object) -> int:
    if isinstance(value, bool) or value is None:
        raise BadAmount("not an amount")
    if isinstance(value, float):
        # JSON numbers arrive as floats; their shortest repr is what the sender wrote.
        value = repr(value)
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise BadAmount(f"not an amount: {str(value)[:40]}") from None
    if not amount.is_finite() or amount < 0 or amount >= MAX_DOLLARS:
        raise BadAmount(f"amount out of range: {str(value)[:40]}")
    return int((amount * 100).quantize(Decimal(1), rounding=ROUND_DOWN))


def cents_to_usd(cents: int) -> str:
    return f"{Decimal(cents) / 100:.2f}"
