"""How a call reads in the chat: its quote, its live status and its outcome (the same in a
notification and on the results screen).

An outcome is decided by the calls service's one rule (services/calls/call_outcomes.py, pure) and said
here under the `outcome.*` ids: the outcome message, the results list, the campaign chart and the
campaign CSV all use `outcome_words`, so they say the same words, and no provider code is shown.
"""

from __future__ import annotations

from services.bot.answer_texts import answer_lines
from services.bot.formatting import duration, local_money
from services.bot.i18n import Words
from services.bot.outgoing import Button, button
from services.calls import call_outcomes
from services.calls.call_outcomes import CallOutcome, FailureCause, OutcomeKind
from speechcue.calls.v1 import calls_pb2

STATUS_IDS = {
    calls_pb2.CALL_STATUS_QUEUED: "call.status.queued",
    calls_pb2.CALL_STATUS_RINGING: "call.status.ringing",
    calls_pb2.CALL_STATUS_ONGOING: "call.status.answered",
    calls_pb2.CALL_STATUS_ENDED: "call.status.ended",
    calls_pb2.CALL_STATUS_FAILED: "call.status.failed",
}

# The calls service's stored status of each CallStatus, as the outcome rule reads it.
STORED_STATUS = {calls_pb2.CALL_STATUS_ENDED: call_outcomes.ENDED, calls_pb2.CALL_STATUS_FAILED: call_outcomes.FAILED}
OUTCOME_KIND_IDS = {
    OutcomeKind.ANSWERED: "outcome.answered", OutcomeKind.NO_ANSWER: "outcome.no_answer",
    OutcomeKind.BUSY: "outcome.busy", OutcomeKind.VOICEMAIL: "outcome.voicemail",
    OutcomeKind.OPTED_OUT: "outcome.opted_out", OutcomeKind.TRANSFERRED: "outcome.transferred",
    OutcomeKind.STOPPED: "outcome.stopped", OutcomeKind.FAILED: "outcome.failed",
}
FAILURE_CAUSE_IDS = {
    FailureCause.NOT_CONNECTED: "outcome.why.not_connected", FailureCause.INVALID_NUMBER: "outcome.why.invalid_number",
    FailureCause.BLOCKED: "outcome.why.blocked", FailureCause.DECLINED: "outcome.why.declined",
    FailureCause.AUTOMATED_MENU: "outcome.why.automated_menu",
    FailureCause.TRANSFER_FAILED: "outcome.why.transfer_failed", FailureCause.SAFETY_STOP: "outcome.why.safety_stop",
    FailureCause.LINES_BUSY: "outcome.why.lines_busy", FailureCause.PROVIDER_ERROR: "outcome.why.provider_error",
    FailureCause.STOPPED_BY_PLATFORM: "outcome.why.stopped_by_platform",
    FailureCause.SUSPENDED: "outcome.why.suspended", FailureCause.NOT_APPROVED: "outcome.why.not_approved",
    FailureCause.NO_FUNDS: "outcome.why.no_funds", FailureCause.IN_DEBT: "outcome.why.in_debt",
    FailureCause.NO_PLAN: "outcome.why.no_plan", FailureCause.LIMIT_REACHED: "outcome.why.limit_reached",
    FailureCause.OUTSIDE_HOURS: "outcome.why.outside_hours", FailureCause.DO_NOT_CALL: "outcome.why.do_not_call",
    FailureCause.CAMPAIGN_PAUSED: "outcome.why.campaign_paused",
    FailureCause.CAMPAIGN_CANCELLED: "outcome.why.campaign_cancelled", FailureCause.UNKNOWN: "outcome.why.unknown",
}


def outcome_words(words: Words, outcome: CallOutcome) -> str:
    """"no answer", "transferred to +14155550100", "failed (all lines busy)": the number in full (the
    transfer target is the customer's own)."""
    why = FAILURE_CAUSE_IDS[outcome.why or FailureCause.UNKNOWN]
    return words(OUTCOME_KIND_IDS[outcome.kind], number=outcome.transfer_number or "—", why=words(why))


def outcome_of_call(call: calls_pb2.Call) -> CallOutcome | None:
    """The call's outcome by the one rule; None while it is not over."""
    return call_outcomes.call_outcome(
        status=STORED_STATUS.get(call.status, ""), disconnection_reason=call.disconnection_reason,
        failure_reason=call.failure_reason, in_voicemail=call.analysis.in_voicemail, opted_out=call.opted_out,
        transfer_number=call.transfer_number, stopped_by_customer=call.stopped_by_customer)


