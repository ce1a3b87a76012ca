"""Checks a request body against retell-sdk's parameter TypedDicts, strictly: every key the body sends
must be a field of the SDK type (pydantic's TypeAdapter ignores unknown keys of a TypedDict, so a
made-up field such as a node-level `user_dtmf_options` would pass it), every required field is there,
and every value has the field's type. A union passes when one member does."""

from __future__ import annotations

import collections.abc
import types
import typing
from typing import Any, NotRequired, Required

from retell._types import SequenceNotStr
from typing_extensions import is_typeddict

_SEQUENCES = (list, collections.abc.Iterable, collections.abc.Sequence, SequenceNotStr)


def request_problems(value: Any, annotation: Any, path: str = "body") -> list[str]:
    """Every way `value` is not an `annotation`, each naming where it stands; [] when it is one."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if annotation is Any or annotation is object:
        return []
    if origin is typing.Annotated or origin in (Required, NotRequired):
        return request_problems(value, args[0], path)
    if origin in (typing.Union, types.UnionType):
        attempts = [request_problems(value, member, path) for member in args]
        return [] if any(not found for found in attempts) else min(attempts, key=len)
    if annotation is type(None):
        return [] if value is None else [f"{path}: {value!r} is not null"]
    if origin is typing.Literal:
        return [] if value in args else [f"{path}: {value!r} is not one of {args}"]
    if is_typeddict(annotation):
        return _typed_dict_problems(value, annotation, path)
    if origin in (dict, collections.abc.Mapping):
        if not isinstance(value, dict):
            return [f"{path}: {type(value).__name__} is not an object"]
        return [problem for key, item in value.items() for problem in request_problems(item, args[1], f"{path}.{key}")]
    if origin in _SEQUENCES:
        if not isinstance(value, list):
            return [f"{path}: {type(value).__name__} is not a list"]
        return [problem for index, item in enumerate(value)
                for problem in request_problems(item, args[0], f"{path}[{index}]")]
    return _scalar_problems(value, annotation, path)


def _typed_dict_problems(value: Any, annotation: Any, path: str) -> list[str]:
    if not isinstance(value, dict):
        return [f"{path}: {type(value).__name__} is not an object of {annotation.__name__}"]
    hints = typing.get_type_hints(annotation, include_extras=True)
    # The wire name of a field is its PropertyInfo alias where it has one.
    wire = {_alias(field, hint): field for field, hint in hints.items()}
    problems = [f"{path}.{key}: {annotation.__name__} has no such field" for key in value if key not in wire]
    problems += [f"{path}.{field}: required by {annotation.__name__}" for field, hint in hints.items()
                 if _required(hint, annotation.__total__) and _alias(field, hint) not in value]
    for key, item in value.items():
        if key in wire:
            problems += request_problems(item, hints[wire[key]], f"{path}.{key}")
    return problems


def _required(hint: Any, total: bool) -> bool:
    # Read from the hints: under `from __future__ import annotations` (as retell-sdk's modules are),
    # a TypedDict's own __required_keys__ does not see `Required[...]`.
    origin = typing.get_origin(hint)
    return origin is Required or (total and origin is not NotRequired)


def _alias(field: str, hint: Any) -> str:
    while typing.get_origin(hint) in (Required, NotRequired):
        hint = typing.get_args(hint)[0]
    for extra in getattr(hint, "__metadata__", ()):
        if getattr(extra, "alias", None):
            return str(extra.alias)
    return field


def _scalar_problems(value: Any, annotation: Any, path: str) -> list[str]:
    if annotation is float:
        fits = isinstance(value, int | float) and not isinstance(value, bool)
    elif annotation is int:
        fits = isinstance(value, int) and not isinstance(value, bool)
    elif isinstance(annotation, type):
        fits = isinstance(value, annotation)
    else:
        raise TypeError(f"{path}: no rule for {annotation!r}")
    return [] if fits else [f"{path}: {value!r} is not {annotation.__name__}"]
