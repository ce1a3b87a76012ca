"""The campaign wizard's retry step: how often a callee is called again after each outcome (busy, no
answer, voicemail, a failed line), as choices the customer cycles through, the first of each being
the calls service's default (services/calls/campaign_retries.py, DEFAULT_RULES; a test keeps them
equal). The rule itself is the calls service's; this only words it and sends the chosen one.

The chosen choices live in the conversation's data as `camp_retries`: {outcome: index}.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.bot.i18n import Words
from services.calls.campaign_retries import OutcomeRetry, RetryOutcome
from speechcue.calls.v1 import calls_pb2

# Each outcome's choices (calls in all, minutes apart); the first is the default.
RETRY_CHOICES: dict[RetryOutcome, tuple[OutcomeRetry, ...]] = {
    RetryOutcome.BUSY: (OutcomeRetry(3, 10), OutcomeRetry(5, 10), OutcomeRetry(2, 30), OutcomeRetry(1, 0)),
    RetryOutcome.NO_ANSWER: (OutcomeRetry(3, 60), OutcomeRetry(2, 120), OutcomeRetry(5, 60), OutcomeRetry(1, 0)),
    RetryOutcome.VOICEMAIL: (OutcomeRetry(2, 240), OutcomeRetry(1, 0), OutcomeRetry(3, 1440)),
    RetryOutcome.FAILED: (OutcomeRetry(2, 30), OutcomeRetry(3, 60), OutcomeRetry(1, 0)),
}
OUTCOME_IDS = {RetryOutcome.BUSY: "campaign.retry.busy", RetryOutcome.NO_ANSWER: "campaign.retry.no_answer",
               RetryOutcome.VOICEMAIL: "campaign.retry.voicemail", RetryOutcome.FAILED: "campaign.retry.failed"}
DATA_KEY = "camp_retries"


def chosen_indexes(data: Mapping[str, Any]) -> dict[RetryOutcome, int]:
    """Each outcome's chosen choice (its default when none, or one out of range, was chosen)."""
    stored = data.get(DATA_KEY)
    stored = stored if isinstance(stored, dict) else {}
    chosen = {}
    for outcome, choices in RETRY_CHOICES.items():
        index = stored.get(outcome.value, 0)
        chosen[outcome] = index if isinstance(index, int) and 0 <= index < len(choices) else 0
    return chosen


def chosen_rules(data: Mapping[str, Any]) -> dict[RetryOutcome, OutcomeRetry]:
    return {outcome: RETRY_CHOICES[outcome][index] for outcome, index in chosen_indexes(data).items()}


def choose_next(data: dict[str, Any], outcome_name: str) -> None:
    """The outcome's button was pressed: its next choice (after the last, the first again)."""
    try:
        outcome = RetryOutcome(outcome_name)
    except ValueError:
        return
    indexes = chosen_indexes(data)
    indexes[outcome] = (indexes[outcome] + 1) % len(RETRY_CHOICES[outcome])
    data[DATA_KEY] = {chosen.value: index for chosen, index in indexes.items()}


def spacing_words(words: Words, minutes: int) -> str:
    """10 → "10 minutes", 240 → "4 hours", 1440 → "24 hours"."""
    if minutes and minutes % 60 == 0:
        return words.plural("campaign.retry.hours", minutes // 60)
    return words.plural("count.minutes", minutes)


def rule_words(words: Words, outcome: RetryOutcome, rule: OutcomeRetry) -> str:
    """"Busy: up to 3 calls, 10 minutes apart" / "Voicemail: called once"."""
    label = words(OUTCOME_IDS[outcome])
    if rule.attempts <= 1:
        return words("campaign.retry.once", outcome=label)
    return words.plural("campaign.retry.rule", rule.attempts, outcome=label,
                        spacing=spacing_words(words, rule.spacing_minutes))


def retry_lines(words: Words, data: Mapping[str, Any]) -> list[str]:
    """The step's text: what happens after each outcome, and who is never called again."""
    return [words("campaign.retry_title"),
            *(f"• {rule_words(words, outcome, rule)}" for outcome, rule in chosen_rules(data).items())]


def worst_case_lines(words: Words, quote: calls_pb2.CampaignQuote, retry: calls_pb2.RetryPolicy) -> list[str]:
    """Beside the estimate (every callee's first call at its longest), what the list costs at most if
    every callee takes every call its rules allow (the campaign's `max_attempts` is the most any rule
    allows): nothing when no callee is called twice."""
    if retry.max_attempts <= 1:
        return []
    return [words.plural("campaign.retry.worst_case", retry.max_attempts,
                         total=words.money(quote.estimate_cents * retry.max_attempts))]


def retry_policy(data: Mapping[str, Any]) -> calls_pb2.RetryPolicy:
    """The chosen rules as CreateCampaign takes them."""
    return calls_pb2.RetryPolicy(by_outcome=[
        calls_pb2.OutcomeRetry(outcome=outcome.value, max_attempts=rule.attempts, spacing_minutes=rule.spacing_minutes)
        for outcome, rule in chosen_rules(data).items()])
