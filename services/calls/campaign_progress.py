"""What happens to a campaign as its calls end: the callee's outcome (answered, or a retry per the
campaign's rule for that outcome, or failed: campaign_retries.py), throttled progress events, and
completion with the totals, once the report has every call's answers or has waited long enough for
them (report_readiness.py). A voicemail that Retell reports only in `call_analyzed`, after the call's
end was settled, is applied here too (`record_late_voicemail`), once.

A callee who opted out is final whatever the call's outcome (never retried), and the campaign's
other callees with the same number that have not been called yet are skipped: the number is on the
do-not-call list from the same moment, so they could only be refused."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update

from services.calls.call_outcomes import OutcomeKind, call_outcome
from services.calls.callback_requests import CALLBACK_WAIT, callback_due, campaign_callbacks
from services.calls.callee_reports import ReportCategory, report_category
from services.calls.campaign_retries import (
    OPTED_OUT,
    VOICEMAIL_REACHED,
    CalleeNow,
    RetryRules,
    after_late_voicemail,
    callee_after_call,
    rules_from_json,
)
from services.calls.custom_fields import fields_from_value
from services.calls.phone_numbers import timezones_of
from services.calls.report_readiness import LastCall, report_ready
from services.calls.tables import calls, campaign_callees, campaigns
from services.runtime.database import UnitOfWork
from services.runtime.outbox import OutboxRelay, stage_event
from speechcue.calls.v1 import calls_pb2
from speechcue.events.v1 import calls_events_pb2

CAMPAIGN_PROGRESS = "calls.campaign.progress"
CAMPAIGN_COMPLETED = "calls.campaign.completed"
CAMPAIGN_PAUSED = "calls.campaign.paused"
CAMPAIGN_STARTED = "calls.campaign.started"
CAMPAIGN_REMINDER = "calls.campaign.reminder"
CAMPAIGN_CANCELLED = "calls.campaign.cancelled"
PROGRESS_EVERY_SECONDS = 30
PROGRESS_EVERY_FRACTION = 0.05


class CalleeWait(StrEnum):
    """Why a pending callee waits for its next_attempt_at, so a campaign can say why it is waiting.
    NONE when it does not wait, or waits only briefly (a provider to answer, a line to free up)."""

    NONE = ""
    CALLING_HOURS = "calling_hours"  # outside its calling window (calling_window.py): the window's opening
    RETRY = "retry"  # the campaign's retry policy: the next attempt's time
    CALLBACK = CALLBACK_WAIT  # the callback the callee asked for (callbacks.py): its time


class DialStop(StrEnum):
    """Why a campaign's call failed just before its dial, as its failure reason. Its callee was put
    back on the list in the same transaction (campaign_dial_stops.py): the call is not its result."""

    LINES_BUSY = "RETELL_CONCURRENCY_FULL"
    CAMPAIGN_PAUSED = "CAMPAIGN_PAUSED"
    CAMPAIGN_CANCELLED = "CAMPAIGN_CANCELLED"


# The CampaignTotals / CampaignChanged count of each report category.
COUNT_OF = {ReportCategory.WAITING: "pending", ReportCategory.IN_PROGRESS: "in_flight",
            ReportCategory.ANSWERED: "answered", ReportCategory.NOT_REACHED: "failed",
            ReportCategory.NOT_CALLED: "not_called", ReportCategory.VOICEMAIL: "voicemail"}


async def totals(uow: UnitOfWork, campaign_id: str, campaign_status: str) -> dict[str, int]:
    """The campaign's callees counted by report category (callee_reports.py: the progress message, the
    chart and the CSV count alike), with their attempts and cost. One row per status and "attempted"
    comes back, so the rule is applied in Python to a handful of groups, not per callee."""
    attempted = (campaign_callees.c.attempts > 0).label("attempted")
    voicemail = (campaign_callees.c.outcome == VOICEMAIL_REACHED).label("voicemail")
    groups = (await uow.connection.execute(select(
        campaign_callees.c.status, attempted, voicemail, func.count(),
        func.coalesce(func.sum(campaign_callees.c.attempts), 0),
        func.coalesce(func.sum(campaign_callees.c.cost_cents), 0),
    ).where(campaign_callees.c.campaign_id == campaign_id)
        .group_by(campaign_callees.c.status, attempted, voicemail))).all()
    counts = dict.fromkeys(("callees", *COUNT_OF.values(), "attempts", "cost_cents"), 0)
    for status, was_attempted, reached_voicemail, callees, attempts, cost_cents in groups:
        category = report_category(status, int(was_attempted), campaign_status,
                                   VOICEMAIL_REACHED if reached_voicemail else "")
        counts[COUNT_OF[category]] += callees
        counts["callees"] += callees
        counts["attempts"] += int(attempts)
        counts["cost_cents"] += int(cost_cents)
    return counts


async def waiting_callees(uow: UnitOfWork, campaign_id: str, now: datetime, *,
                          window_start: time) -> calls_pb2.CampaignWaiting:
    """The campaign's callees that wait, by why, with the earliest time each wait ends. The times are
    the ones the dispatcher wrote from the calling-window rule (calling_window.next_allowed) and the
    retry policy; nothing is recomputed here. The zone said with the calling hours is the one of the
    callee whose opening is first: of its number's zones, the one where that moment is the window's
    start (a number may span several zones; the window must be open in all of them)."""
    waiting = (campaign_callees.c.campaign_id == campaign_id) & (campaign_callees.c.status == "pending") & (
        campaign_callees.c.wait_reason != CalleeWait.NONE) & (campaign_callees.c.next_attempt_at > now)
    groups = (await uow.connection.execute(select(
        campaign_callees.c.wait_reason, func.count(), func.min(campaign_callees.c.next_attempt_at),
    ).where(waiting).group_by(campaign_callees.c.wait_reason))).all()
    answer = calls_pb2.CampaignWaiting()
    for reason, count, earliest in groups:
        if reason == CalleeWait.CALLING_HOURS:
            answer.calling_hours = count
            answer.calling_hours_next.FromDatetime(earliest)
            number = (await uow.connection.execute(select(campaign_callees.c.number).where(
                waiting, campaign_callees.c.wait_reason == reason,
                campaign_callees.c.next_attempt_at == earliest).limit(1))).scalar_one()
            zones = timezones_of(number)
            opening = [zone for zone in zones if earliest.astimezone(ZoneInfo(zone)).time() == window_start]
            answer.calling_hours_zone = (opening or [*zones, ""])[0]
        elif reason == CalleeWait.RETRY:
            answer.retries = count
            answer.retry_next.FromDatetime(earliest)
        elif reason == CalleeWait.CALLBACK:  # said in the callee's time: "1 callback at 10:00 their time"
            answer.callbacks = count
            answer.callback_next.at.FromDatetime(earliest)
            number = (await uow.connection.execute(select(campaign_callees.c.number).where(
                waiting, campaign_callees.c.wait_reason == reason,
                campaign_callees.c.next_attempt_at == earliest).limit(1))).scalar_one()
            answer.callback_next.zone = (*timezones_of(number), "")[0]
    return answer


def done_count(counts: dict[str, int]) -> int:
    """Callees the campaign is finished with: answered, not reached, voicemail or not called."""
    return counts["answered"] + counts["failed"] + counts["voicemail"] + counts["not_called"]


async def announce(uow: UnitOfWork, relay: OutboxRelay | None, subject: str, campaign: Any,
                   counts: dict[str, int] | None = None, reason: str = "") -> None:
    counts = counts or await totals(uow, campaign.id, campaign.status)
    change = calls_events_pb2.CampaignChanged(
        campaign_id=campaign.id, name=campaign.name, status=campaign.status, callees=counts["callees"],
        done=done_count(counts), answered=counts["answered"], failed=counts["failed"],
        not_called=counts["not_called"], in_flight=counts["in_flight"], cost_cents=counts["cost_cents"],
        voicemail=counts["voicemail"], reason=reason)
    if campaign.start_at is not None:
        change.start_at.FromDatetime(campaign.start_at)
    change.callbacks, change.callbacks_waiting = await campaign_callbacks(uow, campaign.id)
    await stage_event(uow, relay, subject, campaign.customer_id, change)


def retry_rules(campaign: Any) -> RetryRules:
    """A campaign row's retry rules (its single policy for a campaign from before rules by outcome)."""
    return rules_from_json(campaign.retry_rules, max_attempts=campaign.max_attempts,
                           spacing_minutes=campaign.retry_spacing_minutes)


