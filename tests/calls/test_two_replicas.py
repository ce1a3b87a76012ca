"""Two calls replicas on one database dispatch one campaign together and never hold more of Retell's
lines than the platform may (Retell's limit less the reserve): both dispatchers read the lines in use
from the shared database, and one pass at a time claims the free ones (services/calls/dispatcher.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from devstack.ports import free_port
from services.calls.__main__ import build as build_calls
from services.calls.dispatcher import Dispatcher
from services.calls.retell_client import RetellConcurrency
from services.calls.servicer import CallsServicer
from services.runtime.service_main import RunningService, start_service
from speechcue.calls.v1 import calls_pb2
from tests.calls.conftest import CallsHarness, calls_settings
from tests.calls.test_campaign_dial_stops import action, eventually, new_campaign, unlimited
from tests.conftest import RunningServers


@pytest.fixture
async def second_replica(servers: RunningServers, calls: CallsHarness) -> AsyncIterator[RunningService]:
    """A second calls process's worth of service on the first one's database, Retell and wallet."""
    settings = calls_settings(calls.database_url, servers.nats_url, calls.sandbox_url,
                              calls.settings.wallet_grpc_addr, free_port())
    running = await start_service(settings, "calls", lambda context: build_calls(context, clock=calls.clock))
    try:
        yield running
    finally:
        await running.stop()


def slowly(ask: Callable[[], Awaitable[RetellConcurrency]]) -> Callable[[], Awaitable[RetellConcurrency]]:
    async def after_a_round_trip() -> RetellConcurrency:
        await asyncio.sleep(0.2)
        return await ask()

    return after_a_round_trip


def woken(*dispatchers: Dispatcher) -> bool:
    for dispatcher in dispatchers:
        dispatcher.wake()
    return True


def dispatcher_of(running: RunningService) -> Dispatcher:
    return next(part.servicer for part in running.parts.grpc_services
                if isinstance(part.servicer, CallsServicer)).dispatcher


async def test_two_replicas_dispatching_one_campaign_never_exceed_retells_lines(
        calls: CallsHarness, second_replica: RunningService, monkeypatch: pytest.MonkeyPatch) -> None:
    calls.retell.concurrency_limit = 6  # four for the platform after its reserve of two
    customer = await calls.customer_with_money(50_000)
    await unlimited(calls, customer)
    flow = await calls.flow(customer)
    callees = [f"+1415555{number:04d}" for number in range(300, 324)]
    for number in callees:
        await calls.script_callee(number, duration_ms=60_000, ring_ms=1_000)  # 0.6 s at the simulator's pace
    created = await new_campaign(calls, customer, flow.id, callees)
    await calls.stub.StartCampaign(action(customer, created.id, "start"))
    # Both dispatchers look for room at once whenever the campaign moves, as two pods' do, and
    # Retell's get-concurrency takes a round trip (as from a data centre), which both passes wait for
    # after counting the lines in use: the moment two replicas could both take the same free line.
    first, second = dispatcher_of(calls.running), dispatcher_of(second_replica)
    assert first is not second
    for dispatcher in (first, second):
        monkeypatch.setattr(dispatcher.retell, "concurrency", slowly(dispatcher.retell.concurrency))
    await eventually(calls, "SELECT status FROM campaigns WHERE id = $1", created.id,
                     until=lambda rows: woken(first, second) and (rows[0]["status"] == "completed"
                                                                  or calls.retell.max_concurrent_seen > 4),
                     timeout=120)

    assert 1 < calls.retell.max_concurrent_seen <= 4, calls.retell.max_concurrent_seen
    assert calls.retell.create_requests == len(callees)  # never a call Retell had to refuse
    report = await calls.stub.GetCampaign(calls_pb2.GetCampaignRequest(customer_id=customer, campaign_id=created.id))
    assert (report.totals.answered, report.totals.failed) == (len(callees), 0)
