"""Reading Retell webhooks: the signature check and the parts of a call object we keep. Pure.

Retell's payloads are parsed defensively: unknown events and disconnection reasons are kept as
they are, missing fields become empty values, and nothing in a payload can raise past this
module except `MalformedWebhook`. Whether the call ended in an opt-out needs the flow's opt-out key,
which a webhook does not carry: opt_outs.py decides it from these facts and the call row.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass, field
from typing import Any

from services.calls.key_inputs import KeyPlace, key_places
from services.runtime.webhook_json import storable_text

SIGNATURE = re.compile(r"v=(\d{1,16}),d=([0-9a-f]{64})")
SIGNATURE_WINDOW_MS = 5 * 60 * 1000
KNOWN_EVENTS = frozenset({"call_started", "call_ended", "call_analyzed"})
NOT_CONNECTED_REASONS = frozenset({
    "dial_busy", "dial_failed", "dial_no_answer", "invalid_destination", "telephony_provider_permission_denied",
    "telephony_provider_unavailable", "sip_routing_error", "marked_as_spam", "network_blocked", "user_declined",
    "concurrency_limit_reached", "no_concurrency_fallback", "no_valid_payment", "credit_exhausted",
    "budget_reached", "registered_call_timeout", "error_user_not_joined",
})
MAX_TEXT = 4000
# The last millisecond Python's datetime can hold: a later timestamp is no timestamp.
LAST_MILLISECOND_OF_9999 = 253_402_300_799_999


class MalformedWebhook(ValueError):
    pass


def signature_is_valid(raw_body: bytes, header: str, api_key: str, now_ms: int) -> bool:
    """Retell's scheme: HMAC-SHA256(api key, body + timestamp), within five minutes either way."""
    match = SIGNATURE.fullmatch(header.strip())
    if match is None:
        return False
    stamp = int(match.group(1))
    if abs(now_ms - stamp) > SIGNATURE_WINDOW_MS:
        return False
    expected = hmac.new(api_key.encode(), raw_body + match.group(1).encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, match.group(2))


@dataclass(frozen=True)
class RetellCallFacts:
    event: str
    retell_call_id: str
    call_status: str
    # Our call and customer as we sent them in create-phone-call's metadata (placing.py); '' if absent.
    our_call_id: str
    our_customer_id: str
    start_ms: int | None
    end_ms: int | None
    duration_ms: int
    disconnection_reason: str
    digits: tuple[str, ...]
    recording_url: str
    transfer_number: str
    # The conversation-flow nodes the call moved into, in order (Retell's node_transition entries).
    nodes_entered: tuple[str, ...]
    connected: bool
    analysis: dict[str, Any] = field(default_factory=dict)
    # Whether Retell kept the call's transcript (where key presses are): a call placed without
    # recording keeps only basic attributes (data_storage.py), so get-call has none to show.
    keys_kept: bool = True
    # Where each of `digits` was pressed (key_inputs.key_places), one per key.
    key_places: tuple[KeyPlace, ...] = ()


def _text(value: Any, limit: int = MAX_TEXT) -> str:
    # Without NULs and lone surrogates: PostgreSQL's text refuses the one and UTF-8 the other.
    return storable_text(value[:limit]) if isinstance(value, str) else ""


def _moment_ms(value: Any) -> int | None:
    moment = _int(value)
    return moment if moment is not None and moment <= LAST_MILLISECOND_OF_9999 else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**53 else None


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def read_webhook(payload: Any) -> RetellCallFacts:
    if not isinstance(payload, dict):
        raise MalformedWebhook("the body is not a JSON object")
    event, call = payload.get("event"), payload.get("call")
    if not isinstance(event, str) or not isinstance(call, dict):
        raise MalformedWebhook("the body needs 'event' and 'call'")
    return read_call(event, call)


def read_call(event: str, call: dict[str, Any]) -> RetellCallFacts:
    retell_call_id = call.get("call_id")
    if not isinstance(retell_call_id, str) or not 0 < len(retell_call_id) <= 128:
        raise MalformedWebhook("call.call_id is missing")
    if storable_text(retell_call_id) != retell_call_id:
        raise MalformedWebhook("call.call_id holds characters no call id has")
    metadata = _mapping(call.get("metadata"))
    entries = call.get("transcript_with_tool_calls")
    keys_kept = isinstance(entries, list)
    if not isinstance(entries, list):
        entries = []
    # A dtmf entry without a key a phone has is no key press: left out of the keys and of their places.
    entries = [entry for entry in entries if not (
        isinstance(entry, dict) and entry.get("role") == "dtmf" and not _is_key(entry.get("digit")))]
    digits = tuple(entry["digit"] for entry in entries if isinstance(entry, dict) and entry.get("role") == "dtmf")
    nodes_entered = tuple(_text(entry["new_node_id"], 128) for entry in entries
                          if isinstance(entry, dict) and entry.get("role") == "node_transition"
                          and isinstance(entry.get("new_node_id"), str))
    reason = _text(call.get("disconnection_reason"), 64)
    analysis_raw = _mapping(call.get("call_analysis"))
    analysis = {
        "summary": _text(analysis_raw.get("call_summary")),
        "sentiment": _text(analysis_raw.get("user_sentiment"), 16),
        "successful": analysis_raw.get("call_successful") is True,
        "in_voicemail": analysis_raw.get("in_voicemail") is True or reason == "voicemail_reached",
        # The answers to the agent's custom fields as the model wrote them: read against the call's
        # fields (custom_fields.read_answers) where the call row is known.
        "custom": _mapping(analysis_raw.get("custom_analysis_data")),
    }
    duration = _int(call.get("duration_ms")) or 0
    status = _text(call.get("call_status"), 32)
    return RetellCallFacts(
        event=event[:64], retell_call_id=retell_call_id, call_status=status,
        our_call_id=_text(metadata.get("call"), 64), our_customer_id=_text(metadata.get("customer"), 64),
        start_ms=_moment_ms(call.get("start_timestamp")), end_ms=_moment_ms(call.get("end_timestamp")),
        duration_ms=duration,
        disconnection_reason=reason, digits=digits, recording_url=_text(call.get("recording_url"), 1000),
        transfer_number=_text(call.get("transfer_destination"), 64), nodes_entered=nodes_entered,
        connected=status != "not_connected" and reason not in NOT_CONNECTED_REASONS and duration > 0,
        analysis=analysis, keys_kept=keys_kept, key_places=tuple(key_places(entries) or ()),
    )


def _is_key(value: Any) -> bool:
    return isinstance(value, str) and len(value) == 1 and value in "0123456789*#"
