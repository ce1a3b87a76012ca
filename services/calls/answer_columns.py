"""The custom answers' columns of a campaign's CSV report (campaign_report.py): one column per custom
field of the campaign's calls, after the report's own columns. Pure.

The calls service writes each column's header as a code, `answer:<type>:<field name>`
(`answer:yes_no:interested?`), and each cell as the answer kept for the callee's last call ("yes",
"Tue", "3", a text; empty when that call has no answer to the field): the bot puts the header and the
yes/no answers into the chat's words and counts the answers chart from the same cells
(services/bot/campaign_answers.py), as it does for the outcome column. The fields are those the calls
were dialled with (calls.custom_fields), in the order they first appear, so a campaign whose flow
changed fields meanwhile keeps a column for each.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from services.calls.custom_fields import CustomField, FieldType, fields_from_value

ANSWER_PREFIX = "answer:"


def report_fields(callees: Iterable[Any]) -> list[CustomField]:
    """The fields of the callees' last calls (`call_custom_fields` of a report line), once each by name."""
    fields: dict[str, CustomField] = {}
    for callee in callees:
        for field in fields_from_value(getattr(callee, "call_custom_fields", None)):
            fields.setdefault(field.name, field)
    return list(fields.values())


def answer_header(fields: Iterable[CustomField]) -> list[str]:
    return [f"{ANSWER_PREFIX}{field.type.value}:{field.name}" for field in fields]


def answer_cells(callee: Any, fields: Iterable[CustomField]) -> list[str]:
    answers = getattr(callee, "call_custom_answers", None)
    answers = answers if isinstance(answers, dict) else {}
    return [str(answers.get(field.name, "")) for field in fields]


def column_of(header_cell: str) -> tuple[FieldType, str] | None:
    """An answer column's field type and name, read back from its header; None for any other column."""
    if not header_cell.startswith(ANSWER_PREFIX):
        return None
    kind, _, name = header_cell.removeprefix(ANSWER_PREFIX).partition(":")
    try:
        return FieldType(kind), name
    except ValueError:
        return None
