import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CauseType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CAUSE_TYPE_UNSPECIFIED: _ClassVar[CauseType]
    CAUSE_TYPE_PAYMENT: _ClassVar[CauseType]
    CAUSE_TYPE_CALL: _ClassVar[CauseType]
    CAUSE_TYPE_PLAN: _ClassVar[CauseType]
    CAUSE_TYPE_REFUND: _ClassVar[CauseType]
    CAUSE_TYPE_PROMOTION: _ClassVar[CauseType]
    CAUSE_TYPE_ADJUSTMENT: _ClassVar[CauseType]
CAUSE_TYPE_UNSPECIFIED: CauseType
CAUSE_TYPE_PAYMENT: CauseType
CAUSE_TYPE_CALL: CauseType
CAUSE_TYPE_PLAN: CauseType
CAUSE_TYPE_REFUND: CauseType
CAUSE_TYPE_PROMOTION: CauseType
CAUSE_TYPE_ADJUSTMENT: CauseType

class Cause(_message.Message):
    __slots__ = ("type", "id")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    type: CauseType
    id: str
    def __init__(self, type: _Optional[_Union[CauseType, str]] = ..., id: _Optional[str] = ...) -> None: ...

class PageRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class RunTickRequest(_message.Message):
    __slots__ = ("idempotency_key", "scheduled_at")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    SCHEDULED_AT_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    scheduled_at: _timestamp_pb2.Timestamp
    def __init__(self, idempotency_key: _Optional[str] = ..., scheduled_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class TickResult(_message.Message):
    __slots__ = ("name", "processed", "succeeded", "failed")
    NAME_FIELD_NUMBER: _ClassVar[int]
    PROCESSED_FIELD_NUMBER: _ClassVar[int]
    SUCCEEDED_FIELD_NUMBER: _ClassVar[int]
    FAILED_FIELD_NUMBER: _ClassVar[int]
    name: str
    processed: int
    succeeded: int
    failed: int
    def __init__(self, name: _Optional[str] = ..., processed: _Optional[int] = ..., succeeded: _Optional[int] = ..., failed: _Optional[int] = ...) -> None: ...
