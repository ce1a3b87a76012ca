"""Per-customer protections: concurrent calls, calls per hour and per day (lower for new
customers), and the admin's kill switch."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert

from services.calls.settings import CallsSettings
from services.calls.tables import calls, customer_limits
from services.runtime.database import UnitOfWork
from services.runtime.errors import FailedPrecondition, QuotaExceeded

IN_FLIGHT = ("queued", "ringing", "ongoing")


class CustomerSuspended(FailedPrecondition):
    default_reason = "CUSTOMER_SUSPENDED"


class CallCapReached(QuotaExceeded):
    default_reason = "CALL_CAP_REACHED"


@dataclass(frozen=True)
class Limits:
    max_concurrent_calls: int
    calls_per_hour: int
    calls_per_day: int
    suspended: bool = False
    suspension_reason: str = ""


# The advisory-lock class of "one customer's admissions": StartCalls of one customer are admitted
# one at a time, so concurrent requests cannot all see the same free slot, and the kill switch
# cannot slip between a call's admission (or its dial) and the record of it.
_CUSTOMER_LOCK_CLASS = 0x5C_CA11


async def lock_customer(uow: UnitOfWork, customer_id: str) -> None:
    """Serialises, until the transaction ends, with every other holder for the same customer."""
    await uow.connection.execute(select(func.pg_advisory_xact_lock(_CUSTOMER_LOCK_CLASS,
                                                                   func.hashtext(customer_id))))


async def is_suspended(uow: UnitOfWork, customer_id: str) -> bool:
    return bool((await uow.connection.execute(select(customer_limits.c.suspended).where(
        customer_limits.c.customer_id == customer_id))).scalar())


async def limits_for(uow: UnitOfWork, customer_id: str, settings: CallsSettings, now: datetime) -> Limits:
    row = (await uow.connection.execute(
        select(customer_limits).where(customer_limits.c.customer_id == customer_id))).first()
    if row is not None:
        return Limits(row.max_concurrent_calls, row.calls_per_hour, row.calls_per_day, row.suspended,
                      row.suspension_reason)
    first_call = (await uow.connection.execute(
        select(func.min(calls.c.created_at)).where(calls.c.customer_id == customer_id))).scalar_one()
    is_new = first_call is None or now - first_call < timedelta(days=settings.calls_new_customer_days)
    return Limits(
        settings.calls_customer_max_concurrent,
        settings.calls_new_customer_per_hour if is_new else settings.calls_customer_per_hour,
        settings.calls_new_customer_per_day if is_new else settings.calls_customer_per_day,
    )


async def store_limits(uow: UnitOfWork, customer_id: str, limits: Limits) -> Any:
    values = {"max_concurrent_calls": limits.max_concurrent_calls, "calls_per_hour": limits.calls_per_hour,
              "calls_per_day": limits.calls_per_day, "suspended": limits.suspended,
              "suspension_reason": limits.suspension_reason, "updated_at": func.now()}
    return (await uow.connection.execute(
        insert(customer_limits).values(customer_id=customer_id, **values)
        .on_conflict_do_update(index_elements=["customer_id"], set_=values).returning(*customer_limits.c))).one()


@dataclass(frozen=True)
class Usage:
    in_flight: int
    last_hour: int
    last_day: int


async def usage_of(uow: UnitOfWork, customer_id: str, now: datetime) -> Usage:
    row = (await uow.connection.execute(select(
        func.count().filter(calls.c.status.in_(IN_FLIGHT)),
        func.count().filter(calls.c.created_at > now - timedelta(hours=1), calls.c.status != "failed"),
        func.count().filter(calls.c.created_at > now - timedelta(days=1), calls.c.status != "failed"),
    ).where(calls.c.customer_id == customer_id, calls.c.created_at > now - timedelta(days=1)))).one()
    return Usage(*row)


def room_left(limits: Limits, usage: Usage) -> int:
    """How many more calls this customer may start right now."""
    if limits.suspended:
        return 0
    return max(0, min(limits.max_concurrent_calls - usage.in_flight, limits.calls_per_hour - usage.last_hour,
                      limits.calls_per_day - usage.last_day))


def refuse_if_over(limits: Limits, usage: Usage) -> None:
    if limits.suspended:
        raise CustomerSuspended("calling is suspended for this account; contact support")
    if usage.last_hour >= limits.calls_per_hour:
        raise CallCapReached(f"the limit of {limits.calls_per_hour} calls per hour is reached; try later")
    if usage.last_day >= limits.calls_per_day:
        raise CallCapReached(f"the limit of {limits.calls_per_day} calls per day is reached; try tomorrow")
    if usage.in_flight >= limits.max_concurrent_calls:
        raise CallCapReached(f"{limits.max_concurrent_calls} calls are already in progress; wait for one to end")
