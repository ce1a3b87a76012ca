"""Applying Retell's webhooks to calls: each (call, event) once, in any order, late or early.

Statuses only move forward, so a call_started that arrives after call_ended changes nothing. A
call_ended records the facts and marks the call for settlement; the money moves in the settlement
(services/calls/settlement.py), after this transaction commits. An opt-out (opt_outs.py: the flow's
key pressed, or a spoken request) puts the number on the platform's do-not-call list in the same
transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.dialects.postgresql import insert

from services.calls import metrics
from services.calls.call_store import ENDED, FAILED, ONGOING, STATUS_RANK, find_call_for_webhook, update_call
from services.calls.do_not_call import PLATFORM, add_entry
from services.calls.events import CallsEvents
from services.calls.opt_outs import is_opt_out, opt_out_reason
from services.calls.retell_events import KNOWN_EVENTS, RetellCallFacts
from services.calls.tables import call_events
from services.calls.webhook_redaction import value_without_key_presses
from services.runtime.database import UnitOfWork
from services.runtime.webhook_json import storable_value


def _moment(milliseconds: int | None, fallback: datetime) -> datetime:
    return datetime.fromtimestamp(milliseconds / 1000, UTC) if milliseconds else fallback


async def apply_retell_event(uow: UnitOfWork, events: CallsEvents, facts: RetellCallFacts, payload: Any,
                             *, now: datetime) -> str:
    """Returns what happened: accepted, duplicate, ignored or unknown_call."""
    if facts.event not in KNOWN_EVENTS:
        return "ignored"
    first = (await uow.connection.execute(
        insert(call_events).values(retell_call_id=facts.retell_call_id, event=facts.event,
                                  payload=value_without_key_presses(storable_value(payload)))
        .on_conflict_do_nothing(index_elements=["retell_call_id", "event"]).returning(call_events.c.event)
    )).first()
    if first is None:
        return "duplicate"
    call = await find_call_for_webhook(uow, facts.retell_call_id, facts.our_call_id)
    if call is None:
        return "unknown_call"
    if not call.retell_call_id:
        call = await update_call(uow, call.id, retell_call_id=facts.retell_call_id)
    if facts.event == "call_started":
        if STATUS_RANK[call.status] < STATUS_RANK[ONGOING]:
            call = await update_call(uow, call.id, status=ONGOING, started_at=_moment(facts.start_ms, now))
            await events.call_started(uow, call)
    elif facts.event == "call_ended":
        gave_up_too_soon = call.status == FAILED and call.failure_reason == "provider_unreachable" and facts.connected
        if call.status not in (ENDED, FAILED) or gave_up_too_soon:
            # A call the recovery tick gave up on as never placed did happen after all: it is
            # recorded and billed (its hold is gone, so the billing tick charges the usage).
            await _record_end(uow, call, facts, now)
    elif facts.event == "call_analyzed":
        call = await update_call(uow, call.id, summary=facts.analysis["summary"],
                                 sentiment=facts.analysis["sentiment"], successful=facts.analysis["successful"],
                                 in_voicemail=facts.analysis["in_voicemail"], analyzed_at=now)
        if call.settlement == "settled":  # its end has been announced
            await events.call_analyzed(uow, call)
        # Otherwise the settlement announces the analysis right after the call's end, so that
        # consumers always see a call end before its analysis, whichever webhook came first.
    return "accepted"


async def _record_end(uow: UnitOfWork, call: Any, facts: RetellCallFacts, now: datetime) -> None:
    seconds = -(-facts.duration_ms // 1000) if facts.connected else 0
    status = ENDED if facts.connected else FAILED
    opted_out = is_opt_out(facts, call.opt_out_key)
    await update_call(
        uow, call.id, status=status, duration_seconds=seconds, disconnection_reason=facts.disconnection_reason,
        digits=list(facts.digits), recording_url=facts.recording_url, transfer_number=facts.transfer_number,
        opted_out=opted_out, started_at=call.started_at or _moment(facts.start_ms, now),
        ended_at=_moment(facts.end_ms, now), settlement="pending",
        failure_reason="" if facts.connected else facts.disconnection_reason,
        in_voicemail=facts.analysis["in_voicemail"],
    )
    metrics.calls_ended_total.labels(status).inc()
    if opted_out:
        await add_entry(uow, number=call.to_number, scope=PLATFORM, reason=opt_out_reason(facts))
        metrics.opt_outs_total.inc()
