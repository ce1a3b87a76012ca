"""Custom outcomes: the questions a customer wants answered about each call of a flow ("interested?",
"preferred day"), and the answers Retell's post-call model gives. Pure, no I/O.

Why here and not in Retell alone: the fields travel to Retell as items of the agent's
`post_call_analysis_data` (retell-sdk agent_create_params: `boolean`, `enum` with `choices`, `number`,
`string`, each with `name` and `description`), and Retell reports the answers in call_analyzed's
`call_analysis.custom_analysis_data`, an object keyed by the items' names (retell-sdk
phone_call_response, `custom_analysis_data: Optional[object]`). That object is written by a model and
arrives in a webhook: it is read against the field definitions the call was dialled with (kept on the
call row like its menu keys, so an edit of the flow meanwhile changes nothing) and only what fits is
kept:
    yes/no  "interested?"            True → "yes", "no" → "no", "maybe" → dropped
    choice  "day" (Mon, Tue)         "tue" → "Tue" (the option as written), "Sunday" → dropped
    number  "seats"                  3 → "3", 2.50 → "2.5", "4" → "4", NaN, 1e20, True → dropped
    text    "note"                   "call me later" → kept (at most 300 characters), "" → dropped
    a name the call's fields lack    → dropped
A call is a lead when one of its answers is the answer its field marks as a lead ("yes" for
"interested?"): `is_lead`.

The definitions are customer text that reaches Retell's analysis prompt: their names, descriptions and
options are screened with the flow's texts (flow_specs.labelled_texts → review_policy).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from services.calls.text_screening import LabeledText
from services.runtime.webhook_json import storable_text
from speechcue.calls.v1 import calls_pb2

MAX_FIELDS = 5
MAX_NAME = 40
MAX_DESCRIPTION = 200
MIN_CHOICES, MAX_CHOICES = 2, 8
MAX_CHOICE = 40
MAX_TEXT_ANSWER = 300
# A number an answer may be: beyond it a model is not reporting a count, an amount or a day.
MAX_NUMBER = 1e12
YES, NO = "yes", "no"
# Retell's own analysis items (system presets): a field of that name would collide with them.
RETELL_PRESET_NAMES = frozenset({"call_summary", "call_successful", "user_sentiment"})
_TRUE_WORDS, _FALSE_WORDS = frozenset({"true", "yes"}), frozenset({"false", "no"})


class FieldType(StrEnum):
    YES_NO = "yes_no"
    CHOICE = "choice"
    NUMBER = "number"
    TEXT = "text"


FIELD_TYPES = {calls_pb2.CUSTOM_FIELD_TYPE_YES_NO: FieldType.YES_NO,
               calls_pb2.CUSTOM_FIELD_TYPE_CHOICE: FieldType.CHOICE,
               calls_pb2.CUSTOM_FIELD_TYPE_NUMBER: FieldType.NUMBER,
               calls_pb2.CUSTOM_FIELD_TYPE_TEXT: FieldType.TEXT}
PROTO_TYPES = {value: key for key, value in FIELD_TYPES.items()}
# retell-sdk's item type for each of ours.
RETELL_TYPES = {FieldType.YES_NO: "boolean", FieldType.CHOICE: "enum", FieldType.NUMBER: "number",
                FieldType.TEXT: "string"}


@dataclass(frozen=True)
class CustomField:
    name: str
    type: FieldType
    description: str = ""
    choices: tuple[str, ...] = ()
    # The answer that makes a call a lead ('' none): "yes"/"no", or one of the choices.
    lead_answer: str = ""

    def answers(self) -> tuple[str, ...]:
        """Every answer the field can have, when they can be counted (yes/no, choice); else ()."""
        if self.type == FieldType.YES_NO:
            return (YES, NO)
        return self.choices if self.type == FieldType.CHOICE else ()


@dataclass(frozen=True)
class FieldProblem:
    code: str
    message: str


def fields_of(spec: calls_pb2.FlowSpec) -> tuple[CustomField, ...]:
    """The spec's fields as they stand (check with field_problems); an unknown type reads as text."""
    return tuple(CustomField(name=item.name.strip(), type=FIELD_TYPES.get(item.type, FieldType.TEXT),
                             description=item.description.strip(), choices=tuple(c.strip() for c in item.choices),
                             lead_answer=item.lead_answer.strip())
                 for item in spec.custom_fields)


