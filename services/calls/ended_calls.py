"""Retell's `call_ended` webhooks recorded in batches: concurrent webhooks share one transaction.

Why: every call ends with this webhook, a campaign ends hundreds of calls a minute, and one at a
time each was five round trips and a commit (bench/README.md, "Calls webhook"). Here one set-based
statement records a whole batch, as services/calls/call_updates.py records one: the event is kept
once per (call, event) — a replay changes nothing and answers `duplicate` — the call is found by
Retell's id or by ours from the metadata, and it is ended (or failed, if it never connected) and
marked for settlement unless it already ended. A call the recovery tick gave up on as never placed
that did connect after all is ended and billed too. An opt-out puts the number on the platform's
do-not-call list in the same transaction. Whether a call opted out is opt_outs.py's rule, which needs
the call row's opt-out key: each webhook brings the keys under which it is an opt-out
(`keys_that_opt_out`) and the statement looks the row's own key up in them. The other events are
rarer and go one at a time.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from services.calls import metrics
from services.calls.opt_outs import keys_that_opt_out, opt_out_reason
from services.calls.retell_events import RetellCallFacts
from services.runtime.database import Database, retrying_deadlocks
from services.runtime.group_commit import GroupCommit

MAX_BATCH = 128
# Two batches in flight: while one statement runs in PostgreSQL the next one is gathered and sent.
CONCURRENT_BATCHES = 2


@dataclass(frozen=True)
class EndedCall:
    facts: RetellCallFacts
    payload: str  # the webhook's body as received, kept as the event's record
    received_at: datetime


_RECORD_ENDED = """
WITH input AS (
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bool[], $5::bigint[], $6::text[], $7::text[],
                       $8::text[], $9::text[], $10::text[], $11::timestamptz[], $12::timestamptz[], $13::bool[],
                       $14::text[])
    AS i(retell_call_id, our_call_id, payload, connected, seconds, reason, digits, recording_url, transfer_number,
         opting_keys, started_at, ended_at, in_voicemail, opt_out_reason)
),
fresh AS (
  INSERT INTO call_events (retell_call_id, event, payload)
  SELECT retell_call_id, 'call_ended', payload::jsonb FROM input ORDER BY retell_call_id
  ON CONFLICT DO NOTHING RETURNING retell_call_id
),
found AS (
  SELECT i.*, coalesce(by_retell.id, by_ours.id) AS call_id
  FROM input i JOIN fresh f ON f.retell_call_id = i.retell_call_id
  LEFT JOIN calls by_retell ON by_retell.retell_call_id = i.retell_call_id
  LEFT JOIN calls by_ours ON by_retell.id IS NULL AND by_ours.id = i.our_call_id
),
ended AS (
  UPDATE calls c SET
    status = CASE WHEN f.connected THEN 'ended' ELSE 'failed' END,
    retell_call_id = coalesce(c.retell_call_id, f.retell_call_id),
    duration_seconds = f.seconds, disconnection_reason = f.reason,
    digits = coalesce(string_to_array(nullif(f.digits, ''), ','), '{}'),
    recording_url = f.recording_url, transfer_number = f.transfer_number,
    opted_out = f.opting_keys::jsonb ? c.opt_out_key,
    started_at = coalesce(c.started_at, f.started_at), ended_at = f.ended_at, settlement = 'pending',
    failure_reason = CASE WHEN f.connected THEN '' ELSE f.reason END, in_voicemail = f.in_voicemail
  FROM found f
  WHERE c.id = f.call_id
    AND (c.status NOT IN ('ended', 'failed')
         OR (c.status = 'failed' AND c.failure_reason = 'provider_unreachable' AND f.connected))
  RETURNING c.id, c.status, c.to_number, c.opted_out, f.opt_out_reason
),
opted_out AS (
  INSERT INTO do_not_call (number, scope, reason)
  SELECT DISTINCT ON (to_number) to_number, '', opt_out_reason FROM ended WHERE opted_out
  ON CONFLICT DO NOTHING
)
SELECT i.retell_call_id, f.retell_call_id IS NOT NULL AS fresh, fd.call_id, e.status, e.opted_out
FROM input i
LEFT JOIN fresh f ON f.retell_call_id = i.retell_call_id
LEFT JOIN found fd ON fd.retell_call_id = i.retell_call_id
LEFT JOIN ended e ON e.id = fd.call_id
"""


def _moment(milliseconds: int | None, fallback: datetime) -> datetime:
    return datetime.fromtimestamp(milliseconds / 1000, UTC) if milliseconds else fallback


class EndedCalls:
    """Records `call_ended` webhooks in batches; answers each with accepted, duplicate or unknown_call."""

    def __init__(self, database: Database, *, on_recorded: Callable[[], None]) -> None:
        self._database = database
        # The settlement's wake-up, called once a batch that ended calls has committed.
        self._on_recorded = on_recorded
        self._batches: GroupCommit[EndedCall, str] = GroupCommit(
            "ended-calls", self._record_with_retries, max_batch=MAX_BATCH,
            conflict_keys=lambda ended: (ended.facts.retell_call_id,), workers=CONCURRENT_BATCHES,
            on_batch=metrics.webhook_batch_size.observe)

    async def record(self, ended: EndedCall) -> str:
        return await self._batches.submit(ended)

    async def close(self) -> None:
        await self._batches.close()

    async def _record_with_retries(self, batch: list[EndedCall]) -> list[str | Exception]:
        # Two replicas given the same webhooks at once can deadlock on the same calls.
        return await retrying_deadlocks(lambda: self._record(batch), doing="a batch of call_ended")

    async def _record(self, batch: list[EndedCall]) -> list[str | Exception]:
        facts = [ended.facts for ended in batch]
        seconds = [-(-fact.duration_ms // 1000) if fact.connected else 0 for fact in facts]
        # One statement, so its own transaction: no BEGIN or COMMIT round trips.
        rows = await self._database.fetch_atomically(
            _RECORD_ENDED, [f.retell_call_id for f in facts], [f.our_call_id for f in facts],
            [ended.payload for ended in batch], [f.connected for f in facts], seconds,
            [f.disconnection_reason for f in facts], [",".join(f.digits) for f in facts],
            [f.recording_url for f in facts], [f.transfer_number for f in facts],
            [json.dumps(keys_that_opt_out(f)) for f in facts],
            [_moment(f.start_ms, e.received_at) for f, e in zip(facts, batch, strict=True)],
            [_moment(f.end_ms, e.received_at) for f, e in zip(facts, batch, strict=True)],
            [f.analysis["in_voicemail"] for f in facts], [opt_out_reason(f) for f in facts])
        if any(row["status"] is not None for row in rows):
            self._on_recorded()
        by_call = {row["retell_call_id"]: row for row in rows}
        outcomes: list[str | Exception] = []
        for fact in facts:
            row = by_call[fact.retell_call_id]
            if row["status"] is not None:
                metrics.calls_ended_total.labels(row["status"]).inc()
                if row["opted_out"]:
                    metrics.opt_outs_total.inc()
            outcomes.append("duplicate" if not row["fresh"] else "unknown_call" if row["call_id"] is None
                            else "accepted")
        return outcomes
