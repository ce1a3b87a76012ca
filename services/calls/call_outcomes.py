"""What happened on a call, in the customer's terms: the one rule the outcome message, the results
list, the campaign chart and the campaign CSV all say a call's outcome by. Pure: no I/O, no imports
of the service's storage, so the bot imports it too (it only names the words; the catalogues are the
bot's).

Why one rule: each place read Retell's `disconnection_reason` and our own `failure_reason` its own
way, and some showed them as they came (`dial_no_answer`, `RETELL_CONCURRENCY_FULL`): a customer
could not tell a busy line from a broken one, and no two places agreed. Every reason Retell names
(retell-sdk 6.2.13, `PhoneCallResponse.disconnection_reason`) and every failure reason the calls
service writes has its outcome here; anything else is "failed (unknown reason)", never shown raw.

The rule, first match wins:
    opted out (key, spoken, or Retell's user_requested_dnc)        → opted out
    manual_stopped after the customer's own StopCall                → stopped by you
    voicemail detected, or voicemail_reached                        → voicemail
    call_transfer / transfer_bridged, or a transfer destination     → transferred to <number>
    dial_no_answer                                                  → no answer
    dial_busy                                                       → busy
    a reason with a cause (dial_failed, error_*, LINES_STAYED_BUSY…) → failed (<cause>)
    ended (the call connected)                                      → answered
    failed with no known reason                                     → failed (unknown reason)
    queued, ringing, ongoing                                        → None (not over yet)
Examples: ("ended", "user_hangup") → answered; ("failed", "dial_no_answer") → no answer;
("ended", "manual_stopped", stopped by the customer) → stopped by you; ("ended", "manual_stopped")
→ failed (stopped by the platform: the kill switch); ("failed", failure "CUSTOMER_SUSPENDED") →
failed (calling suspended); ("ended", "ivr_reached") → failed (automated menu answered).

An outcome also travels as a short code (`no_answer`, `transferred:+14155550100`,
`failed:lines_busy`): the CSV's outcome column, which the bot puts into words.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

ENDED = "ended"
FAILED = "failed"


class OutcomeKind(StrEnum):
    ANSWERED = "answered"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    VOICEMAIL = "voicemail"
    OPTED_OUT = "opted_out"
    TRANSFERRED = "transferred"
    STOPPED = "stopped"
    FAILED = "failed"


class FailureCause(StrEnum):
    """Why a call failed, in words a customer can act on (each has a catalogue id in the bot)."""

    NOT_CONNECTED = "not_connected"
    INVALID_NUMBER = "invalid_number"
    BLOCKED = "blocked"
    DECLINED = "declined"
    AUTOMATED_MENU = "automated_menu"
    TRANSFER_FAILED = "transfer_failed"
    SAFETY_STOP = "safety_stop"
    LINES_BUSY = "lines_busy"
    PROVIDER_ERROR = "provider_error"
    STOPPED_BY_PLATFORM = "stopped_by_platform"
    SUSPENDED = "suspended"
    NOT_APPROVED = "not_approved"
    NO_FUNDS = "no_funds"
    IN_DEBT = "in_debt"
    NO_PLAN = "no_plan"
    LIMIT_REACHED = "limit_reached"
    OUTSIDE_HOURS = "outside_hours"
    DO_NOT_CALL = "do_not_call"
    CAMPAIGN_PAUSED = "campaign_paused"
    CAMPAIGN_CANCELLED = "campaign_cancelled"
    UNKNOWN = "unknown"


# Retell's reasons for a call that reached a person (or the person's phone) and ended normally.
ANSWERED_REASONS = frozenset({"user_hangup", "agent_hangup", "inactivity", "max_duration_reached",
                              "user_requested_callback", "call_take_over", ""})
OPTED_OUT_REASONS = frozenset({"user_requested_dnc"})
VOICEMAIL_REASONS = frozenset({"voicemail_reached"})
TRANSFER_REASONS = frozenset({"call_transfer", "transfer_bridged"})
STOPPED_REASON = "manual_stopped"

# Every other reason Retell names, and every failure reason the calls service writes, with its cause.
CAUSES: dict[str, FailureCause] = {
    # Retell's disconnection reasons.
    "dial_failed": FailureCause.NOT_CONNECTED,
    "sip_routing_error": FailureCause.NOT_CONNECTED,
    "invalid_destination": FailureCause.INVALID_NUMBER,
    "network_blocked": FailureCause.BLOCKED,
    "marked_as_spam": FailureCause.BLOCKED,
    "user_declined": FailureCause.DECLINED,
    "ivr_reached": FailureCause.AUTOMATED_MENU,
    "transfer_cancelled": FailureCause.TRANSFER_FAILED,
    "scam_detected": FailureCause.SAFETY_STOP,
    "concurrency_limit_reached": FailureCause.LINES_BUSY,
    "no_concurrency_fallback": FailureCause.LINES_BUSY,
    "telephony_provider_permission_denied": FailureCause.PROVIDER_ERROR,
    "telephony_provider_unavailable": FailureCause.PROVIDER_ERROR,
    "credit_exhausted": FailureCause.PROVIDER_ERROR,
    "no_valid_payment": FailureCause.PROVIDER_ERROR,
    "budget_reached": FailureCause.PROVIDER_ERROR,
    "registered_call_timeout": FailureCause.PROVIDER_ERROR,
    "error_asr": FailureCause.PROVIDER_ERROR,
    "error_llm_websocket_corrupt_payload": FailureCause.PROVIDER_ERROR,
    "error_llm_websocket_lost_connection": FailureCause.PROVIDER_ERROR,
    "error_llm_websocket_open": FailureCause.PROVIDER_ERROR,
    "error_llm_websocket_runtime": FailureCause.PROVIDER_ERROR,
    "error_no_audio_received": FailureCause.PROVIDER_ERROR,
    "error_retell": FailureCause.PROVIDER_ERROR,
    "error_unknown": FailureCause.PROVIDER_ERROR,
    "error_user_not_joined": FailureCause.PROVIDER_ERROR,
    STOPPED_REASON: FailureCause.STOPPED_BY_PLATFORM,
    # The calls service's own (placing.py, recovery.py, line_waiter.py, campaign_dial_stops.py, the
    # kill switch) and the wallet's refusals of a call's hold.
    "provider_unreachable": FailureCause.PROVIDER_ERROR,
    "unknown_to_provider": FailureCause.PROVIDER_ERROR,
    "RETELL_UNAVAILABLE": FailureCause.PROVIDER_ERROR,
    "RETELL_REJECTED": FailureCause.PROVIDER_ERROR,
    "RETELL_NOT_FOUND": FailureCause.PROVIDER_ERROR,
    "RETELL_CONCURRENCY_FULL": FailureCause.LINES_BUSY,
    "retell_concurrency_full": FailureCause.LINES_BUSY,
    "LINES_STAYED_BUSY": FailureCause.LINES_BUSY,
    "CUSTOMER_SUSPENDED": FailureCause.SUSPENDED,
    "FLOW_NOT_APPROVED": FailureCause.NOT_APPROVED,
    "INSUFFICIENT_FUNDS": FailureCause.NO_FUNDS,
    "NOT_ENOUGH_PLAN_MINUTES": FailureCause.NO_FUNDS,
    "RECORDING_FEE_NOT_COVERED": FailureCause.NO_FUNDS,
    "CUSTOMER_IN_DEBT": FailureCause.IN_DEBT,
    "PLAN_INACTIVE": FailureCause.NO_PLAN,
    "NO_ACTIVE_PLAN": FailureCause.NO_PLAN,
    "PLAN_HAS_NO_TRANSFER": FailureCause.NO_PLAN,
    "CALL_CAP_REACHED": FailureCause.LIMIT_REACHED,
    "DAILY_CAP_REACHED": FailureCause.LIMIT_REACHED,
    "OUTSIDE_CALLING_WINDOW": FailureCause.OUTSIDE_HOURS,
    "DO_NOT_CALL": FailureCause.DO_NOT_CALL,
    "CAMPAIGN_PAUSED": FailureCause.CAMPAIGN_PAUSED,
    "CAMPAIGN_CANCELLED": FailureCause.CAMPAIGN_CANCELLED,
}


@dataclass(frozen=True)
class CallOutcome:
    """One call's outcome: its kind, the number it was transferred to, and why it failed."""

    kind: OutcomeKind
    transfer_number: str = ""
    why: FailureCause | None = None

    @property
    def code(self) -> str:
        """`answered`, `transferred:+14155550100`, `failed:lines_busy` (see `outcome_of_code`)."""
        if self.kind is OutcomeKind.TRANSFERRED:
            return f"{self.kind.value}:{self.transfer_number}" if self.transfer_number else self.kind.value
        if self.kind is OutcomeKind.FAILED:
            return f"{self.kind.value}:{(self.why or FailureCause.UNKNOWN).value}"
        return self.kind.value


