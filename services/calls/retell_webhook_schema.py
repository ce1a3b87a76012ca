"""The OpenAPI description of `POST /webhooks/retell`: Retell's call event, `{event, call{...}}`,
with the call fields the calls service reads.

The route reads its raw body (the signature covers the exact bytes), so FastAPI cannot infer a
body schema; this one is given to the route as `openapi_extra`. It documents the contract and lets
Schemathesis fuzz the route.
"""

from __future__ import annotations

from typing import Any

_MILLISECONDS = {"type": "integer", "minimum": 0, "maximum": 2**53 - 1}

_TRANSCRIPT_ENTRY = {
    "type": "object",
    "required": ["role"],
    "properties": {
        "role": {"type": "string", "enum": ["agent", "user", "dtmf", "node_transition", "tool_call_invocation"]},
        "content": {"type": "string"},
        "digit": {"type": "string", "pattern": "^[0-9*#]$"},
        "former_node_id": {"type": "string"},
        "new_node_id": {"type": "string"},
    },
}

_CALL = {
    "type": "object",
    "required": ["call_id"],
    "properties": {
        "call_id": {"type": "string", "minLength": 1, "maxLength": 128},
        "call_type": {"type": "string", "enum": ["phone_call", "web_call"]},
        "agent_id": {"type": "string"},
        "call_status": {"type": "string", "enum": ["registered", "ongoing", "ended", "error", "not_connected"]},
        "direction": {"type": "string", "enum": ["inbound", "outbound"]},
        "from_number": {"type": "string"},
        "to_number": {"type": "string"},
        "metadata": {"type": "object", "properties": {"call": {"type": "string", "maxLength": 64},
                                                     "customer": {"type": "string", "maxLength": 64}}},
        "start_timestamp": _MILLISECONDS,
        "end_timestamp": _MILLISECONDS,
        "duration_ms": _MILLISECONDS,
        "disconnection_reason": {"type": "string", "maxLength": 64},
        "transcript_with_tool_calls": {"type": "array", "items": _TRANSCRIPT_ENTRY},
        "recording_url": {"type": "string", "maxLength": 1000},
        "transfer_destination": {"type": "string", "maxLength": 64},
        "call_analysis": {
            "type": "object",
            "properties": {
                "call_summary": {"type": "string"},
                "user_sentiment": {"type": "string", "enum": ["Positive", "Neutral", "Negative", "Unknown"]},
                "call_successful": {"type": "boolean"},
                "in_voicemail": {"type": "boolean"},
            },
        },
    },
}

RETELL_WEBHOOK = {
    "type": "object",
    "required": ["event", "call"],
    "properties": {
        "event": {"type": "string", "enum": ["call_started", "call_ended", "call_analyzed"]},
        "call": _CALL,
    },
}

OPENAPI_EXTRA: dict[str, Any] = {
    "requestBody": {"required": True, "content": {"application/json": {"schema": RETELL_WEBHOOK}}},
    "parameters": [{"name": "X-Retell-Signature", "in": "header", "required": True, "schema": {"type": "string"},
                    "description": "v=<unix ms>,d=<hex HMAC-SHA256(API key, body + ms)>"}],
    "responses": {
        "200": {"description": "The event was applied, or was a duplicate, stale or unknown one and ignored."},
        "400": {"description": "The body is not a Retell call event; nothing changed."},
        "401": {"description": "Bad or stale signature; nothing changed."},
        "413": {"description": "The body is too large; nothing changed."},
    },
}