async def record_call_result(uow: UnitOfWork, relay: OutboxRelay | None, call: Any, now: datetime) -> None:
    """Called in the settlement's transaction for every settled call of a campaign. The callee is
    found by campaign and number, not by call id: the dispatcher may have died before it wrote the
    call id down, and the callee must not wait forever for a call that is already over. What the
    callee becomes is campaign_retries.callee_after_call's rule, by the call's outcome."""
    if call.failure_reason in set(DialStop):  # the callee may be claimed again already: not its result
        return
    callee = (await uow.connection.execute(
        select(campaign_callees, campaigns.c.max_attempts, campaigns.c.retry_spacing_minutes,
               campaigns.c.retry_rules)
        .join(campaigns, campaigns.c.id == campaign_callees.c.campaign_id)
        .where(campaign_callees.c.campaign_id == call.campaign_id, campaign_callees.c.number == call.to_number)
        .with_for_update(of=campaign_callees))).first()
    if callee is None or callee.status != "dialing" or (callee.call_id not in (None, call.id)):
        return
    outcome = call_outcome(status=call.status, disconnection_reason=call.disconnection_reason or "",
                           failure_reason=call.failure_reason or "", in_voicemail=bool(call.in_voicemail),
                           opted_out=bool(call.opted_out))
    # The dispatcher may have died before it counted this attempt: then it is counted here.
    attempts = callee.attempts + (1 if callee.call_id is None else 0)
    values: dict[str, Any] = {
        "outcome": call.disconnection_reason or call.failure_reason or call.status,
        "duration_seconds": call.duration_seconds, "call_id": call.id, "last_call_id": call.id,
        "digits": list(call.digits), "cost_cents": callee.cost_cents + call.cost_cents, "attempts": attempts}
    if outcome is not None and outcome.kind is OutcomeKind.VOICEMAIL:
        values["outcome"] = VOICEMAIL_REACHED
    if call.opted_out:
        values["outcome"] = OPTED_OUT
        await uow.connection.execute(update(campaign_callees).where(
            campaign_callees.c.campaign_id == callee.campaign_id, campaign_callees.c.number == call.to_number,
            campaign_callees.c.position != callee.position, campaign_callees.c.status == "pending")
            .values(status="skipped", outcome=OPTED_OUT))
    if outcome is None:  # a settled call is over; a status the rule does not know is a failure
        values["status"] = "failed"
    else:
        after = callee_after_call(outcome, connected=call.duration_seconds > 0, attempts=attempts,
                                  rules=retry_rules(callee), ended_at=now, now=now)
        values["status"] = after.status.value
        if after.retries:
            values.update(call_id=None, wait_reason=CalleeWait.RETRY, next_attempt_at=after.next_attempt_at)
    if (callback_at := callback_due(callee, call)) is not None:  # the callee asked to be called back
        values.update(status="pending", call_id=None, wait_reason=CalleeWait.CALLBACK, next_attempt_at=callback_at,
                      callback_at=callback_at)
    await uow.connection.execute(update(campaign_callees).where(
        campaign_callees.c.campaign_id == callee.campaign_id, campaign_callees.c.position == callee.position)
        .values(**values))
    await after_progress(uow, relay, callee.campaign_id, now)


