"""Hypothesis strategies for any protobuf request, read from its descriptor: every field maybe set,
strings empty, huge, control characters and unicode; integers at the edges of their type; enum
numbers the proto does not name; timestamps outside any calendar; repeated and map fields with a
few entries; nested messages a few levels deep.

Fields named in `known` also draw from real values (a customer with money, an existing flow, the
admin's id), so requests get past the first checks and reach the logic behind them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass
from hypothesis import strategies as st

from tests.reliability.hostile_json import LIMIT_FLOATS, NASTY_STRINGS

# Protobuf strings are UTF-8: a lone surrogate cannot even be set, so it is no test of a service.
PROTO_STRINGS = tuple(text for text in NASTY_STRINGS if "\ud800" not in text and "\udfff" not in text)
_INTEGER_RANGES = {
    FieldDescriptor.TYPE_INT32: (-(2**31), 2**31 - 1), FieldDescriptor.TYPE_SINT32: (-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_SFIXED32: (-(2**31), 2**31 - 1), FieldDescriptor.TYPE_UINT32: (0, 2**32 - 1),
    FieldDescriptor.TYPE_FIXED32: (0, 2**32 - 1), FieldDescriptor.TYPE_INT64: (-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_SINT64: (-(2**63), 2**63 - 1), FieldDescriptor.TYPE_SFIXED64: (-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_UINT64: (0, 2**64 - 1), FieldDescriptor.TYPE_FIXED64: (0, 2**64 - 1),
}
MAX_DEPTH = 3
# Real values by field name: a list to pick from, or a strategy (fresh idempotency keys).
Known = Mapping[str, Sequence[Any] | st.SearchStrategy[Any]]

proto_strings = st.sampled_from(PROTO_STRINGS) | st.text(st.characters(codec="utf-8"), max_size=40)


def integers_of(low: int, high: int) -> st.SearchStrategy[int]:
    edges = sorted({value for value in (low, high, -1, 0, 1, 59, 60, 2**31 - 1, 2**31, 2**53, 2**63 - 1)
                    if low <= value <= high})
    return st.sampled_from(edges) | st.integers(min_value=max(low, -5), max_value=min(high, 10_000)) | st.integers(
        min_value=low, max_value=high)


def _scalar(field: FieldDescriptor, known: Known) -> st.SearchStrategy[Any]:
    kind = field.type
    strategy: st.SearchStrategy[Any]
    if kind in _INTEGER_RANGES:
        strategy = integers_of(*_INTEGER_RANGES[kind])
    elif kind == FieldDescriptor.TYPE_ENUM:
        assert field.enum_type is not None
        numbers = [value.number for value in field.enum_type.values]
        strategy = st.sampled_from(numbers) | st.sampled_from([-1, max(numbers) + 1, 2**31 - 1])
    elif kind == FieldDescriptor.TYPE_BOOL:
        strategy = st.booleans()
    elif kind in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
        strategy = st.sampled_from(LIMIT_FLOATS) | st.floats(width=32 if kind == FieldDescriptor.TYPE_FLOAT else 64)
    elif kind == FieldDescriptor.TYPE_BYTES:
        strategy = st.binary(max_size=300) | st.sampled_from([b"", b"\x00" * 10, b"\xff\xfe", b"x" * 100_000])
    else:
        strategy = proto_strings
    if field.name in known:
        real = known[field.name]
        real_strategy = real if isinstance(real, st.SearchStrategy) else st.sampled_from(list(real))
        # Real values two times in three: deep enough to meet the rules behind the first check.
        strategy = real_strategy | real_strategy | strategy
    return strategy


def _is_map(field: FieldDescriptor) -> bool:
    return (field.type == FieldDescriptor.TYPE_MESSAGE and field.message_type is not None
            and field.message_type.GetOptions().map_entry)


def _field(field: FieldDescriptor, known: Known, depth: int) -> st.SearchStrategy[Any]:
    if _is_map(field):
        assert field.message_type is not None
        key_field, value_field = field.message_type.fields_by_name["key"], field.message_type.fields_by_name["value"]
        return st.dictionaries(_single(key_field, known, depth + 1), _single(value_field, known, depth + 1),
                               max_size=3)
    single = _single(field, known, depth)
    if field.is_repeated:
        return st.lists(single, max_size=3)
    return single


def _single(field: FieldDescriptor, known: Known, depth: int) -> st.SearchStrategy[Any]:
    if field.type == FieldDescriptor.TYPE_MESSAGE and field.message_type is not None:
        return requests_for(field.message_type, known, depth + 1)
    return _scalar(field, known)


def requests_for(descriptor: Descriptor, known: Known | None = None,
                 depth: int = 0) -> st.SearchStrategy[Message]:
    """Messages of `descriptor`'s type, each field set or left unset."""
    message_class = GetMessageClass(descriptor)
    if depth > MAX_DEPTH:
        return st.just(message_class())
    known = known or {}
    optional = {field.name: st.deferred(lambda field=field: _field(field, known, depth))  # type: ignore[misc]
                for field in descriptor.fields}
    return st.fixed_dictionaries({}, optional=optional).map(lambda values: _built(message_class, values))


def _built(message_class: type[Message], values: dict[str, Any]) -> Message:
    message = message_class()
    for name, value in values.items():
        target = getattr(message, name)
        if isinstance(value, Message):
            target.CopyFrom(value)
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(item, Message):
                    target[key].CopyFrom(item)
                else:
                    target[key] = item
        elif isinstance(value, list):
            target.extend(value)
        else:
            setattr(message, name, value)
    return message
