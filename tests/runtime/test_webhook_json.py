"""The one reader of webhook bodies kept in PostgreSQL: what it refuses, and what it cleans."""

from __future__ import annotations

import json
import sys

import pytest

from services.runtime.webhook_json import parse_json, read_storable_json, storable_json, storable_value


@pytest.mark.parametrize("raw", [b'{"a": NaN}', b'{"a": -Infinity}', b'{"a": 1e400}', b'[1, 2',
                                 b"[" * 100_000 + b"]" * 100_000])
def test_what_jsonb_cannot_hold_as_a_number_and_what_is_no_json_are_value_errors(raw: bytes) -> None:
    with pytest.raises(ValueError):
        parse_json(raw)
    with pytest.raises(ValueError):
        read_storable_json(raw)


@pytest.mark.parametrize("raw", [b'{"a": "x\\u0000y"}', b'{"x\\u0000": 1}', b'[["\\ud800"]]',
                                 b'{"a": [{"b": "\\udfff tail"}]}'])
def test_payments_reader_refuses_texts_postgresql_cannot_store(raw: bytes) -> None:
    assert parse_json(raw)  # JSON that Python reads...
    with pytest.raises(ValueError, match="NUL character or a lone surrogate"):
        read_storable_json(raw)  # ...and PostgreSQL would not


def test_a_paired_surrogate_escape_is_an_ordinary_character_and_is_kept() -> None:
    assert read_storable_json(b'{"a": "\\ud83d\\ude00"}') == {"a": "\U0001F600"}


def test_cleaning_keeps_everything_but_the_unstorable_characters() -> None:
    raw = b'{"call": {"id": "c1\\u0000", "t\\u0000ext": ["ok", "lone \\ud800 here", 1.5, null, true]}}'
    cleaned = storable_value(parse_json(raw))
    assert cleaned == {"call": {"id": "c1", "text": ["ok", "lone ? here", 1.5, None, True]}}
    assert json.loads(storable_json(raw, parse_json(raw))) == cleaned


def test_a_clean_body_is_stored_byte_for_byte_as_received() -> None:
    raw = b'{"b": 1, "a": "caf\xc3\xa9 \\u00e9"}'
    assert storable_json(raw, parse_json(raw)) == raw.decode()


def test_cleaning_a_body_nested_as_deep_as_json_allows_does_not_overflow_the_stack() -> None:
    depth = sys.getrecursionlimit() - 50
    raw = b'{"k": ' * depth + b'"x\\u0000"' + b"}" * depth
    cleaned = storable_value(parse_json(raw))
    for _ in range(depth):
        cleaned = cleaned["k"]
    assert cleaned == "x"
