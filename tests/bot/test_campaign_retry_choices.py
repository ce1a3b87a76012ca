"""The wizard's retry step words the calls service's rules and sends what was chosen (pure)."""

from __future__ import annotations

import pytest

from services.bot.campaign_retry_choices import (
    DATA_KEY,
    RETRY_CHOICES,
    choose_next,
    chosen_rules,
    retry_lines,
    retry_policy,
    spacing_words,
    worst_case_lines,
)
from services.bot.i18n import LANGUAGES, Words
from services.calls.campaign_retries import (
    DEFAULT_RULES,
    MAX_ATTEMPTS,
    MAX_SPACING_MINUTES,
    RetryOutcome,
    rules_from_policy,
)
from speechcue.calls.v1 import calls_pb2


def test_each_outcomes_first_choice_is_the_calls_services_default() -> None:
    assert {outcome: choices[0] for outcome, choices in RETRY_CHOICES.items()} == {
        outcome: DEFAULT_RULES.rule(outcome) for outcome in RETRY_CHOICES}


def test_every_choice_is_one_the_calls_service_accepts() -> None:
    for outcome, choices in RETRY_CHOICES.items():
        for rule in choices:
            assert 1 <= rule.attempts <= MAX_ATTEMPTS and 0 <= rule.spacing_minutes <= MAX_SPACING_MINUTES
            assert rules_from_policy(1, 0, [(outcome.value, rule.attempts, rule.spacing_minutes)]).rule(outcome) == rule


def test_a_button_cycles_its_outcome_only_and_comes_back_to_the_default() -> None:
    data: dict[str, object] = {}
    choose_next(data, "voicemail")
    chosen = chosen_rules(data)
    assert chosen[RetryOutcome.VOICEMAIL].attempts == 1 and chosen[RetryOutcome.BUSY] == DEFAULT_RULES.busy
    for _ in range(len(RETRY_CHOICES[RetryOutcome.VOICEMAIL]) - 1):
        choose_next(data, "voicemail")
    assert chosen_rules(data) == chosen_rules({})
    choose_next(data, "opted_out")  # no such rule: nothing changes
    assert chosen_rules(data) == chosen_rules({})


def test_a_stored_choice_out_of_range_reads_as_the_default() -> None:
    assert chosen_rules({DATA_KEY: {"busy": 99, "failed": "x"}}) == chosen_rules({})


def test_the_policy_sent_is_the_chosen_rules() -> None:
    data: dict[str, object] = {}
    choose_next(data, "busy")
    policy = retry_policy(data)
    assert {rule.outcome: (rule.max_attempts, rule.spacing_minutes) for rule in policy.by_outcome} == {
        "busy": (5, 10), "no_answer": (3, 60), "voicemail": (2, 240), "failed": (2, 30)}


@pytest.mark.parametrize(("minutes", "words"), [(10, "10 minutes"), (30, "30 minutes"), (60, "1 hour"),
                                                 (240, "4 hours"), (90, "90 minutes"), (1440, "24 hours")])
def test_spacing_in_words(minutes: int, words: str) -> None:
    assert spacing_words(Words("en"), minutes) == words


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_the_step_reads_in_every_language(language: str) -> None:
    lines = retry_lines(Words(language), {})
    assert len(lines) == 5 and all("{" not in line for line in lines)
    assert "4" in lines[3] and "2" in lines[3]  # voicemail: 2 calls, 4 hours apart


def test_the_step_in_english() -> None:
    assert retry_lines(Words("en"), {DATA_KEY: {"voicemail": 1}}) == [
        "🔁 Calling again (answered, opted-out and do-not-call callees never are):",
        "• Busy: up to 3 calls, 10 minutes apart", "• No answer: up to 3 calls, 1 hour apart",
        "• Voicemail: called once", "• Line failed: up to 2 calls, 30 minutes apart"]


def test_the_worst_case_beside_the_estimate_takes_every_call_the_rules_allow() -> None:
    quote = calls_pb2.CampaignQuote(estimate_cents=225)
    assert worst_case_lines(Words("en"), quote, calls_pb2.RetryPolicy(max_attempts=3)) == [
        "🔁 With every retry: at most $6.75 (up to 3 calls a number)."]
    assert worst_case_lines(Words("en"), quote, calls_pb2.RetryPolicy(max_attempts=1)) == []
    assert worst_case_lines(Words("zh"), quote, calls_pb2.RetryPolicy(max_attempts=2))[0].count("2") >= 1
