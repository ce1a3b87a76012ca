"""DynoPay's API, the calls the payments service makes, parsed defensively: a missing or odd field
becomes an error that says so, never a crash or a guessed value."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from services.payments.amounts import BadAmount, usd_to_cents
from services.runtime.errors import DependencyUnavailable, FailedPrecondition

KNOWN_STATUSES = frozenset({"pending", "underpaid", "confirmed", "settled", "expired", "failed"})


class DynoPayUnavailable(DependencyUnavailable):
    default_reason = "DYNOPAY_UNAVAILABLE"


class DynoPayRejected(FailedPrecondition):
    default_reason = "DYNOPAY_REJECTED"


@dataclass(frozen=True)
class ProviderPayment:
    payment_id: str
    status: str
    base_cents: int
    received_cents: int
    # Whether DynoPay stated the dollar value received; when it did not, a confirmed payment counts
    # as its base amount (which is only right in the invoice's own coin: see payment_mismatch.py).
    received_reported: bool
    currency: str
    crypto_amount: str
    address: str
    checkout_url: str
    meta_data: dict[str, Any]


def read_payment(data: Any) -> ProviderPayment:
    if not isinstance(data, dict):
        raise DynoPayRejected("DynoPay answered without payment data")
    payment_id = data.get("payment_id") or data.get("id")
    status = str(data.get("status", "")).lower()
    if not isinstance(payment_id, str) or not payment_id or len(payment_id) > 128:
        raise DynoPayRejected("DynoPay's answer has no payment id")
    try:
        base = usd_to_cents(data.get("base_amount"))
        received_raw = data.get("received_base_amount")
        received_reported = received_raw not in (None, "")
        received = usd_to_cents(received_raw) if received_reported else (
            base if status in ("confirmed", "settled") else 0)
    except BadAmount as error:
        raise DynoPayRejected(f"DynoPay's amounts are unreadable: {error}") from None
    meta = data.get("meta_data")
    return ProviderPayment(
        payment_id=payment_id, status=status if status in KNOWN_STATUSES else "unknown", base_cents=base,
        received_cents=received, received_reported=received_reported, currency=str(data.get("currency", ""))[:20],
        crypto_amount=str(data.get("amount", ""))[:40], address=str(data.get("address", ""))[:200],
        checkout_url=str(data.get("checkout_url") or data.get("payment_url") or "")[:500],
        meta_data=meta if isinstance(meta, dict) else {},
    )


class DynoPayClient:
    def __init__(self, base_url: str, api_key: str, wallet_token: str, *, timeout_seconds: float) -> None:
        self._http = httpx.AsyncClient(base_url=base_url, timeout=timeout_seconds, headers={
            "x-api-key": api_key, "Authorization": f"Bearer {wallet_token}", "Content-Type": "application/json"})

    async def close(self) -> None:
        await self._http.aclose()

    async def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        try:
            response = await self._http.request(method, path, json=body)
        except httpx.HTTPError as error:
            raise DynoPayUnavailable(f"DynoPay did not answer ({type(error).__name__}); try again") from None
        if response.status_code >= 500:
            raise DynoPayUnavailable(f"DynoPay failed ({response.status_code}); try again shortly")
        try:
            payload = response.json()
        except ValueError:
            raise DynoPayRejected(f"DynoPay answered {response.status_code} without JSON") from None
        if response.status_code >= 400:
            message = str(payload.get("message", "")) if isinstance(payload, dict) else ""
            raise DynoPayRejected(f"DynoPay refused: {message[:200] or response.status_code}")
        return payload.get("data") if isinstance(payload, dict) else None

    async def currencies(self) -> list[tuple[str, str]]:
        data = await self._call("GET", "/api/user/getSupportedCurrency")
        return [(str(item.get("currency")), str(item.get("name", item.get("currency"))))
                for item in (data or []) if isinstance(item, dict) and item.get("currency")]

    async def create_payment(self, *, usd: str, currency: str, webhook_url: str,
                             meta_data: dict[str, str]) -> ProviderPayment:
        return read_payment(await self._call("POST", "/api/user/cryptoPayment", {
            "amount": usd, "currency": currency, "webhook_url": webhook_url, "meta_data": meta_data}))

    async def payment_status(self, payment_id: str) -> ProviderPayment:
        # Quoted whole: an id is a path segment, and one from a webhook may hold "/", "..", "?" or
        # control characters (which httpx refuses with an error that is not an HTTPError).
        return read_payment(await self._call("GET", f"/api/user/getPaymentStatus/{quote(payment_id, safe='')}"))
