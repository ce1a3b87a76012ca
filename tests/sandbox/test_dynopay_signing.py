"""The DynoPay simulator signs with its own code, and what it signs is what the payments service
accepts: the cross-check that two independent copies of the scheme agree (a mistake in either one
fails here instead of being mirrored by the other)."""

from __future__ import annotations

import asyncio
import json
import time

from fastapi import FastAPI, Request

from devstack.ports import free_port
from services.payments.dynopay_signature import signature_is_valid
from services.runtime.service_main import start_http_server
from services.sandbox.dynopay_signing import SIGNATURE_HEADER, dynopay_signature
from services.sandbox.dynopay_simulator import DynoPaySimulator

SECRET = "whsec_example_secret"
BODY = b'{"event":"payment.confirmed","payment_id":"dp_0123","status":"confirmed"}'


def test_signature_matches_a_digest_computed_by_openssl() -> None:
    # printf '%s' '1700000000.<BODY>' | openssl dgst -sha256 -hmac whsec_example_secret
    assert dynopay_signature(BODY, SECRET, 1700000000) == (
        "t=1700000000,v1=d22c15b386ac7a227ab0dace066b26f323508c2bea038952f45acf42c7ade412")


def test_the_payments_verifier_accepts_the_simulators_signature() -> None:
    now = int(time.time())
    assert signature_is_valid(BODY, dynopay_signature(BODY, SECRET, now), SECRET, now)
    assert signature_is_valid(BODY, dynopay_signature(BODY, SECRET, now - 200), SECRET, now)


def test_a_tampered_body_a_wrong_secret_or_a_stale_stamp_fails() -> None:
    now = int(time.time())
    header = dynopay_signature(BODY, SECRET, now)
    assert not signature_is_valid(BODY.replace(b"dp_0123", b"dp_0124"), header, SECRET, now)
    assert not signature_is_valid(BODY + b" ", header, SECRET, now)
    assert not signature_is_valid(BODY, header, "whsec_another_secret", now)
    assert not signature_is_valid(BODY, dynopay_signature(BODY, "whsec_another_secret", now), SECRET, now)
    assert not signature_is_valid(BODY, dynopay_signature(BODY, SECRET, now - 3600), SECRET, now)


async def test_a_webhook_the_simulator_sends_verifies_with_the_payments_verifier() -> None:
    received: list[tuple[bytes, str]] = []
    arrived = asyncio.Event()
    receiver = FastAPI()

    @receiver.post("/webhooks/dynopay")
    async def hook(request: Request) -> dict[str, str]:
        received.append((await request.body(), request.headers.get(SIGNATURE_HEADER, "")))
        arrived.set()
        return {"status": "ok"}

    port = free_port()
    server, task = await start_http_server(receiver, "127.0.0.1", port)
    simulator = DynoPaySimulator("key", "token", SECRET, webhook_url=f"http://127.0.0.1:{port}/webhooks/dynopay",
                                 time_scale=0.01)
    try:
        payment = simulator.create({"amount": "25.00", "currency": "BTC", "meta_data": {"invoice": "i-1"}})
        simulator.pay(payment.payment_id, payment.base_amount)
        await asyncio.wait_for(arrived.wait(), timeout=30)
    finally:
        await simulator.close()
        server.should_exit = True
        await task
    raw, header = received[0]
    assert json.loads(raw)["payment_id"] == payment.payment_id and json.loads(raw)["status"] == "confirmed"
    assert signature_is_valid(raw, header, SECRET, int(time.time()))
    assert not signature_is_valid(raw, header, "whsec_another_secret", int(time.time()))
    assert not signature_is_valid(raw.replace(b"confirmed", b"underpaid"), header, SECRET, int(time.time()))
