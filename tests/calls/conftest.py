"""The calls service with its real neighbours: a wallet, the Retell simulator, PostgreSQL and
NATS, all on loopback. The Retell simulator sends its webhooks to the calls service's HTTP port."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from devstack.ports import free_port
from services.calls.__main__ import build as build_calls
from services.calls.destinations import DEFAULT_ALLOWED_COUNTRIES
from services.calls.settings import CallsSettings
from services.runtime.grpc_client import internal_channel
from services.runtime.service_main import RunningService, start_http_server, start_service
from services.sandbox.app import create_sandbox_app
from services.sandbox.retell_simulator import RetellSimulator
from services.sandbox.settings import SandboxSettings
from speechcue.calls.v1 import calls_pb2, calls_pb2_grpc
from tests.conftest import RunningServers
from tests.event_reader import delete_stream
from tests.wallet.conftest import ADMIN_ID, INTERNAL_TOKEN, TestClock, WalletHarness, wallet  # noqa: F401

RETELL_KEY = "key_calls_test_5b1c9e"
# 12:00 in Los Angeles, 20:00 in London: inside the calling window for the test numbers.
NOON_IN_CALIFORNIA = datetime(2026, 11, 24, 20, 0, tzinfo=UTC)
CALLEE = "+14155550123"


@dataclass
class CallsHarness:
    stub: calls_pb2_grpc.CallsServiceStub
    wallet: WalletHarness
    retell: RetellSimulator
    running: RunningService
    settings: CallsSettings
    database_url: str
    clock: TestClock
    sandbox_url: str

    def key(self, prefix: str = "k") -> str:
        return f"{prefix}-{uuid.uuid4().hex[:12]}"

    async def script_callee(self, number: str, **scenario: Any) -> None:
        async with httpx.AsyncClient() as client:
            response = await client.put(f"{self.sandbox_url}/sandbox/retell/scenarios/{number}", json=scenario)
            response.raise_for_status()

    async def customer_with_money(self, cents: int) -> str:
        customer = await self.wallet.open()
        if cents:
            await self.wallet.credit(customer, cents)
        return customer

    async def flow(self, customer: str, spec: calls_pb2.FlowSpec | None = None) -> calls_pb2.Flow:
        return await self.stub.CreateFlow(calls_pb2.CreateFlowRequest(
            idempotency_key=self.key("flow"), customer_id=customer, spec=spec or menu_flow()))

    async def call(self, customer: str, flow_id: str, number: str = CALLEE, **fields: Any) -> calls_pb2.Call:
        return await self.stub.StartCall(calls_pb2.StartCallRequest(
            idempotency_key=fields.pop("idempotency_key", None) or self.key("call"), customer_id=customer,
            flow_id=flow_id, to_number=number, **fields))

    async def settled(self, customer: str, call_id: str, *, analyzed: bool = False,
                      timeout: float = 15.0) -> calls_pb2.Call:
        """Waits until the call is ended and its money settled (and analysed, if asked)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            if await self._settled_in_database(call_id):
                # Read after the settlement committed, so the cost is the settled one.
                call = await self.stub.GetCall(calls_pb2.GetCallRequest(customer_id=customer, call_id=call_id))
                done = call.status in (calls_pb2.CALL_STATUS_ENDED, calls_pb2.CALL_STATUS_FAILED)
                if done and (not analyzed or call.analysis.summary):
                    return call
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"call {call_id} did not settle in time")
            await asyncio.sleep(0.05)

    async def _settled_in_database(self, call_id: str) -> bool:
        import asyncpg

        connection = await asyncpg.connect(self.database_url)
        try:
            return bool(await connection.fetchval("SELECT settlement = 'settled' FROM calls WHERE id = $1", call_id))
        finally:
            await connection.close()