async def record_late_voicemail(uow: UnitOfWork, relay: OutboxRelay | None, call: Any, now: datetime) -> None:
    """Retell's `call_analyzed` says a settled campaign call reached a voicemail that its end did not
    say (a voicemail its detection missed): the callee is decided again under the voicemail rule, once
    (campaign_retries.after_late_voicemail). Called in the webhook's transaction, after the call row
    took `in_voicemail`; `call.settled_at` is when the call's end was settled."""
    if not call.campaign_id or not call.in_voicemail:
        return
    callee = (await uow.connection.execute(
        select(campaign_callees, campaigns.c.status.label("campaign_status"), campaigns.c.max_attempts,
               campaigns.c.retry_spacing_minutes, campaigns.c.retry_rules)
        .join(campaigns, campaigns.c.id == campaign_callees.c.campaign_id)
        .where(campaign_callees.c.campaign_id == call.campaign_id, campaign_callees.c.number == call.to_number,
               campaign_callees.c.last_call_id == call.id)
        .with_for_update(of=campaign_callees))).first()
    if callee is None:
        return
    values = after_late_voicemail(
        CalleeNow(status=callee.status, outcome=callee.outcome, attempts=callee.attempts,
                  last_call_id=callee.last_call_id, wait_reason=callee.wait_reason),
        call_id=call.id, campaign_status=callee.campaign_status, rules=retry_rules(callee),
        ended_at=call.settled_at or now, now=now)
    if values is None:
        return
    await uow.connection.execute(update(campaign_callees).where(
        campaign_callees.c.campaign_id == callee.campaign_id, campaign_callees.c.position == callee.position)
        .values(**values))
    if callee.campaign_status == "completed":
        # Its progress message said "answered" for this callee: it says voicemail now, as the report does.
        campaign = (await uow.connection.execute(select(campaigns).where(campaigns.c.id == callee.campaign_id))).one()
        await announce(uow, relay, CAMPAIGN_PROGRESS, campaign)
        return
    await after_progress(uow, relay, callee.campaign_id, now)