def field_message(field: CustomField) -> calls_pb2.CustomField:
    return calls_pb2.CustomField(name=field.name, type=PROTO_TYPES[field.type], description=field.description,
                                 choices=list(field.choices), lead_answer=field.lead_answer)


def _fold(text: str) -> str:
    return text.strip().casefold()


def _bad_text(text: str, limit: int) -> bool:
    return not text.strip() or len(text) > limit or storable_text(text) != text or any(
        ord(char) < 32 for char in text)


def field_problems(fields: Sequence[CustomField]) -> list[FieldProblem]:
    """Every problem with a flow's fields, in words a customer reads. Worked examples: six fields →
    TOO_MANY_FIELDS; "Interested?" twice (any case) → DUPLICATE_FIELD; a choice with one option →
    BAD_CHOICES; a yes/no field leading on "maybe" → BAD_LEAD_ANSWER; "call_summary" → BAD_FIELD_NAME."""
    problems: list[FieldProblem] = []
    if len(fields) > MAX_FIELDS:
        problems.append(FieldProblem("TOO_MANY_FIELDS", f"a flow has at most {MAX_FIELDS} custom fields"))
    seen: set[str] = set()
    for field in fields:
        if _bad_text(field.name, MAX_NAME) or _fold(field.name) in RETELL_PRESET_NAMES:
            problems.append(FieldProblem("BAD_FIELD_NAME", f"name each field in 1 to {MAX_NAME} characters "
                                                           f"(not {', '.join(sorted(RETELL_PRESET_NAMES))})"))
        elif _fold(field.name) in seen:
            problems.append(FieldProblem("DUPLICATE_FIELD", f"two fields are named '{field.name}'"))
        seen.add(_fold(field.name))
        if field.description and _bad_text(field.description, MAX_DESCRIPTION):
            problems.append(FieldProblem("BAD_FIELD_DESCRIPTION",
                                         f"the description of '{field.name}' is longer than {MAX_DESCRIPTION} "
                                         "characters or holds control characters"))
        if field.type == FieldType.CHOICE:
            folded = [_fold(choice) for choice in field.choices]
            if (not MIN_CHOICES <= len(field.choices) <= MAX_CHOICES or len(set(folded)) != len(folded)
                    or any(_bad_text(choice, MAX_CHOICE) for choice in field.choices)):
                problems.append(FieldProblem("BAD_CHOICES", f"'{field.name}' needs {MIN_CHOICES} to {MAX_CHOICES} "
                                                            f"different options of 1 to {MAX_CHOICE} characters"))
        elif field.choices:
            problems.append(FieldProblem("BAD_CHOICES", f"only a choice field has options ('{field.name}')"))
        if field.lead_answer and field.lead_answer not in field.answers():
            problems.append(FieldProblem("BAD_LEAD_ANSWER", f"the lead answer of '{field.name}' must be one of its "
                                                            "answers (yes or no, or one of its options)"))
    return problems


def _prompt_text(text: str) -> str:
    # Retell fills {{name}} from the call's dynamic variables in what the model reads: a customer's
    # words must not pull a callee's list values into the analysis.
    return text.replace("{{", "{ {").replace("}}", "} }")


def analysis_items(fields: Iterable[CustomField]) -> list[dict[str, Any]]:
    """The fields as items of the agent's post_call_analysis_data (retell-sdk agent_create_params,
    PostCallAnalysisData{Boolean,Enum,Number,String}AnalysisData)."""
    items: list[dict[str, Any]] = []
    for field in fields:
        item: dict[str, Any] = {"type": RETELL_TYPES[field.type], "name": field.name,
                                "description": _prompt_text(field.description or field.name)}
        if field.type == FieldType.CHOICE:
            item["choices"] = list(field.choices)
        items.append(item)
    return items


def labelled_texts(fields: Iterable[CustomField]) -> list[LabeledText]:
    """The fields' words, with where they stand, for the review policy's screening."""
    texts: list[LabeledText] = []
    for field in fields:
        where = f"custom field '{field.name}'"
        texts.append(LabeledText(where, field.name))
        if field.description:
            texts.append(LabeledText(f"{where}, description", field.description))
        texts.extend(LabeledText(f"{where}, option", choice) for choice in field.choices)
    return texts


