"""How Retell signs a webhook: `X-Retell-Signature: v=<ms>,d=<hex>` where hex is
HMAC-SHA256 keyed by the API key over the raw body followed by the millisecond timestamp.
The simulator's own copy, kept apart from the calls service's verifier on purpose, so that a test
can check both against the retell-sdk package."""

from __future__ import annotations

import hashlib
import hmac
import time


def retell_signature(body: str, api_key: str, timestamp_ms: int | None = None) -> str:
    stamp = timestamp_ms if timestamp_ms is not None else int(time.time() * 1000)
    digest = hmac.new(api_key.encode(), (body + str(stamp)).encode(), hashlib.sha256).hexdigest()
    return f"v={stamp},d={digest}"
