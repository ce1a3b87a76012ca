"""Retries by outcome: what a campaign does with a callee after each call, and what a voicemail that
Retell reports late (in `call_analyzed`, after the call's end was settled) changes. Pure: no I/O.

Why one rule: the callee's bookkeeping (campaign_progress.record_call_result), the late-voicemail
reconciliation (the same module, from call_updates.py), the campaign's quote and the bot's wizard
all need "is this callee called again, and when": each asks these functions instead of restating it.

A campaign has one rule per outcome worth another call (busy, no answer, voicemail, failed): the
calls in all a callee may get when its last call ended that way, and the minutes between that call's
end and the next. Everything else is final: answered (the call connected and was not a voicemail),
opted out, transferred, stopped, and failures no second call can mend (an invalid or blocked number,
a do-not-call entry, a suspension, no money). A call that connected but broke (a provider error mid-
call) counts as answered: the callee heard us, so we do not ring them twice.

`callee_after_call`, first match wins (attempts = calls placed to the callee so far, this one included):
    opted out                                   → final: answered if the call connected, else failed
    voicemail (detected, or voicemail_reached)  → the voicemail rule
    connected                                   → answered
    busy / no answer                            → the busy / no-answer rule
    failed, not connected, provider error, lines busy → the failed rule
    anything else                               → failed
    a rule retries while attempts < its attempts, at the call's end + its spacing (never before now).
Examples with the defaults (busy 3 × 10 min, no answer 3 × 60 min, voicemail 2 × 4 h, failed 2 × 30 min):
    busy, 1st call, ended 10:00      → pending at 10:10;   busy, 3rd call → failed
    voicemail, 1st call, ended 10:00 → pending at 14:00;   voicemail, 2nd call → failed (voicemail)
    no answer after 2 busy calls     → pending (3rd call) only if 2 < 3, at + 60 min
    answered on the 2nd call → answered; opted out on a no-answer → failed, never called again.
The dispatcher still dials a due callee only inside its calling window (calling_window.py): a retry
due at 20:55 local waits for 08:00.

An older client's single policy (max attempts, spacing) stands for all four rules, as it did before.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from services.calls.call_outcomes import CallOutcome, FailureCause, OutcomeKind
from services.calls.callee_reports import VOICEMAIL_OUTCOME, CalleeStatus

MAX_ATTEMPTS = 5
MAX_SPACING_MINUTES = 7 * 24 * 60
# What a callee row records as its outcome when its last call reached a voicemail, whatever Retell's
# reason said at the call's end (a late `in_voicemail` rewrites it to this).
VOICEMAIL_REACHED = VOICEMAIL_OUTCOME
OPTED_OUT = "opted_out"


class RetryOutcome(StrEnum):
    """The outcomes worth another call, each with its own rule."""

    BUSY = "busy"
    NO_ANSWER = "no_answer"
    VOICEMAIL = "voicemail"
    FAILED = "failed"


# Failures a later call may not meet: the line or the provider, not the number or the customer.
RETRYABLE_FAILURES = frozenset({FailureCause.NOT_CONNECTED, FailureCause.PROVIDER_ERROR, FailureCause.LINES_BUSY})


@dataclass(frozen=True)
class OutcomeRetry:
    """Calls in all when the last one ended this way (1 = never again), and minutes between calls."""

    attempts: int
    spacing_minutes: int


NO_RETRY = OutcomeRetry(1, 0)


@dataclass(frozen=True)
class RetryRules:
    busy: OutcomeRetry
    no_answer: OutcomeRetry
    voicemail: OutcomeRetry
    failed: OutcomeRetry

    def rule(self, outcome: RetryOutcome) -> OutcomeRetry:
        return getattr(self, outcome.value)  # type: ignore[no-any-return]

    def with_rule(self, outcome: RetryOutcome, rule: OutcomeRetry) -> RetryRules:
        return replace(self, **{outcome.value: rule})

    @property
    def most_calls(self) -> int:
        """The most calls any callee can get: the worst case a quote covers."""
        return max(self.rule(outcome).attempts for outcome in RetryOutcome)

    def as_json(self) -> dict[str, list[int]]:
        return {outcome.value: [self.rule(outcome).attempts, self.rule(outcome).spacing_minutes]
                for outcome in RetryOutcome}


# Shown in the wizard and used when a customer keeps them: a busy line frees up soon; someone who did
# not pick up is tried again later in the day; a second voicemail is the most a callee should get.
DEFAULT_RULES = RetryRules(busy=OutcomeRetry(3, 10), no_answer=OutcomeRetry(3, 60),
                           voicemail=OutcomeRetry(2, 240), failed=OutcomeRetry(2, 30))
NEVER_RETRY = RetryRules(NO_RETRY, NO_RETRY, NO_RETRY, NO_RETRY)


class BadRetryRules(ValueError):
    """A rule out of bounds, or an outcome that has no rule; the message says which."""


def check_rule(outcome: str, attempts: int, spacing_minutes: int) -> OutcomeRetry:
    """The rule, if within bounds: 1–5 calls, 0 minutes to a week apart."""
    if not 1 <= attempts <= MAX_ATTEMPTS:
        raise BadRetryRules(f"{outcome}: 1 to {MAX_ATTEMPTS} calls in all")
    if not 0 <= spacing_minutes <= MAX_SPACING_MINUTES:
        raise BadRetryRules(f"{outcome}: at most a week between calls")
    return OutcomeRetry(attempts, spacing_minutes)


def rules_from_policy(max_attempts: int, spacing_minutes: int,
                      by_outcome: Iterable[tuple[str, int, int]] = ()) -> RetryRules:
    """A campaign's rules from the API's RetryPolicy: the single policy (max_attempts 0 = 1) stands for
    every outcome, and each by-outcome entry replaces its outcome's rule. Raises BadRetryRules."""
    single = check_rule("retries", max_attempts or 1, spacing_minutes)
    rules = RetryRules(single, single, single, single)
    for name, attempts, spacing in by_outcome:
        try:
            outcome = RetryOutcome(name)
        except ValueError:
            raise BadRetryRules(f"no retry rule for {name!r}: busy, no_answer, voicemail or failed") from None
        rules = rules.with_rule(outcome, check_rule(name, attempts or 1, spacing))
    return rules


