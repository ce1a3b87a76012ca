"""The calls process dies between Retell accepting a call and the call row learning of it; the
customer's retry of the same request places no second call and leaks no hold."""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import grpc
import httpx
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from devstack.ports import free_port
from services.calls.calling_window import inside_window
from services.calls.destinations import DEFAULT_ALLOWED_COUNTRIES
from services.calls.phone_numbers import is_e164, timezones_of
from services.runtime.grpc_client import internal_channel
from speechcue.calls.v1 import calls_pb2, calls_pb2_grpc
from speechcue.common.v1 import common_pb2
from tests.calls.conftest import RETELL_KEY, menu_flow
from tests.conftest import RunningServers
from tests.service_process import ServiceProcess
from tests.wallet.conftest import ADMIN_ID, INTERNAL_TOKEN, WalletHarness

# One of these is inside 08:00–21:00 local time at any moment, so the test runs at any hour.
NUMBERS_AROUND_THE_WORLD = ("+14155550123", "+442071838750", "+81312345678", "+61212345678", "+12125550123")


def calls_environment(database_url: str, nats_url: str, sandbox_url: str, wallet: WalletHarness, http_port: int,
                      grpc_port: int, **extra: str) -> dict[str, str]:
    """What `python -m services.calls` is started with in these tests."""
    return {
        **os.environ, "SPEECHCUE_ENV": "test", "SPEECHCUE_DATABASE_URL": database_url,
        "SPEECHCUE_NATS_URL": nats_url,
        "SPEECHCUE_ADMIN_TELEGRAM_IDS": str(ADMIN_ID), "SPEECHCUE_GRPC_PORT": str(grpc_port),
        "SPEECHCUE_HTTP_PORT": str(http_port), "SPEECHCUE_HTTP_HOST": "127.0.0.1", "RETELL_API_KEY": RETELL_KEY,
        "RETELL_BASE_URL": sandbox_url, "SPEECHCUE_PUBLIC_BASE_URL": f"http://127.0.0.1:{http_port}",
        "WALLET_GRPC_ADDR": f"127.0.0.1:{wallet.running.grpc_port}",
        # Japan and Australia too: NUMBERS_AROUND_THE_WORLD (called from the sandbox's imported number).
        "CALLS_ALLOWED_COUNTRIES": f"{DEFAULT_ALLOWED_COUNTRIES},JP,AU", **extra,
    }


async def _scalar(database_url: str, query: str, *arguments: object) -> object:
    connection = await asyncpg.connect(database_url)
    try:
        return await connection.fetchval(query, *arguments)
    finally:
        await connection.close()


def number_callable_now() -> str:
    now = datetime.now(UTC)
    return next(number for number in NUMBERS_AROUND_THE_WORLD if inside_window(now, timezones_of(number)))


async def test_retry_after_a_crash_between_retell_and_the_row_places_no_second_call(
    servers: RunningServers, calls_database_url: str, wallet: WalletHarness,
    sandbox_server: tuple[str, object], tmp_path: Path,
) -> None:
    sandbox_url, retell = sandbox_server
    http_port, grpc_port = free_port(), free_port()
    environment = calls_environment(calls_database_url, servers.nats_url, sandbox_url, wallet, http_port,
                                    grpc_port)
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
                if await _scalar(calls_database_url, "SELECT settlement = 'settled' FROM calls WHERE id = $1",
                                 placed.id):
                    break
                await asyncio.sleep(0.05)
            call = await stub.GetCall(calls_pb2.GetCallRequest(customer_id=customer, call_id=placed.id))
            balance = await wallet.balance(customer)
            assert call.status == calls_pb2.CALL_STATUS_ENDED
            assert balance.held_cents == 0 and balance.available_cents == 1000 - call.cost_cents
    finally:
        service.terminate()


def numbers_callable_now(count: int) -> list[str]:
    """`count` valid numbers in a place where it is daytime now."""
    template = number_callable_now()
    prefix, found, suffix = template[:-4], [], 0
    while len(found) < count and suffix < 10_000:
        candidate = f"{prefix}{suffix:04d}"
        if is_e164(candidate):
            found.append(candidate)
        suffix += 1
    return found


