"""The calls service's events (stream CALLS), staged in the outbox with the change they report."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp

from services.runtime.database import UnitOfWork
from services.runtime.outbox import OutboxRelay, stage_event
from speechcue.events.v1 import calls_events_pb2

CALL_STARTED = "calls.call.started"
CALL_ENDED = "calls.call.ended"
CALL_ANALYZED = "calls.call.analyzed"
FLOW_REVIEWED = "calls.flow.reviewed"
FLOW_PENDING_REVIEW = "calls.flow.pending_review"
CUSTOMER_SUSPENDED = "calls.customer.suspended"
CUSTOMER_UNSUSPENDED = "calls.customer.unsuspended"


def _stamp(moment: datetime | None) -> Timestamp:
    stamp = Timestamp()
    if moment is not None:
        stamp.FromDatetime(moment)
    return stamp


class CallsEvents:
    def __init__(self, relay: OutboxRelay | None) -> None:
        self.relay = relay

    async def call_started(self, uow: UnitOfWork, call: Any) -> None:
        await stage_event(uow, self.relay, CALL_STARTED, call.customer_id, calls_events_pb2.CallStarted(
            call_id=call.id, flow_id=call.flow_id, campaign_id=call.campaign_id, at=_stamp(call.started_at)))

    async def call_ended(self, uow: UnitOfWork, call: Any) -> None:
        ended = calls_events_pb2.CallEnded(
            call_id=call.id, flow_id=call.flow_id, campaign_id=call.campaign_id,
            status=call.status, duration_seconds=call.duration_seconds,
            disconnection_reason=call.disconnection_reason, cost_cents=call.cost_cents,
            plan_minutes=call.used_plan_minutes, opted_out=call.opted_out,
            failure_reason=call.failure_reason, at=_stamp(call.ended_at),
            keys_pressed=len(call.digits), recorded=bool(call.recording_url),
            # callback_requests.note_callbacks decided these in the same transaction.
            callback_requested=getattr(call, "callback_requested", False))
        if getattr(call, "callback_at", None) is not None:
            ended.callback_at.FromDatetime(call.callback_at)
        await stage_event(uow, self.relay, CALL_ENDED, call.customer_id, ended)

    async def call_analyzed(self, uow: UnitOfWork, call: Any) -> None:
        await stage_event(uow, self.relay, CALL_ANALYZED, call.customer_id, calls_events_pb2.CallAnalyzed(
            call_id=call.id, campaign_id=call.campaign_id, sentiment=call.sentiment,
            successful=call.successful, in_voicemail=call.in_voicemail, has_summary=bool(call.summary),
            # How many answers, and whether they make a lead; the answers only through GetCall.
            custom_answers=len(call.custom_answers or {}), lead=bool(call.is_lead)))

    async def flow_reviewed(self, uow: UnitOfWork, flow: Any, approved: bool, note: str) -> None:
        await stage_event(uow, self.relay, FLOW_REVIEWED, flow.customer_id, calls_events_pb2.FlowReviewed(
            flow_id=flow.id, name=flow.name, approved=approved, note=note))

    async def customer_suspension(self, uow: UnitOfWork, customer_id: str,
                                  change: calls_events_pb2.CustomerSuspension) -> None:
        subject = CUSTOMER_SUSPENDED if change.suspended else CUSTOMER_UNSUSPENDED
        await stage_event(uow, self.relay, subject, customer_id, change)

    async def flow_pending_review(self, uow: UnitOfWork, flow: Any) -> None:
        await stage_event(uow, self.relay, FLOW_PENDING_REVIEW, flow.customer_id, calls_events_pb2.FlowPendingReview(
            flow_id=flow.id, name=flow.name, reason_count=len(flow.review_reasons)))
