"""Reading a webhook's JSON body that will be kept in a PostgreSQL `jsonb` column.

Python's `json` accepts what `jsonb` refuses — NaN and Infinity (also as overflowing numbers like
1e400), the NUL character, lone UTF-16 surrogates — and raises RecursionError, not ValueError, on
deep nesting. Left alone, each of those fails the transaction and answers 500, and the sender
retries it forever. Here they are a ValueError, which the routes answer with 400.
"""

from __future__ import annotations

import json
import math
from typing import Any


def read_storable_json(raw: bytes) -> Any:
    """The parsed body, or ValueError if it is not JSON or not JSON that `jsonb` can hold."""
    try:
        value = json.loads(raw, parse_constant=_refuse_constant)
    except RecursionError as error:
        raise ValueError("the JSON nests too deeply") from error
    pending = [value]
    while pending:  # iterative, so that what json.loads accepted cannot overflow the stack here
        item = pending.pop()
        if isinstance(item, dict):
            for key in item:
                _check_text(key)
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, str):
            _check_text(item)
        elif isinstance(item, float) and not math.isfinite(item):
            raise ValueError("a number is out of range")
    return value


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _check_text(text: str) -> None:
    if "\x00" in text:
        raise ValueError("a string holds the NUL character")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise ValueError("a string holds a lone surrogate") from error