def rules_from_json(value: Mapping[str, Any] | None, *, max_attempts: int, spacing_minutes: int) -> RetryRules:
    """The rules a campaign row keeps (`retry_rules`), or its single policy for a row from before them."""
    single = OutcomeRetry(max(1, max_attempts), max(0, spacing_minutes))
    rules = RetryRules(single, single, single, single)
    for outcome in RetryOutcome:
        pair = (value or {}).get(outcome.value)
        if isinstance(pair, list) and len(pair) == 2:
            rules = rules.with_rule(outcome, OutcomeRetry(int(pair[0]), int(pair[1])))
    return rules


def retry_outcome(outcome: CallOutcome | None) -> RetryOutcome | None:
    """Which rule a call's outcome (call_outcomes.py) falls under; None when none: it is final."""
    if outcome is None:
        return None
    if outcome.kind is OutcomeKind.BUSY:
        return RetryOutcome.BUSY
    if outcome.kind is OutcomeKind.NO_ANSWER:
        return RetryOutcome.NO_ANSWER
    if outcome.kind is OutcomeKind.VOICEMAIL:
        return RetryOutcome.VOICEMAIL
    if outcome.kind is OutcomeKind.FAILED and outcome.why in RETRYABLE_FAILURES:
        return RetryOutcome.FAILED
    return None


@dataclass(frozen=True)
class CalleeAfterCall:
    """What a callee becomes: its status, and for a retry when it is due and under which rule."""

    status: CalleeStatus
    next_attempt_at: datetime | None = None
    rule: RetryOutcome | None = None

    @property
    def retries(self) -> bool:
        return self.status is CalleeStatus.PENDING


def _retry_or_fail(rule: RetryOutcome, rules: RetryRules, *, attempts: int, ended_at: datetime,
                   now: datetime) -> CalleeAfterCall:
    chosen = rules.rule(rule)
    if attempts < chosen.attempts:
        return CalleeAfterCall(CalleeStatus.PENDING,
                               max(ended_at + timedelta(minutes=chosen.spacing_minutes), now), rule)
    return CalleeAfterCall(CalleeStatus.FAILED, rule=rule)


