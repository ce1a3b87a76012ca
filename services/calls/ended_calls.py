"""Retell's `call_ended` webhooks recorded in batches: concurrent webhooks share one transaction.

Why: every call ends with this webhook, a campaign ends hundreds of calls a minute, and one at a
time each was five round trips and a commit (bench/README.md, "Calls webhook"). Here a whole batch
costs two set-based statements in one transaction, whatever its size:

1. the events are kept once per (call, event), so a replay changes nothing and answers `duplicate`;
   the calls the fresh ones may belong to (by Retell's id, or by ours from the metadata) are locked,
   in id order, and read;
2. call_end.py decides, per webhook and in Python, which call it belongs to and what that call
   becomes — the same rule call_updates.py applies one event at a time for the recovery tick — and
   one statement writes every ending call, with the do-not-call entries of the calls that opted out
   (opt_outs.py's rule, inside call_end.end_of_call).

The rule is not restated in SQL, so the two paths cannot disagree. The other events are rarer and go
one at a time (call_updates.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from services.calls import metrics
from services.calls.call_end import CallEnd, CallState, belongs_to, end_of_call
from services.calls.call_updates import (
    ACCEPTED,
    DUPLICATE,
    MISMATCHED_CALL,
    UNKNOWN_CALL,
    call_state,
    log_mismatch,
)
from services.calls.opt_outs import opt_out_reason
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


# One row per webhook and call it may belong to: none (a duplicate, or no such call), one, or two
# (the row with its Retell id and the row its metadata names). Locked in id order, so two batches
# meeting the same calls wait for each other instead of deadlocking.
_TAKE_CALLS = """
WITH input AS (
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) AS i(retell_call_id, our_call_id, payload)
),
fresh AS (
  INSERT INTO call_events (retell_call_id, event, payload)
  SELECT retell_call_id, 'call_ended', payload::jsonb FROM input ORDER BY retell_call_id
  ON CONFLICT DO NOTHING RETURNING retell_call_id
),
wanted AS (
  SELECT c.id FROM fresh f JOIN calls c ON c.retell_call_id = f.retell_call_id
  UNION
  SELECT i.our_call_id FROM input i JOIN fresh f ON f.retell_call_id = i.retell_call_id WHERE i.our_call_id <> ''
),
candidates AS MATERIALIZED (
  SELECT c.id, c.customer_id, c.retell_call_id, c.status, c.failure_reason, c.started_at, c.opt_out_key,
         c.to_number
  FROM calls c JOIN wanted w ON w.id = c.id
  ORDER BY c.id FOR UPDATE OF c
)
SELECT i.retell_call_id AS webhook_call_id, f.retell_call_id IS NOT NULL AS fresh, c.*
FROM input i
LEFT JOIN fresh f ON f.retell_call_id = i.retell_call_id
LEFT JOIN candidates c ON f.retell_call_id IS NOT NULL
  AND (c.retell_call_id = i.retell_call_id OR c.id = i.our_call_id)
