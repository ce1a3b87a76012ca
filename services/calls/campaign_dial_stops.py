"""A campaign's call stopped just before its dial, and its callee put back on the list.

Two things stop a campaign's call between the dispatcher's claim and Retell's create-phone-call:
- the campaign is no longer running. The dial checks the campaign's status holding its row `FOR
  SHARE` until Retell has answered, and PauseCampaign and CancelCampaign take it `FOR UPDATE`: a
  dial either went out before the pause or cancel returned, or it sees the new status and is not made.
- Retell answers 429: its lines are taken by calls the dispatcher does not count (inbound calls,
  other API keys, a single call racing a dispatch). That is transient, not the callee's outcome.

The call is failed with the stop as its reason (the settlement releases its hold) and, in the same
transaction, the callee goes back to pending (paused; lines busy, after a short backoff), is not
called (cancelled), or fails once the lines stayed busy `LINES_BUSY_TRIES` times. None of this
counts as one of the callee's attempts. The settlement passes such calls by
(`campaign_progress.record_call_result`): the callee may already be claimed again by then, and must
not take the stopped call's result for its own.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, select, update

from services.calls.call_store import FAILED, QUEUED, get_call, update_call
from services.calls.campaign_progress import DialStop, after_progress
from services.calls.campaigns import CANCELLED_CALLEE
from services.calls.settlement_state import SettlementState
from services.calls.tables import calls, campaign_callees, campaigns
from services.runtime.database import UnitOfWork
from services.runtime.errors import FailedPrecondition

# A callee that met busy lines this often is meeting a full account, not a race: it fails.
LINES_BUSY_TRIES = 8
LINES_BUSY_FIRST_BACKOFF = timedelta(seconds=15)
LINES_BUSY_LONGEST_BACKOFF = timedelta(minutes=2)


class DialStopped(FailedPrecondition):
    """Raised to the dispatcher once the stop is recorded: nothing is left for it to do."""


def stop_for(campaign_status: str) -> DialStop | None:
    """What stops a dial of a campaign in this status: paused → CAMPAIGN_PAUSED, cancelled →
    CAMPAIGN_CANCELLED, anything else → None (it may dial). The dispatcher claims only in running
    campaigns, which become paused, cancelled, or completed once no callee is being dialled."""
    return {"paused": DialStop.CAMPAIGN_PAUSED, "cancelled": DialStop.CAMPAIGN_CANCELLED}.get(campaign_status)


def lines_busy_backoff(busy_answers: int) -> timedelta:
    """How long a callee waits after its `busy_answers`-th busy answer: 1 → 15 s, 2 → 30 s, 3 → 60 s,
    4 and more → 2 min. Short: the lines a race took are usually free again within seconds."""
    doubled = LINES_BUSY_FIRST_BACKOFF * 2 ** max(busy_answers - 1, 0)
    return min(doubled, LINES_BUSY_LONGEST_BACKOFF)


async def campaign_status_for_dial(uow: UnitOfWork, campaign_id: str) -> str:
    """The campaign's status, its row held `FOR SHARE` until `uow` ends: dials of one campaign do not
    wait for each other, a pause or cancel waits for them (and they for it)."""
    return str((await uow.connection.execute(
        select(campaigns.c.status).where(campaigns.c.id == campaign_id).with_for_update(read=True))).scalar_one())


async def stop_campaign_dial(uow: UnitOfWork, call: Any, stop: DialStop, now: datetime) -> bool:
    """Fails the still queued `call` with `stop` and puts its callee back (see the module's docstring).
    False if no callee was waiting for this call: the call has moved on meanwhile (placed by another
    try; then nothing changes), or it was booked to the campaign by StartCall, not claimed by the dispatcher."""
    # Locks in the settlement's order (call, callee, campaign), so the two never wait on each other.
    if (await get_call(uow, call.id, for_update=True)).status != QUEUED:
        return False
    await update_call(uow, call.id, status=FAILED, failure_reason=stop.value, ended_at=now,
                      settlement=SettlementState.PENDING)
    callee = (await uow.connection.execute(select(campaign_callees).where(
        campaign_callees.c.campaign_id == call.campaign_id, campaign_callees.c.number == call.to_number,
        campaign_callees.c.status == "dialing", campaign_callees.c.call_id.is_(None))
        .with_for_update())).first()
    if callee is None:
        return False
    status = (await uow.connection.execute(
        select(campaigns.c.status).where(campaigns.c.id == call.campaign_id).with_for_update())).scalar_one()
    values: dict[str, Any] = {"status": "pending", "next_attempt_at": None}
    final = False
    if status == "cancelled":
        values = dict(CANCELLED_CALLEE)
        final = True  # the progress message now counts it "not called", as the report does
    elif stop is DialStop.LINES_BUSY:
        busy = await _lines_busy_answers(uow, call)
        if busy >= LINES_BUSY_TRIES:
            values = {"status": "failed", "outcome": stop.value.lower()}
            final = True
        else:
            values["next_attempt_at"] = now + lines_busy_backoff(busy)
    await uow.connection.execute(update(campaign_callees).where(
        campaign_callees.c.campaign_id == callee.campaign_id, campaign_callees.c.position == callee.position)
        .values(**values))
    if final:
        await after_progress(uow, None, callee.campaign_id, now)  # the relay publishes it on its next poll
    return True


async def _lines_busy_answers(uow: UnitOfWork, call: Any) -> int:
    """How often this callee's calls met busy lines, this one included: its calls are the record."""
    return int((await uow.connection.execute(select(func.count()).select_from(calls).where(and_(
        calls.c.campaign_id == call.campaign_id, calls.c.to_number == call.to_number,
        calls.c.failure_reason == DialStop.LINES_BUSY.value)))).scalar_one())
