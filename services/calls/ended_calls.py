"""Retell's `call_ended` webhooks recorded in batches: concurrent webhooks share one statement.

Why: every call ends with this webhook, a campaign ends hundreds of calls a minute, and one at a
time each was five round trips and a commit (bench/README.md, "Calls webhook"). Here a whole batch
costs two set-based statements, each its own transaction (no BEGIN or COMMIT round trips), whatever
its size:

1. the calls the webhooks may belong to (by Retell's id, or by ours from the metadata) are read;
2. call_end.py decides, per webhook and in Python, which call it belongs to and what that call
   becomes (the same rule call_updates.py applies one event at a time for the recovery tick);
3. one statement writes it all, but only for calls still as step 1 read them: it locks them in id
   order where they are unchanged (compare-and-set), keeps the events once per (call, event) so a
   replay changes nothing and answers `duplicate`, writes every ending call and the do-not-call
   entries of the calls that opted out. A webhook whose call changed in between (a call_started
   committed meanwhile) keeps nothing and goes round again with a fresh read.

The rule is not restated in SQL, so the two paths cannot disagree. The read takes no lock: holding
the rows' locks across the decision in Python would need a transaction, and its BEGIN and COMMIT
round trips per batch are what a statement run on its own avoids (Database.fetch_atomically). Both
statements are planned once per connection, not for each batch's arrays (`planned_once`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from services.calls import metrics
from services.calls.call_end import CallEnd, CallState, belongs_to, end_of_call
from services.calls.call_updates import ACCEPTED, DUPLICATE, MISMATCHED_CALL, UNKNOWN_CALL, call_state, log_mismatch
from services.calls.opt_outs import opt_out_reason
from services.calls.retell_events import RetellCallFacts
from services.runtime.database import Database, retrying_deadlocks
from services.runtime.group_commit import GroupCommit
from services.runtime.tracing import trace_id_of, traced

MAX_BATCH = 128
# Two batches in flight: while one statement runs in PostgreSQL the next one is gathered and sent.
CONCURRENT_BATCHES = 2
# A batch's two statements cost PostgreSQL and this service about the same for 3 webhooks as for 8:
# without a wait, two replicas behind 16 connections wrote batches of 3.2, and letting webhooks join
# for a millisecond made them 7.8 and cut a webhook's CPU by a sixth (bench/README.md, "Session 17").
GATHER_SECONDS = 0.001
# Reads and writes of a batch before its webhooks whose calls kept changing are answered with an
# error (Retell delivers them again). A call changes a few times in its life, so one more round is the rule.
MAX_ROUNDS = 4


@dataclass(frozen=True)
class EndedCall:
    facts: RetellCallFacts
    payload: str  # the webhook's body as received, kept as the event's record
    received_at: datetime


class CallKeptChanging(RuntimeError):
    """The webhook's call changed under every attempt to record it; Retell delivers it again."""


# Per webhook (by its position), the calls it may belong to: the row with its Retell id and the row
# its metadata names unless that is the same row, through their indexes (no de-duplicating step).
_READ_CALLS = """
SELECT i.n, c.id, c.customer_id, c.retell_call_id, c.status, c.failure_reason, c.started_at, c.opt_out_key,
       c.menu_keys, c.to_number
FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS i(retell_call_id, our_call_id, n)
JOIN LATERAL (
  SELECT id, customer_id, retell_call_id, status, failure_reason, started_at, opt_out_key, menu_keys, to_number
  FROM calls WHERE retell_call_id = i.retell_call_id
  UNION ALL
  SELECT id, customer_id, retell_call_id, status, failure_reason, started_at, opt_out_key, menu_keys, to_number
  FROM calls WHERE id = i.our_call_id AND retell_call_id IS DISTINCT FROM i.retell_call_id
) c ON true
"""

