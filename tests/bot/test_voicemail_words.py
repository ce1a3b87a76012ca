"""Voicemail in the chat's words: its own status in the CSV, its own bar on the chart, its own count in
the progress message, in every language (pure: the calls service's CSV and totals as input)."""

from __future__ import annotations

import csv
import io

import pytest

from services.bot.campaign_outcomes import MISSED, report_in_words
from services.bot.campaign_texts import CampaignCounts, campaign_counts_lines, outcome_bars
from services.bot.i18n import LANGUAGES, Words
from services.calls.campaign_report import report_csv
from speechcue.calls.v1 import calls_pb2
from speechcue.events.v1 import calls_events_pb2


class Line:
    def __init__(self, number: str, status: str, attempts: int, outcome: str) -> None:
        self.number, self.name, self.status, self.attempts, self.outcome = number, "", status, attempts, outcome
        self.duration_seconds, self.digits, self.cost_cents = 3, (), 15


CSV = report_csv([Line("+14155550001", "failed", 2, "voicemail_reached"),
                  Line("+14155550002", "failed", 2, "voicemail_reached"),
                  Line("+14155550003", "answered", 1, "user_hangup"),
                  Line("+14155550004", "failed", 3, "dial_busy")], "completed")


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_the_csv_and_the_chart_say_voicemail_in_every_language(language: str) -> None:
    words = Words(language)
    in_words = report_in_words(words, CSV)
    rows = list(csv.reader(io.StringIO(in_words.csv.decode())))[1:]
    assert [row[2] for row in rows[:2]] == [words("outcome.category.voicemail")] * 2
    assert [row[4] for row in rows[:2]] == [words("outcome.voicemail")] * 2
    assert (words("outcome.voicemail"), 2, MISSED) in in_words.bars
    assert sum(count for _, count, _ in in_words.bars) == 4


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_the_progress_counts_voicemail_apart_and_as_done(language: str) -> None:
    words = Words(language)
    event = calls_events_pb2.CampaignChanged(callees=10, answered=4, failed=2, voicemail=3, not_called=0, in_flight=1)
    counts = CampaignCounts.of_event(event)
    assert (counts.done, counts.waiting) == (9, 0)
    line = campaign_counts_lines(words, counts)[1]
    assert "3" in line and "{" not in line


def test_the_totals_chart_has_a_voicemail_bar_only_when_there_is_one() -> None:
    words = Words("en")
    with_voicemail = CampaignCounts.of_totals(calls_pb2.CampaignTotals(callees=3, answered=1, failed=1, voicemail=1))
    assert [label for label, _, _ in outcome_bars(words, with_voicemail)] == [
        "Answered", "Voicemail", "Not reached", "Not called"]
    without = CampaignCounts.of_totals(calls_pb2.CampaignTotals(callees=2, answered=1, failed=1))
    assert "Voicemail" not in [label for label, _, _ in outcome_bars(words, without)]
    assert campaign_counts_lines(words, with_voicemail)[1] == (
        "3 of 3 done · answered 1 · voicemail 1 · not reached 1 · not called 0 · in progress 0")
