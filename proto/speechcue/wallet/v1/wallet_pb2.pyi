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

class TransferKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRANSFER_KIND_UNSPECIFIED: _ClassVar[TransferKind]
    TRANSFER_KIND_TOPUP: _ClassVar[TransferKind]
    TRANSFER_KIND_PROMOTION: _ClassVar[TransferKind]
    TRANSFER_KIND_CHARGE: _ClassVar[TransferKind]
    TRANSFER_KIND_HOLD: _ClassVar[TransferKind]
    TRANSFER_KIND_CAPTURE: _ClassVar[TransferKind]
    TRANSFER_KIND_RELEASE: _ClassVar[TransferKind]
    TRANSFER_KIND_REFUND: _ClassVar[TransferKind]
    TRANSFER_KIND_PLAN_PURCHASE: _ClassVar[TransferKind]
    TRANSFER_KIND_OVERAGE: _ClassVar[TransferKind]
    TRANSFER_KIND_ADJUSTMENT: _ClassVar[TransferKind]

class UsageKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    USAGE_KIND_UNSPECIFIED: _ClassVar[UsageKind]
    USAGE_KIND_SINGLE: _ClassVar[UsageKind]
    USAGE_KIND_BULK: _ClassVar[UsageKind]

class HoldStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    HOLD_STATUS_UNSPECIFIED: _ClassVar[HoldStatus]
    HOLD_STATUS_OPEN: _ClassVar[HoldStatus]
    HOLD_STATUS_CAPTURED: _ClassVar[HoldStatus]
    HOLD_STATUS_RELEASED: _ClassVar[HoldStatus]

class SubscriptionStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SUBSCRIPTION_STATUS_UNSPECIFIED: _ClassVar[SubscriptionStatus]
    SUBSCRIPTION_STATUS_NONE: _ClassVar[SubscriptionStatus]
    SUBSCRIPTION_STATUS_ACTIVE: _ClassVar[SubscriptionStatus]
    SUBSCRIPTION_STATUS_EXPIRED: _ClassVar[SubscriptionStatus]
    SUBSCRIPTION_STATUS_REPLACED: _ClassVar[SubscriptionStatus]
TRANSFER_KIND_UNSPECIFIED: TransferKind
TRANSFER_KIND_TOPUP: TransferKind
TRANSFER_KIND_PROMOTION: TransferKind
TRANSFER_KIND_CHARGE: TransferKind
TRANSFER_KIND_HOLD: TransferKind
TRANSFER_KIND_CAPTURE: TransferKind
TRANSFER_KIND_RELEASE: TransferKind
TRANSFER_KIND_REFUND: TransferKind
TRANSFER_KIND_PLAN_PURCHASE: TransferKind
TRANSFER_KIND_OVERAGE: TransferKind
TRANSFER_KIND_ADJUSTMENT: TransferKind
USAGE_KIND_UNSPECIFIED: UsageKind
USAGE_KIND_SINGLE: UsageKind
USAGE_KIND_BULK: UsageKind
HOLD_STATUS_UNSPECIFIED: HoldStatus
HOLD_STATUS_OPEN: HoldStatus
HOLD_STATUS_CAPTURED: HoldStatus
HOLD_STATUS_RELEASED: HoldStatus
SUBSCRIPTION_STATUS_UNSPECIFIED: SubscriptionStatus
SUBSCRIPTION_STATUS_NONE: SubscriptionStatus
SUBSCRIPTION_STATUS_ACTIVE: SubscriptionStatus
SUBSCRIPTION_STATUS_EXPIRED: SubscriptionStatus
SUBSCRIPTION_STATUS_REPLACED: SubscriptionStatus

class OpenAccountRequest(_message.Message):
    __slots__ = ("idempotency_key", "customer_id")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    customer_id: str
    def __init__(self, idempotency_key: _Optional[str] = ..., customer_id: _Optional[str] = ...) -> None: ...