# What call_end decided, written only where the call is still as it was read (the exp_ columns);
# answers per webhook whether it was checked (its call unchanged, or no call to write) and fresh.
_WRITE = """
WITH d AS MATERIALIZED (
  SELECT * FROM unnest($1::text[], $2::text[], $3::bool[], $4::text[], $5::text[], $6::text[], $7::text[],
                       $8::timestamptz[], $9::text[], $10::bool[], $11::text[], $12::bigint[], $13::text[],
                       $14::text[], $15::text[], $16::text[], $17::bool[], $18::timestamptz[], $19::timestamptz[],
                       $20::text[], $21::bool[], $22::text[], $23::text[], $24::text[], $25::text[],
                       $26::text[])
    AS d(retell_call_id, payload, keep, call_id, exp_status, exp_failure_reason, exp_retell_call_id,
         exp_started_at, exp_opt_out_key, ends, status, duration_seconds, disconnection_reason, digits,
         recording_url, transfer_number, opted_out, started_at, ended_at, failure_reason, in_voicemail,
         settlement, to_number, opt_out_reason, exp_menu_keys, key_places)
),
locked AS MATERIALIZED (
  SELECT c.id FROM calls c JOIN d ON d.call_id = c.id
  WHERE c.status = d.exp_status AND c.failure_reason = d.exp_failure_reason
    AND c.retell_call_id IS NOT DISTINCT FROM d.exp_retell_call_id
    AND c.started_at IS NOT DISTINCT FROM d.exp_started_at AND c.opt_out_key = d.exp_opt_out_key
    AND c.menu_keys = d.exp_menu_keys
  ORDER BY c.id FOR UPDATE OF c
),
checked AS MATERIALIZED (
  SELECT * FROM d WHERE d.call_id IS NULL OR d.call_id IN (SELECT id FROM locked)
),
fresh AS (
  INSERT INTO call_events (retell_call_id, event, payload)
  SELECT retell_call_id, 'call_ended', payload::jsonb FROM checked WHERE keep ORDER BY retell_call_id
  ON CONFLICT DO NOTHING RETURNING retell_call_id
),
ended AS (
  UPDATE calls c SET
    retell_call_id = w.retell_call_id, status = w.status, duration_seconds = w.duration_seconds,
    disconnection_reason = w.disconnection_reason,
    digits = coalesce(string_to_array(nullif(w.digits, ''), ','), '{}'),
    key_places = coalesce(string_to_array(nullif(w.key_places, ''), ','), '{}'),
    recording_url = w.recording_url, transfer_number = w.transfer_number, opted_out = w.opted_out,
    started_at = w.started_at, ended_at = w.ended_at, failure_reason = w.failure_reason,
    in_voicemail = w.in_voicemail, settlement = w.settlement
  FROM checked w JOIN fresh f ON f.retell_call_id = w.retell_call_id
  WHERE c.id = w.call_id AND w.ends
),
learnt AS (
  -- A webhook that belongs to a call whose end it does not change still teaches the row Retell's id.
  UPDATE calls c SET retell_call_id = w.retell_call_id
  FROM checked w JOIN fresh f ON f.retell_call_id = w.retell_call_id
  WHERE c.id = w.call_id AND NOT w.ends
),
opted_out AS (
  INSERT INTO do_not_call (number, scope, reason)
  SELECT DISTINCT ON (w.to_number) w.to_number, '', w.opt_out_reason
  FROM checked w JOIN fresh f ON f.retell_call_id = w.retell_call_id
  WHERE w.ends AND w.opted_out
  ON CONFLICT DO NOTHING
)
SELECT d.retell_call_id, w.retell_call_id IS NOT NULL AS checked, f.retell_call_id IS NOT NULL AS fresh
FROM d LEFT JOIN checked w ON w.retell_call_id = d.retell_call_id
LEFT JOIN fresh f ON f.retell_call_id = d.retell_call_id
"""


@dataclass(frozen=True)
class _Decision:
    """What call_end decided for one webhook, and the call row as it was read (to compare it with)."""

    outcome: str
    read: CallState | None = None  # the call written to, if any
    end: CallEnd | None = None  # None with `read`: the call only learns Retell's id
    to_number: str = ""


class EndedCalls:
    """Records `call_ended` webhooks in batches; answers each with accepted, duplicate, unknown_call or
    mismatched_call."""

    def __init__(self, database: Database, *, on_recorded: Callable[[], None]) -> None:
        self._database = database
        # The settlement's wake-up, called once a batch that ended calls has committed.
        self._on_recorded = on_recorded
        self._batches: GroupCommit[EndedCall, str] = GroupCommit(
            "ended-calls", self._record_with_retries, max_batch=MAX_BATCH,
            conflict_keys=_conflict_keys, workers=CONCURRENT_BATCHES, gather_seconds=GATHER_SECONDS,
            on_batch=metrics.webhook_batch_size.observe)

    async def record(self, ended: EndedCall) -> str:
        return await self._batches.submit(ended)

    async def close(self) -> None:
        await self._batches.close()

    async def _record_with_retries(self, batch: list[EndedCall]) -> list[str | Exception]:
        # Two replicas given the same webhooks at once can deadlock on the same calls.
        return await retrying_deadlocks(lambda: self._record(batch), doing="a batch of call_ended")

    async def _record(self, batch: list[EndedCall]) -> list[str | Exception]:
        outcomes: list[str | Exception] = [CallKeptChanging("the call kept changing; deliver it again")
                                           for _ in batch]
        ended_some = False
        waiting = list(range(len(batch)))
        for _ in range(MAX_ROUNDS):
            orders = [batch[position] for position in waiting]
            rows = await self._database.fetch_atomically(
                _READ_CALLS, [o.facts.retell_call_id for o in orders], [o.facts.our_call_id for o in orders],
                planned_once=True)
            decisions = _decide(orders, rows)
            written = await self._database.fetch_atomically(_WRITE, *_columns(orders, decisions), planned_once=True)
            by_call = {row["retell_call_id"]: row for row in written}
            again = []
            for position, order, decision in zip(waiting, orders, decisions, strict=True):
                row = by_call[order.facts.retell_call_id]
                if not row["checked"]:
                    again.append(position)
                elif decision.outcome == MISMATCHED_CALL:
                    outcomes[position] = MISMATCHED_CALL
                    with traced(trace_id_of(order.facts.our_call_id)):  # the webhook's own trace (webhook.py)
                        log_mismatch(order.facts, decision.read.id if decision.read else "")
                elif not row["fresh"]:
                    outcomes[position] = DUPLICATE
                else:
                    outcomes[position] = decision.outcome
                    if decision.end is not None:
                        ended_some = True
                        metrics.calls_ended_total.labels(decision.end.status).inc()
                        if decision.end.opted_out:
                            metrics.opt_outs_total.inc()
            waiting = again
            if not waiting:
                break
        if ended_some:
            self._on_recorded()
        return outcomes


