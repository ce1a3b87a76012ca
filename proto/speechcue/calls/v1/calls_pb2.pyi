import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from speechcue.common.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CampaignStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CAMPAIGN_STATUS_UNSPECIFIED: _ClassVar[CampaignStatus]
    CAMPAIGN_STATUS_DRAFT: _ClassVar[CampaignStatus]
    CAMPAIGN_STATUS_SCHEDULED: _ClassVar[CampaignStatus]
    CAMPAIGN_STATUS_RUNNING: _ClassVar[CampaignStatus]
    CAMPAIGN_STATUS_PAUSED: _ClassVar[CampaignStatus]
    CAMPAIGN_STATUS_COMPLETED: _ClassVar[CampaignStatus]
    CAMPAIGN_STATUS_CANCELLED: _ClassVar[CampaignStatus]

class TrustTier(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRUST_TIER_UNSPECIFIED: _ClassVar[TrustTier]
    TRUST_TIER_NEW: _ClassVar[TrustTier]
    TRUST_TIER_TRUSTED: _ClassVar[TrustTier]

class NodeKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    NODE_KIND_UNSPECIFIED: _ClassVar[NodeKind]
    NODE_KIND_MESSAGE: _ClassVar[NodeKind]
    NODE_KIND_MENU: _ClassVar[NodeKind]
    NODE_KIND_COLLECT_DIGITS: _ClassVar[NodeKind]
    NODE_KIND_TRANSFER: _ClassVar[NodeKind]
    NODE_KIND_END: _ClassVar[NodeKind]

class MenuFallback(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MENU_FALLBACK_UNSPECIFIED: _ClassVar[MenuFallback]
    MENU_FALLBACK_REPEAT: _ClassVar[MenuFallback]
    MENU_FALLBACK_GO_TO: _ClassVar[MenuFallback]
    MENU_FALLBACK_END: _ClassVar[MenuFallback]

class FlowKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FLOW_KIND_UNSPECIFIED: _ClassVar[FlowKind]
    FLOW_KIND_GRAPH: _ClassVar[FlowKind]
    FLOW_KIND_AI_SCRIPT: _ClassVar[FlowKind]

class FlowStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FLOW_STATUS_UNSPECIFIED: _ClassVar[FlowStatus]
    FLOW_STATUS_APPROVED: _ClassVar[FlowStatus]
    FLOW_STATUS_PENDING_REVIEW: _ClassVar[FlowStatus]
    FLOW_STATUS_REJECTED: _ClassVar[FlowStatus]

class VoicemailAction(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VOICEMAIL_ACTION_UNSPECIFIED: _ClassVar[VoicemailAction]
    VOICEMAIL_ACTION_HANG_UP: _ClassVar[VoicemailAction]
    VOICEMAIL_ACTION_LEAVE_MESSAGE: _ClassVar[VoicemailAction]

class CostBasis(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    COST_BASIS_UNSPECIFIED: _ClassVar[CostBasis]
    COST_BASIS_PLAN: _ClassVar[CostBasis]
    COST_BASIS_PLAN_THEN_BALANCE: _ClassVar[CostBasis]
    COST_BASIS_BALANCE: _ClassVar[CostBasis]

class CallStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CALL_STATUS_UNSPECIFIED: _ClassVar[CallStatus]
    CALL_STATUS_QUEUED: _ClassVar[CallStatus]
    CALL_STATUS_RINGING: _ClassVar[CallStatus]
    CALL_STATUS_ONGOING: _ClassVar[CallStatus]
    CALL_STATUS_ENDED: _ClassVar[CallStatus]
    CALL_STATUS_FAILED: _ClassVar[CallStatus]

class KeyInputKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    KEY_INPUT_KIND_UNSPECIFIED: _ClassVar[KeyInputKind]
    KEY_INPUT_KIND_MENU_CHOICE: _ClassVar[KeyInputKind]
    KEY_INPUT_KIND_DIGITS: _ClassVar[KeyInputKind]
    KEY_INPUT_KIND_OPT_OUT: _ClassVar[KeyInputKind]

class CustomFieldType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CUSTOM_FIELD_TYPE_UNSPECIFIED: _ClassVar[CustomFieldType]
    CUSTOM_FIELD_TYPE_YES_NO: _ClassVar[CustomFieldType]
    CUSTOM_FIELD_TYPE_CHOICE: _ClassVar[CustomFieldType]
    CUSTOM_FIELD_TYPE_NUMBER: _ClassVar[CustomFieldType]
    CUSTOM_FIELD_TYPE_TEXT: _ClassVar[CustomFieldType]
CAMPAIGN_STATUS_UNSPECIFIED: CampaignStatus
CAMPAIGN_STATUS_DRAFT: CampaignStatus
CAMPAIGN_STATUS_SCHEDULED: CampaignStatus
CAMPAIGN_STATUS_RUNNING: CampaignStatus
CAMPAIGN_STATUS_PAUSED: CampaignStatus
CAMPAIGN_STATUS_COMPLETED: CampaignStatus
CAMPAIGN_STATUS_CANCELLED: CampaignStatus
TRUST_TIER_UNSPECIFIED: TrustTier
TRUST_TIER_NEW: TrustTier
TRUST_TIER_TRUSTED: TrustTier
NODE_KIND_UNSPECIFIED: NodeKind
NODE_KIND_MESSAGE: NodeKind
NODE_KIND_MENU: NodeKind
NODE_KIND_COLLECT_DIGITS: NodeKind
NODE_KIND_TRANSFER: NodeKind
NODE_KIND_END: NodeKind
MENU_FALLBACK_UNSPECIFIED: MenuFallback
MENU_FALLBACK_REPEAT: MenuFallback
MENU_FALLBACK_GO_TO: MenuFallback
MENU_FALLBACK_END: MenuFallback
FLOW_KIND_UNSPECIFIED: FlowKind
FLOW_KIND_GRAPH: FlowKind
FLOW_KIND_AI_SCRIPT: FlowKind
FLOW_STATUS_UNSPECIFIED: FlowStatus
FLOW_STATUS_APPROVED: FlowStatus
FLOW_STATUS_PENDING_REVIEW: FlowStatus
FLOW_STATUS_REJECTED: FlowStatus
VOICEMAIL_ACTION_UNSPECIFIED: VoicemailAction
VOICEMAIL_ACTION_HANG_UP: VoicemailAction
VOICEMAIL_ACTION_LEAVE_MESSAGE: VoicemailAction
COST_BASIS_UNSPECIFIED: CostBasis
COST_BASIS_PLAN: CostBasis
COST_BASIS_PLAN_THEN_BALANCE: CostBasis
COST_BASIS_BALANCE: CostBasis
CALL_STATUS_UNSPECIFIED: CallStatus
CALL_STATUS_QUEUED: CallStatus
CALL_STATUS_RINGING: CallStatus
CALL_STATUS_ONGOING: CallStatus
CALL_STATUS_ENDED: CallStatus
CALL_STATUS_FAILED: CallStatus
KEY_INPUT_KIND_UNSPECIFIED: KeyInputKind
KEY_INPUT_KIND_MENU_CHOICE: KeyInputKind
KEY_INPUT_KIND_DIGITS: KeyInputKind
KEY_INPUT_KIND_OPT_OUT: KeyInputKind
CUSTOM_FIELD_TYPE_UNSPECIFIED: CustomFieldType
CUSTOM_FIELD_TYPE_YES_NO: CustomFieldType
CUSTOM_FIELD_TYPE_CHOICE: CustomFieldType
CUSTOM_FIELD_TYPE_NUMBER: CustomFieldType
CUSTOM_FIELD_TYPE_TEXT: CustomFieldType

class PreviewCallListRequest(_message.Message):
    __slots__ = ("customer_id", "list", "default_region")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    LIST_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_REGION_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    list: bytes
    default_region: str
    def __init__(self, customer_id: _Optional[str] = ..., list: _Optional[bytes] = ..., default_region: _Optional[str] = ...) -> None: ...

class CallListReport(_message.Message):
    __slots__ = ("lines_read", "accepted", "invalid", "duplicates", "do_not_call", "over_limit", "invalid_examples", "duplicate_examples", "do_not_call_examples", "refusal", "refused", "refused_examples", "flagged", "flagged_examples", "variables", "first_callee")
    class FirstCalleeEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    LINES_READ_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    INVALID_FIELD_NUMBER: _ClassVar[int]
    DUPLICATES_FIELD_NUMBER: _ClassVar[int]
    DO_NOT_CALL_FIELD_NUMBER: _ClassVar[int]
    OVER_LIMIT_FIELD_NUMBER: _ClassVar[int]
    INVALID_EXAMPLES_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_EXAMPLES_FIELD_NUMBER: _ClassVar[int]
    DO_NOT_CALL_EXAMPLES_FIELD_NUMBER: _ClassVar[int]
    REFUSAL_FIELD_NUMBER: _ClassVar[int]
    REFUSED_FIELD_NUMBER: _ClassVar[int]
    REFUSED_EXAMPLES_FIELD_NUMBER: _ClassVar[int]
    FLAGGED_FIELD_NUMBER: _ClassVar[int]
    FLAGGED_EXAMPLES_FIELD_NUMBER: _ClassVar[int]
    VARIABLES_FIELD_NUMBER: _ClassVar[int]
    FIRST_CALLEE_FIELD_NUMBER: _ClassVar[int]
    lines_read: int
    accepted: int
    invalid: int
    duplicates: int
    do_not_call: int
    over_limit: int
    invalid_examples: _containers.RepeatedScalarFieldContainer[str]
    duplicate_examples: _containers.RepeatedScalarFieldContainer[str]
    do_not_call_examples: _containers.RepeatedScalarFieldContainer[str]
    refusal: str
    refused: int
    refused_examples: _containers.RepeatedCompositeFieldContainer[RefusedNumber]
    flagged: int
    flagged_examples: _containers.RepeatedScalarFieldContainer[str]
    variables: _containers.RepeatedScalarFieldContainer[str]
    first_callee: _containers.ScalarMap[str, str]
    def __init__(self, lines_read: _Optional[int] = ..., accepted: _Optional[int] = ..., invalid: _Optional[int] = ..., duplicates: _Optional[int] = ..., do_not_call: _Optional[int] = ..., over_limit: _Optional[int] = ..., invalid_examples: _Optional[_Iterable[str]] = ..., duplicate_examples: _Optional[_Iterable[str]] = ..., do_not_call_examples: _Optional[_Iterable[str]] = ..., refusal: _Optional[str] = ..., refused: _Optional[int] = ..., refused_examples: _Optional[_Iterable[_Union[RefusedNumber, _Mapping]]] = ..., flagged: _Optional[int] = ..., flagged_examples: _Optional[_Iterable[str]] = ..., variables: _Optional[_Iterable[str]] = ..., first_callee: _Optional[_Mapping[str, str]] = ...) -> None: ...

class RefusedNumber(_message.Message):
    __slots__ = ("number", "reason", "message", "country", "number_type")
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    NUMBER_TYPE_FIELD_NUMBER: _ClassVar[int]
    number: str
    reason: str
    message: str
    country: str
    number_type: str
    def __init__(self, number: _Optional[str] = ..., reason: _Optional[str] = ..., message: _Optional[str] = ..., country: _Optional[str] = ..., number_type: _Optional[str] = ...) -> None: ...

class RetryPolicy(_message.Message):
    __slots__ = ("max_attempts", "spacing_minutes", "by_outcome")
    MAX_ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    SPACING_MINUTES_FIELD_NUMBER: _ClassVar[int]
    BY_OUTCOME_FIELD_NUMBER: _ClassVar[int]
    max_attempts: int
    spacing_minutes: int
    by_outcome: _containers.RepeatedCompositeFieldContainer[OutcomeRetry]
    def __init__(self, max_attempts: _Optional[int] = ..., spacing_minutes: _Optional[int] = ..., by_outcome: _Optional[_Iterable[_Union[OutcomeRetry, _Mapping]]] = ...) -> None: ...

class OutcomeRetry(_message.Message):
    __slots__ = ("outcome", "max_attempts", "spacing_minutes")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    MAX_ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    SPACING_MINUTES_FIELD_NUMBER: _ClassVar[int]
    outcome: str
    max_attempts: int
    spacing_minutes: int
    def __init__(self, outcome: _Optional[str] = ..., max_attempts: _Optional[int] = ..., spacing_minutes: _Optional[int] = ...) -> None: ...

class CampaignTotals(_message.Message):
    __slots__ = ("callees", "pending", "in_flight", "answered", "failed", "attempts", "cost_cents", "not_called", "voicemail", "callbacks")
    CALLEES_FIELD_NUMBER: _ClassVar[int]
    PENDING_FIELD_NUMBER: _ClassVar[int]
    IN_FLIGHT_FIELD_NUMBER: _ClassVar[int]
    ANSWERED_FIELD_NUMBER: _ClassVar[int]
    FAILED_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    COST_CENTS_FIELD_NUMBER: _ClassVar[int]
    NOT_CALLED_FIELD_NUMBER: _ClassVar[int]
    VOICEMAIL_FIELD_NUMBER: _ClassVar[int]
    CALLBACKS_FIELD_NUMBER: _ClassVar[int]
    callees: int
    pending: int
    in_flight: int
    answered: int
    failed: int
    attempts: int
    cost_cents: int
    not_called: int
    voicemail: int
    callbacks: int
    def __init__(self, callees: _Optional[int] = ..., pending: _Optional[int] = ..., in_flight: _Optional[int] = ..., answered: _Optional[int] = ..., failed: _Optional[int] = ..., attempts: _Optional[int] = ..., cost_cents: _Optional[int] = ..., not_called: _Optional[int] = ..., voicemail: _Optional[int] = ..., callbacks: _Optional[int] = ...) -> None: ...

class Campaign(_message.Message):
    __slots__ = ("id", "customer_id", "name", "flow_id", "caller_id", "status", "start_at", "reminder_minutes", "retry", "totals", "pause_reason", "import_report", "created_at", "completed_at", "max_minutes_per_call", "waiting")
    ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    FLOW_ID_FIELD_NUMBER: _ClassVar[int]
    CALLER_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    START_AT_FIELD_NUMBER: _ClassVar[int]
    REMINDER_MINUTES_FIELD_NUMBER: _ClassVar[int]
    RETRY_FIELD_NUMBER: _ClassVar[int]
    TOTALS_FIELD_NUMBER: _ClassVar[int]
    PAUSE_REASON_FIELD_NUMBER: _ClassVar[int]
    IMPORT_REPORT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_AT_FIELD_NUMBER: _ClassVar[int]
    MAX_MINUTES_PER_CALL_FIELD_NUMBER: _ClassVar[int]
    WAITING_FIELD_NUMBER: _ClassVar[int]
    id: str
    customer_id: str
    name: str
    flow_id: str
    caller_id: str
    status: CampaignStatus
    start_at: _timestamp_pb2.Timestamp
    reminder_minutes: int
    retry: RetryPolicy
    totals: CampaignTotals
    pause_reason: str
    import_report: CallListReport
    created_at: _timestamp_pb2.Timestamp
    completed_at: _timestamp_pb2.Timestamp
    max_minutes_per_call: int
    waiting: CampaignWaiting
    def __init__(self, id: _Optional[str] = ..., customer_id: _Optional[str] = ..., name: _Optional[str] = ..., flow_id: _Optional[str] = ..., caller_id: _Optional[str] = ..., status: _Optional[_Union[CampaignStatus, str]] = ..., start_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reminder_minutes: _Optional[int] = ..., retry: _Optional[_Union[RetryPolicy, _Mapping]] = ..., totals: _Optional[_Union[CampaignTotals, _Mapping]] = ..., pause_reason: _Optional[str] = ..., import_report: _Optional[_Union[CallListReport, _Mapping]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., completed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., max_minutes_per_call: _Optional[int] = ..., waiting: _Optional[_Union[CampaignWaiting, _Mapping]] = ...) -> None: ...

class CampaignWaiting(_message.Message):
    __slots__ = ("calling_hours", "calling_hours_next", "calling_hours_zone", "retries", "retry_next", "callbacks", "callback_next")
    CALLING_HOURS_FIELD_NUMBER: _ClassVar[int]
    CALLING_HOURS_NEXT_FIELD_NUMBER: _ClassVar[int]
    CALLING_HOURS_ZONE_FIELD_NUMBER: _ClassVar[int]
    RETRIES_FIELD_NUMBER: _ClassVar[int]
    RETRY_NEXT_FIELD_NUMBER: _ClassVar[int]
    CALLBACKS_FIELD_NUMBER: _ClassVar[int]
    CALLBACK_NEXT_FIELD_NUMBER: _ClassVar[int]
    calling_hours: int
    calling_hours_next: _timestamp_pb2.Timestamp
    calling_hours_zone: str
    retries: int
    retry_next: _timestamp_pb2.Timestamp
    callbacks: int
    callback_next: CallbackTime
    def __init__(self, calling_hours: _Optional[int] = ..., calling_hours_next: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., calling_hours_zone: _Optional[str] = ..., retries: _Optional[int] = ..., retry_next: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., callbacks: _Optional[int] = ..., callback_next: _Optional[_Union[CallbackTime, _Mapping]] = ...) -> None: ...

class CampaignQuote(_message.Message):
    __slots__ = ("campaign_id", "callees", "minutes_per_call", "price_per_minute_cents", "call_cost_cents", "estimate_cents", "plan_code", "plan_name", "plan_minutes", "first_calls", "calls_covered", "blocked_reason", "expected_answered", "likely_low_cents", "likely_high_cents", "expected_answer_percent", "forecast_from_history")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    CALLEES_FIELD_NUMBER: _ClassVar[int]
    MINUTES_PER_CALL_FIELD_NUMBER: _ClassVar[int]
    PRICE_PER_MINUTE_CENTS_FIELD_NUMBER: _ClassVar[int]
    CALL_COST_CENTS_FIELD_NUMBER: _ClassVar[int]
    ESTIMATE_CENTS_FIELD_NUMBER: _ClassVar[int]
    PLAN_CODE_FIELD_NUMBER: _ClassVar[int]
    PLAN_NAME_FIELD_NUMBER: _ClassVar[int]
    PLAN_MINUTES_FIELD_NUMBER: _ClassVar[int]
    FIRST_CALLS_FIELD_NUMBER: _ClassVar[int]
    CALLS_COVERED_FIELD_NUMBER: _ClassVar[int]
    BLOCKED_REASON_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_ANSWERED_FIELD_NUMBER: _ClassVar[int]
    LIKELY_LOW_CENTS_FIELD_NUMBER: _ClassVar[int]
    LIKELY_HIGH_CENTS_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_ANSWER_PERCENT_FIELD_NUMBER: _ClassVar[int]
    FORECAST_FROM_HISTORY_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    callees: int
    minutes_per_call: int
    price_per_minute_cents: int
    call_cost_cents: int
    estimate_cents: int
    plan_code: str
    plan_name: str
    plan_minutes: int
    first_calls: int
    calls_covered: int
    blocked_reason: str
    expected_answered: int
    likely_low_cents: int
    likely_high_cents: int
    expected_answer_percent: int
    forecast_from_history: int
    def __init__(self, campaign_id: _Optional[str] = ..., callees: _Optional[int] = ..., minutes_per_call: _Optional[int] = ..., price_per_minute_cents: _Optional[int] = ..., call_cost_cents: _Optional[int] = ..., estimate_cents: _Optional[int] = ..., plan_code: _Optional[str] = ..., plan_name: _Optional[str] = ..., plan_minutes: _Optional[int] = ..., first_calls: _Optional[int] = ..., calls_covered: _Optional[int] = ..., blocked_reason: _Optional[str] = ..., expected_answered: _Optional[int] = ..., likely_low_cents: _Optional[int] = ..., likely_high_cents: _Optional[int] = ..., expected_answer_percent: _Optional[int] = ..., forecast_from_history: _Optional[int] = ...) -> None: ...

class RenameCampaignRequest(_message.Message):
    __slots__ = ("idempotency_key", "customer_id", "campaign_id", "name")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    customer_id: str
    campaign_id: str
    name: str
    def __init__(self, idempotency_key: _Optional[str] = ..., customer_id: _Optional[str] = ..., campaign_id: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class CreateCampaignRequest(_message.Message):
    __slots__ = ("idempotency_key", "customer_id", "name", "flow_id", "list", "default_region", "caller_id", "start_at", "reminder_minutes", "retry", "max_minutes_per_call", "as_draft", "from_campaign_id", "segment")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    FLOW_ID_FIELD_NUMBER: _ClassVar[int]
    LIST_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_REGION_FIELD_NUMBER: _ClassVar[int]
    CALLER_ID_FIELD_NUMBER: _ClassVar[int]
    START_AT_FIELD_NUMBER: _ClassVar[int]
    REMINDER_MINUTES_FIELD_NUMBER: _ClassVar[int]
    RETRY_FIELD_NUMBER: _ClassVar[int]
    MAX_MINUTES_PER_CALL_FIELD_NUMBER: _ClassVar[int]
    AS_DRAFT_FIELD_NUMBER: _ClassVar[int]
    FROM_CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    customer_id: str
    name: str
    flow_id: str
    list: bytes
    default_region: str
    caller_id: str
    start_at: _timestamp_pb2.Timestamp
    reminder_minutes: int
    retry: RetryPolicy
    max_minutes_per_call: int
    as_draft: bool
    from_campaign_id: str
    segment: str
    def __init__(self, idempotency_key: _Optional[str] = ..., customer_id: _Optional[str] = ..., name: _Optional[str] = ..., flow_id: _Optional[str] = ..., list: _Optional[bytes] = ..., default_region: _Optional[str] = ..., caller_id: _Optional[str] = ..., start_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reminder_minutes: _Optional[int] = ..., retry: _Optional[_Union[RetryPolicy, _Mapping]] = ..., max_minutes_per_call: _Optional[int] = ..., as_draft: _Optional[bool] = ..., from_campaign_id: _Optional[str] = ..., segment: _Optional[str] = ...) -> None: ...

class CampaignActionRequest(_message.Message):
    __slots__ = ("idempotency_key", "customer_id", "campaign_id")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    customer_id: str
    campaign_id: str
    def __init__(self, idempotency_key: _Optional[str] = ..., customer_id: _Optional[str] = ..., campaign_id: _Optional[str] = ...) -> None: ...

class GetCampaignRequest(_message.Message):
    __slots__ = ("customer_id", "campaign_id")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    campaign_id: str
    def __init__(self, customer_id: _Optional[str] = ..., campaign_id: _Optional[str] = ...) -> None: ...

class ListCampaignsRequest(_message.Message):
    __slots__ = ("customer_id", "page")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    page: _common_pb2.PageRequest
    def __init__(self, customer_id: _Optional[str] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListCampaignsResponse(_message.Message):
    __slots__ = ("campaigns", "next_page_token")
    CAMPAIGNS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    campaigns: _containers.RepeatedCompositeFieldContainer[Campaign]
    next_page_token: str
    def __init__(self, campaigns: _Optional[_Iterable[_Union[Campaign, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CampaignReport(_message.Message):
    __slots__ = ("filename", "csv", "totals", "name")
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    CSV_FIELD_NUMBER: _ClassVar[int]
    TOTALS_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    filename: str
    csv: bytes
    totals: CampaignTotals
    name: str
    def __init__(self, filename: _Optional[str] = ..., csv: _Optional[bytes] = ..., totals: _Optional[_Union[CampaignTotals, _Mapping]] = ..., name: _Optional[str] = ...) -> None: ...

class CustomerLimits(_message.Message):
    __slots__ = ("customer_id", "max_concurrent_calls", "calls_per_hour", "calls_per_day", "suspended", "suspension_reason", "trust_tier", "trust_reason", "trust_override")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    MAX_CONCURRENT_CALLS_FIELD_NUMBER: _ClassVar[int]
    CALLS_PER_HOUR_FIELD_NUMBER: _ClassVar[int]
    CALLS_PER_DAY_FIELD_NUMBER: _ClassVar[int]
    SUSPENDED_FIELD_NUMBER: _ClassVar[int]
    SUSPENSION_REASON_FIELD_NUMBER: _ClassVar[int]
    TRUST_TIER_FIELD_NUMBER: _ClassVar[int]
    TRUST_REASON_FIELD_NUMBER: _ClassVar[int]
    TRUST_OVERRIDE_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    max_concurrent_calls: int
    calls_per_hour: int
    calls_per_day: int
    suspended: bool
    suspension_reason: str
    trust_tier: TrustTier
    trust_reason: str
    trust_override: TrustTier
    def __init__(self, customer_id: _Optional[str] = ..., max_concurrent_calls: _Optional[int] = ..., calls_per_hour: _Optional[int] = ..., calls_per_day: _Optional[int] = ..., suspended: _Optional[bool] = ..., suspension_reason: _Optional[str] = ..., trust_tier: _Optional[_Union[TrustTier, str]] = ..., trust_reason: _Optional[str] = ..., trust_override: _Optional[_Union[TrustTier, str]] = ...) -> None: ...

class SetCustomerLimitsRequest(_message.Message):
    __slots__ = ("idempotency_key", "admin_telegram_id", "limits")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    ADMIN_TELEGRAM_ID_FIELD_NUMBER: _ClassVar[int]
    LIMITS_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    admin_telegram_id: int
    limits: CustomerLimits
    def __init__(self, idempotency_key: _Optional[str] = ..., admin_telegram_id: _Optional[int] = ..., limits: _Optional[_Union[CustomerLimits, _Mapping]] = ...) -> None: ...

class GetCustomerLimitsRequest(_message.Message):
    __slots__ = ("customer_id",)
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    def __init__(self, customer_id: _Optional[str] = ...) -> None: ...

class SetCustomerTrustRequest(_message.Message):
    __slots__ = ("idempotency_key", "admin_telegram_id", "customer_id", "tier", "note")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    ADMIN_TELEGRAM_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    TIER_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    admin_telegram_id: int
    customer_id: str
    tier: TrustTier
    note: str
    def __init__(self, idempotency_key: _Optional[str] = ..., admin_telegram_id: _Optional[int] = ..., customer_id: _Optional[str] = ..., tier: _Optional[_Union[TrustTier, str]] = ..., note: _Optional[str] = ...) -> None: ...

class FlowEdge(_message.Message):
    __slots__ = ("key", "target_node_id")
    KEY_FIELD_NUMBER: _ClassVar[int]
    TARGET_NODE_ID_FIELD_NUMBER: _ClassVar[int]
    key: str
    target_node_id: str
    def __init__(self, key: _Optional[str] = ..., target_node_id: _Optional[str] = ...) -> None: ...

class FlowNode(_message.Message):
    __slots__ = ("id", "kind", "text", "max_digits", "termination_key", "transfer_number", "edges", "on_wrong_key", "on_silence", "repeats")
    ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    MAX_DIGITS_FIELD_NUMBER: _ClassVar[int]
    TERMINATION_KEY_FIELD_NUMBER: _ClassVar[int]
    TRANSFER_NUMBER_FIELD_NUMBER: _ClassVar[int]
    EDGES_FIELD_NUMBER: _ClassVar[int]
    ON_WRONG_KEY_FIELD_NUMBER: _ClassVar[int]
    ON_SILENCE_FIELD_NUMBER: _ClassVar[int]
    REPEATS_FIELD_NUMBER: _ClassVar[int]
    id: str
    kind: NodeKind
    text: str
    max_digits: int
    termination_key: str
    transfer_number: str
    edges: _containers.RepeatedCompositeFieldContainer[FlowEdge]
    on_wrong_key: MenuFallback
    on_silence: MenuFallback
    repeats: int
    def __init__(self, id: _Optional[str] = ..., kind: _Optional[_Union[NodeKind, str]] = ..., text: _Optional[str] = ..., max_digits: _Optional[int] = ..., termination_key: _Optional[str] = ..., transfer_number: _Optional[str] = ..., edges: _Optional[_Iterable[_Union[FlowEdge, _Mapping]]] = ..., on_wrong_key: _Optional[_Union[MenuFallback, str]] = ..., on_silence: _Optional[_Union[MenuFallback, str]] = ..., repeats: _Optional[int] = ...) -> None: ...

class FlowGraph(_message.Message):
    __slots__ = ("start_node_id", "nodes")
    START_NODE_ID_FIELD_NUMBER: _ClassVar[int]
    NODES_FIELD_NUMBER: _ClassVar[int]
    start_node_id: str
    nodes: _containers.RepeatedCompositeFieldContainer[FlowNode]
    def __init__(self, start_node_id: _Optional[str] = ..., nodes: _Optional[_Iterable[_Union[FlowNode, _Mapping]]] = ...) -> None: ...

class FlowSpec(_message.Message):
    __slots__ = ("name", "kind", "graph", "ai_prompt", "business_name", "voice_id", "opt_out_key", "voicemail_action", "voicemail_message", "language", "custom_fields", "callback")
    NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    GRAPH_FIELD_NUMBER: _ClassVar[int]
    AI_PROMPT_FIELD_NUMBER: _ClassVar[int]
    BUSINESS_NAME_FIELD_NUMBER: _ClassVar[int]
    VOICE_ID_FIELD_NUMBER: _ClassVar[int]
    OPT_OUT_KEY_FIELD_NUMBER: _ClassVar[int]
    VOICEMAIL_ACTION_FIELD_NUMBER: _ClassVar[int]
    VOICEMAIL_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_FIELDS_FIELD_NUMBER: _ClassVar[int]
    CALLBACK_FIELD_NUMBER: _ClassVar[int]
    name: str
    kind: FlowKind
    graph: FlowGraph
    ai_prompt: str
    business_name: str
    voice_id: str
    opt_out_key: str
    voicemail_action: VoicemailAction
    voicemail_message: str
    language: str
    custom_fields: _containers.RepeatedCompositeFieldContainer[CustomField]
    callback: CallbackOffer
    def __init__(self, name: _Optional[str] = ..., kind: _Optional[_Union[FlowKind, str]] = ..., graph: _Optional[_Union[FlowGraph, _Mapping]] = ..., ai_prompt: _Optional[str] = ..., business_name: _Optional[str] = ..., voice_id: _Optional[str] = ..., opt_out_key: _Optional[str] = ..., voicemail_action: _Optional[_Union[VoicemailAction, str]] = ..., voicemail_message: _Optional[str] = ..., language: _Optional[str] = ..., custom_fields: _Optional[_Iterable[_Union[CustomField, _Mapping]]] = ..., callback: _Optional[_Union[CallbackOffer, _Mapping]] = ...) -> None: ...

class FlowProblem(_message.Message):
    __slots__ = ("node_id", "code", "message")
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    node_id: str
    code: str
    message: str
    def __init__(self, node_id: _Optional[str] = ..., code: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class Flow(_message.Message):
    __slots__ = ("id", "customer_id", "spec", "status", "review_reasons", "review_note", "retell_agent_id", "created_at", "updated_at", "version", "approved_version", "approved_spec", "approved_retell_agent_id", "approved_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    SPEC_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REVIEW_REASONS_FIELD_NUMBER: _ClassVar[int]
    REVIEW_NOTE_FIELD_NUMBER: _ClassVar[int]
    RETELL_AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    APPROVED_VERSION_FIELD_NUMBER: _ClassVar[int]
    APPROVED_SPEC_FIELD_NUMBER: _ClassVar[int]
    APPROVED_RETELL_AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    APPROVED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    customer_id: str
    spec: FlowSpec
    status: FlowStatus
    review_reasons: _containers.RepeatedScalarFieldContainer[str]
    review_note: str
    retell_agent_id: str
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    version: int
    approved_version: int
    approved_spec: FlowSpec
    approved_retell_agent_id: str
    approved_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., customer_id: _Optional[str] = ..., spec: _Optional[_Union[FlowSpec, _Mapping]] = ..., status: _Optional[_Union[FlowStatus, str]] = ..., review_reasons: _Optional[_Iterable[str]] = ..., review_note: _Optional[str] = ..., retell_agent_id: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., version: _Optional[int] = ..., approved_version: _Optional[int] = ..., approved_spec: _Optional[_Union[FlowSpec, _Mapping]] = ..., approved_retell_agent_id: _Optional[str] = ..., approved_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateFlowRequest(_message.Message):
    __slots__ = ("idempotency_key", "customer_id", "spec")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    SPEC_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    customer_id: str
    spec: FlowSpec
    def __init__(self, idempotency_key: _Optional[str] = ..., customer_id: _Optional[str] = ..., spec: _Optional[_Union[FlowSpec, _Mapping]] = ...) -> None: ...

class GetFlowRequest(_message.Message):
    __slots__ = ("customer_id", "flow_id")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    FLOW_ID_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    flow_id: str
    def __init__(self, customer_id: _Optional[str] = ..., flow_id: _Optional[str] = ...) -> None: ...

class ListFlowsRequest(_message.Message):
    __slots__ = ("customer_id", "page")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    page: _common_pb2.PageRequest
    def __init__(self, customer_id: _Optional[str] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListFlowsResponse(_message.Message):
    __slots__ = ("flows", "next_page_token")
    FLOWS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    flows: _containers.RepeatedCompositeFieldContainer[Flow]
    next_page_token: str
    def __init__(self, flows: _Optional[_Iterable[_Union[Flow, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateFlowRequest(_message.Message):
    __slots__ = ("idempotency_key", "customer_id", "flow_id", "spec", "expected_version")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    FLOW_ID_FIELD_NUMBER: _ClassVar[int]
    SPEC_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    customer_id: str
    flow_id: str
    spec: FlowSpec
    expected_version: int
    def __init__(self, idempotency_key: _Optional[str] = ..., customer_id: _Optional[str] = ..., flow_id: _Optional[str] = ..., spec: _Optional[_Union[FlowSpec, _Mapping]] = ..., expected_version: _Optional[int] = ...) -> None: ...

class DeleteFlowRequest(_message.Message):
    __slots__ = ("idempotency_key", "customer_id", "flow_id")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    FLOW_ID_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    customer_id: str
    flow_id: str
    def __init__(self, idempotency_key: _Optional[str] = ..., customer_id: _Optional[str] = ..., flow_id: _Optional[str] = ...) -> None: ...

class DeleteFlowResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ReviewFlowRequest(_message.Message):
    __slots__ = ("idempotency_key", "admin_telegram_id", "flow_id", "approve", "note")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    ADMIN_TELEGRAM_ID_FIELD_NUMBER: _ClassVar[int]
    FLOW_ID_FIELD_NUMBER: _ClassVar[int]
    APPROVE_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    admin_telegram_id: int
    flow_id: str
    approve: bool
    note: str
    def __init__(self, idempotency_key: _Optional[str] = ..., admin_telegram_id: _Optional[int] = ..., flow_id: _Optional[str] = ..., approve: _Optional[bool] = ..., note: _Optional[str] = ...) -> None: ...

class ListFlowsForReviewRequest(_message.Message):
    __slots__ = ("admin_telegram_id", "page")
    ADMIN_TELEGRAM_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    admin_telegram_id: int
    page: _common_pb2.PageRequest
    def __init__(self, admin_telegram_id: _Optional[int] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class Voice(_message.Message):
    __slots__ = ("voice_id", "name", "provider", "gender", "accent", "preview_audio_url")
    VOICE_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    GENDER_FIELD_NUMBER: _ClassVar[int]
    ACCENT_FIELD_NUMBER: _ClassVar[int]
    PREVIEW_AUDIO_URL_FIELD_NUMBER: _ClassVar[int]
    voice_id: str
    name: str
    provider: str
    gender: str
    accent: str
    preview_audio_url: str
    def __init__(self, voice_id: _Optional[str] = ..., name: _Optional[str] = ..., provider: _Optional[str] = ..., gender: _Optional[str] = ..., accent: _Optional[str] = ..., preview_audio_url: _Optional[str] = ...) -> None: ...

class ListVoicesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListVoicesResponse(_message.Message):
    __slots__ = ("voices",)
    VOICES_FIELD_NUMBER: _ClassVar[int]
    voices: _containers.RepeatedCompositeFieldContainer[Voice]
    def __init__(self, voices: _Optional[_Iterable[_Union[Voice, _Mapping]]] = ...) -> None: ...

class CallerId(_message.Message):
    __slots__ = ("number", "label", "enabled", "phone_number_type", "outbound_countries")
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    PHONE_NUMBER_TYPE_FIELD_NUMBER: _ClassVar[int]
    OUTBOUND_COUNTRIES_FIELD_NUMBER: _ClassVar[int]
    number: str
    label: str
    enabled: bool
    phone_number_type: str
    outbound_countries: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, number: _Optional[str] = ..., label: _Optional[str] = ..., enabled: _Optional[bool] = ..., phone_number_type: _Optional[str] = ..., outbound_countries: _Optional[_Iterable[str]] = ...) -> None: ...

class ListCallerIdsRequest(_message.Message):
    __slots__ = ("customer_id", "include_disabled", "admin_telegram_id", "to_number")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_DISABLED_FIELD_NUMBER: _ClassVar[int]
    ADMIN_TELEGRAM_ID_FIELD_NUMBER: _ClassVar[int]
    TO_NUMBER_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    include_disabled: bool
    admin_telegram_id: int
    to_number: str
    def __init__(self, customer_id: _Optional[str] = ..., include_disabled: _Optional[bool] = ..., admin_telegram_id: _Optional[int] = ..., to_number: _Optional[str] = ...) -> None: ...

class CheckDestinationRequest(_message.Message):
    __slots__ = ("customer_id", "number", "default_region")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_REGION_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    number: str
    default_region: str
    def __init__(self, customer_id: _Optional[str] = ..., number: _Optional[str] = ..., default_region: _Optional[str] = ...) -> None: ...

class CheckDestinationResponse(_message.Message):
    __slots__ = ("number", "allowed", "reason", "message", "country", "number_type", "callable_countries")
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    ALLOWED_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    NUMBER_TYPE_FIELD_NUMBER: _ClassVar[int]
    CALLABLE_COUNTRIES_FIELD_NUMBER: _ClassVar[int]
    number: str
    allowed: bool
    reason: str
    message: str
    country: str
    number_type: str
    callable_countries: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, number: _Optional[str] = ..., allowed: _Optional[bool] = ..., reason: _Optional[str] = ..., message: _Optional[str] = ..., country: _Optional[str] = ..., number_type: _Optional[str] = ..., callable_countries: _Optional[_Iterable[str]] = ...) -> None: ...

class ListCallerIdsResponse(_message.Message):
    __slots__ = ("caller_ids",)
    CALLER_IDS_FIELD_NUMBER: _ClassVar[int]
    caller_ids: _containers.RepeatedCompositeFieldContainer[CallerId]
    def __init__(self, caller_ids: _Optional[_Iterable[_Union[CallerId, _Mapping]]] = ...) -> None: ...

class SyncCallerIdsRequest(_message.Message):
    __slots__ = ("idempotency_key", "admin_telegram_id")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    ADMIN_TELEGRAM_ID_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    admin_telegram_id: int
    def __init__(self, idempotency_key: _Optional[str] = ..., admin_telegram_id: _Optional[int] = ...) -> None: ...

class SetCallerIdEnabledRequest(_message.Message):
    __slots__ = ("idempotency_key", "admin_telegram_id", "number", "enabled")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    ADMIN_TELEGRAM_ID_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    admin_telegram_id: int
    number: str
    enabled: bool
    def __init__(self, idempotency_key: _Optional[str] = ..., admin_telegram_id: _Optional[int] = ..., number: _Optional[str] = ..., enabled: _Optional[bool] = ...) -> None: ...

class QuoteCallRequest(_message.Message):
    __slots__ = ("customer_id", "flow_id", "to_number", "max_minutes", "record")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    FLOW_ID_FIELD_NUMBER: _ClassVar[int]
    TO_NUMBER_FIELD_NUMBER: _ClassVar[int]
    MAX_MINUTES_FIELD_NUMBER: _ClassVar[int]
    RECORD_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    flow_id: str
    to_number: str
    max_minutes: int
    record: bool
    def __init__(self, customer_id: _Optional[str] = ..., flow_id: _Optional[str] = ..., to_number: _Optional[str] = ..., max_minutes: _Optional[int] = ..., record: _Optional[bool] = ...) -> None: ...

class CallQuote(_message.Message):
    __slots__ = ("to_number", "price_per_minute_cents", "plan_minutes", "paid_minutes", "hold_cents", "affordable_minutes", "next_allowed_at", "allowed_now", "blocked_reason", "recording_fee_cents", "plan_code", "plan_name", "cost_basis", "shortened")
    TO_NUMBER_FIELD_NUMBER: _ClassVar[int]
    PRICE_PER_MINUTE_CENTS_FIELD_NUMBER: _ClassVar[int]
    PLAN_MINUTES_FIELD_NUMBER: _ClassVar[int]
    PAID_MINUTES_FIELD_NUMBER: _ClassVar[int]
    HOLD_CENTS_FIELD_NUMBER: _ClassVar[int]
    AFFORDABLE_MINUTES_FIELD_NUMBER: _ClassVar[int]
    NEXT_ALLOWED_AT_FIELD_NUMBER: _ClassVar[int]
    ALLOWED_NOW_FIELD_NUMBER: _ClassVar[int]
    BLOCKED_REASON_FIELD_NUMBER: _ClassVar[int]
    RECORDING_FEE_CENTS_FIELD_NUMBER: _ClassVar[int]
    PLAN_CODE_FIELD_NUMBER: _ClassVar[int]
    PLAN_NAME_FIELD_NUMBER: _ClassVar[int]
    COST_BASIS_FIELD_NUMBER: _ClassVar[int]
    SHORTENED_FIELD_NUMBER: _ClassVar[int]
    to_number: str
    price_per_minute_cents: int
    plan_minutes: int
    paid_minutes: int
    hold_cents: int
    affordable_minutes: int
    next_allowed_at: _timestamp_pb2.Timestamp
    allowed_now: bool
    blocked_reason: str
    recording_fee_cents: int
    plan_code: str
    plan_name: str
    cost_basis: CostBasis
    shortened: bool
    def __init__(self, to_number: _Optional[str] = ..., price_per_minute_cents: _Optional[int] = ..., plan_minutes: _Optional[int] = ..., paid_minutes: _Optional[int] = ..., hold_cents: _Optional[int] = ..., affordable_minutes: _Optional[int] = ..., next_allowed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., allowed_now: _Optional[bool] = ..., blocked_reason: _Optional[str] = ..., recording_fee_cents: _Optional[int] = ..., plan_code: _Optional[str] = ..., plan_name: _Optional[str] = ..., cost_basis: _Optional[_Union[CostBasis, str]] = ..., shortened: _Optional[bool] = ...) -> None: ...

class StartCallRequest(_message.Message):
    __slots__ = ("idempotency_key", "customer_id", "flow_id", "to_number", "caller_id", "max_minutes", "record", "campaign_id", "variables")
    class VariablesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    FLOW_ID_FIELD_NUMBER: _ClassVar[int]
    TO_NUMBER_FIELD_NUMBER: _ClassVar[int]
    CALLER_ID_FIELD_NUMBER: _ClassVar[int]
    MAX_MINUTES_FIELD_NUMBER: _ClassVar[int]
    RECORD_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    VARIABLES_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    customer_id: str
    flow_id: str
    to_number: str
    caller_id: str
    max_minutes: int
    record: bool
    campaign_id: str
    variables: _containers.ScalarMap[str, str]
    def __init__(self, idempotency_key: _Optional[str] = ..., customer_id: _Optional[str] = ..., flow_id: _Optional[str] = ..., to_number: _Optional[str] = ..., caller_id: _Optional[str] = ..., max_minutes: _Optional[int] = ..., record: _Optional[bool] = ..., campaign_id: _Optional[str] = ..., variables: _Optional[_Mapping[str, str]] = ...) -> None: ...

class CallAnalysis(_message.Message):
    __slots__ = ("summary", "sentiment", "successful", "in_voicemail")
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    SENTIMENT_FIELD_NUMBER: _ClassVar[int]
    SUCCESSFUL_FIELD_NUMBER: _ClassVar[int]
    IN_VOICEMAIL_FIELD_NUMBER: _ClassVar[int]
    summary: str
    sentiment: str
    successful: bool
    in_voicemail: bool
    def __init__(self, summary: _Optional[str] = ..., sentiment: _Optional[str] = ..., successful: _Optional[bool] = ..., in_voicemail: _Optional[bool] = ...) -> None: ...

class Call(_message.Message):
    __slots__ = ("id", "customer_id", "flow_id", "campaign_id", "to_number", "caller_id", "status", "retell_call_id", "duration_seconds", "disconnection_reason", "digits", "recording_url", "transfer_number", "cost_cents", "plan_minutes", "analysis", "opted_out", "created_at", "started_at", "ended_at", "failure_reason", "recorded", "waiting_for_line", "stopped_by_customer", "custom_answers", "callback_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    FLOW_ID_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    TO_NUMBER_FIELD_NUMBER: _ClassVar[int]
    CALLER_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    RETELL_CALL_ID_FIELD_NUMBER: _ClassVar[int]
    DURATION_SECONDS_FIELD_NUMBER: _ClassVar[int]
    DISCONNECTION_REASON_FIELD_NUMBER: _ClassVar[int]
    DIGITS_FIELD_NUMBER: _ClassVar[int]
    RECORDING_URL_FIELD_NUMBER: _ClassVar[int]
    TRANSFER_NUMBER_FIELD_NUMBER: _ClassVar[int]
    COST_CENTS_FIELD_NUMBER: _ClassVar[int]
    PLAN_MINUTES_FIELD_NUMBER: _ClassVar[int]
    ANALYSIS_FIELD_NUMBER: _ClassVar[int]
    OPTED_OUT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    ENDED_AT_FIELD_NUMBER: _ClassVar[int]
    FAILURE_REASON_FIELD_NUMBER: _ClassVar[int]
    RECORDED_FIELD_NUMBER: _ClassVar[int]
    WAITING_FOR_LINE_FIELD_NUMBER: _ClassVar[int]
    STOPPED_BY_CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_ANSWERS_FIELD_NUMBER: _ClassVar[int]
    CALLBACK_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    customer_id: str
    flow_id: str
    campaign_id: str
    to_number: str
    caller_id: str
    status: CallStatus
    retell_call_id: str
    duration_seconds: int
    disconnection_reason: str
    digits: _containers.RepeatedScalarFieldContainer[str]
    recording_url: str
    transfer_number: str
    cost_cents: int
    plan_minutes: int
    analysis: CallAnalysis
    opted_out: bool
    created_at: _timestamp_pb2.Timestamp
    started_at: _timestamp_pb2.Timestamp
    ended_at: _timestamp_pb2.Timestamp
    failure_reason: str
    recorded: bool
    waiting_for_line: bool
    stopped_by_customer: bool
    custom_answers: _containers.RepeatedCompositeFieldContainer[CustomAnswer]
    callback_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., customer_id: _Optional[str] = ..., flow_id: _Optional[str] = ..., campaign_id: _Optional[str] = ..., to_number: _Optional[str] = ..., caller_id: _Optional[str] = ..., status: _Optional[_Union[CallStatus, str]] = ..., retell_call_id: _Optional[str] = ..., duration_seconds: _Optional[int] = ..., disconnection_reason: _Optional[str] = ..., digits: _Optional[_Iterable[str]] = ..., recording_url: _Optional[str] = ..., transfer_number: _Optional[str] = ..., cost_cents: _Optional[int] = ..., plan_minutes: _Optional[int] = ..., analysis: _Optional[_Union[CallAnalysis, _Mapping]] = ..., opted_out: _Optional[bool] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., ended_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., failure_reason: _Optional[str] = ..., recorded: _Optional[bool] = ..., waiting_for_line: _Optional[bool] = ..., stopped_by_customer: _Optional[bool] = ..., custom_answers: _Optional[_Iterable[_Union[CustomAnswer, _Mapping]]] = ..., callback_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CallTranscript(_message.Message):
    __slots__ = ("turns", "kept")
    TURNS_FIELD_NUMBER: _ClassVar[int]
    KEPT_FIELD_NUMBER: _ClassVar[int]
    turns: _containers.RepeatedCompositeFieldContainer[TranscriptTurn]
    kept: bool
    def __init__(self, turns: _Optional[_Iterable[_Union[TranscriptTurn, _Mapping]]] = ..., kept: _Optional[bool] = ...) -> None: ...

class TranscriptTurn(_message.Message):
    __slots__ = ("role", "text")
    ROLE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    role: str
    text: str
    def __init__(self, role: _Optional[str] = ..., text: _Optional[str] = ...) -> None: ...

class StopCallRequest(_message.Message):
    __slots__ = ("idempotency_key", "customer_id", "call_id")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    CALL_ID_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    customer_id: str
    call_id: str
    def __init__(self, idempotency_key: _Optional[str] = ..., customer_id: _Optional[str] = ..., call_id: _Optional[str] = ...) -> None: ...

class GetCallRequest(_message.Message):
    __slots__ = ("customer_id", "call_id")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    CALL_ID_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    call_id: str
    def __init__(self, customer_id: _Optional[str] = ..., call_id: _Optional[str] = ...) -> None: ...

class ListCallsRequest(_message.Message):
    __slots__ = ("customer_id", "page", "status", "flow_id", "campaign_id", "with_key_presses_only", "answer_field", "answer_value", "leads_only", "voicemail_only", "without_voicemail")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    FLOW_ID_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    WITH_KEY_PRESSES_ONLY_FIELD_NUMBER: _ClassVar[int]
    ANSWER_FIELD_FIELD_NUMBER: _ClassVar[int]
    ANSWER_VALUE_FIELD_NUMBER: _ClassVar[int]
    LEADS_ONLY_FIELD_NUMBER: _ClassVar[int]
    VOICEMAIL_ONLY_FIELD_NUMBER: _ClassVar[int]
    WITHOUT_VOICEMAIL_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    page: _common_pb2.PageRequest
    status: CallStatus
    flow_id: str
    campaign_id: str
    with_key_presses_only: bool
    answer_field: str
    answer_value: str
    leads_only: bool
    voicemail_only: bool
    without_voicemail: bool
    def __init__(self, customer_id: _Optional[str] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ..., status: _Optional[_Union[CallStatus, str]] = ..., flow_id: _Optional[str] = ..., campaign_id: _Optional[str] = ..., with_key_presses_only: _Optional[bool] = ..., answer_field: _Optional[str] = ..., answer_value: _Optional[str] = ..., leads_only: _Optional[bool] = ..., voicemail_only: _Optional[bool] = ..., without_voicemail: _Optional[bool] = ...) -> None: ...

class ListCallsResponse(_message.Message):
    __slots__ = ("calls", "next_page_token")
    CALLS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    calls: _containers.RepeatedCompositeFieldContainer[Call]
    next_page_token: str
    def __init__(self, calls: _Optional[_Iterable[_Union[Call, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListKeyPressesRequest(_message.Message):
    __slots__ = ("customer_id", "page")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    page: _common_pb2.PageRequest
    def __init__(self, customer_id: _Optional[str] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class KeyPresses(_message.Message):
    __slots__ = ("call_id", "to_number", "flow_id", "digits", "ended_at", "flow_name", "campaign_id", "campaign_name", "inputs")
    CALL_ID_FIELD_NUMBER: _ClassVar[int]
    TO_NUMBER_FIELD_NUMBER: _ClassVar[int]
    FLOW_ID_FIELD_NUMBER: _ClassVar[int]
    DIGITS_FIELD_NUMBER: _ClassVar[int]
    ENDED_AT_FIELD_NUMBER: _ClassVar[int]
    FLOW_NAME_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_NAME_FIELD_NUMBER: _ClassVar[int]
    INPUTS_FIELD_NUMBER: _ClassVar[int]
    call_id: str
    to_number: str
    flow_id: str
    digits: _containers.RepeatedScalarFieldContainer[str]
    ended_at: _timestamp_pb2.Timestamp
    flow_name: str
    campaign_id: str
    campaign_name: str
    inputs: _containers.RepeatedCompositeFieldContainer[KeyInput]
    def __init__(self, call_id: _Optional[str] = ..., to_number: _Optional[str] = ..., flow_id: _Optional[str] = ..., digits: _Optional[_Iterable[str]] = ..., ended_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., flow_name: _Optional[str] = ..., campaign_id: _Optional[str] = ..., campaign_name: _Optional[str] = ..., inputs: _Optional[_Iterable[_Union[KeyInput, _Mapping]]] = ...) -> None: ...

class KeyInput(_message.Message):
    __slots__ = ("kind", "keys", "step_id")
    KIND_FIELD_NUMBER: _ClassVar[int]
    KEYS_FIELD_NUMBER: _ClassVar[int]
    STEP_ID_FIELD_NUMBER: _ClassVar[int]
    kind: KeyInputKind
    keys: str
    step_id: str
    def __init__(self, kind: _Optional[_Union[KeyInputKind, str]] = ..., keys: _Optional[str] = ..., step_id: _Optional[str] = ...) -> None: ...

class ListKeyPressesResponse(_message.Message):
    __slots__ = ("entries", "next_page_token")
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[KeyPresses]
    next_page_token: str
    def __init__(self, entries: _Optional[_Iterable[_Union[KeyPresses, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class AddDoNotCallRequest(_message.Message):
    __slots__ = ("idempotency_key", "customer_id", "admin_telegram_id", "number", "reason")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    ADMIN_TELEGRAM_ID_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    customer_id: str
    admin_telegram_id: int
    number: str
    reason: str
    def __init__(self, idempotency_key: _Optional[str] = ..., customer_id: _Optional[str] = ..., admin_telegram_id: _Optional[int] = ..., number: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class DoNotCallEntry(_message.Message):
    __slots__ = ("number", "customer_id", "reason", "added_at")
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ADDED_AT_FIELD_NUMBER: _ClassVar[int]
    number: str
    customer_id: str
    reason: str
    added_at: _timestamp_pb2.Timestamp
    def __init__(self, number: _Optional[str] = ..., customer_id: _Optional[str] = ..., reason: _Optional[str] = ..., added_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CheckDoNotCallRequest(_message.Message):
    __slots__ = ("customer_id", "number")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    number: str
    def __init__(self, customer_id: _Optional[str] = ..., number: _Optional[str] = ...) -> None: ...

class CheckDoNotCallResponse(_message.Message):
    __slots__ = ("blocked", "reason")
    BLOCKED_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    blocked: bool
    reason: str
    def __init__(self, blocked: _Optional[bool] = ..., reason: _Optional[str] = ...) -> None: ...

class GetCallFiguresRequest(_message.Message):
    __slots__ = ("admin_telegram_id",)
    ADMIN_TELEGRAM_ID_FIELD_NUMBER: _ClassVar[int]
    admin_telegram_id: int
    def __init__(self, admin_telegram_id: _Optional[int] = ...) -> None: ...

class GetFlowForReviewRequest(_message.Message):
    __slots__ = ("admin_telegram_id", "flow_id")
    ADMIN_TELEGRAM_ID_FIELD_NUMBER: _ClassVar[int]
    FLOW_ID_FIELD_NUMBER: _ClassVar[int]
    admin_telegram_id: int
    flow_id: str
    def __init__(self, admin_telegram_id: _Optional[int] = ..., flow_id: _Optional[str] = ...) -> None: ...

class GetCustomerRecordRequest(_message.Message):
    __slots__ = ("admin_telegram_id", "customer_id")
    ADMIN_TELEGRAM_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    admin_telegram_id: int
    customer_id: str
    def __init__(self, admin_telegram_id: _Optional[int] = ..., customer_id: _Optional[str] = ...) -> None: ...

class CustomerRecord(_message.Message):
    __slots__ = ("customer_id", "flows_approved", "flows_rejected", "flows_waiting", "calls_placed", "calls_answered", "campaigns", "limits", "recent_flows", "recent_calls")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    FLOWS_APPROVED_FIELD_NUMBER: _ClassVar[int]
    FLOWS_REJECTED_FIELD_NUMBER: _ClassVar[int]
    FLOWS_WAITING_FIELD_NUMBER: _ClassVar[int]
    CALLS_PLACED_FIELD_NUMBER: _ClassVar[int]
    CALLS_ANSWERED_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGNS_FIELD_NUMBER: _ClassVar[int]
    LIMITS_FIELD_NUMBER: _ClassVar[int]
    RECENT_FLOWS_FIELD_NUMBER: _ClassVar[int]
    RECENT_CALLS_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    flows_approved: int
    flows_rejected: int
    flows_waiting: int
    calls_placed: int
    calls_answered: int
    campaigns: int
    limits: CustomerLimits
    recent_flows: _containers.RepeatedCompositeFieldContainer[Flow]
    recent_calls: _containers.RepeatedCompositeFieldContainer[Call]
    def __init__(self, customer_id: _Optional[str] = ..., flows_approved: _Optional[int] = ..., flows_rejected: _Optional[int] = ..., flows_waiting: _Optional[int] = ..., calls_placed: _Optional[int] = ..., calls_answered: _Optional[int] = ..., campaigns: _Optional[int] = ..., limits: _Optional[_Union[CustomerLimits, _Mapping]] = ..., recent_flows: _Optional[_Iterable[_Union[Flow, _Mapping]]] = ..., recent_calls: _Optional[_Iterable[_Union[Call, _Mapping]]] = ...) -> None: ...

class CallFigures(_message.Message):
    __slots__ = ("calls", "answered", "failed", "in_flight", "waiting_for_line", "flows_waiting_for_review", "campaigns_running", "opted_out")
    CALLS_FIELD_NUMBER: _ClassVar[int]
    ANSWERED_FIELD_NUMBER: _ClassVar[int]
    FAILED_FIELD_NUMBER: _ClassVar[int]
    IN_FLIGHT_FIELD_NUMBER: _ClassVar[int]
    WAITING_FOR_LINE_FIELD_NUMBER: _ClassVar[int]
    FLOWS_WAITING_FOR_REVIEW_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGNS_RUNNING_FIELD_NUMBER: _ClassVar[int]
    OPTED_OUT_FIELD_NUMBER: _ClassVar[int]
    calls: int
    answered: int
    failed: int
    in_flight: int
    waiting_for_line: int
    flows_waiting_for_review: int
    campaigns_running: int
    opted_out: int
    def __init__(self, calls: _Optional[int] = ..., answered: _Optional[int] = ..., failed: _Optional[int] = ..., in_flight: _Optional[int] = ..., waiting_for_line: _Optional[int] = ..., flows_waiting_for_review: _Optional[int] = ..., campaigns_running: _Optional[int] = ..., opted_out: _Optional[int] = ...) -> None: ...

class CustomField(_message.Message):
    __slots__ = ("name", "type", "description", "choices", "lead_answer")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CHOICES_FIELD_NUMBER: _ClassVar[int]
    LEAD_ANSWER_FIELD_NUMBER: _ClassVar[int]
    name: str
    type: CustomFieldType
    description: str
    choices: _containers.RepeatedScalarFieldContainer[str]
    lead_answer: str
    def __init__(self, name: _Optional[str] = ..., type: _Optional[_Union[CustomFieldType, str]] = ..., description: _Optional[str] = ..., choices: _Optional[_Iterable[str]] = ..., lead_answer: _Optional[str] = ...) -> None: ...

class CustomAnswer(_message.Message):
    __slots__ = ("name", "value", "lead", "type")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    LEAD_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    name: str
    value: str
    lead: bool
    type: CustomFieldType
    def __init__(self, name: _Optional[str] = ..., value: _Optional[str] = ..., lead: _Optional[bool] = ..., type: _Optional[_Union[CustomFieldType, str]] = ...) -> None: ...

class CampaignSegment(_message.Message):
    __slots__ = ("code", "kind", "key", "field", "value", "callees")
    CODE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    CALLEES_FIELD_NUMBER: _ClassVar[int]
    code: str
    kind: str
    key: str
    field: str
    value: str
    callees: int
    def __init__(self, code: _Optional[str] = ..., kind: _Optional[str] = ..., key: _Optional[str] = ..., field: _Optional[str] = ..., value: _Optional[str] = ..., callees: _Optional[int] = ...) -> None: ...

class CampaignSegmentsResponse(_message.Message):
    __slots__ = ("campaign_id", "segments")
    CAMPAIGN_ID_FIELD_NUMBER: _ClassVar[int]
    SEGMENTS_FIELD_NUMBER: _ClassVar[int]
    campaign_id: str
    segments: _containers.RepeatedCompositeFieldContainer[CampaignSegment]
    def __init__(self, campaign_id: _Optional[str] = ..., segments: _Optional[_Iterable[_Union[CampaignSegment, _Mapping]]] = ...) -> None: ...

class CallbackOffer(_message.Message):
    __slots__ = ("key", "delay_minutes")
    KEY_FIELD_NUMBER: _ClassVar[int]
    DELAY_MINUTES_FIELD_NUMBER: _ClassVar[int]
    key: str
    delay_minutes: int
    def __init__(self, key: _Optional[str] = ..., delay_minutes: _Optional[int] = ...) -> None: ...

class CallbackTime(_message.Message):
    __slots__ = ("at", "zone")
    AT_FIELD_NUMBER: _ClassVar[int]
    ZONE_FIELD_NUMBER: _ClassVar[int]
    at: _timestamp_pb2.Timestamp
    zone: str
    def __init__(self, at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., zone: _Optional[str] = ...) -> None: ...
