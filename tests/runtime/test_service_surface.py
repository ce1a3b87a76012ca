"""What every service exposes besides its API: gRPC health (overall, liveness, readiness), reflection
only when SPEECHCUE_GRPC_REFLECTION asks for it, /healthz, /readyz, /metrics with go-grpc-prometheus
names, and the body size limit."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import grpc
import httpx
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from services.runtime.service_main import RunningService, start_service
from services.wallet.__main__ import build
from tests.conftest import RunningServers
from tests.wallet.conftest import WalletHarness, reset_wallet_stream, wallet_settings

WALLET_SERVICE = "speechcue.wallet.v1.WalletService"


async def listed_by_reflection(port: int) -> set[str]:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        reflection = reflection_pb2_grpc.ServerReflectionStub(channel)
        responses = reflection.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")]))
        async for response in responses:
            return {service.name for service in response.list_services_response.service}
    return set()


@pytest.fixture
async def wallet_with_reflection(servers: RunningServers, wallet_database_url: str) -> AsyncIterator[RunningService]:
    await reset_wallet_stream(servers.nats_url)
    settings = wallet_settings(wallet_database_url, servers.nats_url, speechcue_grpc_reflection=True)

    running = await start_service(settings, "wallet", build)
    try:
        yield running
    finally:
        await running.stop()


async def test_grpc_health_answers_without_the_token(wallet: WalletHarness) -> None:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{wallet.running.grpc_port}") as channel:
        health = health_pb2_grpc.HealthStub(channel)
        for service in ("", "liveness", "readiness", WALLET_SERVICE):
            answer = await health.Check(health_pb2.HealthCheckRequest(service=service))
            assert answer.status == health_pb2.HealthCheckResponse.SERVING, service


async def test_reflection_is_not_served_unless_enabled(wallet: WalletHarness) -> None:
    assert wallet.settings.speechcue_grpc_reflection is False
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await listed_by_reflection(wallet.running.grpc_port)
    assert refused.value.code() == grpc.StatusCode.UNIMPLEMENTED


async def test_reflection_when_enabled_lists_the_services_without_the_token(
        wallet_with_reflection: RunningService) -> None:
    assert WALLET_SERVICE in await listed_by_reflection(wallet_with_reflection.grpc_port)


async def test_http_health_readiness_and_metrics(wallet: WalletHarness) -> None:
    customer = await wallet.open()
    await wallet.credit(customer, 100)
    base = f"http://127.0.0.1:{wallet.settings.speechcue_http_port}"
    async with httpx.AsyncClient(base_url=base) as client:
        assert (await client.get("/healthz")).json() == {"status": "ok"}
        ready = await client.get("/readyz")
        assert ready.status_code == 200 and ready.json()["checks"] == {"postgresql": True, "nats": True}
        exposition = (await client.get("/metrics")).text
    assert ('grpc_server_handled_total{grpc_code="OK",grpc_method="Credit",'
            'grpc_service="speechcue.wallet.v1.WalletService",grpc_type="unary"}') in exposition
    assert "grpc_server_handling_seconds_bucket" in exposition
    assert 'speechcue_http_requests_total{code="200",method="GET",route="/healthz"}' in exposition
    assert 'speechcue_wallet_transfers_total{kind="topup"}' in exposition
    assert customer not in exposition


async def test_oversized_body_is_refused_with_413(wallet: WalletHarness) -> None:
    base = f"http://127.0.0.1:{wallet.settings.speechcue_http_port}"
    limit = wallet.settings.speechcue_max_body_bytes
    async with httpx.AsyncClient(base_url=base) as client:
        declared = await client.post("/healthz", content=b"x" * (limit + 1))
        assert declared.status_code == 413

        async def chunks() -> object:
            for _ in range(limit // 1024 + 2):
                yield b"y" * 1024

        streamed = await client.post("/readyz", content=chunks())  # type: ignore[arg-type]
        assert streamed.status_code in (405, 413)


async def test_a_start_that_fails_leaves_no_server_listening_and_no_task_running(
        servers: RunningServers, wallet_database_url: str) -> None:
    await reset_wallet_stream(servers.nats_url)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        settings = wallet_settings(wallet_database_url, servers.nats_url,
                                   speechcue_http_port=taken.getsockname()[1])
        tasks_before = asyncio.all_tasks()
        with pytest.raises(OSError):
            await start_service(settings, "wallet", build)
    # The gRPC server bound its port before HTTP failed; the failed start shut it down again.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", settings.speechcue_grpc_port))
    # The service names its tasks (http, readiness, the outbox relay, consumers); pytest's are "Task-n".
    left = {task.get_name() for task in asyncio.all_tasks() - tasks_before if not task.done()}
    assert {name for name in left if not name.startswith("Task-")} == set()


async def test_the_http_servers_connections_send_without_waiting_for_acks(wallet: WalletHarness) -> None:
    # Without TCP_NODELAY on the accepted sockets an answer's second write waits for the client's
    # delayed ACK: 40 ms a request, which cut the calls service's webhook rate by more than half.
    server = wallet.running.http_server
    assert server is not None
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{wallet.settings.speechcue_http_port}") as client:
        assert (await client.get("/healthz")).status_code == 200
        sockets = [connection.transport.get_extra_info("socket") for connection in server.server_state.connections]
        assert sockets
        assert all(s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) for s in sockets)
