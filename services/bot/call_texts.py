"""How a call reads in the chat: its live status and its outcome, the same in a notification and on
the results screen."""

from __future__ import annotations

from services.bot.formatting import duration, masked_number, money
from services.bot.i18n import Words
from speechcue.calls.v1 import calls_pb2

STATUS_IDS = {
    calls_pb2.CALL_STATUS_QUEUED: "call.status.queued",
    calls_pb2.CALL_STATUS_RINGING: "call.status.ringing",
    calls_pb2.CALL_STATUS_ONGOING: "call.status.answered",
    calls_pb2.CALL_STATUS_ENDED: "call.status.ended",
    calls_pb2.CALL_STATUS_FAILED: "call.status.failed",
}


def status_text(words: Words, to_number: str, status: int, *, waiting_for_line: bool = False) -> str:
    state = "call.status.waiting_for_line" if waiting_for_line else STATUS_IDS.get(status, "call.status.queued")
    return words("call.live", number=masked_number(to_number), status=words(state))


def outcome_text(words: Words, *, to_number: str, ended: bool, duration_seconds: int, cost_cents: int,
                 plan_minutes: int, digits: list[str], reason: str, summary: str = "", sentiment: str = "") -> str:
    lines = [words("call.outcome.title", number=masked_number(to_number),
                   status=words("call.status.ended" if ended else "call.status.failed"))]
    if ended:
        lines.append(words("call.outcome.duration", duration=duration(duration_seconds)))
        lines.append(words("call.outcome.cost", cost=money(cost_cents), minutes=plan_minutes))
        lines.append(words("call.outcome.keys", keys=" ".join(digits)) if digits else words("call.outcome.no_keys"))
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
                        summary=call.analysis.summary, sentiment=call.analysis.sentiment)
