"""Hypothesis strategies for bodies around a real format: the real payload with one part replaced
by something hostile (huge strings, wrong types, unicode, deep nesting, numbers at limits) or
removed, whole hostile JSON documents, and bytes that are not JSON at all."""

from __future__ import annotations

import json
import math
from typing import Any

from hypothesis import strategies as st

# Where integer handling breaks: 32- and 64-bit edges, JavaScript's 2**53, beyond any column.
LIMIT_INTEGERS = (0, -1, 1, 2**31 - 1, 2**31, -(2**31) - 1, 2**53 - 1, 2**53, 2**63 - 1, 2**63, -(2**63) - 1,
                  2**64, 10**30, -(10**30))
LIMIT_FLOATS = (math.nan, math.inf, -math.inf, -0.0, 1e308, 5e-324, 0.1, 1e-7)
NASTY_STRINGS = (
    "", " ", "\x00", "a\x00b", "\ud800", "\udfff", "\u202e\u0645\u0631\u062d\u0628\u0627", "🙂" * 300,
    "Z\u0351\u0368\u0358", "\ufeff", "\r\n\r\n", "null", "true", "0", "-1", "1e309", "NaN", "[]", "{}",
    "' OR '1'='1", "%s%s%n", "${jndi:ldap://x}", "../../etc/passwd", "<script>alert(1)</script>",
    "x" * 10_000, "é" * 40_000,
)

hostile_integers = st.sampled_from(LIMIT_INTEGERS) | st.integers()
hostile_strings = st.sampled_from(NASTY_STRINGS) | st.text(max_size=80) | st.text(
    st.characters(codec="utf-8"), max_size=20)
hostile_scalars = st.one_of(st.none(), st.booleans(), hostile_integers, st.sampled_from(LIMIT_FLOATS), st.floats(),
                            hostile_strings)


def hostile_json(keys: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[Any]:
    """Any JSON value, its object keys drawn from `keys` (the real format's names) or anything."""
    key_strategy = (keys | hostile_strings) if keys is not None else hostile_strings
    return st.recursive(hostile_scalars, lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(key_strategy, children, max_size=4)), max_leaves=12)


def deeply_nested(opener: str, closer: str) -> st.SearchStrategy[bytes]:
    """Nesting deeper than a recursive parser survives, still small enough to pass the size limit."""
    return st.integers(min_value=50, max_value=60_000).map(lambda depth: (opener * depth + closer * depth).encode())


not_json = st.one_of(
    st.binary(max_size=200),
    st.sampled_from([b"", b"null", b"[]", b"{", b'{"a":', b"\xff\xfe\x00", b"NaN", b"-Infinity", b"1e99999"]),
    deeply_nested("[", "]"),
    deeply_nested('{"a":', "}").map(lambda body: body[:-1] + b"1" + b"}"),
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    paths = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            paths.extend(_paths(child, (*prefix, key)))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            paths.extend(_paths(child, (*prefix, index)))
    return paths


def _replaced(value: Any, path: tuple[Any, ...], new: Any, *, remove: bool) -> Any:
    if not path:
        return new
    copy = dict(value) if isinstance(value, dict) else list(value)
    head, rest = path[0], path[1:]
    if remove and not rest:
        del copy[head]
    else:
        copy[head] = _replaced(copy[head], rest, new, remove=remove)
    return copy


@st.composite
def mutated(draw: st.DrawFn, real: Any, keys: st.SearchStrategy[str] | None = None) -> Any:
    """`real` with one to three of its parts replaced by hostile values or removed."""
    value = real
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        paths = _paths(value)
        path = draw(st.sampled_from(paths))
        remove = bool(path) and draw(st.booleans())
        value = _replaced(value, path, None if remove else draw(hostile_json(keys)), remove=remove)
    return value


def encoded(value: Any) -> bytes:
    """JSON as a careless sender writes it: NaN and Infinity allowed, unicode as it is, or escaped
    (which is how lone surrogates travel)."""
    try:
        return json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value).encode()


def bodies_around(real: Any, keys: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[bytes]:
    """Mostly mutations of the real payload (they reach furthest), plus wholly hostile JSON and non-JSON."""
    return st.one_of(
        mutated(real, keys).map(encoded), mutated(real, keys).map(encoded), mutated(real, keys).map(encoded),
        hostile_json(keys).map(encoded),
        not_json,
    )
