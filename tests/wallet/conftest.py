"""A wallet service running in the test's event loop against a fresh database, reached over
real gRPC with the internal token, plus a JetStream reader of what it published."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import grpc
import pytest

from devstack.ports import free_port
from services.runtime.callers import HARNESS, development_token
from services.runtime.grpc_client import internal_channel
from services.runtime.service_main import GrpcService, RunningService, ServiceContext, ServiceParts, start_service
from services.wallet.access import WALLET_ACCESS
from services.wallet.events import WalletEvents
from services.wallet.servicer import WalletServicer
from services.wallet.settings import WalletSettings
from speechcue.common.v1 import common_pb2
from speechcue.events.v1 import envelope_pb2
from speechcue.wallet.v1 import wallet_pb2, wallet_pb2_grpc
from tests.conftest import RunningServers
from tests.event_reader import delete_stream, read_events

# The tests call services from outside the platform as the harness, which test (and development) lets
# call every method; the services inside call each other with their own identities
# (services/runtime/callers.py), so the journeys run through the real access tables.
INTERNAL_TOKEN = development_token(HARNESS)
ADMIN_ID = 4242


@dataclass
class TestClock:
    now: datetime = field(default_factory=lambda: datetime(2026, 11, 24, 12, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class WalletHarness:
    stub: wallet_pb2_grpc.WalletServiceStub
    channel: grpc.aio.Channel
    running: RunningService
    settings: WalletSettings
    database_url: str
    nats_url: str
    clock: TestClock
    _keys: itertools.count = field(default_factory=itertools.count)

    def key(self, prefix: str = "k") -> str:
        return f"{prefix}-{next(self._keys)}-{uuid.uuid4().hex[:6]}"

    async def open(self, customer_id: str | None = None) -> str:
        customer_id = customer_id or f"cust-{uuid.uuid4().hex[:10]}"
        await self.stub.OpenAccount(wallet_pb2.OpenAccountRequest(idempotency_key=self.key("open"),
                                                                  customer_id=customer_id))
        return customer_id

    async def credit(self, customer_id: str, cents: int, *, key: str | None = None) -> wallet_pb2.TransferResult:
        return await self.stub.Credit(wallet_pb2.CreditRequest(
            idempotency_key=key or self.key("credit"), customer_id=customer_id, amount_cents=cents,
            cause=common_pb2.Cause(type=common_pb2.CAUSE_TYPE_PAYMENT, id=f"pay-{uuid.uuid4().hex[:8]}")))

    async def debit(self, customer_id: str, cents: int, *, key: str | None = None,
                    call_id: str = "call-x") -> wallet_pb2.TransferResult:
        return await self.stub.Debit(wallet_pb2.DebitRequest(
            idempotency_key=key or self.key("debit"), customer_id=customer_id, amount_cents=cents,
            cause=common_pb2.Cause(type=common_pb2.CAUSE_TYPE_CALL, id=call_id)))

    async def balance(self, customer_id: str) -> wallet_pb2.Balance:
        return await self.stub.GetBalance(wallet_pb2.GetBalanceRequest(customer_id=customer_id))

    async def ledger(self) -> wallet_pb2.LedgerReport:
        return await self.stub.CheckLedger(wallet_pb2.CheckLedgerRequest())

    async def published(self, subject: str = "wallet.>") -> list[envelope_pb2.Envelope]:
        """Every event in the WALLET stream on `subject`, once the outbox is flushed."""
        await self.running.context.relay.publish_pending()
        return await read_events(self.nats_url, "WALLET", subject)


async def reset_wallet_stream(nats_url: str) -> None:
    await delete_stream(nats_url, "WALLET")


def wallet_settings(database_url: str, nats_url: str, **overrides: object) -> WalletSettings:
    values: dict[str, object] = {
        "speechcue_env": "test",
        "speechcue_database_url": database_url,
        "speechcue_nats_url": nats_url,
        "speechcue_admin_telegram_ids": str(ADMIN_ID),
        "speechcue_grpc_port": free_port(),
        "speechcue_http_port": free_port(),
        "speechcue_http_host": "127.0.0.1",
    }
    values.update(overrides)
    return WalletSettings(**values)  # type: ignore[arg-type]


@pytest.fixture
async def wallet(servers: RunningServers, wallet_database_url: str) -> AsyncIterator[WalletHarness]:
    await reset_wallet_stream(servers.nats_url)
    settings = wallet_settings(wallet_database_url, servers.nats_url)
    clock = TestClock()

    def build(context: ServiceContext) -> ServiceParts:
        events = WalletEvents(context.relay, settings.wallet_low_balance_cents)
        servicer = WalletServicer(context.database, events, settings, clock=clock)
        return ServiceParts(grpc_services=[GrpcService(
            wallet_pb2_grpc.add_WalletServiceServicer_to_server, servicer,
            wallet_pb2.DESCRIPTOR.services_by_name["WalletService"].full_name, WALLET_ACCESS)],
            closers=[servicer.debits.close])

    running = await start_service(settings, "wallet", build)
    channel = internal_channel(f"127.0.0.1:{running.grpc_port}", INTERNAL_TOKEN)
    harness = WalletHarness(stub=wallet_pb2_grpc.WalletServiceStub(channel), channel=channel, running=running,
                            settings=settings, database_url=wallet_database_url, nats_url=servers.nats_url,
                            clock=clock)
    try:
        yield harness
    finally:
        await channel.close()
        await running.stop()
        if harness.running is not running:  # a test that stopped the wallet and started another
            await harness.running.stop()
