"""The OpenAPI description of `POST /webhooks/dynopay`: DynoPay's payment notification.

The route reads its raw body (the signature covers the exact bytes), so FastAPI cannot infer a
body schema; this one is given to the route as `openapi_extra`. It documents the contract and lets
Schemathesis fuzz the route. Only `payment_id` is trusted, and only as a key: the status is read
back from DynoPay's API.
"""

from __future__ import annotations

from typing import Any

from services.payments.dynopay_client import KNOWN_STATUSES

# Sorted, so that the generated document is the same on every start.
_STATUSES = sorted(KNOWN_STATUSES)
_DECIMAL = {"type": "string", "pattern": "^[0-9]{1,18}(\\.[0-9]{1,18})?$"}

DYNOPAY_WEBHOOK = {
    "type": "object",
    "required": ["payment_id"],
    "properties": {
        "event": {"type": "string", "enum": [f"payment.{status}" for status in _STATUSES]},
        "payment_id": {"type": "string", "minLength": 1, "maxLength": 128},
        "status": {"type": "string", "enum": list(_STATUSES)},
        "currency": {"type": "string", "maxLength": 16},
        "amount": _DECIMAL,
        "base_amount": _DECIMAL,
        "received_base_amount": _DECIMAL,
        "address": {"type": "string", "maxLength": 128},
        "expires_at": {"type": "string", "format": "date-time"},
        "meta_data": {"type": "object"},
    },
}

OPENAPI_EXTRA: dict[str, Any] = {
    "requestBody": {"required": True, "content": {"application/json": {"schema": DYNOPAY_WEBHOOK}}},
    "parameters": [{"name": "X-Dynopay-Signature-V2", "in": "header", "required": True, "schema": {"type": "string"},
                    "description": "t=<unix s>,v1=<hex HMAC-SHA256(secret, '<t>.' + body)>"}],
    "responses": {
        "200": {"description": "Recorded (or a duplicate); money moves only on the status DynoPay's API gives."},
        "400": {"description": "The body is not a payment notification; nothing changed."},
        "401": {"description": "Bad or stale signature; nothing changed."},
        "413": {"description": "The body is too large; nothing changed."},
    },
}
