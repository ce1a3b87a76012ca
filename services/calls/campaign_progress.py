"""What happens to a campaign as its calls end: the callee's outcome (answered, or a retry per
the campaign's policy, or failed), throttled progress events, and completion with the totals.

A callee who opted out is final whatever the call's outcome (never retried), and the campaign's
other callees with the same number that have not been called yet are skipped: the number is on the
do-not-call list from the same moment, so they could only be refused."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update

from services.calls.tables import campaign_callees, campaigns
from services.runtime.database import UnitOfWork
from services.runtime.outbox import OutboxRelay, stage_event
from speechcue.events.v1 import calls_events_pb2

CAMPAIGN_PROGRESS = "calls.campaign.progress"
CAMPAIGN_COMPLETED = "calls.campaign.completed"
CAMPAIGN_PAUSED = "calls.campaign.paused"
CAMPAIGN_STARTED = "calls.campaign.started"
CAMPAIGN_REMINDER = "calls.campaign.reminder"
CAMPAIGN_CANCELLED = "calls.campaign.cancelled"
PROGRESS_EVERY_SECONDS = 30
PROGRESS_EVERY_FRACTION = 0.05
# Outcomes worth another attempt; anything else that did not connect is final.
RETRYABLE = frozenset({"dial_no_answer", "dial_busy", "voicemail_reached", "provider_unreachable"})
OPTED_OUT = "opted_out"


async def totals(uow: UnitOfWork, campaign_id: str) -> dict[str, int]:
    row = (await uow.connection.execute(select(
        func.count(),
        func.count().filter(campaign_callees.c.status == "pending"),
        func.count().filter(campaign_callees.c.status == "dialing"),
        func.count().filter(campaign_callees.c.status == "answered"),
        func.count().filter(campaign_callees.c.status.in_(["failed", "skipped"])),
        func.coalesce(func.sum(campaign_callees.c.attempts), 0),
        func.coalesce(func.sum(campaign_callees.c.cost_cents), 0),
    ).where(campaign_callees.c.campaign_id == campaign_id))).one()
    keys = ("callees", "pending", "in_flight", "answered", "failed", "attempts", "cost_cents")
    return {key: int(value) for key, value in zip(keys, row, strict=True)}


async def announce(uow: UnitOfWork, relay: OutboxRelay | None, subject: str, campaign: Any,
                   counts: dict[str, int] | None = None, reason: str = "") -> None:
    counts = counts or await totals(uow, campaign.id)
    change = calls_events_pb2.CampaignChanged(
        campaign_id=campaign.id, name=campaign.name, status=campaign.status, callees=counts["callees"],
        done=counts["answered"] + counts["failed"], answered=counts["answered"], failed=counts["failed"],
        in_flight=counts["in_flight"], cost_cents=counts["cost_cents"], reason=reason)
    if campaign.start_at is not None:
        change.start_at.FromDatetime(campaign.start_at)
    await stage_event(uow, relay, subject, campaign.customer_id, change)


async def record_call_result(uow: UnitOfWork, relay: OutboxRelay | None, call: Any, now: datetime) -> None:
    """Called in the settlement's transaction for every settled call of a campaign. The callee is
    found by campaign and number, not by call id: the dispatcher may have died before it wrote the
    call id down, and the callee must not wait forever for a call that is already over."""
    callee = (await uow.connection.execute(
        select(campaign_callees, campaigns.c.max_attempts, campaigns.c.retry_spacing_minutes)
        .join(campaigns, campaigns.c.id == campaign_callees.c.campaign_id)
        .where(campaign_callees.c.campaign_id == call.campaign_id, campaign_callees.c.number == call.to_number)
        .with_for_update(of=campaign_callees))).first()
    if callee is None or callee.status != "dialing" or (callee.call_id not in (None, call.id)):
        return
    outcome = call.disconnection_reason or call.failure_reason or call.status
    # The dispatcher may have died before it counted this attempt: then it is counted here.
    attempts = callee.attempts + (1 if callee.call_id is None else 0)
    values: dict[str, Any] = {"outcome": outcome, "duration_seconds": call.duration_seconds, "call_id": call.id,
                              "digits": list(call.digits), "cost_cents": callee.cost_cents + call.cost_cents,
                              "attempts": attempts}
    if call.opted_out:
        values.update(outcome=OPTED_OUT, status="answered" if call.duration_seconds > 0 else "failed")
        await uow.connection.execute(update(campaign_callees).where(
            campaign_callees.c.campaign_id == callee.campaign_id, campaign_callees.c.number == call.to_number,
            campaign_callees.c.position != callee.position, campaign_callees.c.status == "pending")
            .values(status="skipped", outcome=OPTED_OUT))
    elif call.duration_seconds > 0 and outcome != "voicemail_reached":
        values["status"] = "answered"
    elif outcome in RETRYABLE and attempts < callee.max_attempts:
        values.update(status="pending", call_id=None,
                      next_attempt_at=now + timedelta(minutes=callee.retry_spacing_minutes))
    else:
        values["status"] = "failed"
    await uow.connection.execute(update(campaign_callees).where(
        campaign_callees.c.campaign_id == callee.campaign_id, campaign_callees.c.position == callee.position)
        .values(**values))
    await after_progress(uow, relay, callee.campaign_id, now)


async def after_progress(uow: UnitOfWork, relay: OutboxRelay | None, campaign_id: str, now: datetime) -> None:
    """Completes a campaign with nothing left to do, or announces progress when due."""
    campaign = (await uow.connection.execute(
        select(campaigns).where(campaigns.c.id == campaign_id).with_for_update())).one()
    if campaign.status not in ("running", "paused"):
        return
    counts = await totals(uow, campaign_id)
    done = counts["answered"] + counts["failed"]
    if counts["pending"] == 0 and counts["in_flight"] == 0:
        completed = (await uow.connection.execute(
            update(campaigns).where(campaigns.c.id == campaign_id)
            .values(status="completed", completed_at=now, last_progress_done=done).returning(*campaigns.c))).one()
        await announce(uow, relay, CAMPAIGN_COMPLETED, completed, counts)
        return
    step = max(1, int(counts["callees"] * PROGRESS_EVERY_FRACTION))
    stale = campaign.last_progress_at is None or now - campaign.last_progress_at >= timedelta(
        seconds=PROGRESS_EVERY_SECONDS)
    if done - campaign.last_progress_done >= step or (stale and done > campaign.last_progress_done):
        await uow.connection.execute(update(campaigns).where(campaigns.c.id == campaign_id)
                                     .values(last_progress_at=now, last_progress_done=done))
        await announce(uow, relay, CAMPAIGN_PROGRESS, campaign, counts)
