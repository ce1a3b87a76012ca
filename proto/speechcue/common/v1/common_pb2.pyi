from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
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
