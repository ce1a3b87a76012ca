"""Checks on fields that arrive from outside a service, raising InvalidArgument with the field's
name so that the caller knows what to fix. Nothing is trusted because it came over gRPC."""

from __future__ import annotations

from datetime import UTC, datetime

from google.protobuf.timestamp_pb2 import Timestamp

from services.runtime.errors import InvalidArgument

MAX_ID_LENGTH = 64
MAX_CENTS = 100_000_000  # $1,000,000: far above any real top-up, far below integer overflow


def require_id(field: str, value: str, *, max_length: int = MAX_ID_LENGTH) -> str:
    if not value:
        raise InvalidArgument(f"{field} is required", reason="FIELD_REQUIRED", field=field)
    if len(value) > max_length or not value.isprintable() or value != value.strip():
        raise InvalidArgument(
            f"{field} must be printable, without surrounding spaces, at most {max_length} characters",
            reason="FIELD_INVALID", field=field,
        )
    return value


def require_text(field: str, value: str, *, max_length: int) -> str:
    if len(value) > max_length:
        raise InvalidArgument(f"{field} is longer than {max_length} characters", reason="FIELD_TOO_LONG",
                              field=field)
    return value


def require_cents(field: str, value: int, *, allow_zero: bool = False) -> int:
    lowest = 0 if allow_zero else 1
    if not lowest <= value <= MAX_CENTS:
        raise InvalidArgument(
            f"{field} must be between {lowest} and {MAX_CENTS} cents", reason="AMOUNT_OUT_OF_RANGE", field=field
        )
    return value


def require_range(field: str, value: int, lowest: int, highest: int) -> int:
    if not lowest <= value <= highest:
        raise InvalidArgument(f"{field} must be between {lowest} and {highest}", reason="FIELD_OUT_OF_RANGE",
                              field=field)
    return value


# Times a request may name: wide enough for any schedule, narrow enough that adding a year or
# subtracting a day never leaves the calendar Python can represent.
EARLIEST_TIME = datetime(1970, 1, 1, tzinfo=UTC)
LATEST_TIME = datetime(2200, 1, 1, tzinfo=UTC)


def require_time(field: str, value: Timestamp) -> datetime:
    """The timestamp as an aware UTC datetime; refused if protobuf calls it invalid or it is
    outside 1970–2200 (ToDatetime raises ValueError, which would otherwise be an INTERNAL)."""
    try:
        moment = value.ToDatetime(UTC)
    except (ValueError, OverflowError):
        moment = None
    if moment is None or not EARLIEST_TIME <= moment < LATEST_TIME:
        raise InvalidArgument(f"{field} must be a time between 1970 and 2200", reason="FIELD_OUT_OF_RANGE",
                              field=field)
    return moment
