"""A call's custom answers (services/calls/custom_fields.py) in the customer's words: a yes/no answer in
the chat's language, any other answer as Retell's analysis gave it and the calls service kept it, a
lead marked with ⭐. Used by the outcome message, a call's details, Results by answer and Leads."""

from __future__ import annotations

from services.bot.i18n import Words
from services.calls.custom_fields import FIELD_TYPES, NO, YES, FieldType
from speechcue.calls.v1 import calls_pb2

YES_NO_IDS = {YES: "fields.answer.yes", NO: "fields.answer.no"}
SHORT_ANSWER = 24


def answer_words(words: Words, field_type: FieldType | str, value: str) -> str:
    """An answer as the customer reads it: yes/no in the chat's language, anything else as given."""
    return words(YES_NO_IDS[value]) if field_type == FieldType.YES_NO and value in YES_NO_IDS else value


def _answer(words: Words, answer: calls_pb2.CustomAnswer) -> str:
    return answer_words(words, FIELD_TYPES.get(answer.type, FieldType.TEXT), answer.value)


def answer_lines(words: Words, call: calls_pb2.Call) -> list[str]:
    """The outcome's lines of answers: a heading, then "⭐ interested?: yes" a line each; [] for none."""
    if not call.custom_answers:
        return []
    return [words("fields.outcome_answers")] + [
        words("fields.outcome_answer", lead="⭐ " if answer.lead else "", name=answer.name,
              answer=_answer(words, answer)) for answer in call.custom_answers]


def answers_line(words: Words, call: calls_pb2.Call) -> str:
    """A call's answers on one line, each cut short: "⭐ interested? yes · preferred day Tue"."""
    shown = []
    for answer in call.custom_answers:
        value = _answer(words, answer)
        value = value if len(value) <= SHORT_ANSWER else f"{value[:SHORT_ANSWER - 1]}…"
        shown.append(f"{'⭐ ' if answer.lead else ''}{answer.name} {value}")
    return " · ".join(shown)