async def test_calls_process_killed_mid_campaign_dials_nobody_twice_and_forgets_nobody(
    servers: RunningServers, calls_database_url: str, wallet: WalletHarness,
    sandbox_server: tuple[str, object], tmp_path: Path,
) -> None:
    sandbox_url, retell = sandbox_server
    retell.concurrency_limit = 8  # type: ignore[attr-defined]
    http_port, grpc_port = free_port(), free_port()
    environment = calls_environment(calls_database_url, servers.nats_url, sandbox_url, wallet, http_port,
                                    grpc_port, CALLS_RETELL_CONCURRENCY_REFRESH_SECONDS="0",
                                    CALLS_DISPATCH_RESUME_SECONDS="2", CALLS_RECOVERY_GRACE_SECONDS="10")
    service = ServiceProcess("calls", environment, tmp_path / "calls.log")
    await service.start()
    customer = await wallet.open()
    await wallet.credit(customer, 100_000)
    callees = numbers_callable_now(40)
    async with httpx.AsyncClient() as client:
        for number in callees:
            await client.put(f"{sandbox_url}/sandbox/retell/scenarios/{number}",
                             json={"duration_ms": 40_000, "ring_ms": 200})
    try:
        async with internal_channel(f"127.0.0.1:{grpc_port}", INTERNAL_TOKEN) as channel:
            stub = calls_pb2_grpc.CallsServiceStub(channel)
            await stub.SyncCallerIds(calls_pb2.SyncCallerIdsRequest(idempotency_key="s", admin_telegram_id=ADMIN_ID))
            await stub.SetCustomerLimits(calls_pb2.SetCustomerLimitsRequest(
                idempotency_key="l", admin_telegram_id=ADMIN_ID, limits=calls_pb2.CustomerLimits(
                    customer_id=customer, max_concurrent_calls=50, calls_per_hour=1000, calls_per_day=1000)))
            flow = await stub.CreateFlow(calls_pb2.CreateFlowRequest(idempotency_key="f", customer_id=customer,
                                                                     spec=menu_flow()))
            created = await stub.CreateCampaign(calls_pb2.CreateCampaignRequest(
                idempotency_key="c", customer_id=customer, name="crash", flow_id=flow.id,
                list="\n".join(callees).encode(), max_minutes_per_call=1))
            await stub.StartCampaign(calls_pb2.CampaignActionRequest(idempotency_key="go", customer_id=customer,
                                                                     campaign_id=created.id))
        for _ in range(400):
            if len(retell.calls) >= 10:  # type: ignore[attr-defined]
                break
            await asyncio.sleep(0.02)
        service.kill()
        await asyncio.sleep(0.5)
        await service.start()
        async with internal_channel(f"127.0.0.1:{grpc_port}", INTERNAL_TOKEN) as channel:
            stub = calls_pb2_grpc.CallsServiceStub(channel)
            # Webhooks sent while the process was down are lost; the next ticks ask Retell about
            # those calls once they are overdue (a tick scheduled well after their longest end).
            for attempt in range(600):
                current = await stub.GetCampaign(calls_pb2.GetCampaignRequest(customer_id=customer,
                                                                              campaign_id=created.id))
                if current.status == calls_pb2.CAMPAIGN_STATUS_COMPLETED:
                    break
                if attempt % 30 == 29:
                    # Webhooks sent while the process was down are lost; as the minutely CronJob
                    # would, a tick asks Retell about calls overdue by then: one scheduled three
                    # minutes on, past the calls' longest end (1 minute + 10 s grace) but well short
                    # of when a never-placed call counts as stuck (5 minutes).
                    later = Timestamp()
                    later.FromDatetime(datetime.now(UTC) + timedelta(minutes=3))
                    await stub.RunCampaignTick(common_pb2.RunTickRequest(
                        idempotency_key=f"tick:campaigns:{attempt}", scheduled_at=later))
                await asyncio.sleep(0.1)
        state = await _scalar(calls_database_url, "SELECT string_agg(status || ':' || outcome, ' ') "
                              "FROM campaign_callees WHERE status <> 'answered'")
        assert current.status == calls_pb2.CAMPAIGN_STATUS_COMPLETED, state
        dialled = [simulated.record["to_number"] for simulated in retell.calls.values()]  # type: ignore[attr-defined]
        assert sorted(dialled) == sorted(callees)
        failures = await _scalar(calls_database_url, "SELECT string_agg(outcome, ',') FROM campaign_callees "
                                 "WHERE status <> 'answered'")
        assert current.totals.answered == 40 and current.totals.attempts == 40, failures
        assert retell.max_concurrent_seen <= 8  # type: ignore[attr-defined]
        balance = await wallet.balance(customer)
        assert balance.held_cents == 0 and balance.available_cents == 100_000 - 40 * 15
    finally:
        service.terminate()
