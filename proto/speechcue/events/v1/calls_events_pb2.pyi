import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CallStarted(_message.Message):
    __slots__ = ("call_id", "flow_id", "campaign_id", "at")
    CALL_ID_FIELD_NUMBER: _ClassVar[int]
    FLOW_ID_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    call_id: str
    flow_id: str
    campaign_id: str
    at: _timestamp_pb2.Timestamp
    def __init__(self, call_id: _Optional[str] = ..., flow_id: _Optional[str] = ..., campaign_id: _Optional[str] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CallEnded(_message.Message):
    __slots__ = ("call_id", "flow_id", "campaign_id", "status", "duration_seconds", "disconnection_reason", "cost_cents", "plan_minutes", "opted_out", "failure_reason", "at", "keys_pressed", "recorded", "callback_requested", "callback_at")
    CALL_ID_FIELD_NUMBER: _ClassVar[int]
    FLOW_ID_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    DURATION_SECONDS_FIELD_NUMBER: _ClassVar[int]
    DISCONNECTION_REASON_FIELD_NUMBER: _ClassVar[int]
    COST_CENTS_FIELD_NUMBER: _ClassVar[int]
    PLAN_MINUTES_FIELD_NUMBER: _ClassVar[int]
    OPTED_OUT_FIELD_NUMBER: _ClassVar[int]
    FAILURE_REASON_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    KEYS_PRESSED_FIELD_NUMBER: _ClassVar[int]
    RECORDED_FIELD_NUMBER: _ClassVar[int]
    CALLBACK_REQUESTED_FIELD_NUMBER: _ClassVar[int]
    CALLBACK_AT_FIELD_NUMBER: _ClassVar[int]
    call_id: str
    flow_id: str
    campaign_id: str
    status: str
    duration_seconds: int
    disconnection_reason: str
    cost_cents: int
    plan_minutes: int
    opted_out: bool
    failure_reason: str
    at: _timestamp_pb2.Timestamp
    keys_pressed: int
    recorded: bool
    callback_requested: bool
    callback_at: _timestamp_pb2.Timestamp
    def __init__(self, call_id: _Optional[str] = ..., flow_id: _Optional[str] = ..., campaign_id: _Optional[str] = ..., status: _Optional[str] = ..., duration_seconds: _Optional[int] = ..., disconnection_reason: _Optional[str] = ..., cost_cents: _Optional[int] = ..., plan_minutes: _Optional[int] = ..., opted_out: _Optional[bool] = ..., failure_reason: _Optional[str] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., keys_pressed: _Optional[int] = ..., recorded: _Optional[bool] = ..., callback_requested: _Optional[bool] = ..., callback_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CallAnalyzed(_message.Message):
    __slots__ = ("call_id", "campaign_id", "sentiment", "successful", "in_voicemail", "has_summary", "custom_answers", "lead")
    CALL_ID_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    SENTIMENT_FIELD_NUMBER: _ClassVar[int]
    SUCCESSFUL_FIELD_NUMBER: _ClassVar[int]
    IN_VOICEMAIL_FIELD_NUMBER: _ClassVar[int]
    HAS_SUMMARY_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ANSWERS_FIELD_NUMBER: _ClassVar[int]
    LEAD_FIELD_NUMBER: _ClassVar[int]
    call_id: str
    campaign_id: str
    sentiment: str
    successful: bool
    in_voicemail: bool
    has_summary: bool
    custom_answers: int
    lead: bool
    def __init__(self, call_id: _Optional[str] = ..., campaign_id: _Optional[str] = ..., sentiment: _Optional[str] = ..., successful: _Optional[bool] = ..., in_voicemail: _Optional[bool] = ..., has_summary: _Optional[bool] = ..., custom_answers: _Optional[int] = ..., lead: _Optional[bool] = ...) -> None: ...

class FlowReviewed(_message.Message):
    __slots__ = ("flow_id", "name", "approved", "note")
    FLOW_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    APPROVED_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    flow_id: str
    name: str
    approved: bool
    note: str
    def __init__(self, flow_id: _Optional[str] = ..., name: _Optional[str] = ..., approved: _Optional[bool] = ..., note: _Optional[str] = ...) -> None: ...

class FlowPendingReview(_message.Message):
    __slots__ = ("flow_id", "name", "reason_count")
    FLOW_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    REASON_COUNT_FIELD_NUMBER: _ClassVar[int]
    flow_id: str
    name: str
    reason_count: int
    def __init__(self, flow_id: _Optional[str] = ..., name: _Optional[str] = ..., reason_count: _Optional[int] = ...) -> None: ...

class CustomerSuspension(_message.Message):
    __slots__ = ("suspended", "campaigns_paused", "calls_failed", "calls_stopped")
    SUSPENDED_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGNS_PAUSED_FIELD_NUMBER: _ClassVar[int]
    CALLS_FAILED_FIELD_NUMBER: _ClassVar[int]
    CALLS_STOPPED_FIELD_NUMBER: _ClassVar[int]
    suspended: bool
    campaigns_paused: int
    calls_failed: int
    calls_stopped: int
    def __init__(self, suspended: _Optional[bool] = ..., campaigns_paused: _Optional[int] = ..., calls_failed: _Optional[int] = ..., calls_stopped: _Optional[int] = ...) -> None: ...

class CampaignChanged(_message.Message):
    __slots__ = ("campaign_id", "name", "status", "callees", "done", "answered", "failed", "in_flight", "cost_cents", "reason", "start_at", "not_called", "voicemail", "callbacks", "callbacks_waiting")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CALLEES_FIELD_NUMBER: _ClassVar[int]
    DONE_FIELD_NUMBER: _ClassVar[int]
    ANSWERED_FIELD_NUMBER: _ClassVar[int]
    FAILED_FIELD_NUMBER: _ClassVar[int]
    IN_FLIGHT_FIELD_NUMBER: _ClassVar[int]
    COST_CENTS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    START_AT_FIELD_NUMBER: _ClassVar[int]
    NOT_CALLED_FIELD_NUMBER: _ClassVar[int]
    VOICEMAIL_FIELD_NUMBER: _ClassVar[int]
    CALLBACKS_FIELD_NUMBER: _ClassVar[int]
    CALLBACKS_WAITING_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    name: str
    status: str
    callees: int
    done: int
    answered: int
    failed: int
    in_flight: int
    cost_cents: int
    reason: str
    start_at: _timestamp_pb2.Timestamp
    not_called: int
    voicemail: int
    callbacks: int
    callbacks_waiting: int
    def __init__(self, campaign_id: _Optional[str] = ..., name: _Optional[str] = ..., status: _Optional[str] = ..., callees: _Optional[int] = ..., done: _Optional[int] = ..., answered: _Optional[int] = ..., failed: _Optional[int] = ..., in_flight: _Optional[int] = ..., cost_cents: _Optional[int] = ..., reason: _Optional[str] = ..., start_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., not_called: _Optional[int] = ..., voicemail: _Optional[int] = ..., callbacks: _Optional[int] = ..., callbacks_waiting: _Optional[int] = ...) -> None: ...
