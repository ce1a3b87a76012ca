"""Checks on fields that arrive from outside a service, raising InvalidArgument with the field's
name so that the caller knows what to fix. Nothing is trusted because it came over gRPC."""

from __future__ import annotations

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