class Account(_message.Message):
    __slots__ = ("customer_id", "balance_cents", "opened_at")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    BALANCE_CENTS_FIELD_NUMBER: _ClassVar[int]
    OPENED_AT_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    balance_cents: int
    opened_at: _timestamp_pb2.Timestamp
    def __init__(self, customer_id: _Optional[str] = ..., balance_cents: _Optional[int] = ..., opened_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetBalanceRequest(_message.Message):
    __slots__ = ("customer_id",)
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    def __init__(self, customer_id: _Optional[str] = ...) -> None: ...

class Balance(_message.Message):
    __slots__ = ("customer_id", "available_cents", "held_cents", "in_debt", "debt_cents")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_CENTS_FIELD_NUMBER: _ClassVar[int]
    HELD_CENTS_FIELD_NUMBER: _ClassVar[int]
    IN_DEBT_FIELD_NUMBER: _ClassVar[int]
    DEBT_CENTS_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    available_cents: int
    held_cents: int
    in_debt: bool
    debt_cents: int
    def __init__(self, customer_id: _Optional[str] = ..., available_cents: _Optional[int] = ..., held_cents: _Optional[int] = ..., in_debt: _Optional[bool] = ..., debt_cents: _Optional[int] = ...) -> None: ...

class Transfer(_message.Message):
    __slots__ = ("id", "kind", "amount_cents", "balance_effect_cents", "balance_after_cents", "cause", "memo", "created_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_CENTS_FIELD_NUMBER: _ClassVar[int]
    BALANCE_EFFECT_CENTS_FIELD_NUMBER: _ClassVar[int]
    BALANCE_AFTER_CENTS_FIELD_NUMBER: _ClassVar[int]
    CAUSE_FIELD_NUMBER: _ClassVar[int]
    MEMO_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: int
    kind: TransferKind
    amount_cents: int
    balance_effect_cents: int
    balance_after_cents: int
    cause: _common_pb2.Cause
    memo: str
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[int] = ..., kind: _Optional[_Union[TransferKind, str]] = ..., amount_cents: _Optional[int] = ..., balance_effect_cents: _Optional[int] = ..., balance_after_cents: _Optional[int] = ..., cause: _Optional[_Union[_common_pb2.Cause, _Mapping]] = ..., memo: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class TransferResult(_message.Message):
    __slots__ = ("transfer", "balance")
    TRANSFER_FIELD_NUMBER: _ClassVar[int]
    BALANCE_FIELD_NUMBER: _ClassVar[int]
    transfer: Transfer
    balance: Balance
    def __init__(self, transfer: _Optional[_Union[Transfer, _Mapping]] = ..., balance: _Optional[_Union[Balance, _Mapping]] = ...) -> None: ...

class ListTransactionsRequest(_message.Message):
    __slots__ = ("customer_id", "page")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    page: _common_pb2.PageRequest
    def __init__(self, customer_id: _Optional[str] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListTransactionsResponse(_message.Message):
    __slots__ = ("transfers", "next_page_token")
    TRANSFERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    transfers: _containers.RepeatedCompositeFieldContainer[Transfer]
    next_page_token: str
    def __init__(self, transfers: _Optional[_Iterable[_Union[Transfer, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CreditRequest(_message.Message):
    __slots__ = ("idempotency_key", "customer_id", "amount_cents", "cause", "memo")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_CENTS_FIELD_NUMBER: _ClassVar[int]
    CAUSE_FIELD_NUMBER: _ClassVar[int]
    MEMO_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    customer_id: str
    amount_cents: int
    cause: _common_pb2.Cause
    memo: str
    def __init__(self, idempotency_key: _Optional[str] = ..., customer_id: _Optional[str] = ..., amount_cents: _Optional[int] = ..., cause: _Optional[_Union[_common_pb2.Cause, _Mapping]] = ..., memo: _Optional[str] = ...) -> None: ...

class DebitRequest(_message.Message):
    __slots__ = ("idempotency_key", "customer_id", "amount_cents", "cause", "memo")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_CENTS_FIELD_NUMBER: _ClassVar[int]
    CAUSE_FIELD_NUMBER: _ClassVar[int]
    MEMO_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    customer_id: str
    amount_cents: int
    cause: _common_pb2.Cause
    memo: str
    def __init__(self, idempotency_key: _Optional[str] = ..., customer_id: _Optional[str] = ..., amount_cents: _Optional[int] = ..., cause: _Optional[_Union[_common_pb2.Cause, _Mapping]] = ..., memo: _Optional[str] = ...) -> None: ...

class RefundRequest(_message.Message):
    __slots__ = ("idempotency_key", "customer_id", "transfer_id", "amount_cents", "admin_telegram_id", "reason")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    TRANSFER_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_CENTS_FIELD_NUMBER: _ClassVar[int]
    ADMIN_TELEGRAM_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    customer_id: str
    transfer_id: int
    amount_cents: int
    admin_telegram_id: int
    reason: str
    def __init__(self, idempotency_key: _Optional[str] = ..., customer_id: _Optional[str] = ..., transfer_id: _Optional[int] = ..., amount_cents: _Optional[int] = ..., admin_telegram_id: _Optional[int] = ..., reason: _Optional[str] = ...) -> None: ...

class RefundCallExtraRequest(_message.Message):
    __slots__ = ("idempotency_key", "customer_id", "call_id", "reason")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    CALL_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    customer_id: str
    call_id: str
    reason: str
    def __init__(self, idempotency_key: _Optional[str] = ..., customer_id: _Optional[str] = ..., call_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class PlaceHoldRequest(_message.Message):
    __slots__ = ("idempotency_key", "customer_id", "call_id", "amount_cents", "plan_minutes", "usage_kind")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    CALL_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_CENTS_FIELD_NUMBER: _ClassVar[int]
    PLAN_MINUTES_FIELD_NUMBER: _ClassVar[int]
    USAGE_KIND_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    customer_id: str
    call_id: str
    amount_cents: int
    plan_minutes: int
    usage_kind: UsageKind
    def __init__(self, idempotency_key: _Optional[str] = ..., customer_id: _Optional[str] = ..., call_id: _Optional[str] = ..., amount_cents: _Optional[int] = ..., plan_minutes: _Optional[int] = ..., usage_kind: _Optional[_Union[UsageKind, str]] = ...) -> None: ...

class CaptureHoldRequest(_message.Message):
    __slots__ = ("idempotency_key", "customer_id", "call_id", "amount_cents")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    CALL_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_CENTS_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    customer_id: str
    call_id: str
    amount_cents: int
    def __init__(self, idempotency_key: _Optional[str] = ..., customer_id: _Optional[str] = ..., call_id: _Optional[str] = ..., amount_cents: _Optional[int] = ...) -> None: ...

class ReleaseHoldRequest(_message.Message):
    __slots__ = ("idempotency_key", "customer_id", "call_id")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    CALL_ID_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    customer_id: str
    call_id: str
    def __init__(self, idempotency_key: _Optional[str] = ..., customer_id: _Optional[str] = ..., call_id: _Optional[str] = ...) -> None: ...

class Hold(_message.Message):
    __slots__ = ("call_id", "customer_id", "status", "amount_cents", "plan_minutes", "captured_cents", "balance")
    CALL_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_CENTS_FIELD_NUMBER: _ClassVar[int]
    PLAN_MINUTES_FIELD_NUMBER: _ClassVar[int]
    CAPTURED_CENTS_FIELD_NUMBER: _ClassVar[int]
    BALANCE_FIELD_NUMBER: _ClassVar[int]
    call_id: str
    customer_id: str
    status: HoldStatus
    amount_cents: int
    plan_minutes: int
    captured_cents: int
    balance: Balance
    def __init__(self, call_id: _Optional[str] = ..., customer_id: _Optional[str] = ..., status: _Optional[_Union[HoldStatus, str]] = ..., amount_cents: _Optional[int] = ..., plan_minutes: _Optional[int] = ..., captured_cents: _Optional[int] = ..., balance: _Optional[_Union[Balance, _Mapping]] = ...) -> None: ...

class QuoteCallRequest(_message.Message):
    __slots__ = ("customer_id", "usage_kind", "max_minutes", "extra_cents")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    USAGE_KIND_FIELD_NUMBER: _ClassVar[int]
    MAX_MINUTES_FIELD_NUMBER: _ClassVar[int]
    EXTRA_CENTS_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    usage_kind: UsageKind
    max_minutes: int
    extra_cents: int
    def __init__(self, customer_id: _Optional[str] = ..., usage_kind: _Optional[_Union[UsageKind, str]] = ..., max_minutes: _Optional[int] = ..., extra_cents: _Optional[int] = ...) -> None: ...

class CallQuote(_message.Message):
    __slots__ = ("price_per_minute_cents", "plan_minutes_available", "plan_minutes", "paid_minutes", "hold_cents", "affordable_minutes", "in_debt", "available_cents", "plan_code", "plan_name", "plan_call_transfer")
    PRICE_PER_MINUTE_CENTS_FIELD_NUMBER: _ClassVar[int]
    PLAN_MINUTES_AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    PLAN_MINUTES_FIELD_NUMBER: _ClassVar[int]
    PAID_MINUTES_FIELD_NUMBER: _ClassVar[int]
    HOLD_CENTS_FIELD_NUMBER: _ClassVar[int]
    AFFORDABLE_MINUTES_FIELD_NUMBER: _ClassVar[int]
    IN_DEBT_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_CENTS_FIELD_NUMBER: _ClassVar[int]
    PLAN_CODE_FIELD_NUMBER: _ClassVar[int]
    PLAN_NAME_FIELD_NUMBER: _ClassVar[int]
    PLAN_CALL_TRANSFER_FIELD_NUMBER: _ClassVar[int]
    price_per_minute_cents: int
    plan_minutes_available: int
    plan_minutes: int
    paid_minutes: int
    hold_cents: int
    affordable_minutes: int
    in_debt: bool
    available_cents: int
    plan_code: str
    plan_name: str
    plan_call_transfer: bool
    def __init__(self, price_per_minute_cents: _Optional[int] = ..., plan_minutes_available: _Optional[int] = ..., plan_minutes: _Optional[int] = ..., paid_minutes: _Optional[int] = ..., hold_cents: _Optional[int] = ..., affordable_minutes: _Optional[int] = ..., in_debt: _Optional[bool] = ..., available_cents: _Optional[int] = ..., plan_code: _Optional[str] = ..., plan_name: _Optional[str] = ..., plan_call_transfer: _Optional[bool] = ...) -> None: ...

class Plan(_message.Message):
    __slots__ = ("code", "name", "duration_days", "price_cents", "single_minutes", "bulk_minutes", "call_transfer", "overage_cents_per_minute", "is_trial", "active")
    CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DURATION_DAYS_FIELD_NUMBER: _ClassVar[int]
    PRICE_CENTS_FIELD_NUMBER: _ClassVar[int]
    SINGLE_MINUTES_FIELD_NUMBER: _ClassVar[int]
    BULK_MINUTES_FIELD_NUMBER: _ClassVar[int]
    CALL_TRANSFER_FIELD_NUMBER: _ClassVar[int]
    OVERAGE_CENTS_PER_MINUTE_FIELD_NUMBER: _ClassVar[int]
    IS_TRIAL_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    code: str
    name: str
    duration_days: int
    price_cents: int
    single_minutes: int
    bulk_minutes: int
    call_transfer: bool
    overage_cents_per_minute: int
    is_trial: bool
    active: bool
    def __init__(self, code: _Optional[str] = ..., name: _Optional[str] = ..., duration_days: _Optional[int] = ..., price_cents: _Optional[int] = ..., single_minutes: _Optional[int] = ..., bulk_minutes: _Optional[int] = ..., call_transfer: _Optional[bool] = ..., overage_cents_per_minute: _Optional[int] = ..., is_trial: _Optional[bool] = ..., active: _Optional[bool] = ...) -> None: ...

class ListPlansRequest(_message.Message):
    __slots__ = ("include_inactive",)
    INCLUDE_INACTIVE_FIELD_NUMBER: _ClassVar[int]
    include_inactive: bool
    def __init__(self, include_inactive: _Optional[bool] = ...) -> None: ...

class ListPlansResponse(_message.Message):
    __slots__ = ("plans",)
    PLANS_FIELD_NUMBER: _ClassVar[int]
    plans: _containers.RepeatedCompositeFieldContainer[Plan]
    def __init__(self, plans: _Optional[_Iterable[_Union[Plan, _Mapping]]] = ...) -> None: ...

class UpsertPlanRequest(_message.Message):
    __slots__ = ("idempotency_key", "admin_telegram_id", "plan")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    ADMIN_TELEGRAM_ID_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    admin_telegram_id: int
    plan: Plan
    def __init__(self, idempotency_key: _Optional[str] = ..., admin_telegram_id: _Optional[int] = ..., plan: _Optional[_Union[Plan, _Mapping]] = ...) -> None: ...

class BuySubscriptionRequest(_message.Message):
    __slots__ = ("idempotency_key", "customer_id", "plan_code", "auto_renew")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    PLAN_CODE_FIELD_NUMBER: _ClassVar[int]
    AUTO_RENEW_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    customer_id: str
    plan_code: str
    auto_renew: bool
    def __init__(self, idempotency_key: _Optional[str] = ..., customer_id: _Optional[str] = ..., plan_code: _Optional[str] = ..., auto_renew: _Optional[bool] = ...) -> None: ...

class GetSubscriptionRequest(_message.Message):
    __slots__ = ("customer_id",)
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    def __init__(self, customer_id: _Optional[str] = ...) -> None: ...

class SetAutoRenewRequest(_message.Message):
    __slots__ = ("idempotency_key", "customer_id", "auto_renew")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    AUTO_RENEW_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    customer_id: str
    auto_renew: bool
    def __init__(self, idempotency_key: _Optional[str] = ..., customer_id: _Optional[str] = ..., auto_renew: _Optional[bool] = ...) -> None: ...

class Subscription(_message.Message):
    __slots__ = ("id", "customer_id", "status", "plan", "started_at", "expires_at", "auto_renew", "single_minutes_left", "bulk_minutes_left", "trial_used")
    ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    AUTO_RENEW_FIELD_NUMBER: _ClassVar[int]
    SINGLE_MINUTES_LEFT_FIELD_NUMBER: _ClassVar[int]
    BULK_MINUTES_LEFT_FIELD_NUMBER: _ClassVar[int]
    TRIAL_USED_FIELD_NUMBER: _ClassVar[int]
    id: int
    customer_id: str
    status: SubscriptionStatus
    plan: Plan
    started_at: _timestamp_pb2.Timestamp
    expires_at: _timestamp_pb2.Timestamp
    auto_renew: bool
    single_minutes_left: int
    bulk_minutes_left: int
    trial_used: bool
    def __init__(self, id: _Optional[int] = ..., customer_id: _Optional[str] = ..., status: _Optional[_Union[SubscriptionStatus, str]] = ..., plan: _Optional[_Union[Plan, _Mapping]] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., auto_renew: _Optional[bool] = ..., single_minutes_left: _Optional[int] = ..., bulk_minutes_left: _Optional[int] = ..., trial_used: _Optional[bool] = ...) -> None: ...

class RecordUsageRequest(_message.Message):
    __slots__ = ("idempotency_key", "customer_id", "call_id", "seconds", "usage_kind")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    CALL_ID_FIELD_NUMBER: _ClassVar[int]
    SECONDS_FIELD_NUMBER: _ClassVar[int]
    USAGE_KIND_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    customer_id: str
    call_id: str
    seconds: int
    usage_kind: UsageKind
    def __init__(self, idempotency_key: _Optional[str] = ..., customer_id: _Optional[str] = ..., call_id: _Optional[str] = ..., seconds: _Optional[int] = ..., usage_kind: _Optional[_Union[UsageKind, str]] = ...) -> None: ...

class Usage(_message.Message):
    __slots__ = ("call_id", "seconds", "billed_minutes", "plan_minutes", "overage_minutes", "overage_cents", "paid_cents")
    CALL_ID_FIELD_NUMBER: _ClassVar[int]
    SECONDS_FIELD_NUMBER: _ClassVar[int]
    BILLED_MINUTES_FIELD_NUMBER: _ClassVar[int]
    PLAN_MINUTES_FIELD_NUMBER: _ClassVar[int]
    OVERAGE_MINUTES_FIELD_NUMBER: _ClassVar[int]
    OVERAGE_CENTS_FIELD_NUMBER: _ClassVar[int]
    PAID_CENTS_FIELD_NUMBER: _ClassVar[int]
    call_id: str
    seconds: int
    billed_minutes: int
    plan_minutes: int
    overage_minutes: int
    overage_cents: int
    paid_cents: int
    def __init__(self, call_id: _Optional[str] = ..., seconds: _Optional[int] = ..., billed_minutes: _Optional[int] = ..., plan_minutes: _Optional[int] = ..., overage_minutes: _Optional[int] = ..., overage_cents: _Optional[int] = ..., paid_cents: _Optional[int] = ...) -> None: ...

class CallToSettle(_message.Message):
    __slots__ = ("customer_id", "call_id", "seconds", "usage_kind", "extra_cents")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    CALL_ID_FIELD_NUMBER: _ClassVar[int]
    SECONDS_FIELD_NUMBER: _ClassVar[int]
    USAGE_KIND_FIELD_NUMBER: _ClassVar[int]
    EXTRA_CENTS_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    call_id: str
    seconds: int
    usage_kind: UsageKind
    extra_cents: int
    def __init__(self, customer_id: _Optional[str] = ..., call_id: _Optional[str] = ..., seconds: _Optional[int] = ..., usage_kind: _Optional[_Union[UsageKind, str]] = ..., extra_cents: _Optional[int] = ...) -> None: ...

class SettleCallsRequest(_message.Message):
    __slots__ = ("calls",)
    CALLS_FIELD_NUMBER: _ClassVar[int]
    calls: _containers.RepeatedCompositeFieldContainer[CallToSettle]
    def __init__(self, calls: _Optional[_Iterable[_Union[CallToSettle, _Mapping]]] = ...) -> None: ...

class SettledCall(_message.Message):
    __slots__ = ("call_id", "cost_cents", "plan_minutes", "captured_cents", "refusal_reason")
    CALL_ID_FIELD_NUMBER: _ClassVar[int]
    COST_CENTS_FIELD_NUMBER: _ClassVar[int]
    PLAN_MINUTES_FIELD_NUMBER: _ClassVar[int]
    CAPTURED_CENTS_FIELD_NUMBER: _ClassVar[int]
    REFUSAL_REASON_FIELD_NUMBER: _ClassVar[int]
    call_id: str
    cost_cents: int
    plan_minutes: int
    captured_cents: int
    refusal_reason: str
    def __init__(self, call_id: _Optional[str] = ..., cost_cents: _Optional[int] = ..., plan_minutes: _Optional[int] = ..., captured_cents: _Optional[int] = ..., refusal_reason: _Optional[str] = ...) -> None: ...

class SettleCallsResponse(_message.Message):
    __slots__ = ("calls",)
    CALLS_FIELD_NUMBER: _ClassVar[int]
    calls: _containers.RepeatedCompositeFieldContainer[SettledCall]
    def __init__(self, calls: _Optional[_Iterable[_Union[SettledCall, _Mapping]]] = ...) -> None: ...

class CheckLedgerRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class LedgerReport(_message.Message):
    __slots__ = ("ok", "total_cents", "unbalanced_transfers", "accounts_with_stale_balance", "negative_customer_accounts", "transfers")
    OK_FIELD_NUMBER: _ClassVar[int]
    TOTAL_CENTS_FIELD_NUMBER: _ClassVar[int]
    UNBALANCED_TRANSFERS_FIELD_NUMBER: _ClassVar[int]
    ACCOUNTS_WITH_STALE_BALANCE_FIELD_NUMBER: _ClassVar[int]
    NEGATIVE_CUSTOMER_ACCOUNTS_FIELD_NUMBER: _ClassVar[int]
    TRANSFERS_FIELD_NUMBER: _ClassVar[int]
    ok: bool
    total_cents: int
    unbalanced_transfers: int
    accounts_with_stale_balance: int
    negative_customer_accounts: int
    transfers: int
    def __init__(self, ok: _Optional[bool] = ..., total_cents: _Optional[int] = ..., unbalanced_transfers: _Optional[int] = ..., accounts_with_stale_balance: _Optional[int] = ..., negative_customer_accounts: _Optional[int] = ..., transfers: _Optional[int] = ...) -> None: ...

class GetWalletFiguresRequest(_message.Message):
    __slots__ = ("admin_telegram_id",)
    ADMIN_TELEGRAM_ID_FIELD_NUMBER: _ClassVar[int]
    admin_telegram_id: int
    def __init__(self, admin_telegram_id: _Optional[int] = ...) -> None: ...

class WalletFigures(_message.Message):
    __slots__ = ("topups_cents", "revenue_cents", "refunds_cents", "customers", "customers_in_debt", "active_subscriptions")
    TOPUPS_CENTS_FIELD_NUMBER: _ClassVar[int]
    REVENUE_CENTS_FIELD_NUMBER: _ClassVar[int]
    REFUNDS_CENTS_FIELD_NUMBER: _ClassVar[int]
    CUSTOMERS_FIELD_NUMBER: _ClassVar[int]
    CUSTOMERS_IN_DEBT_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_SUBSCRIPTIONS_FIELD_NUMBER: _ClassVar[int]
    topups_cents: int
    revenue_cents: int
    refunds_cents: int
    customers: int
    customers_in_debt: int
    active_subscriptions: int
    def __init__(self, topups_cents: _Optional[int] = ..., revenue_cents: _Optional[int] = ..., refunds_cents: _Optional[int] = ..., customers: _Optional[int] = ..., customers_in_debt: _Optional[int] = ..., active_subscriptions: _Optional[int] = ...) -> None: ...
