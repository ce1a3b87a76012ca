import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TopUpChanged(_message.Message):
    __slots__ = ("invoice_id", "coin", "usd_cents", "credited_cents", "missing_cents", "plan_code", "expires_at")
    INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    COIN_FIELD_NUMBER: _ClassVar[int]
    USD_CENTS_FIELD_NUMBER: _ClassVar[int]
    CREDITED_CENTS_FIELD_NUMBER: _ClassVar[int]
    MISSING_CENTS_FIELD_NUMBER: _ClassVar[int]
    PLAN_CODE_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    invoice_id: str
    coin: str
    usd_cents: int
    credited_cents: int
    missing_cents: int
    plan_code: str
    expires_at: _timestamp_pb2.Timestamp
    def __init__(self, invoice_id: _Optional[str] = ..., coin: _Optional[str] = ..., usd_cents: _Optional[int] = ..., credited_cents: _Optional[int] = ..., missing_cents: _Optional[int] = ..., plan_code: _Optional[str] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
