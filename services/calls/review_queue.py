"""What an admin reviews: the flows waiting for review, the longest-waiting first, paged by position
(never by offset, so a review that takes a flow off the queue does not make the next page skip one),
and a customer's record as the review and customer screens show it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, tuple_

from services.calls.flows import PENDING_REVIEW
from services.calls.tables import calls, campaigns, flows
from services.runtime.errors import InvalidArgument

RECENT = 5


def position_of(token_position: tuple[Any, ...] | None) -> tuple[datetime, str] | None:
    """The (updated_at, id) a page token carries; a token whose time does not read is refused."""
    if token_position is None:
        return None
    try:
        return datetime.fromisoformat(token_position[0]), token_position[1]
    except ValueError:
        raise InvalidArgument("page_token is not one this service issued", reason="PAGE_TOKEN_INVALID") from None


def waiting(query: Any) -> Any:
    """The flows an admin has to look at."""
    return query.where(flows.c.status == PENDING_REVIEW, flows.c.deleted_at.is_(None))


async def flows_waiting_for_review(connection: Any, *, after: tuple[datetime, str] | None, limit: int) -> list[Any]:
    """Oldest first by when they started waiting (a flow's last change: its creation or the edit that
    sent it to review); `after` is the (updated_at, id) of the last flow of the previous page."""
    query = waiting(select(flows))
    if after is not None:
        query = query.where(tuple_(flows.c.updated_at, flows.c.id) > tuple_(*after))
    query = query.order_by(flows.c.updated_at, flows.c.id).limit(limit)
    return list((await connection.execute(query)).all())


async def flow_counts(connection: Any, customer_id: str) -> dict[str, int]:
    rows = (await connection.execute(select(flows.c.status, func.count()).where(
        flows.c.customer_id == customer_id, flows.c.deleted_at.is_(None)).group_by(flows.c.status))).all()
    return {row[0]: int(row[1]) for row in rows}


async def call_counts(connection: Any, customer_id: str) -> tuple[int, int]:
    """(calls Retell placed, calls answered) over the customer's whole history."""
    row = (await connection.execute(select(
        func.count().filter(calls.c.retell_call_id.is_not(None)),
        func.count().filter(calls.c.duration_seconds > 0),
    ).where(calls.c.customer_id == customer_id))).one()
    return int(row[0]), int(row[1])


async def campaign_count(connection: Any, customer_id: str) -> int:
    return int((await connection.execute(select(func.count()).where(
        campaigns.c.customer_id == customer_id))).scalar_one())


async def recent_flows(connection: Any, customer_id: str) -> list[Any]:
    return list((await connection.execute(select(flows).where(
        flows.c.customer_id == customer_id, flows.c.deleted_at.is_(None))
        .order_by(flows.c.created_at.desc(), flows.c.id).limit(RECENT))).all())


async def recent_calls(connection: Any, customer_id: str) -> list[Any]:
    return list((await connection.execute(select(calls).where(calls.c.customer_id == customer_id)
                                          .order_by(calls.c.created_at.desc(), calls.c.id).limit(RECENT))).all())