# The definitions as a call row keeps them (calls.custom_fields, jsonb): what reading the answers needs.
def definitions_value(fields: Iterable[CustomField]) -> list[dict[str, Any]]:
    return [{"name": field.name, "type": field.type.value, "choices": list(field.choices),
             "lead": field.lead_answer} for field in fields]


def fields_from_value(value: Any) -> tuple[CustomField, ...]:
    """definitions_value read back; anything else in the column reads as no fields."""
    fields: list[CustomField] = []
    for item in value if isinstance(value, list) else ():
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            continue
        try:
            kind = FieldType(str(item.get("type")))
        except ValueError:
            continue
        choices = tuple(str(choice) for choice in item.get("choices") or () if isinstance(choice, str))
        fields.append(CustomField(name=item["name"], type=kind, choices=choices,
                                  lead_answer=str(item.get("lead") or "")))
    return tuple(fields)


def _number_text(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if not isinstance(value, int | float) or not math.isfinite(value) or abs(value) > MAX_NUMBER:
        return None
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.4f}".rstrip("0").rstrip(".")


def read_answer(field: CustomField, value: Any) -> str | None:
    """One answer as kept ("yes", "Tue", "2.5", a text), or None when it is none the field can have."""
    if field.type == FieldType.YES_NO:
        if isinstance(value, bool):
            return YES if value else NO
        if isinstance(value, str) and _fold(value) in _TRUE_WORDS | _FALSE_WORDS:
            return YES if _fold(value) in _TRUE_WORDS else NO
        return None
    if field.type == FieldType.CHOICE:
        if not isinstance(value, str):
            return None
        return next((choice for choice in field.choices if _fold(choice) == _fold(value)), None)
    if field.type == FieldType.NUMBER:
        return _number_text(value)
    if not isinstance(value, str):
        return None
    text = " ".join(storable_text(value).split())[:MAX_TEXT_ANSWER]
    return text or None


def read_answers(data: Any, fields: Sequence[CustomField]) -> dict[str, str]:
    """Retell's custom_analysis_data as kept: the answers that fit their field, in the fields' order."""
    if not isinstance(data, dict):
        return {}
    answers: dict[str, str] = {}
    for field in fields:
        answer = read_answer(field, data.get(field.name))
        if answer is not None:
            answers[field.name] = answer
    return answers


def is_lead(answers: Mapping[str, str], fields: Iterable[CustomField]) -> bool:
    """Whether one of the answers is the one its field marks as a lead."""
    return any(field.lead_answer and answers.get(field.name) == field.lead_answer for field in fields)


@dataclass(frozen=True)
class CallAnswers:
    """What a call row keeps of an analysis: calls.custom_answers and calls.is_lead."""

    answers: dict[str, str]
    lead: bool


def custom_answers(data: Any, definitions: Any) -> CallAnswers:
    """Retell's custom_analysis_data read against the call row's fields (calls.custom_fields)."""
    fields = fields_from_value(definitions)
    answers = read_answers(data, fields)
    return CallAnswers(answers, is_lead(answers, fields))


def answer_filter(field_name: str, value: str) -> tuple[str, str] | None:
    """ListCalls' answer filter: None when it names no field. A name or value longer than any kept one
    is cut to one character more, which still matches nothing."""
    if not field_name:
        return None
    return field_name[:MAX_NAME + 1], value[:MAX_TEXT_ANSWER + 1]


def answer_messages(answers: Any, definitions: Any) -> list[calls_pb2.CustomAnswer]:
    """A call row's answers (calls.custom_answers) in its fields' order (calls.custom_fields), as
    the Call message carries them."""
    if not isinstance(answers, dict):
        return []
    return [calls_pb2.CustomAnswer(name=field.name, value=answers[field.name],
                                   lead=bool(field.lead_answer) and answers[field.name] == field.lead_answer,
                                   type=PROTO_TYPES[field.type])
            for field in fields_from_value(definitions) if isinstance(answers.get(field.name), str)]
