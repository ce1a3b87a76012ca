import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from speechcue.common.v1 import common_pb2 as _common_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class BalanceCredited(_message.Message):
    __slots__ = ("transfer_id", "amount_cents", "balance_cents", "cause")
    TRANSFER_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_CENTS_FIELD_NUMBER: _ClassVar[int]
    BALANCE_CENTS_FIELD_NUMBER: _ClassVar[int]
    CAUSE_FIELD_NUMBER: _ClassVar[int]
    transfer_id: int
    amount_cents: int
    balance_cents: int
    cause: _common_pb2.Cause
    def __init__(self, transfer_id: _Optional[int] = ..., amount_cents: _Optional[int] = ..., balance_cents: _Optional[int] = ..., cause: _Optional[_Union[_common_pb2.Cause, _Mapping]] = ...) -> None: ...

class BalanceDebited(_message.Message):
    __slots__ = ("transfer_id", "amount_cents", "balance_cents", "cause")
    TRANSFER_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_CENTS_FIELD_NUMBER: _ClassVar[int]
    BALANCE_CENTS_FIELD_NUMBER: _ClassVar[int]
    CAUSE_FIELD_NUMBER: _ClassVar[int]
    transfer_id: int
    amount_cents: int
    balance_cents: int
    cause: _common_pb2.Cause
    def __init__(self, transfer_id: _Optional[int] = ..., amount_cents: _Optional[int] = ..., balance_cents: _Optional[int] = ..., cause: _Optional[_Union[_common_pb2.Cause, _Mapping]] = ...) -> None: ...

class BalanceLow(_message.Message):
    __slots__ = ("balance_cents", "threshold_cents")
    BALANCE_CENTS_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_CENTS_FIELD_NUMBER: _ClassVar[int]
    balance_cents: int
    threshold_cents: int
    def __init__(self, balance_cents: _Optional[int] = ..., threshold_cents: _Optional[int] = ...) -> None: ...

class SubscriptionChanged(_message.Message):
    __slots__ = ("subscription_id", "plan_code", "plan_name", "expires_at", "auto_renew", "price_cents")
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    PLAN_CODE_FIELD_NUMBER: _ClassVar[int]
    PLAN_NAME_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    AUTO_RENEW_FIELD_NUMBER: _ClassVar[int]
    PRICE_CENTS_FIELD_NUMBER: _ClassVar[int]
    subscription_id: int
    plan_code: str
    plan_name: str
    expires_at: _timestamp_pb2.Timestamp
    auto_renew: bool
    price_cents: int
    def __init__(self, subscription_id: _Optional[int] = ..., plan_code: _Optional[str] = ..., plan_name: _Optional[str] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., auto_renew: _Optional[bool] = ..., price_cents: _Optional[int] = ...) -> None: ...

class OverageCharged(_message.Message):
    __slots__ = ("call_id", "amount_cents", "balance_cents")
    CALL_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_CENTS_FIELD_NUMBER: _ClassVar[int]
    BALANCE_CENTS_FIELD_NUMBER: _ClassVar[int]
    call_id: str
    amount_cents: int
    balance_cents: int
    def __init__(self, call_id: _Optional[str] = ..., amount_cents: _Optional[int] = ..., balance_cents: _Optional[int] = ...) -> None: ...

class OverageFailed(_message.Message):
    __slots__ = ("debt_cents", "balance_cents")
    DEBT_CENTS_FIELD_NUMBER: _ClassVar[int]
    BALANCE_CENTS_FIELD_NUMBER: _ClassVar[int]
    debt_cents: int
    balance_cents: int
    def __init__(self, debt_cents: _Optional[int] = ..., balance_cents: _Optional[int] = ...) -> None: ...