def transcript_button(words: Words, call_id: str) -> Button:
    """The "📝 Transcript" button (screens/transcripts.py), on the outcome message and the call's details."""
    return button(words("outcome.transcript"), "transcript", call_id)


def call_status_words(words: Words, call: calls_pb2.Call) -> str:
    """What a call's line says: its outcome once over ("busy"), its live status before ("ringing")."""
    outcome = outcome_of_call(call)
    if outcome is not None:
        return outcome_words(words, outcome)
    return words("call.status.waiting_for_line" if call.waiting_for_line
                 else STATUS_IDS.get(call.status, "call.status.queued"))


COST_BASIS_IDS = {
    calls_pb2.COST_BASIS_PLAN: "call.cost.plan",
    calls_pb2.COST_BASIS_PLAN_THEN_BALANCE: "call.cost.plan_then_balance",
    calls_pb2.COST_BASIS_BALANCE: "call.cost.balance",
}
# The refusals of the admission rule (services/calls/admission.py): said with the plan and the price,
# in place of the cost lines, since nothing would be held.
ADMISSION_REFUSAL_IDS = {
    "INSUFFICIENT_FUNDS": "call.refused.funds",
    "CUSTOMER_IN_DEBT": "error.CUSTOMER_IN_DEBT",
    "RECORDING_FEE_NOT_COVERED": "call.refused.recording_fee",
    "PLAN_HAS_NO_TRANSFER": "call.refused.no_transfer",
}


def plan_words(words: Words, code: str, name: str) -> str:
    return words.name_of(f"plan.name.{code}", name)


def cost_lines(words: Words, quote: calls_pb2.CallQuote) -> list[str]:
    """What the call may cost and what is held, in the admission rule's own figures: where the minutes
    come from, the longest the call may last (and why, when the money sets it), and the hold."""
    per_minute = local_money(quote.price_per_minute_cents, words.language)
    plan = plan_words(words, quote.plan_code, quote.plan_name)
    if quote.blocked_reason in ADMISSION_REFUSAL_IDS:
        return [words(ADMISSION_REFUSAL_IDS[quote.blocked_reason], per_minute=per_minute, plan=plan,
                      fee=local_money(quote.recording_fee_cents, words.language))]
    held = (words("call.held", hold=local_money(quote.hold_cents, words.language)) if quote.hold_cents
            else words("call.held_nothing"))
    return [words(COST_BASIS_IDS.get(quote.cost_basis, "call.cost.balance"), plan=plan,
                  plan_minutes=quote.plan_minutes, per_minute=per_minute),
            words("call.longest_shortened" if quote.shortened else "call.longest", minutes=quote.affordable_minutes),
            held]


def status_text(words: Words, to_number: str, status: int, *, waiting_for_line: bool = False) -> str:
    state = "call.status.waiting_for_line" if waiting_for_line else STATUS_IDS.get(status, "call.status.queued")
    return words("call.live", number=to_number, status=words(state))


def outcome_text(words: Words, call: calls_pb2.Call, *, with_analysis: bool = True) -> str:
    """The outcome message: the outcome in words, then (for a call that connected) its duration, cost and
    keys, then (`with_analysis`) the summary and sentiment once Retell has analysed it."""
    outcome = outcome_of_call(call)
    status = outcome_words(words, outcome) if outcome is not None else words(STATUS_IDS.get(call.status,
                                                                                          "call.status.queued"))
    # In full: the callee is the customer's own, and calling them back is the point (logs stay redacted).
    lines = [words("call.outcome.title", number=call.to_number, status=status)]
    if call.status == calls_pb2.CALL_STATUS_ENDED:
        lines.append(words("call.outcome.duration", duration=duration(call.duration_seconds)))
        lines.append(words("call.outcome.cost", cost=words.money(call.cost_cents), minutes=call.plan_minutes))
        lines.append(words("call.outcome.keys", keys=" ".join(call.digits)) if call.digits
                     else words("call.outcome.no_keys"))
    if with_analysis and call.analysis.summary:
        lines.append(words("call.outcome.summary", summary=call.analysis.summary[:1500]))
    if with_analysis and call.analysis.sentiment:
        lines.append(words("call.outcome.sentiment", sentiment=words(f"sentiment.{call.analysis.sentiment.lower()}")))
    if with_analysis:
        lines.extend(answer_lines(words, call))
    return "\n".join(lines)


def call_outcome(words: Words, call: calls_pb2.Call) -> str:
    return outcome_text(words, call)