def failed(why: FailureCause) -> CallOutcome:
    return CallOutcome(OutcomeKind.FAILED, why=why)


def call_outcome(*, status: str, disconnection_reason: str = "", failure_reason: str = "",
                 in_voicemail: bool = False, opted_out: bool = False, transfer_number: str = "",
                 stopped_by_customer: bool = False) -> CallOutcome | None:
    """The call's outcome by the module's rule; None while the call is not over (queued, ringing,
    ongoing). `status` is the calls service's stored status (`ended` = it connected)."""
    if status not in (ENDED, FAILED):
        return None
    reason = disconnection_reason or failure_reason
    if opted_out or reason in OPTED_OUT_REASONS:
        return CallOutcome(OutcomeKind.OPTED_OUT)
    if reason == STOPPED_REASON and stopped_by_customer:
        return CallOutcome(OutcomeKind.STOPPED)
    if in_voicemail or reason in VOICEMAIL_REASONS:
        return CallOutcome(OutcomeKind.VOICEMAIL)
    if reason in TRANSFER_REASONS or (transfer_number and status == ENDED and reason not in CAUSES):
        return CallOutcome(OutcomeKind.TRANSFERRED, transfer_number=transfer_number)
    if reason == "dial_no_answer":
        return CallOutcome(OutcomeKind.NO_ANSWER)
    if reason == "dial_busy":
        return CallOutcome(OutcomeKind.BUSY)
    # A platform refusal recorded as the failure reason beats the reason Retell gave (if any).
    for known in (failure_reason, disconnection_reason):
        if known in CAUSES:
            return failed(CAUSES[known])
    if status == ENDED:
        return CallOutcome(OutcomeKind.ANSWERED)
    if reason in ANSWERED_REASONS and reason:  # hung up before anyone spoke: nobody answered
        return CallOutcome(OutcomeKind.NO_ANSWER)
    return failed(FailureCause.UNKNOWN)


def outcome_of_code(code: str) -> CallOutcome | None:
    """A code back into its outcome: `busy` → busy, `failed:lines_busy` → failed (lines busy),
    `transferred:+14155550100` → transferred to that number; '' or an unknown code → None."""
    kind_text, _, detail = code.partition(":")
    try:
        kind = OutcomeKind(kind_text)
    except ValueError:
        return None
    if kind is OutcomeKind.TRANSFERRED:
        return CallOutcome(kind, transfer_number=detail)
    if kind is OutcomeKind.FAILED:
        try:
            return failed(FailureCause(detail))
        except ValueError:
            return failed(FailureCause.UNKNOWN)
    return CallOutcome(kind)
