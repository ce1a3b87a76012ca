"""The pool of the platform's own caller IDs, listed from Retell and managed by admins. A call's
caller ID always comes from here: there is no free-form caller ID anywhere. Each number keeps what
Retell says it can call (its phone_number_type and allowed_outbound_country_list), and a call gets
only a caller ID that can reach its callee (destinations.py)."""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert

from services.calls.destinations import (
    CallerIdReach,
    DestinationReason,
    DestinationRefusal,
    caller_id_refusal,
    country_name,
    country_of,
    pool_refusal,
    reachable_countries,
    reaching,
)
from services.calls.retell_client import RetellClient
from services.calls.tables import caller_ids
from services.runtime.database import UnitOfWork
from services.runtime.errors import FailedPrecondition, InvalidArgument


class NoCallerIdAvailable(FailedPrecondition):
    default_reason = "NO_CALLER_ID"


async def enabled_caller_ids(uow: UnitOfWork) -> list[Any]:
    return list((await uow.connection.execute(
        select(caller_ids).where(caller_ids.c.enabled.is_(True)).order_by(caller_ids.c.number))).all())


class DestinationRefused(FailedPrecondition):
    """A number no call or transfer may go to, or that the chosen caller ID cannot call."""


def reach_of(row: Any) -> CallerIdReach:
    return CallerIdReach(row.number, row.phone_number_type or "", tuple(row.outbound_countries or ()))


async def caller_id_pool(uow: UnitOfWork) -> list[CallerIdReach]:
    return [reach_of(row) for row in await enabled_caller_ids(uow)]


async def destination_check(uow: UnitOfWork, number: str,
                            allowed_countries: frozenset[str]) -> tuple[DestinationRefusal | None, frozenset[str]]:
    """Why `number` (E.164) may not be called, or None; and the countries the pool can call now."""
    pool = await caller_id_pool(uow)
    return pool_refusal(pool, number, allowed_countries), reachable_countries(pool, allowed_countries)


async def countries_callable(uow: UnitOfWork, allowed_countries: frozenset[str], caller_id: str = "") -> frozenset[str]:
    """The allowed countries that `caller_id` (or, without one, some caller ID of the pool) can call;
    the allow-list itself while the pool is empty (NO_CALLER_ID refuses the calls then)."""
    pool = await caller_id_pool(uow)
    if not pool:
        return allowed_countries
    return reachable_countries([caller for caller in pool if not caller_id or caller.number == caller_id],
                               allowed_countries)


async def refuse_destination(uow: UnitOfWork, number: str, allowed_countries: frozenset[str]) -> None:
    """Raises DestinationRefused when `number` (E.164) may not be called from any caller ID."""
    refusal = pool_refusal(await caller_id_pool(uow), number, allowed_countries)
    if refusal is not None:
        raise DestinationRefused(refusal.message, reason=refusal.reason, country=refusal.country,
                                 number_type=refusal.number_type)


async def callers_reaching(uow: UnitOfWork, number: str, allowed_countries: frozenset[str]) -> list[Any]:
    """The enabled pool rows that can call `number` (E.164), for a customer choosing a caller ID."""
    rows = await enabled_caller_ids(uow)
    able = {caller.number for caller in reaching([reach_of(row) for row in rows], [number], allowed_countries)}
    return [row for row in rows if row.number in able]


async def choose_caller_id(uow: UnitOfWork, requested: str, call_key: str, *, destinations: Sequence[str],
                           allowed_countries: frozenset[str]) -> str:
    """The requested number if it is an enabled pool number that can call every destination; else one
    of the pool that can, spread by call."""
    pool = await caller_id_pool(uow)
    if not pool:
        raise NoCallerIdAvailable("no caller ID is available right now; an admin must add numbers to the pool")
    if requested:
        chosen = next((caller for caller in pool if caller.number == requested), None)
        if chosen is None:
            raise InvalidArgument("caller_id must be one of the platform's numbers; list them to choose",
                                  reason="CALLER_ID_NOT_IN_POOL", field="caller_id")
        for number in destinations:
            refusal = caller_id_refusal(chosen, number, allowed_countries)
            if refusal is not None:
                raise DestinationRefused(refusal.message, reason=refusal.reason, country=refusal.country)
        return requested
    able = reaching(pool, destinations, allowed_countries)
    if not able:
        countries = ", ".join(sorted({country_name(country_of(number)) for number in destinations}))
        raise DestinationRefused(f"none of the platform's caller IDs can call {countries}; call another number or "
                                 f"ask support", reason=DestinationReason.NO_CALLER_ID_REACHES)
    return able[zlib.crc32(call_key.encode()) % len(able)].number


async def sync_from_retell(uow: UnitOfWork, retell: RetellClient) -> list[Any]:
    """Adds Retell's numbers to the pool; numbers Retell no longer has are disabled, never deleted."""
    numbers = await retell.list_phone_numbers()
    listed = []
    for item in numbers:
        number = item.get("phone_number")
        if not isinstance(number, str):
            continue
        listed.append(number)
        label = str(item.get("nickname") or item.get("phone_number_pretty") or "")[:80]
        kind = str(item.get("phone_number_type") or "")[:40]
        outbound = item.get("allowed_outbound_country_list")
        countries = [str(code).upper()[:2] for code in outbound] if isinstance(outbound, list) else []
        reach = {"phone_number_type": kind, "outbound_countries": countries}
        await uow.connection.execute(
            insert(caller_ids).values(number=number, label=label, enabled=True, **reach)
            .on_conflict_do_update(index_elements=["number"],
                                   set_={"label": label, "synced_at": func.now(), **reach}))
    await uow.connection.execute(
        update(caller_ids).where(caller_ids.c.number.not_in(listed or [""])).values(enabled=False))
    return await all_caller_ids(uow)


async def all_caller_ids(uow: UnitOfWork) -> list[Any]:
    """The whole pool, disabled numbers too (for admins)."""
    return list((await uow.connection.execute(select(caller_ids).order_by(caller_ids.c.number))).all())


async def set_enabled(uow: UnitOfWork, number: str, enabled: bool) -> Any:
    row = (await uow.connection.execute(
        update(caller_ids).where(caller_ids.c.number == number).values(enabled=enabled).returning(*caller_ids.c)
    )).first()
    if row is None:
        raise InvalidArgument("that number is not in the pool", reason="CALLER_ID_NOT_IN_POOL", field="number")
    return row
