"""The recovery tick: calls whose call_ended never came are settled by asking Retell, calls stuck
before Retell accepted them (not those waiting for a line: services/calls/line_waiter.py) are failed
and their holds released, and calls of a suspended customer that are still live (Retell was
unreachable when the kill switch stopped them) are stopped again."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from services.calls.call_end import PROVIDER_UNREACHABLE, RETELL_ENDED
from services.calls.call_store import FAILED, ONGOING, QUEUED, RINGING, update_call
from services.calls.call_updates import apply_retell_event
from services.calls.events import CallsEvents
from services.calls.retell_client import RetellClient, RetellNotFound
from services.calls.retell_events import read_call
from services.calls.settlement_state import SettlementState
from services.calls.tables import calls, customer_limits
from services.runtime.database import Database
from services.runtime.errors import DomainError

log = logging.getLogger(__name__)

STUCK_QUEUED_AFTER = timedelta(minutes=5)


async def recover_calls(database: Database, retell: RetellClient, events: CallsEvents, *, now: datetime,
                        grace: timedelta) -> tuple[int, int]:
    """Returns (looked at, settled or failed)."""
    async with database.unit_of_work() as uow:
        stale = (await uow.connection.execute(select(calls).where(
            calls.c.status.in_([RINGING, ONGOING]), calls.c.retell_call_id.is_not(None),
        ))).all()
        # A call waiting for a line is the line waiter's: it dials it when a line frees (any replica,
        # maybe right now) or fails it itself after calls_line_wait_seconds, under the row's lock.
        # Failing it here could race that dial: the callee rings after the hold was released.
        stuck = (await uow.connection.execute(select(calls).where(
            calls.c.status == QUEUED, calls.c.waiting_for_line_since.is_(None),
            calls.c.created_at < now - STUCK_QUEUED_AFTER))).all()
    overdue = [call for call in stale
               if (call.placed_at or call.created_at) + timedelta(minutes=call.max_minutes) + grace < now]
    resolved = 0
    for call in overdue:
        resolved += await _ask_retell(database, retell, events, call, now)
    for call in stuck:
        async with database.unit_of_work() as uow:
            await update_call(uow, call.id, status=FAILED, failure_reason=PROVIDER_UNREACHABLE, ended_at=now,
                              settlement=SettlementState.PENDING)
            await uow.commit()
        resolved += 1
    return len(overdue) + len(stuck), resolved


async def _ask_retell(database: Database, retell: RetellClient, events: CallsEvents, call: Any,
                      now: datetime) -> int:
    try:
        record = await retell.get_call(call.retell_call_id)
    except RetellNotFound:
        async with database.unit_of_work() as uow:
            await update_call(uow, call.id, status=FAILED, failure_reason="unknown_to_provider", ended_at=now,
                              settlement=SettlementState.PENDING)
            await uow.commit()
        return 1
    if record.get("call_status") not in RETELL_ENDED:
        return 0  # not ended yet: the next tick asks again
    outcomes = []
    async with database.unit_of_work() as uow:
        for event in ("call_ended", "call_analyzed"):
            if event == "call_analyzed" and not record.get("call_analysis"):
                continue
            facts = read_call(event, record)
            outcomes.append(await apply_retell_event(uow, events, facts, {"event": event, "call": record,
                                                                          "recovered": True}, now=now))
        await uow.commit()
    log.info("recovered a call from Retell: %s", outcomes)
    return 1


async def stop_calls_of_suspended_customers(database: Database, retell: RetellClient) -> int:
    """Asks Retell again to stop every live call of a suspended customer; returns how many it asked."""
    async with database.unit_of_work() as uow:
        live = (await uow.connection.execute(
            select(calls.c.retell_call_id).join(customer_limits, customer_limits.c.customer_id == calls.c.customer_id)
            .where(customer_limits.c.suspended, calls.c.status.in_([RINGING, ONGOING]),
                   calls.c.retell_call_id.is_not(None)))).scalars().all()
    for retell_call_id in live:
        try:
            await retell.stop_call(retell_call_id)
        except DomainError as error:
            log.warning("a suspended customer's call could not be stopped yet (%s); next tick retries", error.reason)
    return len(live)
