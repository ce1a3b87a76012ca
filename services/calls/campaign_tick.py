"""The campaign tick (every minute, a CronJob): starts due schedules, sends due reminders,
completes campaigns with nothing left (once their reports have every answer or waited long enough for
the late ones), recovers stale calls and wakes the dispatcher. Every step is decided by state and by
"due at or before now", so a tick that runs twice does nothing twice and a tick after missed minutes
catches up."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from services.calls.campaign_progress import CAMPAIGN_REMINDER, CAMPAIGN_STARTED, after_progress, announce
from services.calls.tables import campaigns
from services.runtime.database import UnitOfWork
from services.runtime.outbox import OutboxRelay


async def run_campaign_tick(uow: UnitOfWork, relay: OutboxRelay | None, now: datetime, *,
                            analysis_wait: timedelta) -> tuple[int, int]:
    """Returns (campaigns looked at, changed). A campaign whose report waits for its last answers
    completes here once `analysis_wait` has passed without them (report_readiness.py); a paused one too,
    since nothing else would look at it again."""
    changed = 0
    reminders = (await uow.connection.execute(select(campaigns).where(
        campaigns.c.status == "scheduled", campaigns.c.reminder_minutes > 0, campaigns.c.reminder_sent_at.is_(None),
    ).with_for_update(skip_locked=True))).all()
    for campaign in reminders:
        if campaign.start_at - timedelta(minutes=campaign.reminder_minutes) <= now < campaign.start_at:
            await uow.connection.execute(update(campaigns).where(campaigns.c.id == campaign.id)
                                         .values(reminder_sent_at=now))
            await announce(uow, relay, CAMPAIGN_REMINDER, campaign)
            changed += 1
    due: list[Any] = list((await uow.connection.execute(select(campaigns).where(
        campaigns.c.status == "scheduled", campaigns.c.start_at <= now).with_for_update(skip_locked=True))).all())
    for campaign in due:
        started = (await uow.connection.execute(update(campaigns).where(campaigns.c.id == campaign.id).values(
            status="running", started_at=now).returning(*campaigns.c))).one()
        await announce(uow, relay, CAMPAIGN_STARTED, started)
        changed += 1
    under_way = (await uow.connection.execute(select(campaigns.c.id).where(
        campaigns.c.status.in_(("running", "paused"))))).scalars()
    for campaign_id in list(under_way):
        await after_progress(uow, relay, campaign_id, now, analysis_wait=analysis_wait)
    return len(reminders) + len(due), changed
