"""How a call reads in the chat: its quote, its live status and its outcome (the same in a
notification and on the results screen)."""

from __future__ import annotations

from services.bot.formatting import duration, local_money, masked_number
from services.bot.i18n import Words
from speechcue.calls.v1 import calls_pb2

STATUS_IDS = {
    calls_pb2.CALL_STATUS_QUEUED: "call.status.queued",
    calls_pb2.CALL_STATUS_RINGING: "call.status.ringing",
    calls_pb2.CALL_STATUS_ONGOING: "call.status.answered",
    calls_pb2.CALL_STATUS_ENDED: "call.status.ended",
    calls_pb2.CALL_STATUS_FAILED: "call.status.failed",
}


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
    return words("call.live", number=masked_number(to_number), status=words(state))


def outcome_text(words: Words, *, to_number: str, ended: bool, duration_seconds: int, cost_cents: int,
                 plan_minutes: int, digits: list[str], reason: str, summary: str = "", sentiment: str = "",
                 transfer_number: str = "") -> str:
    lines = [words("call.outcome.title", number=masked_number(to_number),
                   status=words("call.status.ended" if ended else "call.status.failed"))]
    if ended:
        lines.append(words("call.outcome.duration", duration=duration(duration_seconds)))
        lines.append(words("call.outcome.cost", cost=words.money(cost_cents), minutes=plan_minutes))
        lines.append(words("call.outcome.keys", keys=" ".join(digits)) if digits else words("call.outcome.no_keys"))
        # Retell names the destination only when the call ended in a transfer (transfer_destination).
        if transfer_number:
            lines.append(words("call.outcome.transferred", number=masked_number(transfer_number)))
    else:
        # A refusal the platform made has words of its own; Retell's disconnection reasons are shown as they are.
        lines.append(words("call.outcome.reason", reason=words.name_of(f"error.{reason}", reason) if reason else "—"))
    if summary:
        lines.append(words("call.outcome.summary", summary=summary[:1500]))
    if sentiment:
        lines.append(words("call.outcome.sentiment", sentiment=words(f"sentiment.{sentiment.lower()}")))
    return "\n".join(lines)


def call_outcome(words: Words, call: calls_pb2.Call) -> str:
    return outcome_text(words, to_number=call.to_number, ended=call.status == calls_pb2.CALL_STATUS_ENDED,
                        duration_seconds=call.duration_seconds, cost_cents=call.cost_cents,
                        plan_minutes=call.plan_minutes, digits=list(call.digits),
                        reason=call.failure_reason or call.disconnection_reason,
                        summary=call.analysis.summary, sentiment=call.analysis.sentiment,
                        transfer_number=call.transfer_number)
