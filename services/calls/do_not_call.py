"""The do-not-call list: the platform's (scope '') and each customer's own. Checked at dial time."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.dialects.postgresql import insert

from services.calls.tables import do_not_call
from services.runtime.database import UnitOfWork

PLATFORM = ""


async def blocking_entry(uow: UnitOfWork, customer_id: str, number: str) -> Any | None:
    return (
        await uow.connection.execute(
            select(do_not_call).where(do_not_call.c.number == number,
                                      or_(do_not_call.c.scope == PLATFORM, do_not_call.c.scope == customer_id))
            .limit(1)
        )
    ).first()


async def add_entry(uow: UnitOfWork, *, number: str, scope: str, reason: str) -> Any:
    await uow.connection.execute(
        insert(do_not_call).values(number=number, scope=scope, reason=reason[:200])
        .on_conflict_do_nothing(index_elements=["number", "scope"])
    )
    return (await uow.connection.execute(
        select(do_not_call).where(do_not_call.c.number == number, do_not_call.c.scope == scope))).one()
