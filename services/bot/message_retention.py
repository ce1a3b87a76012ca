"""The bot's sent messages do not live forever: what the bot said (a call's keys pressed, its summary,
its recording link, a campaign report with the numbers called) is deleted `BOT_RETENTION_DAYS`
after it was queued, as the calls service purges its own copy (services/calls/retention.py).

Run by the notification tick (every 10 minutes), which owns the outgoing messages already: a
separate CronJob for one bounded DELETE would add a schedule row, a tick identity and an alert for
nothing the notification tick's own alerts do not cover. Bounded without an index of its own: each
run looks only at the `BATCH` oldest messages by id (ids grow with time), deletes those older than
the cutoff, and leaves the rest to the next run, so a run reads at most `BATCH` rows however large
the table. A message still unsent that old is deleted too: it would no longer mean anything.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text

from services.bot import metrics
from services.runtime.database import UnitOfWork

# 1,000 every 10 minutes: 144,000 messages a day, above what the bot can send in a day at
# Telegram's 30 a second shared with everything else it says.
BATCH = 1000

_DELETE_EXPIRED = text("""
WITH oldest AS (SELECT id FROM outgoing_messages ORDER BY id LIMIT :batch),
expired AS (
  SELECT o.id FROM outgoing_messages o JOIN oldest USING (id)
  WHERE o.created_at < :cutoff FOR UPDATE OF o SKIP LOCKED
)
DELETE FROM outgoing_messages o USING expired WHERE o.id = expired.id RETURNING o.id
""")


async def delete_expired_messages(uow: UnitOfWork, cutoff: datetime, *, batch: int = BATCH) -> int:
    """Deletes up to `batch` messages queued before `cutoff`; returns how many."""
    deleted = len((await uow.connection.execute(_DELETE_EXPIRED, {"cutoff": cutoff, "batch": batch})).all())
    if deleted:
        uow.after_commit(lambda: metrics.messages_purged_total.inc(deleted))
    return deleted
