"""Sending DynoPay webhooks to the payments service as DynoPay would: signed by the simulator's own
signer (never the service's), so these tests also check the two agree."""

from __future__ import annotations

import json
from collections.abc import Mapping

import grpc
import httpx

from services.sandbox.dynopay_signing import SIGNATURE_HEADER, dynopay_signature
from tests.payments.conftest import SECRET, PaymentsHarness


async def post_signed_webhook(harness: PaymentsHarness, body: Mapping[str, object]) -> httpx.Response:
    raw = json.dumps(body).encode()
    async with httpx.AsyncClient() as client:
        return await client.post(f"{harness.settings.speechcue_public_base_url}/webhooks/dynopay", content=raw,
                                 headers={SIGNATURE_HEADER: dynopay_signature(raw, SECRET)})


async def wait_until_credited(harness: PaymentsHarness, customer: str, cents: int) -> None:
    async def reached() -> bool:
        try:
            return (await harness.wallet.balance(customer)).available_cents >= cents
        except grpc.aio.AioRpcError as error:
            if error.code() != grpc.StatusCode.UNAVAILABLE:
                raise
            return False
    await harness.wait_for(reached)
