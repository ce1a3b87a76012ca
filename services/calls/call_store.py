"""Reading and writing call rows. Storage functions never commit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert

from services.calls.tables import calls
from services.runtime.database import UnitOfWork
from services.runtime.errors import NotFound

QUEUED, RINGING, ONGOING, ENDED, FAILED = "queued", "ringing", "ongoing", "ended", "failed"
# Statuses only move forward: a late or replayed webhook never takes a call back.
STATUS_RANK = {QUEUED: 0, RINGING: 1, ONGOING: 2, ENDED: 3, FAILED: 3}


class CallNotFound(NotFound):
    default_reason = "CALL_NOT_FOUND"


async def insert_call(uow: UnitOfWork, values: dict[str, Any]) -> Any | None:
    """Inserts a call; None when a call with that id exists already."""
    return (await uow.connection.execute(
        insert(calls).values(**values).on_conflict_do_nothing(index_elements=["id"]).returning(*calls.c)
    )).first()


async def get_call(uow: UnitOfWork, call_id: str, *, customer_id: str | None = None,
                   for_update: bool = False) -> Any:
    query = select(calls).where(calls.c.id == call_id)
    if customer_id is not None:
        query = query.where(calls.c.customer_id == customer_id)
    if for_update:
        query = query.with_for_update()
    row = (await uow.connection.execute(query)).first()
    if row is None:
        raise CallNotFound("no such call for this customer")
    return row


async def find_call_for_webhook(uow: UnitOfWork, retell_call_id: str, our_call_id: str) -> Any | None:
    """By Retell's id, or by ours from the metadata when the call row never learned Retell's id
    (the process died between Retell accepting the call and the row being updated)."""
    row = (await uow.connection.execute(
        select(calls).where(calls.c.retell_call_id == retell_call_id).with_for_update())).first()
    if row is None and our_call_id:
        row = (await uow.connection.execute(
            select(calls).where(calls.c.id == our_call_id).with_for_update())).first()
    return row


async def update_call(uow: UnitOfWork, call_id: str, **values: Any) -> Any:
    return (await uow.connection.execute(
        update(calls).where(calls.c.id == call_id).values(**values).returning(*calls.c))).one()


async def list_calls(uow: UnitOfWork, customer_id: str, *, before: tuple[datetime, str] | None, limit: int,
                     status: str = "", flow_id: str = "", campaign_id: str = "",
                     with_digits_only: bool = False, answer: tuple[str, str] | None = None,
                     leads_only: bool = False, voicemail: bool | None = None) -> list[Any]:
    """`answer` (field name, value): only calls whose custom field was answered so; `leads_only`:
    only calls an answer made a lead (custom_fields.py); `voicemail` True or False: only the calls that
    reached a voicemail, or only the others."""
    query = select(calls).where(calls.c.customer_id == customer_id)
    if voicemail is not None:
        query = query.where(calls.c.in_voicemail.is_(voicemail))
    if answer is not None:
        query = query.where(calls.c.custom_answers.contains({answer[0]: answer[1]}))
    if leads_only:
        query = query.where(calls.c.is_lead)
    if status:
        query = query.where(calls.c.status == status)
    if flow_id:
        query = query.where(calls.c.flow_id == flow_id)
    if campaign_id:
        query = query.where(calls.c.campaign_id == campaign_id)
    if with_digits_only:
        query = query.where(func.cardinality(calls.c.digits) > 0)
    if before is not None:
        query = query.where(tuple_(calls.c.created_at, calls.c.id) < tuple_(*before))
    query = query.order_by(calls.c.created_at.desc(), calls.c.id.desc()).limit(limit)
    return list((await uow.connection.execute(query)).all())
