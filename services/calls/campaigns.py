"""Campaigns: creating one from a list, and the customer's actions on it (start, pause, resume,
cancel), each idempotent and checked against the owner. The dispatcher does the calling."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import insert, select, update

from services.calls.callback_requests import campaign_callbacks
from services.calls.caller_ids import countries_callable, enabled_caller_ids
from services.calls.campaign_progress import (
    CAMPAIGN_CANCELLED,
    CAMPAIGN_PAUSED,
    CAMPAIGN_STARTED,
    CalleeWait,
    announce,
    retry_rules,
    totals,
    waiting_callees,
)
from services.calls.campaign_report import CALL_FACTS, report_csv
from services.calls.campaign_retries import BadRetryRules, RetryOutcome, RetryRules, rules_from_policy
from services.calls.flow_approval import NOT_APPROVED, dialable_agent
from services.calls.flow_variables import list_variables_of
from services.calls.flows import get_flow
from services.calls.list_imports import callee_rows, lacking_variables_refusal, parse_call_list
from services.calls.tables import calls, campaign_callees, campaigns, do_not_call
from services.runtime.database import UnitOfWork
from services.runtime.errors import FailedPrecondition, InvalidArgument, NotFound
from services.runtime.outbox import OutboxRelay
from services.runtime.validation import require_time
from speechcue.calls.v1 import calls_pb2

INSERT_BATCH = 5000
REMINDER_CHOICES = frozenset({0, 10, 20, 30})
ACTIONS = {
    # action: (statuses it applies to, new status)
    "start": (frozenset({"draft"}), "running"),
    "pause": (frozenset({"running", "scheduled"}), "paused"),
    "resume": (frozenset({"paused"}), "running"),
    "cancel": (frozenset({"draft", "scheduled", "running", "paused"}), "cancelled"),
}
# The pause reason of a pause the customer asked for; the platform's pauses carry the refusal's reason
# (dispatcher.PAUSE_REASONS) or CUSTOMER_SUSPENDED. The bot words each code.
PAUSED_BY_CUSTOMER = "PAUSED_BY_CUSTOMER"
# A callee the cancel leaves uncalled: those not yet claimed, and a claimed one whose dial the cancel
# stopped (campaign_dial_stops.py).
CANCELLED_CALLEE = {"status": "skipped", "outcome": "cancelled"}


class CampaignNotFound(NotFound):
    default_reason = "CAMPAIGN_NOT_FOUND"


async def screen_list(uow: UnitOfWork, customer_id: str, data: bytes, region: str | None, *,
                      callable_countries: frozenset[str], needed_variables: tuple[str, ...] = (),
                      ) -> tuple[calls_pb2.CallListReport, list[Any]]:
    """Reads the list and drops do-not-call numbers (the platform's and the customer's) and numbers no
    call may go to: `callable_countries` are those the list's caller ID (or the pool) can call. A list
    without a value for a variable its flow needs (`needed_variables`) is refused (list_imports.py)."""
    report = await parse_call_list(data, default_region=region or None,  # off the event loop
                                   callable_countries=callable_countries, needed_variables=needed_variables)
    if report.missing_variables or report.lacking:
        raise lacking_variables_refusal(report)
    numbers = [callee.number for callee in report.callees]
    blocked: set[str] = set()
    for start in range(0, len(numbers), INSERT_BATCH):
        chunk = numbers[start:start + INSERT_BATCH]
        blocked.update((await uow.connection.execute(select(do_not_call.c.number).where(
            do_not_call.c.number.in_(chunk), do_not_call.c.scope.in_(["", customer_id])))).scalars())
    kept = [callee for callee in report.callees if callee.number not in blocked]
    answer = calls_pb2.CallListReport(
        lines_read=report.lines_read, accepted=len(kept), invalid=report.invalid, duplicates=report.duplicates,
        do_not_call=len(report.callees) - len(kept), over_limit=report.over_limit,
        invalid_examples=report.invalid_examples, duplicate_examples=report.duplicate_examples,
        refused=report.refused, refused_examples=[calls_pb2.RefusedNumber(
            number=refusal.number, reason=refusal.reason, message=refusal.message, country=refusal.country,
            number_type=refusal.number_type) for refusal in report.refused_examples],
        flagged=report.flagged, flagged_examples=report.flagged_examples,
        do_not_call_examples=[callee.number for callee in report.callees if callee.number in blocked][:5],
        refusal=report.refusal or ("every number is on a do-not-call list" if report.callees and not kept else ""),
        variables=report.variables, first_callee=report.values_of(kept[0]) if kept else {},
    )
    return answer, kept


async def create_campaign(uow: UnitOfWork, request: calls_pb2.CreateCampaignRequest, now: datetime, *,
                          allowed_countries: frozenset[str]) -> Any:
    flow = await get_flow(uow, request.flow_id, customer_id=request.customer_id)
    if dialable_agent(flow) is None:
        raise FailedPrecondition("the campaign's flow must be approved first", reason=NOT_APPROVED)
    if request.reminder_minutes not in REMINDER_CHOICES:
        raise InvalidArgument("a reminder is 10, 20 or 30 minutes before the start", reason="BAD_REMINDER")
    if request.caller_id and request.caller_id not in {row.number for row in await enabled_caller_ids(uow)}:
        raise InvalidArgument("caller_id must be one of the platform's numbers", reason="CALLER_ID_NOT_IN_POOL")
    start_at = require_time("start_at", request.start_at) if request.HasField("start_at") else None
    if start_at is not None and not now - timedelta(minutes=1) <= start_at <= now + timedelta(days=60):
        raise InvalidArgument("the start must be within the next 60 days", reason="BAD_START_TIME")
    if request.reminder_minutes and start_at is None:
        raise InvalidArgument("a reminder needs a scheduled start", reason="BAD_REMINDER")
    report, callees = await screen_list(
        uow, request.customer_id, request.list, request.default_region,
        callable_countries=await countries_callable(uow, allowed_countries, request.caller_id),
        needed_variables=tuple(list_variables_of(flow.approved_spec or flow.spec)))
    if report.refusal:
        raise InvalidArgument(report.refusal, reason="LIST_UNUSABLE")
    try:
        rules = rules_from_policy(request.retry.max_attempts, request.retry.spacing_minutes, [
            (rule.outcome, rule.max_attempts, rule.spacing_minutes) for rule in request.retry.by_outcome])
    except BadRetryRules as error:
        raise InvalidArgument(f"retries: {error}", reason="BAD_RETRY_POLICY") from None
    campaign_id = str(uuid.uuid4())
    row = (await uow.connection.execute(insert(campaigns).values(
        id=campaign_id, customer_id=request.customer_id, name=request.name.strip()[:80] or "Campaign",
        flow_id=flow.id, caller_id=request.caller_id,
        status="scheduled" if start_at and not request.as_draft else "draft",
        start_at=start_at, reminder_minutes=request.reminder_minutes, max_attempts=rules.most_calls,
        retry_spacing_minutes=rules.no_answer.spacing_minutes, retry_rules=rules.as_json(),
        max_minutes_per_call=request.max_minutes_per_call or 5, import_report=report.SerializeToString(),
        created_at=now,
    ).returning(*campaigns.c))).one()
    for start in range(0, len(callees), INSERT_BATCH):
        await uow.connection.execute(insert(campaign_callees), callee_rows(
            campaign_id, list(report.variables), callees[start:start + INSERT_BATCH], start))
    return row


async def get_campaign(uow: UnitOfWork, campaign_id: str, customer_id: str, *, for_update: bool = False) -> Any:
    query = select(campaigns).where(campaigns.c.id == campaign_id, campaigns.c.customer_id == customer_id)
    row = (await uow.connection.execute(query.with_for_update() if for_update else query)).first()
    if row is None:
        raise CampaignNotFound("no such campaign for this customer")
    return row


async def act_on_campaign(uow: UnitOfWork, relay: OutboxRelay | None, *, action: str, campaign_id: str,
                          customer_id: str, now: datetime, reason: str = "") -> Any:
    campaign = await get_campaign(uow, campaign_id, customer_id, for_update=True)
    allowed, new_status = ACTIONS[action]
    if action in ("start", "resume") and campaign.start_at is not None and campaign.start_at > now:
        new_status = "scheduled"  # a draft created with its start time (as_draft): the tick starts it then
    if campaign.status == new_status:
        return campaign
    if campaign.status not in allowed:
        raise FailedPrecondition(f"a {campaign.status} campaign cannot be {action}ed", reason="CAMPAIGN_STATE")
    values: dict[str, Any] = {"status": new_status, "pause_reason": reason if action == "pause" else ""}
    if new_status == "running" and action == "start":
        values["started_at"] = now
    if action == "cancel":
        values["completed_at"] = now
        # Callees not yet dialled are skipped; calls in flight finish and are billed as usual. A callee
        # claimed but not yet dialled is stopped at its dial, which waits for this row's lock. A callee
        # waiting for the callback it asked for answered its call: the callback is cancelled, the answer stays.
        await uow.connection.execute(update(campaign_callees).where(
            campaign_callees.c.campaign_id == campaign_id, campaign_callees.c.status == "pending",
            campaign_callees.c.wait_reason == CalleeWait.CALLBACK).values(status="answered", next_attempt_at=None,
                                                                           wait_reason=CalleeWait.NONE))
        await uow.connection.execute(update(campaign_callees).where(
            campaign_callees.c.campaign_id == campaign_id, campaign_callees.c.status == "pending")
            .values(**CANCELLED_CALLEE))
    updated = (await uow.connection.execute(update(campaigns).where(campaigns.c.id == campaign_id)
                                            .values(**values).returning(*campaigns.c))).one()
    if new_status == "running":
        await announce(uow, relay, CAMPAIGN_STARTED, updated)
    if action == "pause":
        await announce(uow, relay, CAMPAIGN_PAUSED, updated, reason=reason)
    if action == "cancel":
        await announce(uow, relay, CAMPAIGN_CANCELLED, updated)
    return updated


async def rename_campaign(uow: UnitOfWork, *, campaign_id: str, customer_id: str, name: str) -> Any:
    """A new name for the customer's own campaign, in any state: the list, the progress message and the
    report show it from now on."""
    await get_campaign(uow, campaign_id, customer_id, for_update=True)
    return (await uow.connection.execute(update(campaigns).where(campaigns.c.id == campaign_id)
                                         .values(name=name.strip()[:80] or "Campaign").returning(*campaigns.c))).one()


async def campaign_message(uow: UnitOfWork, row: Any, *, now: datetime, window_start: time) -> calls_pb2.Campaign:
    """The campaign as the API shows it, with its counts and, while it runs, why its callees wait."""
    counts = await totals(uow, row.id, row.status)
    message = calls_pb2.Campaign(
        id=row.id, customer_id=row.customer_id, name=row.name, flow_id=row.flow_id, caller_id=row.caller_id,
        status=getattr(calls_pb2, f"CAMPAIGN_STATUS_{row.status.upper()}"), reminder_minutes=row.reminder_minutes,
        retry=retry_policy(retry_rules(row)),
        totals=calls_pb2.CampaignTotals(**counts), pause_reason=row.pause_reason,
        max_minutes_per_call=row.max_minutes_per_call,
        import_report=calls_pb2.CallListReport.FromString(row.import_report),
    )
    message.totals.callbacks, _ = await campaign_callbacks(uow, row.id)
    if row.status in ("running", "paused") and counts["pending"]:
        message.waiting.CopyFrom(await waiting_callees(uow, row.id, now, window_start=window_start))
    message.created_at.FromDatetime(row.created_at)
    if row.start_at is not None:
        message.start_at.FromDatetime(row.start_at)
    if row.completed_at is not None:
        message.completed_at.FromDatetime(row.completed_at)
    return message


def retry_policy(rules: RetryRules) -> calls_pb2.RetryPolicy:
    """The rules as the API shows them: one per outcome, and for an older client the most calls any
    rule allows with the no-answer rule's spacing."""
    return calls_pb2.RetryPolicy(
        max_attempts=rules.most_calls, spacing_minutes=rules.no_answer.spacing_minutes,
        by_outcome=[calls_pb2.OutcomeRetry(outcome=outcome.value, max_attempts=rules.rule(outcome).attempts,
                                           spacing_minutes=rules.rule(outcome).spacing_minutes)
                    for outcome in RetryOutcome])


def report_lines(campaign_id: str) -> Any:
    """The campaign's callees in list order, each with the facts its last call's outcome is decided by
    (campaign_report.CALL_FACTS, as `call_<column>`; None for a callee with no call)."""
    facts = [calls.c[name].label(f"call_{name}") for name in CALL_FACTS]
    return (select(campaign_callees, *facts)
            .select_from(campaign_callees.outerjoin(calls, calls.c.id == campaign_callees.c.call_id))
            .where(campaign_callees.c.campaign_id == campaign_id).order_by(campaign_callees.c.position))


async def campaign_report_csv(uow: UnitOfWork, campaign_id: str) -> bytes:
    """The campaign's CSV report (campaign_report.py), one line per callee in list order."""
    status = (await uow.connection.execute(
        select(campaigns.c.status).where(campaigns.c.id == campaign_id))).scalar_one()
    rows = (await uow.connection.execute(report_lines(campaign_id))).all()
    return report_csv(rows, status)
