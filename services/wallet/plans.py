"""The plan catalogue as stored: listing, reading and admin changes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert

from services.runtime.database import UnitOfWork
from services.runtime.errors import NotFound
from services.wallet.plan_catalogue import PlanTerms
from services.wallet.tables import plans


class PlanNotFound(NotFound):
    default_reason = "PLAN_NOT_FOUND"


async def list_plans(uow: UnitOfWork, *, include_inactive: bool) -> list[Any]:
    query = select(plans).order_by(plans.c.sort_order, plans.c.code)
    if not include_inactive:
        query = query.where(plans.c.active.is_(True))
    return list((await uow.connection.execute(query)).all())


async def get_plan(uow: UnitOfWork, code: str) -> Any:
    row = (await uow.connection.execute(select(plans).where(plans.c.code == code))).first()
    if row is None:
        raise PlanNotFound(f"there is no plan '{code}'; list the plans to see what is offered")
    return row


async def upsert_plan(uow: UnitOfWork, terms: PlanTerms) -> Any:
    values = dict(terms.__dict__)
    changes = {key: value for key, value in values.items() if key not in ("code", "sort_order")}
    await uow.connection.execute(
        insert(plans).values(**values).on_conflict_do_update(
            index_elements=["code"], set_={**changes, "updated_at": func.now()}
        )
    )
    return await get_plan(uow, terms.code)
