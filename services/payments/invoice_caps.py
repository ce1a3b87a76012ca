"""Caps on a customer's invoices: how many may be open at once and how many may be created per UTC day,
lower for a customer who has never paid one.

Why: every top-up asks DynoPay for a fresh payment address, so a script that opens invoices in a
loop costs the provider account (and its rate limits) without paying anything. A customer pays one
invoice at a time; a few open ones cover a changed mind about the coin or the amount. "Never paid"
is the payments service's own view of a new customer (it holds no trust tier): no invoice of theirs
was ever confirmed. The rule (`invoice_cap_refusal`) is pure; `refuse_over_invoice_caps` counts
under a per-customer lock, so concurrent requests cannot all take the last place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from services.payments.settings import PaymentsSettings
from services.payments.tables import invoices
from services.runtime.daily_quota import day_start, next_reset, wait_words
from services.runtime.database import UnitOfWork
from services.runtime.errors import QuotaExceeded

OPEN_STATUSES = ("pending", "underpaid")


class InvoiceCapReached(QuotaExceeded):
    default_reason = "INVOICE_CAP_REACHED"


@dataclass(frozen=True)
class InvoiceUse:
    open_now: int
    created_today: int
    has_paid: bool
    first_open_expiry: datetime | None = None


@dataclass(frozen=True)
class InvoiceCaps:
    open_at_once: int
    per_day: int


def caps_for(use: InvoiceUse, settings: PaymentsSettings) -> InvoiceCaps:
    if use.has_paid:
        return InvoiceCaps(settings.payments_open_invoices_paying, settings.payments_daily_invoices_paying)
    return InvoiceCaps(settings.payments_open_invoices_new, settings.payments_daily_invoices_new)


def invoice_cap_refusal(use: InvoiceUse, caps: InvoiceCaps, now: datetime) -> tuple[str, str] | None:
    """None while one more invoice is allowed; otherwise (which cap, the sentence the customer reads).

    3 open at once: 2 open → None; 3 open, the first expiring at 16:12 → ("open", "you have 3 unpaid
    invoices open, the most at once; pay one, or try again after 16:12 UTC when one expires"). 10 a
    day: 10 made today → ("daily", "... try again after 00:00 UTC (in 8 h 17 min)."). The open cap is
    checked first: its wait is the shorter.
    """
    if use.open_now >= caps.open_at_once:
        when = f" after {use.first_open_expiry:%H:%M} UTC" if use.first_open_expiry else " later"
        return "open", (f"you have {use.open_now} unpaid invoices open, the most at once; pay one, or try "
                        f"again{when} when one expires")
    if use.created_today >= caps.per_day:
        who = "" if use.has_paid else " until your first payment"
        return "daily", (f"you have made {use.created_today} invoices today, the most a day{who}; "
                         f"{wait_words(now)}.")
    return None


_INVOICE_LOCK_CLASS = 0x5C_1A70


async def refuse_over_invoice_caps(uow: UnitOfWork, customer_id: str, settings: PaymentsSettings,
                                   now: datetime) -> None:
    await uow.connection.execute(select(func.pg_advisory_xact_lock(_INVOICE_LOCK_CLASS,
                                                                   func.hashtext(customer_id))))
    is_open = (invoices.c.status.in_(OPEN_STATUSES), invoices.c.expires_at > now)
    row = (await uow.connection.execute(select(
        func.count().filter(*is_open),
        func.count().filter(invoices.c.created_at >= day_start(now)),
        func.count().filter(invoices.c.status == "confirmed"),
        func.min(invoices.c.expires_at).filter(*is_open),
    ).where(invoices.c.customer_id == customer_id))).one()
    use = InvoiceUse(open_now=row[0], created_today=row[1], has_paid=row[2] > 0, first_open_expiry=row[3])
    refusal = invoice_cap_refusal(use, caps_for(use, settings), now)
    if refusal is not None:
        cap, sentence = refusal
        raise InvoiceCapReached(sentence, cap=cap, **({"retry_after": next_reset(now).isoformat()}
                                                      if cap == "daily" else {}))
