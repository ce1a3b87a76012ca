"""Amounts to exact cents, DynoPay's V2 signature, QR codes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.payments.amounts import BadAmount, usd_to_cents
from services.payments.dynopay_signature import sign, signature_is_valid
from services.payments.qr import qr_png


@pytest.mark.parametrize(("value", "cents"), [
    ("10.1", 1010), ("0.29", 29), ("19.999", 1999), (10.1, 1010), (0.29, 29), (19.999, 1999), (5, 500),
    ("0", 0), ("0.005", 0), ("1e2", 10000), (" 7.50 ", 750),
])
def test_amounts_round_down_to_exact_cents(value: object, cents: int) -> None:
    assert usd_to_cents(value) == cents


@pytest.mark.parametrize("value", ["-1", "NaN", "Infinity", "abc", "", None, True, "1e30", [], {}])
def test_bad_amounts_are_refused(value: object) -> None:
    with pytest.raises(BadAmount):
        usd_to_cents(value)


@given(st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False))
def test_two_decimal_amounts_are_exact(amount: object) -> None:
    assert usd_to_cents(str(amount)) == int(amount * 100)  # type: ignore[operator]


def test_v2_signature_checks_secret_body_and_window() -> None:
    body = b'{"event":"payment.confirmed","payment_id":"p1"}'
    header = sign(body, "whsec", 1_700_000_000)
    assert signature_is_valid(body, header, "whsec", 1_700_000_100)
    assert not signature_is_valid(body, header, "other", 1_700_000_100)
    assert not signature_is_valid(body + b" ", header, "whsec", 1_700_000_100)
    assert not signature_is_valid(body, header, "whsec", 1_700_000_000 + 301)
    assert not signature_is_valid(body, "t=1,v1=zz", "whsec", 1)


def test_qr_code_is_a_png() -> None:
    png = qr_png("bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh")
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 200
