"""DynoPay's webhook signature, version 2: `X-Dynopay-Signature-V2: t=<unix>,v1=<hex>` where hex
is HMAC-SHA256(secret, "<t>.<raw body>"). Pure."""

from __future__ import annotations

import hashlib
import hmac
import re

SIGNATURE = re.compile(r"t=(\d{1,12}),v1=([0-9a-f]{64})")
WINDOW_SECONDS = 300


def sign(body: bytes, secret: str, timestamp: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def signature_is_valid(body: bytes, header: str, secret: str, now: int) -> bool:
    match = SIGNATURE.fullmatch(header.strip())
    if match is None:
        return False
    stamp = int(match.group(1))
    if abs(now - stamp) > WINDOW_SECONDS:
        return False
    expected = sign(body, secret, stamp).split("v1=", 1)[1]
    return hmac.compare_digest(expected, match.group(2))
