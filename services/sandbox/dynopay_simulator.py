"""The DynoPay simulator: create a crypto payment, read its status, list currencies, and a control
to pay an invoice fully, partly or too much. Webhooks are signed with the V2 scheme when a secret is
set, by the simulator's own signer (`dynopay_signing.py`; no production code is imported here), and
retried as DynoPay does: 3 tries, 1, 2 and 4 seconds apart (scaled by the time scale)."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response

from services.sandbox.dynopay_signing import SIGNATURE_HEADER, dynopay_signature

log = logging.getLogger(__name__)

CURRENCIES = {"BTC": ("Bitcoin", Decimal("65000")), "ETH": ("Ethereum", Decimal("3200")),
              "LTC": ("Litecoin", Decimal("80")), "USDT-TRC20": ("Tether (TRC-20)", Decimal("1")),
              "USDC-ERC20": ("USD Coin (ERC-20)", Decimal("1"))}


@dataclass
class SimulatedPayment:
    payment_id: str
    currency: str
    base_amount: Decimal
    crypto_amount: Decimal
    address: str
    expires_at: datetime
    meta_data: dict[str, Any]
    webhook_url: str
    status: str = "pending"
    received_base: Decimal = Decimal(0)
    deliveries: list[int] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"payment_id": self.payment_id, "status": self.status, "currency": self.currency,
                "amount": str(self.crypto_amount), "base_amount": str(self.base_amount),
                "received_base_amount": str(self.received_base), "address": self.address,
                "expires_at": self.expires_at.isoformat(), "meta_data": self.meta_data}


class DynoPaySimulator:
    def __init__(self, api_key: str, wallet_token: str, webhook_secret: str, *, webhook_url: str = "",
                 time_scale: float = 1.0) -> None:
        self.api_key = api_key
        self.wallet_token = wallet_token
        self.webhook_secret = webhook_secret
        self.webhook_url = webhook_url
        self.time_scale = time_scale
        self.payments: dict[str, SimulatedPayment] = {}
        # Payment ids whose status was asked for, in order (the latest ones): tests see what a tick
        # reached, and in which order.
        self.status_reads: deque[str] = deque(maxlen=10_000)
        self._http = httpx.AsyncClient(timeout=10.0)
        self._tasks: set[asyncio.Task[None]] = set()

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await self._http.aclose()

    def create(self, body: dict[str, Any]) -> SimulatedPayment:
        currency = str(body.get("currency", "")).upper()
        if currency not in CURRENCIES:
            raise ValueError("unsupported currency")
        base = Decimal(str(body.get("amount")))
        if base <= 0:
            raise ValueError("amount must be positive")
        meta = body.get("meta_data")
        payment = SimulatedPayment(
            payment_id=f"dp_{uuid.uuid4().hex[:20]}", currency=currency, base_amount=base,
            crypto_amount=(base / CURRENCIES[currency][1]).quantize(Decimal("0.00000001")),
            address=f"sim{currency.lower()[:3]}1{uuid.uuid4().hex[:30]}",
            expires_at=datetime.now(UTC) + timedelta(minutes=30),
            meta_data=meta if isinstance(meta, dict) else {},
            webhook_url=str(body.get("webhook_url") or self.webhook_url),
        )
        self.payments[payment.payment_id] = payment
        return payment

    def pay(self, payment_id: str, usd: Decimal) -> SimulatedPayment:
        payment = self.payments[payment_id]
        payment.received_base += usd
        payment.status = "confirmed" if payment.received_base >= payment.base_amount else "underpaid"
        self._spawn(self.notify(payment))
        return payment

    def expire(self, payment_id: str) -> SimulatedPayment:
        payment = self.payments[payment_id]
        payment.status = "expired"
        self._spawn(self.notify(payment))
        return payment

    def _spawn(self, work: Any) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def notify(self, payment: SimulatedPayment, *, tries: int = 3) -> int:
        """POSTs `payment.<status>` to the webhook URL: 3 tries, 1/2/4 s apart, like DynoPay."""
        if not payment.webhook_url:
            return 0
        body = json.dumps({"event": f"payment.{payment.status}", **payment.as_json()}).encode()
        status = 0
        for attempt in range(tries):
            headers = {"Content-Type": "application/json"}
            if self.webhook_secret:
                # Signed afresh on every try, as a retry is a new request with a new timestamp.
                headers[SIGNATURE_HEADER] = dynopay_signature(body, self.webhook_secret)
            try:
                status = (await self._http.post(payment.webhook_url, content=body, headers=headers)).status_code
            except httpx.HTTPError:
                status = 0
            payment.deliveries.append(status)
            if 200 <= status < 300:
                return status
            await asyncio.sleep((2 ** attempt) * self.time_scale)
        return status


def add_dynopay_routes(app: FastAPI, simulator: DynoPaySimulator) -> None:
    api = APIRouter(prefix="/api/user")

    def authorised(request: Request) -> bool:
        key_ok = hmac.compare_digest(request.headers.get("x-api-key", "").encode(), simulator.api_key.encode())
        token = request.headers.get("authorization", "")
        token_ok = hmac.compare_digest(token.encode(), f"Bearer {simulator.wallet_token}".encode())
        return key_ok and token_ok

    def unauthorised() -> JSONResponse:
        return JSONResponse({"status": "error", "message": "Unauthorized"}, status_code=401)

    @api.post("/cryptoPayment")
    async def create_payment(request: Request) -> Response:
        if not authorised(request):
            return unauthorised()
        try:
            payment = simulator.create(await request.json())
        except (ValueError, TypeError, ArithmeticError) as error:
            return JSONResponse({"status": "error", "message": str(error)}, status_code=400)
        return JSONResponse({"status": "success", "data": {
            **payment.as_json(), "checkout_url": f"https://checkout.example.invalid/{payment.payment_id}"}})

    @api.get("/getPaymentStatus/{payment_id}")
    async def payment_status(payment_id: str, request: Request) -> Response:
        if not authorised(request):
            return unauthorised()
        simulator.status_reads.append(payment_id)
        payment = simulator.payments.get(payment_id)
        if payment is None:
            return JSONResponse({"status": "error", "message": "Payment not found"}, status_code=404)
        return JSONResponse({"status": "success", "data": payment.as_json()})

    @api.get("/getSupportedCurrency")
    async def currencies(request: Request) -> Response:
        if not authorised(request):
            return unauthorised()
        return JSONResponse({"status": "success", "data": [
            {"currency": code, "name": name} for code, (name, _) in CURRENCIES.items()]})

    control = APIRouter(prefix="/sandbox/dynopay")

    @control.post("/payments/{payment_id}/pay")
    async def pay(payment_id: str, usd: str = "") -> dict[str, Any]:
        """Pays `usd` dollars of the invoice (default: all of it); less is underpaid, more is fine."""
        payment = simulator.payments[payment_id]
        return simulator.pay(payment_id, Decimal(usd) if usd else payment.base_amount - payment.received_base).as_json()

    @control.post("/payments/{payment_id}/expire")
    async def expire(payment_id: str) -> dict[str, Any]:
        return simulator.expire(payment_id).as_json()

    @control.post("/payments/{payment_id}/resend")
    async def resend(payment_id: str) -> dict[str, Any]:
        """Sends the current status's webhook again (a replay, as a flaky network would)."""
        status = await simulator.notify(simulator.payments[payment_id], tries=1)
        return {"status": status}

    @control.get("/payments")
    async def list_payments() -> dict[str, Any]:
        return {"payments": [{**p.as_json(), "deliveries": p.deliveries} for p in simulator.payments.values()]}

    app.include_router(api)
    app.include_router(control)
