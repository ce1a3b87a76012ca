"""The outbox and the consumer runner on real PostgreSQL and NATS: events of committed
transactions are published, those of rolled-back ones never; a consumer's effect happens once per
event however often it is delivered; failures are retried, then dead-lettered."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg
import pytest
from sqlalchemy import text

from services.runtime.consumers import ConsumerSpec, EventConsumer
from services.runtime.database import Database, UnitOfWork
from services.runtime.event_bus import EventBus
from services.runtime.outbox import OutboxRelay, build_envelope, stage_event
from speechcue.events.v1 import envelope_pb2, wallet_events_pb2
from tests.conftest import RunningServers
from tests.wallet.conftest import reset_wallet_stream


@dataclass
class EventRig:
    database: Database
    bus: EventBus
    relay: OutboxRelay
    url: str


@pytest.fixture
async def rig(servers: RunningServers, wallet_database_url: str) -> AsyncIterator[EventRig]:
    await reset_wallet_stream(servers.nats_url)
    connection = await asyncpg.connect(wallet_database_url)
    await connection.execute("CREATE TABLE effects (event_id text, amount bigint)")
    await connection.close()
    database = Database(wallet_database_url.replace("postgresql://", "postgresql+asyncpg://"))
    bus = EventBus(servers.nats_url, name="test")
    await bus.connect()
    await bus.ensure_stream("wallet")
    relay = OutboxRelay(database, bus, "wallet", poll_seconds=0.2)
    relay.start()
    yield EventRig(database, bus, relay, wallet_database_url)
    await relay.stop()
    await bus.close()
    await database.close()


async def record_effect(uow: UnitOfWork, envelope: envelope_pb2.Envelope) -> None:
    payload = wallet_events_pb2.BalanceCredited()
    envelope.payload.Unpack(payload)
    await uow.connection.execute(text("INSERT INTO effects VALUES (:id, :amount)"),
                                 {"id": envelope.event_id, "amount": payload.amount_cents})


async def effects(rig: EventRig) -> list[tuple[str, int]]:
    connection = await asyncpg.connect(rig.url)
    try:
        return [tuple(row) for row in await connection.fetch("SELECT event_id, amount FROM effects ORDER BY amount")]
    finally:
        await connection.close()


async def wait_for(condition: object, timeout: float = 15.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        if await condition():  # type: ignore[operator]
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


async def stage_credit(rig: EventRig, amount: int, *, commit: bool) -> envelope_pb2.Envelope:
    async with rig.database.unit_of_work() as uow:
        envelope = await stage_event(uow, rig.relay, "wallet.balance.credited", "cust-1",
                                     wallet_events_pb2.BalanceCredited(amount_cents=amount))
        if commit:
            await uow.commit()
    return envelope


async def test_committed_events_are_consumed_once_and_rolled_back_ones_never_published(rig: EventRig) -> None:
    consumer = EventConsumer(rig.database, rig.bus, ConsumerSpec(
        durable=f"test-{uuid.uuid4().hex[:6]}", source_service="wallet", subjects=("wallet.balance.>",),
        handler=record_effect))
    await consumer.start()
    try:
        kept = [await stage_credit(rig, amount, commit=True) for amount in (1, 2, 3)]
        await stage_credit(rig, 99, commit=False)
        # The same event delivered again (a relay that crashed before deleting its row republishes it
        # after JetStream's duplicate window; simulated here with a fresh message id).
        await rig.bus.publish("wallet.balance.credited", kept[0].SerializeToString(), message_id=str(uuid.uuid4()))
        await wait_for(lambda: _count_is(rig, 3))
        await asyncio.sleep(0.5)
        assert await effects(rig) == [(kept[0].event_id, 1), (kept[1].event_id, 2), (kept[2].event_id, 3)]
    finally:
        await consumer.stop()


async def _count_is(rig: EventRig, expected: int) -> bool:
    return len(await effects(rig)) >= expected


async def test_failing_handler_is_retried_then_succeeds_once(rig: EventRig) -> None:
    attempts: list[str] = []

    async def flaky(uow: UnitOfWork, envelope: envelope_pb2.Envelope) -> None:
        attempts.append(envelope.event_id)
        await record_effect(uow, envelope)
        if len(attempts) < 3:
            raise RuntimeError("downstream not ready")

    consumer = EventConsumer(rig.database, rig.bus, ConsumerSpec(
        durable=f"flaky-{uuid.uuid4().hex[:6]}", source_service="wallet", subjects=("wallet.balance.>",),
        handler=flaky, retry_base_seconds=0.05))
    await consumer.start()
    try:
        envelope = await stage_credit(rig, 7, commit=True)
        await wait_for(lambda: _count_is(rig, 1))
        assert attempts == [envelope.event_id] * 3
        assert await effects(rig) == [(envelope.event_id, 7)]
    finally:
        await consumer.stop()


async def test_poison_events_are_dead_lettered_and_do_not_block_the_rest(rig: EventRig) -> None:
    async def picky(uow: UnitOfWork, envelope: envelope_pb2.Envelope) -> None:
        payload = wallet_events_pb2.BalanceCredited()
        envelope.payload.Unpack(payload)
        if payload.amount_cents == 13:
            raise ValueError("cannot handle 13")
        await record_effect(uow, envelope)

    durable = f"picky-{uuid.uuid4().hex[:6]}"
    consumer = EventConsumer(rig.database, rig.bus, ConsumerSpec(
        durable=durable, source_service="wallet", subjects=("wallet.balance.>",), handler=picky,
        max_deliveries=3, retry_base_seconds=0.05))
    await consumer.start()
    try:
        poison = await stage_credit(rig, 13, commit=True)
        await rig.bus.publish("wallet.balance.credited", b"\xff\x00 not protobuf", message_id="garbage-1")
        fine = await stage_credit(rig, 14, commit=True)
        await wait_for(lambda: _count_is(rig, 1))

        async def dead_letters() -> list[asyncpg.Record]:
            connection = await asyncpg.connect(rig.url)
            try:
                return await connection.fetch(
                    "SELECT event_id, deliveries, error FROM dead_letters WHERE consumer = $1 ORDER BY id", durable)
            finally:
                await connection.close()

        await wait_for(lambda: _has_rows(dead_letters, 2))
        rows = await dead_letters()
        by_event = {row["event_id"]: row for row in rows}
        assert by_event[poison.event_id]["deliveries"] == 3
        assert "cannot handle 13" in by_event[poison.event_id]["error"]
        assert by_event[""]["deliveries"] == 1 and "not an envelope" in by_event[""]["error"]
        assert await effects(rig) == [(fine.event_id, 14)]
    finally:
        await consumer.stop()


async def _has_rows(fetch: object, count: int) -> bool:
    return len(await fetch()) >= count  # type: ignore[operator]


def test_envelope_carries_type_customer_and_payload() -> None:
    envelope = build_envelope("wallet.balance.low", "cust-9", wallet_events_pb2.BalanceLow(balance_cents=5))
    assert envelope.type == "wallet.balance.low" and envelope.customer_id == "cust-9"
    assert uuid.UUID(envelope.event_id)
    payload = wallet_events_pb2.BalanceLow()
    assert envelope.payload.Unpack(payload) and payload.balance_cents == 5
