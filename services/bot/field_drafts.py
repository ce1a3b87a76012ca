"""A draft's custom fields, as the flow wizard keeps them (the draft's "fields", JSON in the
conversation), and the FlowSpec's `custom_fields` they become on saving. Pure.

Each field is {"name", "type": "yes_no" | "choice" | "number" | "text", "description", "choices": [...],
"lead": ""}; "lead" is the answer that makes a call a lead ("yes", one of the choices) or "". What a
field may be is the calls service's rule (services/calls/custom_fields.py), which the wizard asks
before it keeps a change, so what Save sends passes CreateFlow's check.
"""

from __future__ import annotations

import re
from typing import Any

from services.calls.custom_fields import CustomField, FieldProblem, FieldType, field_message, field_problems, fields_of
from speechcue.calls.v1 import calls_pb2

# How a customer may separate a choice field's options when typing them.
_OPTION_SEPARATORS = re.compile(r"[,\n;，、]")


def field_of(entry: dict[str, Any]) -> CustomField:
    try:
        kind = FieldType(str(entry.get("type")))
    except ValueError:
        kind = FieldType.TEXT
    return CustomField(name=str(entry.get("name") or ""), type=kind, description=str(entry.get("description") or ""),
                       choices=tuple(str(choice) for choice in entry.get("choices") or ()),
                       lead_answer=str(entry.get("lead") or ""))


def entry_of(field: CustomField) -> dict[str, Any]:
    return {"name": field.name, "type": field.type.value, "description": field.description,
            "choices": list(field.choices), "lead": field.lead_answer}


def draft_fields(draft: dict[str, Any]) -> list[CustomField]:
    return [field_of(entry) for entry in draft.get("fields") or [] if isinstance(entry, dict)]


def field_messages(draft: dict[str, Any]) -> list[calls_pb2.CustomField]:
    """The draft's fields as FlowSpec.custom_fields."""
    return [field_message(field) for field in draft_fields(draft)]


def field_entries(spec: calls_pb2.FlowSpec) -> list[dict[str, Any]]:
    """A saved flow's fields as a draft keeps them."""
    return [entry_of(field) for field in fields_of(spec)]


def options_typed(text: str) -> tuple[str, ...]:
    """A choice field's options as typed: "Mon, Tue; Wed" → ("Mon", "Tue", "Wed"), blanks left out."""
    return tuple(option.strip() for option in _OPTION_SEPARATORS.split(text) if option.strip())


def problems_with(draft: dict[str, Any], index: int, field: CustomField) -> list[FieldProblem]:
    """What would be wrong with the draft's fields if field `index` (or a new one, at the end) were `field`."""
    fields = draft_fields(draft)
    if 0 <= index < len(fields):
        fields[index] = field
    else:
        fields.append(field)
    return field_problems(fields)
