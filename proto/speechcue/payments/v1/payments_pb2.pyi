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

class InvoiceStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    INVOICE_STATUS_UNSPECIFIED: _ClassVar[InvoiceStatus]
    INVOICE_STATUS_PENDING: _ClassVar[InvoiceStatus]
    INVOICE_STATUS_UNDERPAID: _ClassVar[InvoiceStatus]
    INVOICE_STATUS_CONFIRMED: _ClassVar[InvoiceStatus]
    INVOICE_STATUS_EXPIRED: _ClassVar[InvoiceStatus]
INVOICE_STATUS_UNSPECIFIED: InvoiceStatus
INVOICE_STATUS_PENDING: InvoiceStatus
INVOICE_STATUS_UNDERPAID: InvoiceStatus
INVOICE_STATUS_CONFIRMED: InvoiceStatus
INVOICE_STATUS_EXPIRED: InvoiceStatus

class Coin(_message.Message):
    __slots__ = ("code", "name")
    CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    code: str
    name: str
    def __init__(self, code: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class ListCoinsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListCoinsResponse(_message.Message):
    __slots__ = ("coins", "min_usd_cents", "max_usd_cents")
    COINS_FIELD_NUMBER: _ClassVar[int]
    MIN_USD_CENTS_FIELD_NUMBER: _ClassVar[int]
    MAX_USD_CENTS_FIELD_NUMBER: _ClassVar[int]
    coins: _containers.RepeatedCompositeFieldContainer[Coin]
    min_usd_cents: int
    max_usd_cents: int
    def __init__(self, coins: _Optional[_Iterable[_Union[Coin, _Mapping]]] = ..., min_usd_cents: _Optional[int] = ..., max_usd_cents: _Optional[int] = ...) -> None: ...

class Invoice(_message.Message):
    __slots__ = ("id", "customer_id", "coin", "usd_cents", "crypto_amount", "address", "expires_at", "status", "credited_cents", "qr_png", "plan_code", "created_at", "payment_url")
    ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    COIN_FIELD_NUMBER: _ClassVar[int]
    USD_CENTS_FIELD_NUMBER: _ClassVar[int]
    CRYPTO_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CREDITED_CENTS_FIELD_NUMBER: _ClassVar[int]
    QR_PNG_FIELD_NUMBER: _ClassVar[int]
    PLAN_CODE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_URL_FIELD_NUMBER: _ClassVar[int]
    id: str
    customer_id: str
    coin: str
    usd_cents: int
    crypto_amount: str
    address: str
    expires_at: _timestamp_pb2.Timestamp
    status: InvoiceStatus
    credited_cents: int
    qr_png: bytes
    plan_code: str
    created_at: _timestamp_pb2.Timestamp
    payment_url: str
    def __init__(self, id: _Optional[str] = ..., customer_id: _Optional[str] = ..., coin: _Optional[str] = ..., usd_cents: _Optional[int] = ..., crypto_amount: _Optional[str] = ..., address: _Optional[str] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., status: _Optional[_Union[InvoiceStatus, str]] = ..., credited_cents: _Optional[int] = ..., qr_png: _Optional[bytes] = ..., plan_code: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., payment_url: _Optional[str] = ...) -> None: ...

class CreateTopUpRequest(_message.Message):
    __slots__ = ("idempotency_key", "customer_id", "coin", "usd_cents", "plan_code")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    COIN_FIELD_NUMBER: _ClassVar[int]
    USD_CENTS_FIELD_NUMBER: _ClassVar[int]
    PLAN_CODE_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    customer_id: str
    coin: str
    usd_cents: int
    plan_code: str
    def __init__(self, idempotency_key: _Optional[str] = ..., customer_id: _Optional[str] = ..., coin: _Optional[str] = ..., usd_cents: _Optional[int] = ..., plan_code: _Optional[str] = ...) -> None: ...

class GetInvoiceRequest(_message.Message):
    __slots__ = ("customer_id", "invoice_id")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    invoice_id: str
    def __init__(self, customer_id: _Optional[str] = ..., invoice_id: _Optional[str] = ...) -> None: ...

class ListInvoicesRequest(_message.Message):
    __slots__ = ("customer_id", "page")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    page: _common_pb2.PageRequest
    def __init__(self, customer_id: _Optional[str] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListInvoicesResponse(_message.Message):
    __slots__ = ("invoices", "next_page_token")
    INVOICES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    invoices: _containers.RepeatedCompositeFieldContainer[Invoice]
    next_page_token: str
    def __init__(self, invoices: _Optional[_Iterable[_Union[Invoice, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
