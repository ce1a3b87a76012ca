"""What every service exposes besides its API: gRPC health (overall, liveness, readiness) and
reflection, /healthz, /readyz, /metrics with go-grpc-prometheus names, and the body size limit."""

from __future__ import annotations

import grpc
import httpx
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from tests.wallet.conftest import WalletHarness


async def test_grpc_health_and_reflection_answer_without_the_token(wallet: WalletHarness) -> None:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{wallet.running.grpc_port}") as channel:
        health = health_pb2_grpc.HealthStub(channel)
        for service in ("", "liveness", "readiness", "speechcue.wallet.v1.WalletService"):
            answer = await health.Check(health_pb2.HealthCheckRequest(service=service))
            assert answer.status == health_pb2.HealthCheckResponse.SERVING, service
        reflection = reflection_pb2_grpc.ServerReflectionStub(channel)
        responses = reflection.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")]))
        async for response in responses:
            names = {service.name for service in response.list_services_response.service}
            assert "speechcue.wallet.v1.WalletService" in names
            break


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
