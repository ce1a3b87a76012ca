"""Reading a webhook's JSON body that will be kept in PostgreSQL (`jsonb` and `text` columns).

Python's `json` accepts what PostgreSQL refuses — NaN and Infinity (also as overflowing numbers
like 1e400), the NUL character, lone UTF-16 surrogates — and raises RecursionError, not ValueError,
on deep nesting. Left alone, each of those fails the transaction and answers 500, and the sender
retries it forever.

Numbers jsonb cannot hold are always refused (ValueError, answered 400): no sender means them.
Unstorable text is a choice of the caller: Retell's events are cleaned (`storable_value`), because
a signed call event must not be lost over a stray character in a transcript; DynoPay's are refused
(`read_storable_json`), because a payment's ids must be stored as sent or not at all.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

# Escapes that JSON allows and PostgreSQL refuses: NUL, and surrogates (which may be unpaired).
_UNSTORABLE_ESCAPE = re.compile(rb"\\u(0000|[dD][89abcdefABCDEF])")


def parse_json(raw: bytes) -> Any:
    """The parsed body, or ValueError if it is not JSON, nests too deeply, or holds a number jsonb
    cannot hold. Texts are left as they came."""
    try:
        # As json.loads reads bytes (UTF-8, 16 or 32, a UTF-8 BOM skipped), with one decoder for
        # every body: json.loads(raw, parse_float=…) builds a new decoder and scanner each time.
        return _DECODER.decode(raw.decode(json.detect_encoding(raw), "surrogatepass"))
    except RecursionError as error:
        raise ValueError("the JSON nests too deeply") from error


def read_storable_json(raw: bytes) -> Any:
    """The parsed body, or ValueError if it is not JSON that PostgreSQL can hold as it is."""
    value = parse_json(raw)
    if any(storable_text(text) != text for text in _texts(value)):
        raise ValueError("a string holds the NUL character or a lone surrogate")
    return value


def storable_value(value: Any) -> Any:
    """A copy of `value` whose texts are `storable_text`. Iterative, like every walk here: json.loads
    nests as deep as the recursion limit allows, so a recursive walk a few frames deeper could fail."""
    root = _cleaned_shallow_copy(value)
    pending = [root]
    while pending:
        container = pending.pop()
        for key in _keys(container):
            child = _cleaned_shallow_copy(container[key])
            container[key] = child
            pending.append(child)
    return root


def storable_text(text: str) -> str:
    """`text` without NULs (PostgreSQL's text refuses them) and with lone surrogates as '?' (UTF-8
    cannot encode them)."""
    if text.isascii():
        return text.replace("\x00", "") if "\x00" in text else text
    return text.encode("utf-8", "replace").decode("utf-8").replace("\x00", "")


def storable_json(raw: bytes, payload: Any) -> str:
    """The body as jsonb will take it: as received, unless it escapes a NUL or a surrogate, and then
    `payload` re-encoded without them, so that no body can fail the batch it is stored in."""
    if _UNSTORABLE_ESCAPE.search(raw) is None:
        try:
            return raw.decode()
        except UnicodeDecodeError:  # JSON in UTF-16 or UTF-32, which json.loads also reads
            pass
    return json.dumps(storable_value(payload))


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError("a number is out of range")
    return number


_DECODER = json.JSONDecoder(parse_constant=_refuse_constant, parse_float=_finite_float)


def _cleaned_shallow_copy(value: Any) -> Any:
    if isinstance(value, str):
        return storable_text(value)
    if isinstance(value, list):
        return list(value)
    if isinstance(value, dict):
        return {storable_text(key): item for key, item in value.items()}
    return value


def _keys(value: Any) -> list[Any] | range:
    if isinstance(value, list):
        return range(len(value))
    if isinstance(value, dict):
        return list(value)
    return []


def _texts(value: Any) -> Any:
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            yield from item
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
