"""The retry rule by outcome and the late-voicemail rule (services/calls/campaign_retries.py): pure,
so each case is one line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.calls.call_outcomes import CallOutcome, FailureCause, OutcomeKind, call_outcome, failed
from services.calls.callee_reports import CalleeStatus
from services.calls.campaign_retries import (
    DEFAULT_RULES,
    NEVER_RETRY,
    VOICEMAIL_REACHED,
    BadRetryRules,
    CalleeNow,
    OutcomeRetry,
    RetryOutcome,
    RetryRules,
    after_late_voicemail,
    callee_after_call,
    retry_outcome,
    rules_from_json,
    rules_from_policy,
)

TEN = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
BUSY = CallOutcome(OutcomeKind.BUSY)
NO_ANSWER = CallOutcome(OutcomeKind.NO_ANSWER)
VOICEMAIL = CallOutcome(OutcomeKind.VOICEMAIL)
ANSWERED = CallOutcome(OutcomeKind.ANSWERED)
OPTED_OUT = CallOutcome(OutcomeKind.OPTED_OUT)


def after(outcome: CallOutcome, attempts: int, *, connected: bool = False, rules: RetryRules = DEFAULT_RULES,
          now: datetime = TEN) -> tuple[str, datetime | None]:
    decided = callee_after_call(outcome, connected=connected, attempts=attempts, rules=rules, ended_at=TEN, now=now)
    return decided.status.value, decided.next_attempt_at


@pytest.mark.parametrize(("outcome", "attempts", "connected", "expected"), [
    # The defaults: busy 3 × 10 min, no answer 3 × 60 min, voicemail 2 × 4 h, failed 2 × 30 min.
    (BUSY, 1, False, ("pending", TEN + timedelta(minutes=10))),
    (BUSY, 2, False, ("pending", TEN + timedelta(minutes=10))),
    (BUSY, 3, False, ("failed", None)),
    (NO_ANSWER, 1, False, ("pending", TEN + timedelta(hours=1))),
    (NO_ANSWER, 3, False, ("failed", None)),
    (VOICEMAIL, 1, True, ("pending", TEN + timedelta(hours=4))),
    (VOICEMAIL, 2, True, ("failed", None)),
    (VOICEMAIL, 1, False, ("pending", TEN + timedelta(hours=4))),
    (failed(FailureCause.NOT_CONNECTED), 1, False, ("pending", TEN + timedelta(minutes=30))),
    (failed(FailureCause.PROVIDER_ERROR), 1, False, ("pending", TEN + timedelta(minutes=30))),
    (failed(FailureCause.LINES_BUSY), 1, False, ("pending", TEN + timedelta(minutes=30))),
    (failed(FailureCause.PROVIDER_ERROR), 2, False, ("failed", None)),
    # A mixed history: the rule of the last call's outcome, with every call counted.
    (NO_ANSWER, 2, False, ("pending", TEN + timedelta(hours=1))),
    (VOICEMAIL, 3, True, ("failed", None)),
    # Never retried: answered, opted out, the number or the customer at fault.
    (ANSWERED, 1, True, ("answered", None)),
    (OPTED_OUT, 1, True, ("answered", None)),
    (OPTED_OUT, 1, False, ("failed", None)),
    (CallOutcome(OutcomeKind.TRANSFERRED, transfer_number="+14155550100"), 1, True, ("answered", None)),
    (CallOutcome(OutcomeKind.STOPPED), 1, True, ("answered", None)),
    (CallOutcome(OutcomeKind.STOPPED), 1, False, ("failed", None)),
    (failed(FailureCause.INVALID_NUMBER), 1, False, ("failed", None)),
    (failed(FailureCause.BLOCKED), 1, False, ("failed", None)),
    (failed(FailureCause.DECLINED), 1, False, ("failed", None)),
    (failed(FailureCause.DO_NOT_CALL), 1, False, ("failed", None)),
    (failed(FailureCause.SUSPENDED), 1, False, ("failed", None)),
    (failed(FailureCause.NO_FUNDS), 1, False, ("failed", None)),
    (failed(FailureCause.UNKNOWN), 1, False, ("failed", None)),
    # Connected but broke mid-call: the callee heard us, so not rung twice.
    (failed(FailureCause.PROVIDER_ERROR), 1, True, ("answered", None)),
    (failed(FailureCause.AUTOMATED_MENU), 1, True, ("answered", None)),
])
def test_callee_after_a_call_by_the_default_rules(outcome: CallOutcome, attempts: int, connected: bool,
                                                  expected: tuple[str, datetime | None]) -> None:
    assert after(outcome, attempts, connected=connected) == expected


def test_a_retry_is_never_due_before_now() -> None:
    later = TEN + timedelta(hours=2)
    assert after(BUSY, 1, now=later) == ("pending", later)


def test_each_outcome_follows_its_own_rule() -> None:
    rules = RetryRules(busy=OutcomeRetry(5, 1), no_answer=OutcomeRetry(1, 0), voicemail=OutcomeRetry(4, 1440),
                       failed=OutcomeRetry(3, 7))
    assert after(BUSY, 4, rules=rules) == ("pending", TEN + timedelta(minutes=1))
    assert after(NO_ANSWER, 1, rules=rules) == ("failed", None)
    assert after(VOICEMAIL, 3, connected=True, rules=rules) == ("pending", TEN + timedelta(days=1))
    assert after(failed(FailureCause.NOT_CONNECTED), 2, rules=rules) == ("pending", TEN + timedelta(minutes=7))
    assert rules.most_calls == 5


@pytest.mark.parametrize(("status", "reason", "in_voicemail", "opted_out", "rule"), [
    ("failed", "dial_busy", False, False, RetryOutcome.BUSY),
    ("failed", "dial_no_answer", False, False, RetryOutcome.NO_ANSWER),
    ("ended", "voicemail_reached", False, False, RetryOutcome.VOICEMAIL),
    ("ended", "agent_hangup", True, False, RetryOutcome.VOICEMAIL),
    ("failed", "dial_failed", False, False, RetryOutcome.FAILED),
    ("failed", "provider_unreachable", False, False, RetryOutcome.FAILED),
    ("failed", "error_retell", False, False, RetryOutcome.FAILED),
    ("failed", "user_hangup", False, False, RetryOutcome.NO_ANSWER),  # hung up before anyone spoke
    ("ended", "user_hangup", False, False, None),
    ("ended", "voicemail_reached", True, True, None),  # an opt-out outranks a voicemail
    ("failed", "invalid_destination", False, False, None),
    ("failed", "DO_NOT_CALL", False, False, None),
    ("failed", "user_declined", False, False, None),
])
def test_which_rule_a_retell_reason_falls_under(status: str, reason: str, in_voicemail: bool, opted_out: bool,
                                                rule: RetryOutcome | None) -> None:
    outcome = call_outcome(status=status, disconnection_reason=reason, in_voicemail=in_voicemail, opted_out=opted_out)
    assert retry_outcome(outcome) is rule


def test_an_older_clients_single_policy_stands_for_every_outcome() -> None:
    rules = rules_from_policy(2, 30)
    assert {outcome: rules.rule(outcome) for outcome in RetryOutcome} == dict.fromkeys(RetryOutcome,
                                                                                     OutcomeRetry(2, 30))
    assert rules_from_policy(0, 0) == NEVER_RETRY


def test_by_outcome_rules_replace_the_single_policy_for_their_outcome() -> None:
    rules = rules_from_policy(1, 0, [("voicemail", 3, 120), ("busy", 0, 5)])
    assert rules.voicemail == OutcomeRetry(3, 120)
    assert rules.busy == OutcomeRetry(1, 5)  # 0 attempts reads as 1, as the single policy's does
    assert rules.no_answer == rules.failed == OutcomeRetry(1, 0)


@pytest.mark.parametrize(("single", "by_outcome", "says"), [
    ((6, 0), [], "1 to 5"),
    ((1, -1), [], "a week"),
    ((1, 0), [("busy", 6, 0)], "busy: 1 to 5"),
    ((1, 0), [("voicemail", 2, 7 * 24 * 60 + 1)], "voicemail: at most a week"),
    ((1, 0), [("answered", 2, 0)], "no retry rule for 'answered'"),
    ((1, 0), [("opted_out", 2, 0)], "no retry rule"),
])
def test_rules_out_of_bounds_are_refused_saying_which(single: tuple[int, int], by_outcome: list[tuple[str, int, int]],
                                                     says: str) -> None:
    with pytest.raises(BadRetryRules, match=says):
        rules_from_policy(*single, by_outcome)


def test_rules_round_trip_through_the_campaign_row() -> None:
    assert rules_from_json(DEFAULT_RULES.as_json(), max_attempts=1, spacing_minutes=0) == DEFAULT_RULES
    assert rules_from_json(None, max_attempts=2, spacing_minutes=30) == rules_from_policy(2, 30)
    assert rules_from_json({"busy": [4, 2]}, max_attempts=1, spacing_minutes=0).busy == OutcomeRetry(4, 2)


@given(outcome=st.sampled_from([BUSY, NO_ANSWER, VOICEMAIL, ANSWERED, OPTED_OUT,
                                *(failed(cause) for cause in FailureCause)]),
       connected=st.booleans(), busy=st.integers(1, 5), no_answer=st.integers(1, 5), voicemail=st.integers(1, 5),
       failures=st.integers(1, 5), spacing=st.integers(0, 10_080))
def test_no_callee_gets_more_calls_than_its_rules_allow(outcome: CallOutcome, connected: bool, busy: int,
                                                        no_answer: int, voicemail: int, failures: int,
                                                        spacing: int) -> None:
    rules = RetryRules(OutcomeRetry(busy, spacing), OutcomeRetry(no_answer, spacing), OutcomeRetry(voicemail, spacing),
                       OutcomeRetry(failures, spacing))
    for attempts in range(1, 8):
        decided = callee_after_call(outcome, connected=connected, attempts=attempts, rules=rules, ended_at=TEN,
                                    now=TEN)
        if decided.retries:
            assert decided.rule is not None and attempts < rules.rule(decided.rule).attempts <= rules.most_calls
            assert decided.next_attempt_at == TEN + timedelta(minutes=spacing)
            assert outcome.kind not in (OutcomeKind.ANSWERED, OutcomeKind.OPTED_OUT)
        else:
            assert decided.next_attempt_at is None


# The late voicemail: the voicemail rule is 2 calls, 4 hours apart; the call c-1 was settled at 10:00.
def late(status: str, *, attempts: int = 1, outcome: str = "user_hangup", last_call_id: str | None = "c-1",
         campaign: str = "running", wait_reason: str = "") -> dict[str, object] | None:
    return after_late_voicemail(
        CalleeNow(status=status, outcome=outcome, attempts=attempts, last_call_id=last_call_id,
                  wait_reason=wait_reason),
        call_id="c-1", campaign_status=campaign, rules=DEFAULT_RULES, ended_at=TEN, now=TEN + timedelta(minutes=1))


RETRY_AT_TWO = {"outcome": VOICEMAIL_REACHED, "status": "pending", "next_attempt_at": TEN + timedelta(hours=4),
                "wait_reason": "retry", "call_id": None}
GIVEN_UP = {"outcome": VOICEMAIL_REACHED, "status": "failed", "next_attempt_at": None, "wait_reason": ""}


@pytest.mark.parametrize(("case", "expected"), [
    # Answered by the call's end, a voicemail by its analysis: decided again under the voicemail rule.
    (dict(status="answered"), RETRY_AT_TWO),
    (dict(status="answered", campaign="paused"), RETRY_AT_TWO),
    (dict(status="answered", attempts=2), GIVEN_UP),
    (dict(status="answered", attempts=5), GIVEN_UP),
    # Waiting for a retry under another rule, or given up under it: the voicemail rule instead.
    (dict(status="pending", outcome="dial_no_answer", wait_reason="retry"), RETRY_AT_TWO),
    (dict(status="pending", outcome="dial_no_answer", wait_reason="calling_hours"), RETRY_AT_TWO),
    (dict(status="pending", outcome="dial_no_answer", wait_reason=""), RETRY_AT_TWO),  # put back by a pause
    (dict(status="pending", outcome="dial_busy", attempts=2), GIVEN_UP),
    (dict(status="failed", outcome="dial_no_answer", attempts=1), RETRY_AT_TWO),
    (dict(status="failed", outcome="dial_no_answer", attempts=3), GIVEN_UP),
    # A campaign that is over gets no new call; its report says voicemail.
    (dict(status="answered", campaign="completed"), GIVEN_UP),
    (dict(status="answered", campaign="cancelled"), GIVEN_UP),
    (dict(status="skipped", campaign="cancelled"), {"outcome": VOICEMAIL_REACHED}),
    (dict(status="skipped", campaign="running"), {"outcome": VOICEMAIL_REACHED}),
    # Nothing changes: the callee moved on, the voicemail is known already, an opt-out stays final.
    (dict(status="answered", outcome=VOICEMAIL_REACHED), None),
    (dict(status="failed", outcome=VOICEMAIL_REACHED, attempts=2), None),
    (dict(status="pending", outcome=VOICEMAIL_REACHED), None),
    (dict(status="answered", outcome="opted_out"), None),
    (dict(status="failed", outcome="opted_out"), None),
    (dict(status="dialing", attempts=2), None),
    # A person asked to be called back on that call: the callback stands.
    (dict(status="pending", outcome="user_hangup", wait_reason="callback"), None),
    (dict(status="answered", last_call_id="c-2"), None),
    (dict(status="answered", last_call_id=None), None),
])
def test_what_a_late_voicemail_changes(case: dict[str, object], expected: dict[str, object] | None) -> None:
    assert late(**case) == expected  # type: ignore[arg-type]


def test_a_late_voicemail_changes_a_callee_once() -> None:
    first = late("answered")
    assert first is not None
    again = after_late_voicemail(
        CalleeNow(status=str(first["status"]), outcome=str(first["outcome"]), attempts=1, last_call_id="c-1"),
        call_id="c-1", campaign_status="running", rules=DEFAULT_RULES, ended_at=TEN, now=TEN + timedelta(minutes=2))
    assert again is None


def test_a_late_voicemail_retry_is_never_due_before_now() -> None:
    now = TEN + timedelta(hours=5)
    changed = after_late_voicemail(CalleeNow(status="answered", outcome="agent_hangup", attempts=1, last_call_id="c-1"),
                                   call_id="c-1", campaign_status="running", rules=DEFAULT_RULES, ended_at=TEN,
                                   now=now)
    assert changed is not None and changed["next_attempt_at"] == now


def test_statuses_the_rules_write_are_the_callee_statuses() -> None:
    assert {CalleeStatus.PENDING.value, CalleeStatus.FAILED.value} >= {str(RETRY_AT_TWO["status"]),
                                                                       str(GIVEN_UP["status"])}
