"""A callback refused before its dial leaves its callee answered (services/calls/callback_refusals.py): the
outcome the callee row keeps, the report's line of such a callee (answered, its call's outcome, the
callback "not placed" with why), and the CSV the bot makes of it in every language. Pure: no server; the
dispatcher's path is tests/calls/test_callbacks_placed.py's."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.bot.campaign_outcomes import report_in_words
from services.bot.i18n import Words
from services.calls.call_outcomes import FailureCause
from services.calls.callbacks import not_placed_cause, not_placed_cell, refusal_of, refused_outcome
from services.calls.callee_reports import ReportCategory
from services.calls.campaign_report import HEADER, callback_cell, report_csv

CALLEE = "+14155550177"


@pytest.mark.parametrize(("reason", "outcome", "cause"), [
    ("DO_NOT_CALL", "callback_refused:do_not_call", FailureCause.DO_NOT_CALL),
    ("INVALID_NUMBER", "callback_refused:unknown", FailureCause.UNKNOWN),
    ("OUTSIDE_CALLING_WINDOW", "callback_refused:outside_hours", FailureCause.OUTSIDE_HOURS),
])
def test_a_refused_callbacks_outcome_keeps_why(reason: str, outcome: str, cause: FailureCause) -> None:
    assert refused_outcome(reason) == outcome
    assert refusal_of(outcome) is cause
    assert not_placed_cause(not_placed_cell(cause)) is cause


@pytest.mark.parametrize("outcome", ["", "agent_hangup", "do_not_call", "opted_out", "voicemail_reached",
                                     "cancelled", "not_placed:do_not_call"])
def test_a_calls_reason_or_another_mark_is_no_refused_callback(outcome: str) -> None:
    assert refusal_of(outcome) is None


@given(st.text(max_size=40))
def test_any_outcome_reads_as_refused_or_not_without_error(outcome: str) -> None:
    cause = refusal_of(outcome)
    assert (cause is None) != outcome.startswith("callback_refused:")


@dataclass(frozen=True)
class RefusedCallback:
    """A report line (campaigns.report_lines) of a callee whose callback the do-not-call list refused: it
    answered the call that asked, which is again its call."""

    number: str = CALLEE
    name: str = "Ada"
    status: str = "answered"
    attempts: int = 1
    outcome: str = "callback_refused:do_not_call"
    duration_seconds: int = 20
    digits: tuple[str, ...] = ("8",)
    cost_cents: int = 15
    callback_at: datetime | None = datetime(2026, 12, 4, 18, 0, tzinfo=UTC)
    call_status: str = "ended"
    call_disconnection_reason: str = "agent_hangup"
    call_failure_reason: str = ""
    call_in_voicemail: bool = False
    call_opted_out: bool = False
    call_transfer_number: str = ""
    call_stopped_by_customer: bool = False
    call_custom_fields: Any = None
    call_custom_answers: Any = None


def report_line(data: bytes) -> dict[str, str]:
    [line] = list(csv.DictReader(io.StringIO(data.decode())))
    return line


@pytest.mark.parametrize("campaign_status", ["completed", "cancelled", "running"])
def test_the_report_says_answered_and_the_callback_not_placed(campaign_status: str) -> None:
    line = report_line(report_csv([RefusedCallback()], campaign_status))

    assert (line["status"], line["outcome"], line["callback"]) == ("answered", "answered", "not_placed:do_not_call")


def test_without_its_calls_facts_the_line_still_says_answered() -> None:
    """A line whose call row is gone (the facts None) reads the callee row alone: still answered."""
    line = report_line(report_csv([RefusedCallback(call_status="")], "completed"))

    assert (line["status"], line["outcome"]) == ("answered", "answered")


def test_a_callback_placed_or_waiting_shows_its_time_in_the_callees_zone() -> None:
    at = datetime(2026, 12, 4, 18, 0, tzinfo=UTC)
    assert callback_cell(CALLEE, at, "agent_hangup") == "2026-12-04T10:00-08:00"
    assert callback_cell(CALLEE, None, "") == ""
    assert callback_cell(CALLEE, at, "callback_refused:do_not_call") == "not_placed:do_not_call"


WHY = {"en": "not placed: on the do-not-call list", "fr": "non passé : sur la liste d'opposition",
       "zh": "未拨打：在禁止呼叫名单中", "hi": "नहीं किया गया: कॉल न करें सूची में"}


@pytest.mark.parametrize("language", ["en", "fr", "zh", "hi"])
def test_the_chat_says_why_the_callback_was_not_placed_and_counts_the_callee_answered(language: str) -> None:
    words = Words(language)

    in_words = report_in_words(words, report_csv([RefusedCallback()], "completed"))

    [_, row] = list(csv.reader(io.StringIO(in_words.csv.decode())))
    line = dict(zip(HEADER, row, strict=False))
    assert line["callback"] == WHY[language]
    assert line["status"] == words("outcome.category.answered")
    assert [(count, label) for label, count, _ in in_words.bars] == [(1, words("outcome.answered"))]
    assert ReportCategory.NOT_REACHED.value not in row