def callee_after_call(outcome: CallOutcome, *, connected: bool, attempts: int, rules: RetryRules,
                      ended_at: datetime, now: datetime) -> CalleeAfterCall:
    """The callee after a call with this outcome (see the module's rule and examples)."""
    if outcome.kind is OutcomeKind.OPTED_OUT:
        return CalleeAfterCall(CalleeStatus.ANSWERED if connected else CalleeStatus.FAILED)
    rule = retry_outcome(outcome)
    if rule is RetryOutcome.VOICEMAIL:
        return _retry_or_fail(rule, rules, attempts=attempts, ended_at=ended_at, now=now)
    if connected:
        return CalleeAfterCall(CalleeStatus.ANSWERED)
    if rule is None:
        return CalleeAfterCall(CalleeStatus.FAILED)
    return _retry_or_fail(rule, rules, attempts=attempts, ended_at=ended_at, now=now)


@dataclass(frozen=True)
class CalleeNow:
    """What the late-voicemail rule reads of a callee row."""

    status: str
    outcome: str
    attempts: int
    # The call the callee's status and outcome were last decided from (campaign_callees.last_call_id).
    last_call_id: str | None
    # Why a pending callee waits (campaign_progress.CalleeWait).
    wait_reason: str = ""


# Campaign statuses in which a callee may still be called.
CAMPAIGN_GOING = frozenset({"draft", "scheduled", "running", "paused"})
RETRY_WAIT = "retry"  # campaign_progress.CalleeWait.RETRY (which imports this module)
CALLBACK_WAIT = "callback"  # campaign_progress.CalleeWait.CALLBACK: the callback the callee asked for


def after_late_voicemail(callee: CalleeNow, *, call_id: str, campaign_status: str, rules: RetryRules,
                         ended_at: datetime, now: datetime) -> dict[str, Any] | None:
    """What a voicemail that `call_analyzed` reports for a settled call changes on its callee: the
    columns to write, or None when nothing changes. It changes the callee only while the callee still
    stands where that call left it, so a second report, or one that comes after the callee moved on,
    changes nothing (exactly once); no money moves, the call was billed for its seconds at its end.

    - the callee was decided from another call, or is being called again (dialing) → None;
    - the call's outcome was an opt-out (final, outranks a voicemail) or already a voicemail → None;
    - the callee waits for the callback it asked for on that call: a person pressed the key, whatever
      the analysis thinks, and the callback stands → None;
    - answered, or failed, or waiting for a retry under another rule (busy, no answer; or put back
      on the list since) → decided again under the voicemail rule: pending at the call's end + its
      spacing while calls remain and the campaign still calls, else failed with the outcome voicemail;
    - skipped (the cancel, or an opt-out of the same number in another row), or the campaign is over
      (completed, cancelled): the outcome becomes voicemail and a callee not skipped is failed: the
      report says voicemail, and no call is added to a finished list.
    Examples (voicemail rule 2 × 4 h, call ended 10:00, now 10:01):
      answered after its 1st call, running   → pending at 14:00, outcome voicemail_reached
      answered after its 2nd call, running   → failed, outcome voicemail_reached
      pending (no answer, retry at 11:00) after its 1st call → pending at 14:00 under the voicemail rule
      answered after its 1st call, completed → failed, outcome voicemail_reached
      dialing its 2nd call                   → None;  outcome already voicemail_reached → None
    """
    if callee.last_call_id != call_id or callee.status == CalleeStatus.DIALING:
        return None
    if callee.outcome in (OPTED_OUT, VOICEMAIL_REACHED):
        return None
    if callee.status == CalleeStatus.PENDING and callee.wait_reason == CALLBACK_WAIT:
        return None
    values: dict[str, Any] = {"outcome": VOICEMAIL_REACHED}
    if callee.status == CalleeStatus.SKIPPED:
        return values
    if campaign_status not in CAMPAIGN_GOING:
        values.update(status=CalleeStatus.FAILED.value, next_attempt_at=None, wait_reason="")
        return values
    decided = _retry_or_fail(RetryOutcome.VOICEMAIL, rules, attempts=callee.attempts, ended_at=ended_at, now=now)
    values.update(status=decided.status.value, next_attempt_at=decided.next_attempt_at,
                  wait_reason=RETRY_WAIT if decided.retries else "")
    if decided.retries:
        values["call_id"] = None  # the dispatcher writes the next call's id only where none is
    return values