"""

# Writes what call_end.end_of_call decided for each call, and the platform's do-not-call entries.
_WRITE_ENDS = """
WITH ends AS (
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::text[],
                       $8::text[], $9::bool[], $10::timestamptz[], $11::timestamptz[], $12::text[], $13::bool[],
                       $14::text[], $15::text[], $16::text[])
    AS e(id, retell_call_id, status, duration_seconds, disconnection_reason, digits, recording_url,
         transfer_number, opted_out, started_at, ended_at, failure_reason, in_voicemail, settlement,
         to_number, opt_out_reason)
),
ended AS (
  UPDATE calls c SET
    retell_call_id = e.retell_call_id, status = e.status, duration_seconds = e.duration_seconds,
    disconnection_reason = e.disconnection_reason,
    digits = coalesce(string_to_array(nullif(e.digits, ''), ','), '{}'),
    recording_url = e.recording_url, transfer_number = e.transfer_number, opted_out = e.opted_out,
    started_at = e.started_at, ended_at = e.ended_at, failure_reason = e.failure_reason,
    in_voicemail = e.in_voicemail, settlement = e.settlement
  FROM ends e
  WHERE c.id = e.id
)
INSERT INTO do_not_call (number, scope, reason)
SELECT DISTINCT ON (to_number) to_number, '', opt_out_reason FROM ends WHERE opted_out
ON CONFLICT DO NOTHING
"""

# A webhook whose metadata names a call that is not its call is not kept: the genuine delivery of
# that (call, event) must not be taken for a duplicate of it.
_FORGET_MISMATCHED = """
DELETE FROM call_events WHERE event = 'call_ended' AND retell_call_id = ANY($1::text[])
"""

# A webhook that belongs to a call whose end it does not change still teaches the row Retell's id.
_LEARN_RETELL_IDS = """
UPDATE calls c SET retell_call_id = l.retell_call_id
FROM unnest($1::text[], $2::text[]) AS l(id, retell_call_id)
WHERE c.id = l.id AND c.retell_call_id IS NULL
"""


@dataclass(frozen=True)
class _Ending:
    call_id: str
    retell_call_id: str
    to_number: str
    end: CallEnd
    facts: RetellCallFacts


class EndedCalls:
    """Records `call_ended` webhooks in batches; answers each with accepted, duplicate, unknown_call or
    mismatched_call."""

    def __init__(self, database: Database, *, on_recorded: Callable[[], None]) -> None:
        self._database = database
        # The settlement's wake-up, called once a batch that ended calls has committed.
        self._on_recorded = on_recorded
        self._batches: GroupCommit[EndedCall, str] = GroupCommit(
            "ended-calls", self._record_with_retries, max_batch=MAX_BATCH,
            conflict_keys=_conflict_keys, workers=CONCURRENT_BATCHES,
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
        async with self._database.unit_of_work() as uow:
            driver = await uow.driver()
            rows = await driver.fetch(_TAKE_CALLS, [f.retell_call_id for f in facts],
                                      [f.our_call_id for f in facts], [ended.payload for ended in batch])
            outcomes, endings, learnt = _decide(batch, rows)
            mismatched = [ended.facts.retell_call_id for ended, outcome in zip(batch, outcomes, strict=True)
                          if outcome == MISMATCHED_CALL]
            if mismatched:
                await driver.execute(_FORGET_MISMATCHED, mismatched)
            if endings:
                await driver.execute(_WRITE_ENDS, *_columns(endings))
            if learnt:
                await driver.execute(_LEARN_RETELL_IDS, list(learnt), list(learnt.values()))
            if endings:
                uow.after_commit(self._on_recorded)
            await uow.commit()
        for ending in endings:
            metrics.calls_ended_total.labels(ending.end.status).inc()
            if ending.end.opted_out:
                metrics.opt_outs_total.inc()
        return list(outcomes)


def _conflict_keys(ended: EndedCall) -> tuple[str, ...]:
    # Two webhooks naming the same call by metadata go to different batches, as two replays of one do.
    facts = ended.facts
    return (f"retell:{facts.retell_call_id}",) + ((f"ours:{facts.our_call_id}",) if facts.our_call_id else ())


def _decide(batch: list[EndedCall], rows: list[Any]) -> tuple[list[str], list[_Ending], dict[str, str]]:
    """Per webhook, in order: its outcome; the calls that end; the calls that only learn Retell's id."""
    fresh: set[str] = set()
    candidates: dict[str, list[Any]] = {}
    numbers: dict[str, str] = {}
    for row in rows:
        if row["fresh"]:
            fresh.add(row["webhook_call_id"])
        if row["id"] is not None:
            candidates.setdefault(row["webhook_call_id"], []).append(row)
            numbers[row["id"]] = row["to_number"]
    # The rows as this batch leaves them, so that a later webhook of the batch sees an earlier one's effect.
    states: dict[str, CallState] = {}
    outcomes: list[str] = []
    endings: dict[str, _Ending] = {}
    learnt: dict[str, str] = {}
    for ended in batch:
        facts = ended.facts
        if facts.retell_call_id not in fresh:
            outcomes.append(DUPLICATE)
            continue
        found = [states.setdefault(row["id"], call_state(row)) for row in candidates.get(facts.retell_call_id, [])]
        call = next((state for state in found if belongs_to(state, facts)), None)
        if call is None:
            if found:
                log_mismatch(facts, found[0].id)
            outcomes.append(MISMATCHED_CALL if found else UNKNOWN_CALL)
            continue
        outcomes.append(ACCEPTED)
        end = end_of_call(call, facts, received_at=ended.received_at)
        states[call.id] = replace(call, retell_call_id=facts.retell_call_id)
        if end is not None:
            states[call.id] = replace(states[call.id], status=end.status, failure_reason=end.failure_reason,
                                      started_at=end.started_at)
            endings[call.id] = _Ending(call.id, facts.retell_call_id, numbers[call.id], end, facts)
            learnt.pop(call.id, None)
        elif not call.retell_call_id:
            learnt[call.id] = facts.retell_call_id
    return outcomes, list(endings.values()), learnt


def _columns(endings: list[_Ending]) -> list[list[Any]]:
    ends = [ending.end for ending in endings]
    return [
        [ending.call_id for ending in endings], [ending.retell_call_id for ending in endings],
        [end.status for end in ends], [end.duration_seconds for end in ends],
        [end.disconnection_reason for end in ends], [",".join(end.digits) for end in ends],
        [end.recording_url for end in ends], [end.transfer_number for end in ends],
        [end.opted_out for end in ends], [end.started_at for end in ends], [end.ended_at for end in ends],
        [end.failure_reason for end in ends], [end.in_voicemail for end in ends],
        [str(end.settlement) for end in ends], [ending.to_number for ending in endings],
        [opt_out_reason(ending.facts) if ending.end.opted_out else "" for ending in endings],
    ]
