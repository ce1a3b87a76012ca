"""The payments service with a real wallet, the DynoPay simulator, PostgreSQL and NATS."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
import pytest

from devstack.ports import free_port
from services.payments.__main__ import build as build_payments
from services.payments.settings import PaymentsSettings
from services.runtime.grpc_client import internal_channel
from services.runtime.service_main import RunningService, start_http_server, start_service
from services.sandbox.app import create_sandbox
from services.sandbox.dynopay_simulator import DynoPaySimulator
from services.sandbox.settings import SandboxSettings
from speechcue.payments.v1 import payments_pb2, payments_pb2_grpc
from tests.conftest import RunningServers
from tests.event_reader import delete_stream
from tests.wallet.conftest import INTERNAL_TOKEN, WalletHarness, wallet  # noqa: F401

SECRET = "whsec_test_1f2e3d"


@dataclass
class PaymentsHarness:
    stub: payments_pb2_grpc.PaymentsServiceStub
    wallet: WalletHarness
    dynopay: DynoPaySimulator
    running: RunningService
    settings: PaymentsSettings
    database_url: str
    sandbox_url: str

    async def top_up(self, customer: str, cents: int, *, key: str = "", plan_code: str = "") -> payments_pb2.Invoice:
        return await self.stub.CreateTopUp(payments_pb2.CreateTopUpRequest(
            idempotency_key=key or f"topup-{customer}-{cents}-{plan_code}", customer_id=customer, coin="BTC",
            usd_cents=cents, plan_code=plan_code))

    async def pay(self, invoice: payments_pb2.Invoice, usd: str = "") -> None:
        payment_id = await self.payment_id(invoice.id)
        async with httpx.AsyncClient() as client:
            response = await client.post(f"{self.sandbox_url}/sandbox/dynopay/payments/{payment_id}/pay",
                                         params={"usd": usd} if usd else None)
            response.raise_for_status()

    async def payment_id(self, invoice_id: str) -> str:
        return str(await self.scalar("SELECT provider_payment_id FROM invoices WHERE id = $1", invoice_id))

    async def scalar(self, query: str, *arguments: Any) -> Any:
        connection = await asyncpg.connect(self.database_url)
        try:
            return await connection.fetchval(query, *arguments)
        finally:
            await connection.close()

    async def wait_for(self, condition: Any, timeout: float = 15.0) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        while not await condition():
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError("condition not met in time")
            await asyncio.sleep(0.05)


@pytest.fixture
async def payments(servers: RunningServers, payments_database_url: str,
                   wallet: WalletHarness) -> AsyncIterator[PaymentsHarness]:  # noqa: F811
    await delete_stream(servers.nats_url, "PAYMENTS")
    http_port = free_port()
    sandbox_settings = SandboxSettings(sandbox_time_scale=0.01, speechcue_http_port=free_port(),
                                       dynopay_webhook_secret=SECRET,
                                       sandbox_dynopay_webhook_url=f"http://127.0.0.1:{http_port}/webhooks/dynopay")
    app, _, dynopay = create_sandbox(sandbox_settings)
    sandbox_server, sandbox_task = await start_http_server(app, "127.0.0.1", sandbox_settings.speechcue_http_port)
    sandbox_url = f"http://127.0.0.1:{sandbox_settings.speechcue_http_port}"
    settings = PaymentsSettings(
        speechcue_env="test", speechcue_database_url=payments_database_url, speechcue_nats_url=servers.nats_url,
        speechcue_grpc_port=free_port(), speechcue_http_port=http_port,
        speechcue_http_host="127.0.0.1", dynopay_api_key=sandbox_settings.dynopay_api_key,
        dynopay_wallet_token=sandbox_settings.dynopay_wallet_token, dynopay_webhook_secret=SECRET,
        dynopay_base_url=sandbox_url, speechcue_public_base_url=f"http://127.0.0.1:{http_port}",
        wallet_grpc_addr=f"127.0.0.1:{wallet.running.grpc_port}",
    )
    running = await start_service(settings, "payments", lambda context: build_payments(context))
    channel = internal_channel(f"127.0.0.1:{running.grpc_port}", INTERNAL_TOKEN)
    try:
        yield PaymentsHarness(payments_pb2_grpc.PaymentsServiceStub(channel), wallet, dynopay, running, settings,
                              payments_database_url, sandbox_url)
    finally:
        await channel.close()
        await running.stop()
        sandbox_server.should_exit = True
        await sandbox_task
