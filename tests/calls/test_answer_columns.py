"""A campaign report's custom answer columns: one per field of the callees' calls (in the order they
first appear, whichever flow version dialled them), a callee's answers in them, hostile answers and
field names escaped like every cell; the bot puts them into the chat's words and counts the answers
chart from the same cells."""

from __future__ import annotations

import csv
import io

import pytest

from services.bot.campaign_answers import answers_chart
from services.bot.campaign_outcomes import HEADER_IDS, report_in_words
from services.bot.i18n import Words
from services.calls.campaign_report import HEADER, report_csv
from services.calls.custom_fields import CustomField, FieldType, definitions_value
from tests.calls.test_campaign_report import Callee

INTERESTED = CustomField("interested?", FieldType.YES_NO, lead_answer="yes")
DAY = CustomField("preferred day", FieldType.CHOICE, choices=("Mon", "Tue"))
NOTE = CustomField("=note", FieldType.TEXT)
FIRST_VERSION = definitions_value([INTERESTED, DAY])
SECOND_VERSION = definitions_value([INTERESTED, NOTE])


CALLEES = [
    Callee(call_custom_fields=FIRST_VERSION, call_custom_answers={"interested?": "yes", "preferred day": "Tue"}),
    Callee(call_custom_fields=FIRST_VERSION, call_custom_answers={"interested?": "no", "preferred day": "Tue"}),
    Callee(call_custom_fields=SECOND_VERSION, call_custom_answers={"interested?": "yes", "=note": "=HYPERLINK(x)"}),
    Callee(status="pending", attempts=0, outcome=""),  # never called: no answers
]


def parsed(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode())))


def test_each_field_of_the_campaigns_calls_is_a_column_after_the_reports_own() -> None:
    rows = parsed(report_csv(CALLEES, "completed"))
    own = len(HEADER)
    assert rows[0][:own] == list(HEADER)
    assert rows[0][own:] == ["answer:yes_no:interested?", "answer:choice:preferred day", "answer:text:=note"]
    assert [row[own:] for row in rows[1:]] == [["yes", "Tue", ""], ["no", "Tue", ""], ["yes", "", "'=HYPERLINK(x)"],
                                               ["", "", ""]]


def test_a_campaign_without_fields_keeps_the_reports_own_columns_only() -> None:
    rows = parsed(report_csv([Callee(), Callee(status="pending", attempts=0, outcome="")], "completed"))
    assert rows[0] == list(HEADER) and all(len(row) == len(HEADER) for row in rows)


@pytest.mark.parametrize("language", ["en", "fr", "zh", "hi"])
def test_the_bot_names_the_columns_says_yes_and_no_in_the_chats_words_and_charts_the_answers(language: str) -> None:
    words = Words(language)
    in_words = report_in_words(words, report_csv(CALLEES, "completed"))
    rows = parsed(in_words.csv)
    own = len(HEADER)
    assert rows[0][:own] == [words(HEADER_IDS[name]) for name in HEADER]
    assert rows[0][own:] == ["interested?", "preferred day", "'=note"]
    yes, no = words("fields.answer.yes"), words("fields.answer.no")
    assert [row[own] for row in rows[1:]] == [yes, no, yes, ""]
    assert rows[3][own + 2] == "'=HYPERLINK(x)"
    # Yes before no, then the options: texts and numbers are not charted.
    assert [(label, count) for label, count, _ in in_words.answer_bars] == [
        (f"interested?: {yes}", 2), (f"interested?: {no}", 1), ("preferred day: Tue", 2)]
    assert in_words.bars  # the outcomes chart is counted as before


def test_the_answers_chart_is_a_photo_after_the_outcomes_and_none_without_answers() -> None:
    words = Words("en")
    bars = report_in_words(words, report_csv(CALLEES, "completed")).answer_bars
    [photo] = answers_chart(words, 42, bars)
    assert photo.method == "sendPhoto" and photo.body["caption"] == words("fields.answers_chart")
    assert photo.file is not None and photo.file.startswith(b"\x89PNG")
    assert answers_chart(words, 42, report_in_words(words, report_csv([Callee()], "completed")).answer_bars) == []