def _conflict_keys(ended: EndedCall) -> tuple[str, ...]:
    # Two webhooks naming the same call by metadata go to different batches, as two replays of one do.
    facts = ended.facts
    return (f"retell:{facts.retell_call_id}",) + ((f"ours:{facts.our_call_id}",) if facts.our_call_id else ())


def _decide(orders: list[EndedCall], rows: list[Any]) -> list[_Decision]:
    """Per webhook, in order, what call_end.py says of it. A batch never holds two webhooks of one
    Retell call or naming one call (the conflict keys), so it writes each call at most once."""
    candidates: dict[int, list[Any]] = {}
    for row in rows:
        candidates.setdefault(row["n"], []).append(row)
    # The rows as this batch leaves them, so that a later webhook of the batch sees an earlier one's effect.
    states: dict[str, CallState] = {}
    decisions = []
    for number, order in enumerate(orders, start=1):
        facts = order.facts
        found = {row["id"]: row for row in candidates.get(number, [])}
        now = [states.setdefault(call_id, call_state(row)) for call_id, row in found.items()]
        call = next((state for state in now if belongs_to(state, facts)), None)
        if call is None:
            decisions.append(_Decision(MISMATCHED_CALL, now[0]) if now else _Decision(UNKNOWN_CALL))
            continue
        end = end_of_call(call, facts, received_at=order.received_at)
        states[call.id] = replace(call, retell_call_id=facts.retell_call_id) if end is None else replace(
            call, retell_call_id=facts.retell_call_id, status=end.status, failure_reason=end.failure_reason,
            started_at=end.started_at)
        writes = end is not None or not call.retell_call_id
        decisions.append(_Decision(ACCEPTED, call_state(found[call.id]) if writes else None, end,
                                   found[call.id]["to_number"]))
    return decisions


def _columns(orders: list[EndedCall], decisions: list[_Decision]) -> list[list[Any]]:
    def each(value: Callable[[CallEnd], Any]) -> list[Any]:
        return [value(d.end) if d.end is not None else None for d in decisions]

    reads = [d.read if d.outcome == ACCEPTED else None for d in decisions]
    return [
        [o.facts.retell_call_id for o in orders], [o.payload for o in orders],
        [d.outcome != MISMATCHED_CALL for d in decisions],
        [r.id if r else None for r in reads], [r.status if r else None for r in reads],
        [r.failure_reason if r else None for r in reads], [r.retell_call_id if r else None for r in reads],
        [r.started_at if r else None for r in reads], [r.opt_out_key if r else None for r in reads],
        [d.end is not None for d in decisions],
        each(lambda end: end.status), each(lambda end: end.duration_seconds),
        each(lambda end: end.disconnection_reason), each(lambda end: ",".join(end.digits)),
        each(lambda end: end.recording_url), each(lambda end: end.transfer_number), each(lambda end: end.opted_out),
        each(lambda end: end.started_at), each(lambda end: end.ended_at), each(lambda end: end.failure_reason),
        each(lambda end: end.in_voicemail), each(lambda end: str(end.settlement)),
        [d.to_number for d in decisions],
        [opt_out_reason(o.facts) if d.end is not None and d.end.opted_out else "" for o, d in zip(
            orders, decisions, strict=True)],
        [r.menu_keys if r else None for r in reads], each(lambda end: ",".join(end.key_places)),
    ]
