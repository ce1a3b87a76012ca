"""When a campaign's completion report is ready (report_readiness.py): every answer it shows is in, or
the wait for the missing ones has passed; the report marks the calls whose answers are not in, and the
bot says so in the chat's words. Pure: no server."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.bot.campaign_outcomes import report_in_words
from services.bot.i18n import Words
from services.calls.campaign_report import ANSWERS_PENDING, HEADER, NOT_IN_YET, report_csv
from services.calls.custom_fields import CustomField, FieldType, definitions_value
from services.calls.report_readiness import LastCall, report_ready, still_waiting
from tests.calls.test_campaign_report import Callee

NOW = datetime(2026, 12, 3, 12, 20, tzinfo=UTC)
WAIT = timedelta(minutes=10)
FIELDS = definitions_value([CustomField("interested?", FieldType.YES_NO, lead_answer="yes")])


def at(hour: int, minute: int) -> datetime:
    return datetime(2026, 12, 3, hour, minute, tzinfo=UTC)


def awaiting(settled: datetime | None) -> LastCall:
    """A call that connected, was dialled with a field, and has no analysis yet."""
    return LastCall(status="ended", custom_fields=FIELDS, analyzed_at=None, settled_at=settled)


ANALYSED = LastCall(status="ended", custom_fields=FIELDS, analyzed_at=at(12, 19), settled_at=at(12, 18))


@pytest.mark.parametrize(("calls", "wait", "ready"), [
    ([], WAIT, True),  # a campaign of callees never called
    ([ANALYSED], WAIT, True),
    ([ANALYSED], None, True),
    ([awaiting(at(12, 15))], WAIT, False),  # waited 5 minutes of 10
    ([awaiting(at(12, 10))], WAIT, True),  # waited exactly 10: reported without them
    ([awaiting(at(12, 11))], WAIT, False),
    ([awaiting(at(11, 0))], WAIT, True),
    ([awaiting(at(12, 5)), awaiting(at(12, 15))], WAIT, False),  # the latest one still holds it
    ([awaiting(at(12, 5)), awaiting(at(12, 9))], WAIT, True),
    ([ANALYSED, awaiting(at(12, 15))], WAIT, False),
    ([awaiting(at(11, 0))], None, False),  # no time passes on this path: only an analysis releases it
    ([awaiting(at(12, 20))], timedelta(0), True),  # no wait at all
    ([awaiting(None)], WAIT, True),  # an end never settled cannot be timed: it holds nothing for ever
    ([awaiting(None)], None, False),
    # Nothing to wait for: a call that never connected, one with no fields, or whose fields are unreadable.
    ([LastCall(status="failed", custom_fields=FIELDS, analyzed_at=None, settled_at=at(12, 19))], None, True),
    ([LastCall(status="ended", custom_fields=[], analyzed_at=None, settled_at=at(12, 19))], None, True),
    ([LastCall(status="ended", custom_fields=None, analyzed_at=None, settled_at=at(12, 19))], None, True),
    ([LastCall(status="ended", custom_fields="garbage", analyzed_at=None, settled_at=at(12, 19))], None, True),
    ([LastCall(status="ongoing", custom_fields=FIELDS, analyzed_at=None, settled_at=None)], None, True),
])
def test_a_report_is_ready_when_every_answer_is_in_or_its_wait_has_passed(
        calls: list[LastCall], wait: timedelta | None, ready: bool) -> None:
    assert report_ready(calls, NOW, wait) is ready


calls_strategy = st.lists(st.builds(
    LastCall, status=st.sampled_from(["ended", "failed", "ongoing"]), custom_fields=st.sampled_from([FIELDS, []]),
    analyzed_at=st.none() | st.just(at(12, 0)),
    settled_at=st.none() | st.datetimes(min_value=datetime(2026, 12, 3), max_value=datetime(2026, 12, 4),
                                        timezones=st.just(UTC))), max_size=8)


@given(calls=calls_strategy, minutes=st.integers(0, 120))
def test_a_report_ready_without_a_wait_is_ready_with_any_and_a_late_enough_tick_always_releases_it(
        calls: list[LastCall], minutes: int) -> None:
    wait = timedelta(minutes=minutes)
    if report_ready(calls, NOW, None):
        assert report_ready(calls, NOW, wait)
    # However the answers go, a tick past every call's wait finds the report ready: none holds it for ever.
    latest = max((call.settled_at for call in calls if call.settled_at is not None), default=NOW)
    assert report_ready(calls, max(NOW, latest + wait), wait)
    # An analysis never makes a ready report unready.
    analysed = [LastCall(call.status, call.custom_fields, at(12, 0), call.settled_at) for call in calls]
    assert report_ready(analysed, NOW, None)


@given(calls=calls_strategy, minutes=st.integers(0, 120))
def test_ready_means_no_call_still_waits(calls: list[LastCall], minutes: int) -> None:
    wait = timedelta(minutes=minutes)
    assert report_ready(calls, NOW, wait) == (not [c for c in calls if still_waiting(c, NOW, wait)])


def parsed(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode())))


@dataclass(frozen=True)
class CalledCallee(Callee):
    """A report line whose last call connected: its status, and when its analysis came (None: not yet)."""

    call_status: str = "ended"
    call_analyzed_at: datetime | None = None
    call_disconnection_reason: str = "user_hangup"
    call_failure_reason: str = ""
    call_in_voicemail: bool = False
    call_opted_out: bool = False
    call_transfer_number: str = ""
    call_stopped_by_customer: bool = False


ANSWERED = CalledCallee(call_custom_fields=FIELDS, call_custom_answers={"interested?": "yes"},
                        call_analyzed_at=at(12, 1))
NOT_IN = CalledCallee(number="+14155550123", call_custom_fields=FIELDS, call_custom_answers={})


def test_the_report_marks_the_calls_whose_answers_are_not_in_in_a_last_column() -> None:
    rows = parsed(report_csv([ANSWERED, NOT_IN, Callee(status="pending", attempts=0, outcome="")], "completed"))
    assert rows[0][len(HEADER):] == ["answer:yes_no:interested?", ANSWERS_PENDING]
    assert [row[len(HEADER):] for row in rows[1:]] == [["yes", ""], ["", NOT_IN_YET], ["", ""]]


def test_a_report_with_every_answer_in_has_no_such_column() -> None:
    rows = parsed(report_csv([ANSWERED, Callee()], "completed"))
    assert rows[0][len(HEADER):] == ["answer:yes_no:interested?"]
    assert all(len(row) == len(rows[0]) for row in rows)


@pytest.mark.parametrize("language", ["en", "fr", "zh", "hi"])
def test_the_bot_says_which_answers_are_not_in_and_counts_them(language: str) -> None:
    words = Words(language)
    in_words = report_in_words(words, report_csv([ANSWERED, NOT_IN, ANSWERED], "completed"))
    rows = parsed(in_words.csv)
    assert rows[0][-1] == words("outcome.csv.answers_pending")
    assert [row[-1] for row in rows[1:]] == ["", words("outcome.answers_not_in"), ""]
    assert in_words.answers_not_in == 1
    # The call whose answers are not in is no answer in the chart: only the two "yes".
    assert [count for _, count, _ in in_words.answer_bars] == [2]
    assert report_in_words(words, report_csv([ANSWERED], "completed")).answers_not_in == 0
