"""Opaque page tokens: what a list RPC hands back to fetch the next page, and validation of what a
caller sends back. A token is base64 of a small JSON list; nothing outside the service reads it."""

from __future__ import annotations

import base64
import json
from typing import Any

from services.runtime.errors import InvalidArgument
from services.runtime.validation import require_range

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_TOKEN_LENGTH = 512


def page_size(requested: int) -> int:
    return require_range("page.page_size", requested or DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE)


def encode_token(*position: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(position), separators=(",", ":")).encode()).decode()


def decode_token(token: str, *types: type) -> tuple[Any, ...] | None:
    """The position a token stands for, checked against the expected types; None for no token."""
    if not token:
        return None
    try:
        if len(token) > MAX_TOKEN_LENGTH:
            raise ValueError
        position = json.loads(base64.urlsafe_b64decode(token.encode()))
        if not isinstance(position, list) or len(position) != len(types):
            raise ValueError
        if not all(isinstance(value, kind) and not isinstance(value, bool) for value, kind in zip(position, types,
                                                                                                  strict=True)):
            raise ValueError
        return tuple(position)
    except (ValueError, UnicodeDecodeError):
        raise InvalidArgument("page_token is not one this service issued", reason="PAGE_TOKEN_INVALID") from None
