"""Applying Retell's webhooks to calls one at a time: each (call, event) once, in any order, late or
early. The batched `call_ended` webhook is ended_calls.py; this module serves the rarer events and
the recovery tick, which asks Retell for calls whose webhooks never came.

Statuses only move forward, so a call_started that arrives after call_ended changes nothing. Which
call an event belongs to and what a call becomes at its end are call_end.py's rules, shared with the
batched path. A call_ended records the facts and marks the call for settlement; the money moves in
the settlement (services/calls/settlement.py), after this transaction commits. An opt-out
(opt_outs.py: the flow's key pressed, or a spoken request) puts the number on the platform's
do-not-call list in the same transaction.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert

from services.calls import metrics
from services.calls.call_end import CallEnd, CallState, belongs_to, end_of_call
from services.calls.call_store import ONGOING, STATUS_RANK, find_call_for_webhook, update_call
from services.calls.campaign_progress import after_analysis
from services.calls.custom_fields import custom_answers
from services.calls.do_not_call import PLATFORM, add_entry
from services.calls.events import CallsEvents
from services.calls.opt_outs import opt_out_reason
from services.calls.retell_events import KNOWN_EVENTS, RetellCallFacts
from services.calls.settlement_state import SettlementState
from services.calls.tables import call_events
from services.calls.webhook_redaction import value_without_key_presses
from services.runtime.database import UnitOfWork
from services.runtime.webhook_json import storable_value

log = logging.getLogger(__name__)

# What happened to an event; the webhook answers it and counts it (metrics.webhooks_total).
ACCEPTED, DUPLICATE, IGNORED, UNKNOWN_CALL = "accepted", "duplicate", "ignored", "unknown_call"
# A signed event whose metadata names one of our calls that is not its call (call_end.belongs_to).
MISMATCHED_CALL = "mismatched_call"


def call_state(row: Any) -> CallState:
    """What call_end.py reads of a call row (a SQLAlchemy row or an asyncpg record)."""
    return CallState(id=row["id"], customer_id=row["customer_id"], retell_call_id=row["retell_call_id"],
                     status=row["status"], failure_reason=row["failure_reason"], started_at=row["started_at"],
                     opt_out_key=row["opt_out_key"], menu_keys=row["menu_keys"])


def log_mismatch(facts: RetellCallFacts, call_id: str) -> None:
    log.warning("a signed %s for Retell call %s names our call %s, which is not its call; ignored",
                facts.event, facts.retell_call_id, call_id)


def _moment(milliseconds: int | None, fallback: datetime) -> datetime:
    return datetime.fromtimestamp(milliseconds / 1000, UTC) if milliseconds else fallback


async def apply_retell_event(uow: UnitOfWork, events: CallsEvents, facts: RetellCallFacts, payload: Any,
                             *, now: datetime) -> str:
    """Returns what happened: accepted, duplicate, ignored, unknown_call or mismatched_call."""
    if facts.event not in KNOWN_EVENTS:
        return IGNORED
    first = (await uow.connection.execute(
        insert(call_events).values(retell_call_id=facts.retell_call_id, event=facts.event,
                                  payload=value_without_key_presses(storable_value(payload)))
        .on_conflict_do_nothing(index_elements=["retell_call_id", "event"]).returning(call_events.c.event)
    )).first()
    if first is None:
        return DUPLICATE
    call = await find_call_for_webhook(uow, facts.retell_call_id, facts.our_call_id)
    if call is None:
        return UNKNOWN_CALL
    if not belongs_to(call_state(call._mapping), facts):
        # Not kept either: the genuine delivery of this (call, event) must not be taken for a duplicate.
        await uow.connection.execute(delete(call_events).where(
            call_events.c.retell_call_id == facts.retell_call_id, call_events.c.event == facts.event))
        log_mismatch(facts, call.id)
        return MISMATCHED_CALL
    if not call.retell_call_id:
        call = await update_call(uow, call.id, retell_call_id=facts.retell_call_id)
    if facts.event == "call_started":
        if STATUS_RANK[call.status] < STATUS_RANK[ONGOING]:
            call = await update_call(uow, call.id, status=ONGOING, started_at=_moment(facts.start_ms, now))
            await events.call_started(uow, call)
    elif facts.event == "call_ended":
        end = end_of_call(call_state(call._mapping), facts, received_at=now)
        if end is not None:
            await _record_end(uow, call, end, facts)
    elif facts.event == "call_analyzed":
        answers = custom_answers(facts.analysis.get("custom"), call.custom_fields)
        call = await update_call(uow, call.id, summary=facts.analysis["summary"],
                                 sentiment=facts.analysis["sentiment"], successful=facts.analysis["successful"],
                                 in_voicemail=facts.analysis["in_voicemail"], analyzed_at=now,
                                 custom_answers=answers.answers, is_lead=answers.lead)
        if call.settlement == SettlementState.SETTLED:  # its end has been announced
            await events.call_analyzed(uow, call)
            # A voicemail its end did not say: the campaign's callee is decided again, once; and a
            # campaign whose report waited for these answers completes (report_readiness.py).
            await after_analysis(uow, events.relay, call, now)
        # Otherwise the settlement announces the analysis right after the call's end, so that
        # consumers always see a call end before its analysis, whichever webhook came first.
    return ACCEPTED


async def _record_end(uow: UnitOfWork, call: Any, end: CallEnd, facts: RetellCallFacts) -> None:
    await update_call(uow, call.id, **{**asdict(end), "digits": list(end.digits), "key_places": list(end.key_places)})
    metrics.calls_ended_total.labels(end.status).inc()
    if end.opted_out:
        await add_entry(uow, number=call.to_number, scope=PLATFORM, reason=opt_out_reason(facts))
        metrics.opt_outs_total.inc()