async def announce_waiting(uow: UnitOfWork, relay: OutboxRelay | None, campaign_id: str, now: datetime) -> None:
    """Callees of a running campaign began to wait for their calling hours: a progress event, so the
    progress message says why nothing moves (the bot asks GetCampaign for the waiting counts). At most
    one every PROGRESS_EVERY_SECONDS, since a long list is deferred a few callees per dispatch pass; a
    campaign whose row another transaction holds is left to that one's announcement."""
    campaign = (await uow.connection.execute(
        select(campaigns).where(campaigns.c.id == campaign_id).with_for_update(skip_locked=True))).first()
    if campaign is None or campaign.status != "running" or (
            campaign.last_progress_at is not None
            and now - campaign.last_progress_at < timedelta(seconds=PROGRESS_EVERY_SECONDS)):
        return
    await uow.connection.execute(update(campaigns).where(campaigns.c.id == campaign_id).values(last_progress_at=now))
    await announce(uow, relay, CAMPAIGN_PROGRESS, campaign)


async def last_calls(uow: UnitOfWork, campaign_id: str) -> list[LastCall]:
    """The last calls of the campaign's callees that may still await their answers (those with no
    analysis), as the report readiness rule reads them (report_readiness.py)."""
    rows = (await uow.connection.execute(
        select(calls.c.status, calls.c.custom_fields, calls.c.analyzed_at, calls.c.settled_at)
        .select_from(campaign_callees.join(calls, calls.c.id == campaign_callees.c.call_id))
        .where(campaign_callees.c.campaign_id == campaign_id, calls.c.analyzed_at.is_(None)))).all()
    return [LastCall(status=row.status, custom_fields=row.custom_fields, analyzed_at=row.analyzed_at,
                     settled_at=row.settled_at) for row in rows]


async def after_analysis(uow: UnitOfWork, relay: OutboxRelay | None, call: Any, now: datetime) -> None:
    """Retell's `call_analyzed` for a settled campaign call: a voicemail its end did not say decides its
    callee again (record_late_voicemail), and a campaign whose report waited for this call's answers
    completes if nothing else holds it (report_readiness.py). Called in the webhook's transaction."""
    if not call.campaign_id:
        return
    await record_late_voicemail(uow, relay, call, now)
    if not fields_from_value(call.custom_fields):
        return  # no answers to wait for: its campaign never waited for this call
    status = (await uow.connection.execute(
        select(campaigns.c.status).where(campaigns.c.id == call.campaign_id))).scalar_one()
    if status in ("running", "paused"):
        await after_progress(uow, relay, call.campaign_id, now)


async def after_progress(uow: UnitOfWork, relay: OutboxRelay | None, campaign_id: str, now: datetime, *,
                         analysis_wait: timedelta | None = None) -> None:
    """Completes a campaign with nothing left to do and its report ready, or announces progress when
    due. A call still in flight when its campaign was cancelled ends afterwards: its result is
    announced at once, so the progress message ends with the counts the report and the chart show.
    `analysis_wait` is how long a report waits for answers that do not come: the campaign tick's, the
    only path on which time alone passes (report_readiness.py); None waits for every answer."""
    campaign = (await uow.connection.execute(
        select(campaigns).where(campaigns.c.id == campaign_id).with_for_update())).one()
    if campaign.status == "cancelled":
        await announce(uow, relay, CAMPAIGN_PROGRESS, campaign)
        return
    if campaign.status not in ("running", "paused"):
        return
    counts = await totals(uow, campaign_id, campaign.status)
    done = done_count(counts)
    if counts["pending"] == 0 and counts["in_flight"] == 0 and report_ready(
            await last_calls(uow, campaign_id), now, analysis_wait):
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
