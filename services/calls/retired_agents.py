"""Approved Retell objects that a newer approved version (or the flow's deletion) replaced.

They are not deleted at the promotion: a call placed with the old agent a moment earlier may still
be ringing or talking, and a call admitted with it may be about to dial (the dial switches it to the
new agent under the flow's row lock, recording it on the call row first). So a replaced version is
retired here, and deleted only once no queued, ringing or ongoing call names its agent: right after
the promotion commits when nothing uses it, else by the recovery tick after the last call ends.

Draft objects are never retired: nothing ever dials them (flow_approval.py), so an edit that
replaces a draft, or a deletion, deletes them once committed.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert

from services.calls.call_store import ONGOING, QUEUED, RINGING
from services.calls.retell_client import RetellClient
from services.calls.tables import calls, retired_retell_objects
from services.runtime.database import Database, UnitOfWork

log = logging.getLogger(__name__)

LIVE = (QUEUED, RINGING, ONGOING)
BATCH = 50


async def retire_approved_version(uow: UnitOfWork, flow: Any, now: datetime) -> None:
    """Stages the flow's approved Retell objects for deletion once no live call uses them."""
    if not flow.approved_retell_agent_id:
        return
    await uow.connection.execute(insert(retired_retell_objects).values(
        retell_agent_id=flow.approved_retell_agent_id, retell_flow_id=flow.approved_retell_flow_id,
        retell_llm_id=flow.approved_retell_llm_id, flow_id=flow.id, retired_at=now,
    ).on_conflict_do_nothing(index_elements=["retell_agent_id"]))


async def delete_unused_retired(database: Database, retell: RetellClient) -> int:
    """Deletes retired objects no live call names, at Retell first and then here (a crash between
    leaves the row, and Retell's "not found" on the next try counts as gone). Returns how many."""
    from services.calls.flows import delete_retell_objects  # flows imports this module

    in_use = select(calls.c.id).where(calls.c.retell_agent_id == retired_retell_objects.c.retell_agent_id,
                                      calls.c.status.in_(LIVE))
    deleted = 0
    async with database.unit_of_work() as uow:
        unused = (await uow.connection.execute(
            select(retired_retell_objects).where(~in_use.exists()).order_by(retired_retell_objects.c.retired_at)
            .limit(BATCH).with_for_update(skip_locked=True))).all()
        for row in unused:
            await delete_retell_objects(retell, row)
            await uow.connection.execute(delete(retired_retell_objects).where(
                retired_retell_objects.c.retell_agent_id == row.retell_agent_id))
            deleted += 1
        await uow.commit()
    if deleted:
        log.info("deleted %d replaced Retell agent(s) no call uses any more", deleted)
    return deleted
