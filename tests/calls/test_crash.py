"""The calls process dies between Retell accepting a call and the call row learning of it; the
customer's retry of the same request places no second call and leaks no hold."""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime
from pathlib import Path

import grpc
import httpx
import pytest

from devstack.ports import free_port
from services.calls.calling_window import inside_window
from services.calls.phone_numbers import timezones_of
from services.runtime.grpc_client import internal_channel
from speechcue.calls.v1 import calls_pb2, calls_pb2_grpc
from tests.calls.conftest import RETELL_KEY, menu_flow
from tests.conftest import RunningServers
from tests.service_process import ServiceProcess
from tests.wallet.conftest import ADMIN_ID, INTERNAL_TOKEN, WalletHarness

# One of these is inside 08:00–21:00 local time at any moment, so the test runs at any hour.
NUMBERS_AROUND_THE_WORLD = ("+14155550123", "+442071838750", "+81312345678", "+61212345678", "+12125550123")


def number_callable_now() -> str:
    now = datetime.now(UTC)
    return next(number for number in NUMBERS_AROUND_THE_WORLD if inside_window(now, timezones_of(number)))


async def test_retry_after_a_crash_between_retell_and_the_row_places_no_second_call(
    servers: RunningServers, calls_database_url: str, wallet: WalletHarness,
    sandbox_server: tuple[str, object], tmp_path: Path,
) -> None:
    sandbox_url, retell = sandbox_server
    http_port, grpc_port = free_port(), free_port()
    environment = {
        **os.environ, "SPEECHCUE_ENV": "test", "SPEECHCUE_DATABASE_URL": calls_database_url,
        "SPEECHCUE_NATS_URL": servers.nats_url, "SPEECHCUE_INTERNAL_TOKEN": INTERNAL_TOKEN,
        "SPEECHCUE_ADMIN_TELEGRAM_IDS": str(ADMIN_ID), "SPEECHCUE_GRPC_PORT": str(grpc_port),
        "SPEECHCUE_HTTP_PORT": str(http_port), "SPEECHCUE_HTTP_HOST": "127.0.0.1", "RETELL_API_KEY": RETELL_KEY,
        "RETELL_BASE_URL": sandbox_url, "SPEECHCUE_PUBLIC_BASE_URL": f"http://127.0.0.1:{http_port}",
        "WALLET_GRPC_ADDR": f"127.0.0.1:{wallet.running.grpc_port}",
    }
    service = ServiceProcess("calls", environment, tmp_path / "calls.log")
    await service.start(SPEECHCUE_FAILPOINTS="calls.after_retell_create")
    customer = await wallet.open()
    await wallet.credit(customer, 1000)
    number = number_callable_now()
    async with httpx.AsyncClient() as client:
        await client.put(f"{sandbox_url}/sandbox/retell/scenarios/{number}", json={"manual": True})
    request = calls_pb2.StartCallRequest(idempotency_key="tg:4242", customer_id=customer, to_number=number)
    try:
        async with internal_channel(f"127.0.0.1:{grpc_port}", INTERNAL_TOKEN) as channel:
            stub = calls_pb2_grpc.CallsServiceStub(channel)
            await stub.SyncCallerIds(calls_pb2.SyncCallerIdsRequest(idempotency_key="s", admin_telegram_id=ADMIN_ID))
            flow = await stub.CreateFlow(calls_pb2.CreateFlowRequest(idempotency_key="f", customer_id=customer,
                                                                     spec=menu_flow()))
            request.flow_id = flow.id
            with pytest.raises(grpc.aio.AioRpcError) as caught:
                await stub.StartCall(request, timeout=20)
            assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
        assert service.process is not None and service.process.wait(10) == -9
        assert len(retell.calls) == 1  # type: ignore[attr-defined]
        held = await wallet.balance(customer)
        assert held.held_cents > 0

        await service.start()
        async with internal_channel(f"127.0.0.1:{grpc_port}", INTERNAL_TOKEN) as channel:
            stub = calls_pb2_grpc.CallsServiceStub(channel)
            placed = await stub.StartCall(request, timeout=20)
            again = await stub.StartCall(request, timeout=20)
            assert placed.status == calls_pb2.CALL_STATUS_RINGING and again.id == placed.id
            assert len(retell.calls) == 1  # type: ignore[attr-defined]
            assert placed.retell_call_id in retell.calls  # type: ignore[attr-defined]
            assert (await wallet.balance(customer)).held_cents == held.held_cents  # one hold, not two
            retell.hang_up(placed.retell_call_id)  # type: ignore[attr-defined]
            for _ in range(200):
                call = await stub.GetCall(calls_pb2.GetCallRequest(customer_id=customer, call_id=placed.id))
                balance = await wallet.balance(customer)
                if call.status == calls_pb2.CALL_STATUS_ENDED and balance.held_cents == 0:
                    break
                await asyncio.sleep(0.05)
            assert balance.held_cents == 0 and balance.available_cents == 1000 - call.cost_cents
    finally:
        service.terminate()
