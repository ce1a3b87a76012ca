"""The pool of the platform's own caller IDs, listed from Retell and managed by admins. A call's
caller ID always comes from here: there is no free-form caller ID anywhere."""

from __future__ import annotations

import zlib
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert

from services.calls.retell_client import RetellClient
from services.calls.tables import caller_ids
from services.runtime.database import UnitOfWork
from services.runtime.errors import FailedPrecondition, InvalidArgument


class NoCallerIdAvailable(FailedPrecondition):
    default_reason = "NO_CALLER_ID"


async def enabled_caller_ids(uow: UnitOfWork) -> list[Any]:
    return list((await uow.connection.execute(
        select(caller_ids).where(caller_ids.c.enabled.is_(True)).order_by(caller_ids.c.number))).all())


async def choose_caller_id(uow: UnitOfWork, requested: str, call_key: str) -> str:
    """The requested number if it is an enabled pool number; else one of the pool, spread by call."""
    pool = [row.number for row in await enabled_caller_ids(uow)]
    if not pool:
        raise NoCallerIdAvailable("no caller ID is available right now; an admin must add numbers to the pool")
    if requested:
        if requested not in pool:
            raise InvalidArgument("caller_id must be one of the platform's numbers; list them to choose",
                                  reason="CALLER_ID_NOT_IN_POOL", field="caller_id")
        return requested
    return pool[zlib.crc32(call_key.encode()) % len(pool)]


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
        await uow.connection.execute(
            insert(caller_ids).values(number=number, label=label, enabled=True)
            .on_conflict_do_update(index_elements=["number"], set_={"label": label, "synced_at": func.now()}))
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
