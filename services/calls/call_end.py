"""The call-end rule: which call a Retell webhook belongs to, and what a call becomes when Retell
reports its end. Pure: no I/O.

Why one place: a call's end is recorded by two paths, the batched `call_ended` webhook
(ended_calls.py, one statement for many webhooks) and one event at a time (call_updates.py: the
rarer events, and the recovery tick, which asks Retell for calls whose webhooks never came). Both
read the row, ask these functions and write what they answer, so a call ends the same way whichever
path saw its end (tests/calls/test_call_end.py drives both with the same facts).

Which call a webhook belongs to (`belongs_to`): the row that carries the webhook's Retell call id;
else the row our metadata names (`metadata.call`, sent at create-phone-call with the customer, for a
process that died between Retell accepting the call and the row learning Retell's id), but only
while that row has no Retell id, and only when the metadata's customer is the row's. A row that has
another Retell id is that other Retell call's, whatever a signed body claims. For a row
(call c-1, customer u-1):
    Retell id call_A on the row, webhook for call_A           → yes (metadata not read)
    Retell id call_A on the row, webhook for call_B naming c-1 → no
    no Retell id yet, webhook naming c-1 for customer u-1     → yes (and the row learns call_B)
    no Retell id yet, webhook naming c-1 for customer u-2     → no
    no Retell id yet, webhook naming c-1 without a customer   → no

What the call becomes (`end_of_call`), for a call that is queued, ringing or ongoing:
    connected, 61,000 ms, user_hangup → ended, 61 s, failure reason ''
    connected, 61,001 ms              → ended, 62 s (every started second counts)
    dial_no_answer (or 0 ms talked)   → failed, 0 s, failure reason dial_no_answer
    started_at: the row's (call_started came first), else Retell's start timestamp, else the moment
    the end was received; ended_at: Retell's end timestamp, else the moment it was received.
    The key presses are Retell's but for the wrong keys at a menu (key_inputs.shown_keys: never
    kept); the recording, transfer number and voicemail flag are Retell's; opted out is
    opt_outs.py's rule with the row's opt-out key; the settlement becomes pending.
It changes nothing (None) when:
    Retell says the call still runs (call_status registered or ongoing): its end is yet to come;
    the call already ended or failed: a replay, or a second end, never rewrites it; except
    a call the recovery tick failed as never placed (provider_unreachable) that did connect: it
    happened after all and is ended and billed (its hold is gone, so the billing tick charges it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from services.calls.call_store import ENDED, FAILED
from services.calls.key_inputs import place_text, shown_keys
from services.calls.opt_outs import is_opt_out
from services.calls.retell_events import RetellCallFacts
from services.calls.settlement_state import SettlementState

# Retell's call_status values (retell-sdk's call response) of a call that has not ended yet, and of
# one that has: a call_ended webhook is evidence of an end unless its status says otherwise, while
# the recovery tick, asking GetCall, waits for one of the ended ones.
RETELL_STILL_RUNNING = frozenset({"registered", "ongoing"})
RETELL_ENDED = frozenset({"ended", "not_connected", "error"})
# The recovery tick's reason for a call that never reached Retell, as far as we could tell.
PROVIDER_UNREACHABLE = "provider_unreachable"


@dataclass(frozen=True)
class CallState:
    """What the rule reads of a call row, as the row is when the event arrives."""

    id: str
    customer_id: str
    retell_call_id: str | None
    status: str
    failure_reason: str
    started_at: datetime | None
    opt_out_key: str
    # The dialled flow version's menus and their keys (key_inputs.menu_keys_text); '' for an AI script.
    menu_keys: str = ""


@dataclass(frozen=True)
class CallEnd:
    """What an ending call's row becomes: each field is the column of that name."""

    status: str
    duration_seconds: int
    disconnection_reason: str
    digits: tuple[str, ...]
    recording_url: str
    transfer_number: str
    opted_out: bool
    started_at: datetime
    ended_at: datetime
    failure_reason: str
    in_voicemail: bool
    settlement: SettlementState = SettlementState.PENDING
    # Where each of `digits` was pressed, as key_inputs.place_text writes it.
    key_places: tuple[str, ...] = ()


def belongs_to(call: CallState, facts: RetellCallFacts) -> bool:
    """Whether the webhook is about this call (see the module's examples)."""
    if call.retell_call_id:
        return call.retell_call_id == facts.retell_call_id
    return facts.our_call_id == call.id and facts.our_customer_id == call.customer_id


def billed_seconds(facts: RetellCallFacts) -> int:
    """Every started second of a connected call: 61,000 ms → 61, 61,001 ms → 62; not connected → 0."""
    return -(-facts.duration_ms // 1000) if facts.connected else 0


def _moment(milliseconds: int | None, fallback: datetime) -> datetime:
    return datetime.fromtimestamp(milliseconds / 1000, UTC) if milliseconds else fallback


def gave_up_too_soon(call: CallState, facts: RetellCallFacts) -> bool:
    """The recovery tick failed the call as never placed, and Retell reports it connected."""
    return call.status == FAILED and call.failure_reason == PROVIDER_UNREACHABLE and facts.connected


def end_of_call(call: CallState, facts: RetellCallFacts, *, received_at: datetime) -> CallEnd | None:
    """What the call becomes on Retell's report of its end; None if the report changes nothing."""
    if facts.call_status in RETELL_STILL_RUNNING:
        return None
    if call.status in (ENDED, FAILED) and not gave_up_too_soon(call, facts):
        return None
    digits, places = shown_keys(facts.digits, facts.key_places, call.menu_keys, call.opt_out_key)
    return CallEnd(
        status=ENDED if facts.connected else FAILED,
        duration_seconds=billed_seconds(facts),
        disconnection_reason=facts.disconnection_reason,
        digits=digits, key_places=tuple(place_text(place) for place in places),
        recording_url=facts.recording_url,
        transfer_number=facts.transfer_number,
        opted_out=is_opt_out(facts, call.opt_out_key),
        started_at=call.started_at or _moment(facts.start_ms, received_at),
        ended_at=_moment(facts.end_ms, received_at),
        failure_reason="" if facts.connected else facts.disconnection_reason,
        in_voicemail=bool(facts.analysis.get("in_voicemail")),
    )
