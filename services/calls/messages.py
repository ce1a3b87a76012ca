"""Turning calls-service rows into speechcue.calls.v1 messages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp

from services.calls.custom_fields import answer_messages
from speechcue.calls.v1 import calls_pb2

FLOW_STATUSES = {"approved": calls_pb2.FLOW_STATUS_APPROVED, "pending_review": calls_pb2.FLOW_STATUS_PENDING_REVIEW,
                 "rejected": calls_pb2.FLOW_STATUS_REJECTED}
CALL_STATUSES = {"queued": calls_pb2.CALL_STATUS_QUEUED, "ringing": calls_pb2.CALL_STATUS_RINGING,
                 "ongoing": calls_pb2.CALL_STATUS_ONGOING, "ended": calls_pb2.CALL_STATUS_ENDED,
                 "failed": calls_pb2.CALL_STATUS_FAILED}
CALL_STATUS_NAMES = {value: name for name, value in CALL_STATUSES.items()}


def stamp(moment: datetime | None) -> Timestamp | None:
    if moment is None:
        return None
    result = Timestamp()
    result.FromDatetime(moment)
    return result


def flow_message(row: Any) -> calls_pb2.Flow:
    return calls_pb2.Flow(
        id=row.id, customer_id=row.customer_id, spec=calls_pb2.FlowSpec.FromString(row.spec),
        status=FLOW_STATUSES.get(row.status, calls_pb2.FLOW_STATUS_UNSPECIFIED),
        review_reasons=list(row.review_reasons), review_note=row.review_note,
        retell_agent_id=row.retell_agent_id or "", created_at=stamp(row.created_at), updated_at=stamp(row.updated_at),
        version=row.version, approved_version=row.approved_version,
        approved_spec=calls_pb2.FlowSpec.FromString(row.approved_spec) if row.approved_spec else None,
        approved_retell_agent_id=row.approved_retell_agent_id or "", approved_at=stamp(row.approved_at),
    )


def call_message(row: Any) -> calls_pb2.Call:
    return calls_pb2.Call(
        id=row.id, customer_id=row.customer_id, flow_id=row.flow_id, campaign_id=row.campaign_id,
        to_number=row.to_number, caller_id=row.caller_id,
        status=CALL_STATUSES.get(row.status, calls_pb2.CALL_STATUS_UNSPECIFIED),
        retell_call_id=row.retell_call_id or "", duration_seconds=row.duration_seconds,
        disconnection_reason=row.disconnection_reason, digits=list(row.digits),
        # An unrecorded call shows none, even if Retell's webhook carried one (data_storage.py).
        recording_url=row.recording_url if row.record else "",
        transfer_number=row.transfer_number, cost_cents=row.cost_cents, plan_minutes=row.used_plan_minutes,
        analysis=calls_pb2.CallAnalysis(summary=row.summary, sentiment=row.sentiment, successful=row.successful,
                                        in_voicemail=row.in_voicemail),
        opted_out=row.opted_out, created_at=stamp(row.created_at), started_at=stamp(row.started_at),
        ended_at=stamp(row.ended_at), failure_reason=row.failure_reason, recorded=bool(row.record),
        waiting_for_line=row.status == "queued" and getattr(row, "waiting_for_line_since", None) is not None,
        stopped_by_customer=bool(getattr(row, "stopped_by_customer", False)),
        custom_answers=answer_messages(getattr(row, "custom_answers", None), getattr(row, "custom_fields", None)),
        # The callback its callee asked for (callback_requests.py); unset when none.
        callback_at=stamp(getattr(row, "callback_at", None)),
    )
