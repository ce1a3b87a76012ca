"""Sensitive call data does not live forever (docs/trust-and-safety.md, "Sensitive data does not live
forever"): the retention tick purges what a callee typed or said once the retention has passed.

What goes, `CALLS_RETENTION_DAYS` after a call was created: the keys the callee pressed (on the call
and on its campaign callee), the call's summary (Retell writes it from the transcript, so it can
quote what was said), the recording link, the call's variables (the list's values sent to Retell;
and the callee's list line values kept for its attempts, campaign_callees.variables),
the answers to the flow's custom fields (a text answer can quote the callee; whether they made the
call a lead stays), and Retell's webhook bodies kept in `call_events` (the whole call object: transcript, numbers).
What stays, because money, reports and the law need it: the number called, status, duration,
costs, disconnection and failure reasons, sentiment and success, the opt-out fact and the
do-not-call list, and each (call, event) pair, so a replayed webhook is still a duplicate.

Each batch is one short transaction over at most `batch_size` rows, so the tick never holds a large
transaction or locks a call a webhook is updating (SKIP LOCKED: that row goes in a later batch).
Purging is decided by state (anything left to purge, older than the cutoff), so a second run, or
a replayed one, changes nothing. The partial indexes of migration 0009 hold only rows with
something left to purge, so each batch reads only what it purges.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import text

from services.calls import metrics
from services.runtime.database import Database

# Rows per batch and batches per run for each kind: 20,000 calls and 20,000 webhook bodies an hour.
BATCH_SIZE = 1000
MAX_BATCHES = 20

# The rows the `calls_retention_due` index holds (migration 0009 states the same predicate).
CALL_HAS_SENSITIVE_DATA = ("(digits <> '{}' OR recording_url <> '' OR summary <> '' "
                           "OR variables <> '{}'::jsonb OR custom_answers <> '{}'::jsonb)")
# And `call_events_retention_due`.
EVENT_HAS_BODY = "payload <> '{}'::jsonb"

_PURGE_CALLS = text(f"""
WITH due AS (
  SELECT id, digits <> '{{}}' AS had_digits, recording_url <> '' AS had_recording, summary <> '' AS had_summary,
         variables <> '{{}}'::jsonb AS had_variables, custom_answers <> '{{}}'::jsonb AS had_answers
  FROM calls WHERE created_at < :cutoff AND {CALL_HAS_SENSITIVE_DATA}
  ORDER BY created_at LIMIT :batch FOR UPDATE SKIP LOCKED
),
calls_purged AS (
  UPDATE calls c SET digits = '{{}}', key_places = '{{}}', recording_url = '', summary = '', variables = '{{}}'::jsonb,
                     custom_answers = '{{}}'::jsonb
  FROM due WHERE c.id = due.id RETURNING c.id
),
callees_due AS (
  SELECT cc.campaign_id, cc.position, cc.digits <> '{{}}' AS had_digits, cc.variables <> '{{}}'::jsonb AS had_variables
  FROM campaign_callees cc JOIN due ON cc.call_id = due.id
  WHERE cc.digits <> '{{}}' OR cc.variables <> '{{}}'::jsonb
),
callees_purged AS (
  UPDATE campaign_callees cc SET digits = '{{}}', variables = '{{}}'::jsonb
  FROM callees_due old WHERE cc.campaign_id = old.campaign_id AND cc.position = old.position
  RETURNING old.had_digits, old.had_variables
)
SELECT count(*) AS calls,
       count(*) FILTER (WHERE had_digits) AS digits,
       count(*) FILTER (WHERE had_recording) AS recording,
       count(*) FILTER (WHERE had_summary) AS summary,
       count(*) FILTER (WHERE had_variables) AS variables,
       count(*) FILTER (WHERE had_answers) AS custom_answers,
       (SELECT count(*) FROM callees_purged WHERE had_digits) AS callee_digits,
       (SELECT count(*) FROM callees_purged WHERE had_variables) AS callee_variables
FROM due
""")

_PURGE_WEBHOOK_BODIES = text(f"""
WITH due AS (
  SELECT retell_call_id, event FROM call_events
  WHERE received_at < :cutoff AND {EVENT_HAS_BODY}
  ORDER BY received_at LIMIT :batch FOR UPDATE SKIP LOCKED
),
purged AS (
  UPDATE call_events e SET payload = '{{}}'::jsonb
  FROM due WHERE e.retell_call_id = due.retell_call_id AND e.event = due.event RETURNING 1
)
SELECT count(*) AS webhook_body FROM purged
""")

CALL_KINDS = ("digits", "callee_digits", "recording", "summary", "variables", "callee_variables", "custom_answers")
KINDS = (*CALL_KINDS, "webhook_body")


def retention_cutoff(now: datetime, days: int) -> datetime:
    """Data from before this moment is purged: `days` whole days before `now`.

    2026-12-02 15:00 with 90 days → 2026-09-03 15:00; a call created 2026-09-03 14:59 is purged, one
    created at 15:00 exactly is kept until the next run.
    """
    if days < 1:
        raise ValueError("the retention is at least one day")
    return now - timedelta(days=days)


@dataclass
class Purged:
    """What one run purged: values per kind, rows per table, and whether it caught up (a run that
    stopped at its bound leaves the rest to the next)."""

    values: Counter[str] = field(default_factory=Counter)
    calls: int = 0
    webhook_bodies: int = 0
    caught_up: bool = True

    @property
    def rows(self) -> int:
        return self.calls + self.webhook_bodies


async def purge_expired(database: Database, cutoff: datetime, *, batch_size: int = BATCH_SIZE,
                        max_batches: int = MAX_BATCHES) -> Purged:
    """Purges everything sensitive from before `cutoff`, in batches of one transaction each."""
    purged = Purged()
    for _ in range(max_batches):
        async with database.unit_of_work() as uow:
            row = (await uow.connection.execute(_PURGE_CALLS, {"cutoff": cutoff, "batch": batch_size})).one()
            await uow.commit()
        purged.calls += row.calls
        purged.values.update({kind: getattr(row, kind) for kind in CALL_KINDS})
        if row.calls < batch_size:
            break
    else:
        purged.caught_up = False
    for _ in range(max_batches):
        async with database.unit_of_work() as uow:
            bodies = (await uow.connection.execute(_PURGE_WEBHOOK_BODIES,
                                                   {"cutoff": cutoff, "batch": batch_size})).scalar_one()
            await uow.commit()
        purged.webhook_bodies += bodies
        purged.values["webhook_body"] += bodies
        if bodies < batch_size:
            break
    else:
        purged.caught_up = False
    return purged


def record_run(purged: Purged) -> None:
    """Counts what a committed run purged; a run that caught up is the retention's last success."""
    for kind in KINDS:
        metrics.retention_purged_total.labels(kind).inc(purged.values[kind])
    if purged.caught_up:
        metrics.retention_last_success_timestamp_seconds.set(time.time())