def menu_flow(business: str = "Acme Dental") -> calls_pb2.FlowSpec:
    return calls_pb2.FlowSpec(
        name="Appointment reminder", kind=calls_pb2.FLOW_KIND_GRAPH, business_name=business,
        graph=calls_pb2.FlowGraph(start_node_id="hello", nodes=[
            calls_pb2.FlowNode(id="hello", kind=calls_pb2.NODE_KIND_MESSAGE, text="You have an appointment "
                               "tomorrow at ten.", edges=[calls_pb2.FlowEdge(key="next", target_node_id="menu")]),
            # One menu choice, no transfer: what a new customer's flow may do without review
            # (services/calls/review_policy.py), so tests of calling start from an approved flow.
            calls_pb2.FlowNode(id="menu", kind=calls_pb2.NODE_KIND_MENU, text="Press 1 to keep it, 2 to cancel, "
                               "3 to be called back.", edges=[
                                   calls_pb2.FlowEdge(key="1", target_node_id="bye"),
                                   calls_pb2.FlowEdge(key="2", target_node_id="bye"),
                                   calls_pb2.FlowEdge(key="3", target_node_id="later"),
                                   calls_pb2.FlowEdge(key="timeout", target_node_id="bye")]),
            calls_pb2.FlowNode(id="later", kind=calls_pb2.NODE_KIND_MESSAGE, text="We will call you back today.",
                               edges=[calls_pb2.FlowEdge(key="next", target_node_id="bye")]),
            calls_pb2.FlowNode(id="bye", kind=calls_pb2.NODE_KIND_END, text="Thank you. Goodbye."),
        ]))


def calls_settings(database_url: str, nats_url: str, sandbox_url: str, wallet_address: str,
                   http_port: int) -> CallsSettings:
    return CallsSettings(
        speechcue_env="test", speechcue_database_url=database_url, speechcue_nats_url=nats_url,
        speechcue_admin_telegram_ids=str(ADMIN_ID),
        speechcue_grpc_port=free_port(), speechcue_http_port=http_port, speechcue_http_host="127.0.0.1",
        retell_api_key=RETELL_KEY, retell_base_url=sandbox_url,
        speechcue_public_base_url=f"http://127.0.0.1:{http_port}", wallet_grpc_addr=wallet_address,
        calls_recording_fee_cents=5, calls_retell_concurrency_refresh_seconds=0,
        # The default allow-list, and Japan and Australia: the calling-window tests call around the world
        # (from the sandbox's imported number; Retell's own numbers call the US only).
        calls_allowed_countries=f"{DEFAULT_ALLOWED_COUNTRIES},JP,AU",
        # Other tests make many flows and campaigns for one customer; test_daily_caps.py sets the caps it checks.
        calls_daily_flows_new=10_000, calls_daily_campaigns_new=10_000, calls_daily_list_imports_new=10_000,
        calls_daily_flows_trusted=10_000, calls_daily_campaigns_trusted=10_000, calls_daily_list_imports_trusted=10_000,
    )


@pytest.fixture
async def sandbox_server() -> AsyncIterator[tuple[str, RetellSimulator]]:
    settings = SandboxSettings(retell_api_key=RETELL_KEY, sandbox_time_scale=0.01, speechcue_http_port=free_port())
    app, retell = create_sandbox_app(settings)
    server, task = await start_http_server(app, "127.0.0.1", settings.speechcue_http_port)
    yield f"http://127.0.0.1:{settings.speechcue_http_port}", retell
    server.should_exit = True
    await task


@pytest.fixture
async def calls(servers: RunningServers, calls_database_url: str, wallet: WalletHarness,  # noqa: F811
                sandbox_server: tuple[str, RetellSimulator]) -> AsyncIterator[CallsHarness]:
    sandbox_url, retell = sandbox_server
    http_port = free_port()
    settings = calls_settings(calls_database_url, servers.nats_url, sandbox_url,
                              f"127.0.0.1:{wallet.running.grpc_port}", http_port)
    wallet.clock.now = NOON_IN_CALIFORNIA
    await delete_stream(servers.nats_url, "CALLS")
    running = await start_service(settings, "calls", lambda context: build_calls(context, clock=wallet.clock))
    channel = internal_channel(f"127.0.0.1:{running.grpc_port}", INTERNAL_TOKEN)
    harness = CallsHarness(stub=calls_pb2_grpc.CallsServiceStub(channel), wallet=wallet, retell=retell,
                           running=running, settings=settings, database_url=calls_database_url, clock=wallet.clock,
                           sandbox_url=sandbox_url)
    await harness.stub.SyncCallerIds(calls_pb2.SyncCallerIdsRequest(idempotency_key="sync",
                                                                    admin_telegram_id=ADMIN_ID))
    try:
        yield harness
    finally:
        await channel.close()
        await running.stop()
