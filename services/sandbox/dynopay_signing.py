"""How the DynoPay simulator signs a webhook, written from the scheme's description and kept apart
from the payments service's verifier on purpose: if the two were one function, a mistake in it would
be made on both sides and every test would still pass.

DynoPay publishes no signature documentation we could find (searched: "DynoPay webhook signature"),
so the scheme is the one the payments service was built to accept, restated here from its
description rather than from its code:

- header `X-Dynopay-Signature-V2`, value `t=<unix seconds>,v1=<digest>`;
- `<digest>` is HMAC-SHA256, keyed by the webhook secret (its UTF-8 bytes), over the timestamp in
  decimal, one ".", then the raw request body exactly as sent;
- the digest is written as 64 lowercase hexadecimal characters;
- a receiver refuses a timestamp more than five minutes from its own clock.

`tests/sandbox/test_dynopay_signing.py` checks this copy against the service's verifier.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Dynopay-Signature-V2"


def dynopay_signature(body: bytes, secret: str, timestamp: int | None = None) -> str:
    """The header value DynoPay would send with `body`, signed at `timestamp` (default: now)."""
    stamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode("utf-8"), digestmod=hashlib.sha256)
    mac.update(str(stamp).encode("ascii"))
    mac.update(b".")
    mac.update(body)
    return f"t={stamp},v1={mac.hexdigest()}"
