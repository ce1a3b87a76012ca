"""Invoice caps (issue 14, item 9): unpaid invoices open at once and invoices per UTC day, lower for a
customer who never paid; the pure rule with many cases, then the payments service refusing the next
top-up with its sentence, and allowing it again once an invoice expires or the day turns."""

from __future__ import annotations

from datetime import UTC, datetime

import grpc
import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.payments.invoice_caps import InvoiceCaps, InvoiceUse, caps_for, invoice_cap_refusal
from services.payments.settings import PaymentsSettings
from services.runtime.grpc_client import refusal_reason
from tests.payments.conftest import PaymentsHarness

AFTERNOON = datetime(2026, 12, 2, 15, 43, tzinfo=UTC)
CAPS = InvoiceCaps(open_at_once=3, per_day=10)


@pytest.mark.parametrize(("open_now", "today", "refused"), [
    (0, 0, None), (2, 9, None), (3, 3, "open"), (5, 0, "open"), (0, 10, "daily"), (2, 11, "daily"),
    (3, 10, "open"),  # both reached: the open cap, whose wait is the shorter, is named
])
def test_invoice_caps(open_now: int, today: int, refused: str | None) -> None:
    refusal = invoice_cap_refusal(InvoiceUse(open_now, today, has_paid=False), CAPS, AFTERNOON)
    assert (refusal[0] if refusal else None) == refused


def test_refusals_say_when_to_try_again() -> None:
    expiry = datetime(2026, 12, 2, 16, 12, tzinfo=UTC)
    open_refusal = invoice_cap_refusal(InvoiceUse(3, 3, False, expiry), CAPS, AFTERNOON)
    assert open_refusal == ("open", "you have 3 unpaid invoices open, the most at once; pay one, or try again "
                                    "after 16:12 UTC when one expires")
    daily = invoice_cap_refusal(InvoiceUse(0, 10, False), CAPS, AFTERNOON)
    assert daily == ("daily", "you have made 10 invoices today, the most a day until your first payment; "
                              "try again after 00:00 UTC (in 8 h 17 min).")


def test_a_customer_who_has_paid_gets_higher_caps() -> None:
    settings = PaymentsSettings.model_construct()  # the declared defaults
    new = caps_for(InvoiceUse(0, 0, has_paid=False), settings)
    paying = caps_for(InvoiceUse(0, 0, has_paid=True), settings)
    assert new.open_at_once < paying.open_at_once and new.per_day < paying.per_day


@given(open_now=st.integers(0, 50), today=st.integers(0, 100), at_once=st.integers(1, 20), per_day=st.integers(1, 60))
def test_refused_exactly_when_a_cap_is_reached(open_now: int, today: int, at_once: int, per_day: int) -> None:
    refusal = invoice_cap_refusal(InvoiceUse(open_now, today, True), InvoiceCaps(at_once, per_day), AFTERNOON)
    assert (refusal is not None) is (open_now >= at_once or today >= per_day)


# ---- through the service ----------------------------------------------------------------------

async def refused_top_up(payments: PaymentsHarness, customer: str, key: str) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await payments.top_up(customer, 1000, key=key)
    return caught.value


async def test_open_invoice_cap_refuses_the_next_until_one_expires(payments: PaymentsHarness) -> None:
    payments.settings.payments_open_invoices_new = 2
    customer = await payments.wallet.open()
    first = await payments.top_up(customer, 1000, key="open-1")
    await payments.top_up(customer, 1000, key="open-2")
    error = await refused_top_up(payments, customer, "open-3")
    assert error.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
    assert refusal_reason(error) == "INVOICE_CAP_REACHED"
    assert "you have 2 unpaid invoices open, the most at once; pay one, or try again after" in (error.details() or "")
    assert await payments.scalar("SELECT count(*) FROM invoices WHERE customer_id = $1", customer) == 2
    other = await payments.wallet.open()
    await payments.top_up(other, 1000, key="open-other")  # the cap is the customer's own
    await payments.scalar("UPDATE invoices SET expires_at = now() - interval '1 minute' WHERE id = $1", first.id)
    assert (await payments.top_up(customer, 1000, key="open-3")).id


async def test_daily_invoice_cap_refuses_the_next_and_resets_the_next_day(payments: PaymentsHarness) -> None:
    payments.settings.payments_daily_invoices_new = 2
    customer = await payments.wallet.open()
    for key in ("day-1", "day-2"):
        invoice = await payments.top_up(customer, 1000, key=key)
        await payments.scalar("UPDATE invoices SET status = 'expired' WHERE id = $1", invoice.id)
    error = await refused_top_up(payments, customer, "day-3")
    assert error.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
    assert refusal_reason(error) == "INVOICE_CAP_REACHED"
    assert "you have made 2 invoices today, the most a day until your first payment; try again after 00:00 UTC" in (
        error.details() or "")
    # Yesterday's invoices no longer count.
    await payments.scalar("UPDATE invoices SET created_at = created_at - interval '1 day' WHERE customer_id = $1",
                          customer)
    assert (await payments.top_up(customer, 1000, key="day-3")).id
