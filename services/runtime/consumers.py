"""Durable JetStream pull consumers whose side effects happen exactly once.

Each handled event id is written to `consumer_inbox` in the same transaction as the handler's own
writes, so a redelivered event changes nothing. A failing event is redelivered with growing
delays, up to `max_deliveries`; then it is written to `dead_letters`, counted, and terminated so
it no longer blocks the stream. A body that is not an envelope is dead-lettered at once.

An event is handled under the trace id its producer recorded it with (the `Speechcue-Trace-Id`
header; services/runtime/tracing.py), so the handler's log lines, its calls to other services and the
events it records in turn belong to the same trace; an event without one starts its own.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from google.protobuf.message import DecodeError
from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from sqlalchemy import insert
from sqlalchemy.dialects.postgresql import insert as pg_insert

from services.runtime import metrics
from services.runtime.background import STOP_SECONDS, end_if_cancelled, stop_task
from services.runtime.database import Database, UnitOfWork
from services.runtime.event_bus import EventBus, stream_name
from services.runtime.runtime_tables import consumer_inbox, dead_letters
from services.runtime.tracing import NATS_HEADER, traced
from speechcue.events.v1 import envelope_pb2

log = logging.getLogger(__name__)

EventHandler = Callable[[UnitOfWork, envelope_pb2.Envelope], Awaitable[None]]


def redelivery_delay(delivery: int, *, base: float = 1.0, ceiling: float = 60.0) -> float:
    """Exponential backoff: 1 s, 2 s, 4 s … capped at a minute."""
    return float(min(ceiling, base * (2 ** max(delivery - 1, 0))))


@dataclass(frozen=True)
class ConsumerSpec:
    """What a service consumes: a durable name, the producing service and subject filters."""

    durable: str
    source_service: str
    subjects: tuple[str, ...]
    handler: EventHandler
    max_deliveries: int = 8
    ack_wait_seconds: float = 30.0
    batch_size: int = 64
    retry_base_seconds: float = 1.0


class EventConsumer:
    def __init__(self, database: Database, bus: EventBus, spec: ConsumerSpec) -> None:
        self._database = database
        self._bus = bus
        self.spec = spec
        self._task: asyncio.Task[None] | None = None
        self._subscription: JetStreamContext.PullSubscription | None = None

    async def start(self) -> None:
        config = ConsumerConfig(
            durable_name=self.spec.durable,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            ack_wait=self.spec.ack_wait_seconds,
            # JetStream stops redelivering on its own one past our limit, in case we never got to term.
            max_deliver=self.spec.max_deliveries + 1,
            filter_subjects=list(self.spec.subjects),
        )
        # The producer may not have started yet; its stream is the same whoever creates it first.
        await self._bus.ensure_source_stream(self.spec.source_service)
        await self._bus.jetstream.add_consumer(stream_name(self.spec.source_service), config)
        subscription = await self._bus.jetstream.pull_subscribe_bind(
            durable=self.spec.durable, stream=stream_name(self.spec.source_service)
        )
        self._subscription = subscription
        self._task = asyncio.create_task(self._run(subscription), name=f"consumer-{self.spec.durable}")

    async def stop(self) -> None:
        if self._task is not None:
            if not await stop_task(self._task, within=STOP_SECONDS):
                log.warning("consumer %s: its task did not stop within %.0f s; leaving it", self.spec.durable,
                            STOP_SECONDS)
            self._task = None
        if self._subscription is not None:
            # A pull subscription left open makes the connection's drain wait out its whole timeout.
            try:
                await self._subscription.unsubscribe()
            except Exception as error:
                log.debug("consumer %s: unsubscribe failed (%s)", self.spec.durable, type(error).__name__)
            self._subscription = None

    async def _run(self, subscription: JetStreamContext.PullSubscription) -> None:
        while True:
            end_if_cancelled()
            try:
                messages = await subscription.fetch(self.spec.batch_size, timeout=1.0)
            except (NatsTimeoutError, TimeoutError):
                continue
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("consumer %s: fetch failed (%s)", self.spec.durable, type(error).__name__)
                await asyncio.sleep(1.0)
                continue
            for message in messages:
                await self.process(message)

    async def process(self, message: Msg) -> None:
        with traced((message.headers or {}).get(NATS_HEADER, "")):
            await self._process(message)

    async def _process(self, message: Msg) -> None:
        delivery = message.metadata.num_delivered or 1
        try:
            envelope = envelope_pb2.Envelope.FromString(message.data)
            if not envelope.event_id:
                raise DecodeError("envelope without event_id")
        except DecodeError as error:
            await self._dead_letter(message, None, delivery, f"not an envelope: {error}")
            return
        try:
            outcome = await self._handle_once(envelope)
        except Exception as error:
            if delivery >= self.spec.max_deliveries:
                await self._dead_letter(message, envelope, delivery, f"{type(error).__name__}: {error}")
                return
            log.warning(
                "consumer %s: event %s failed on delivery %d (%s); redelivering",
                self.spec.durable, envelope.type, delivery, type(error).__name__,
            )
            metrics.events_consumed_total.labels(self.spec.durable, "retried").inc()
            await message.nak(delay=redelivery_delay(delivery, base=self.spec.retry_base_seconds))
            return
        metrics.events_consumed_total.labels(self.spec.durable, outcome).inc()
        log.debug("consumer %s: event %s %s", self.spec.durable, envelope.type, outcome,
                  extra={"fields": {"event_id": envelope.event_id}})
        await message.ack()

    async def _handle_once(self, envelope: envelope_pb2.Envelope) -> str:
        async with self._database.unit_of_work() as uow:
            first_time = (
                await uow.connection.execute(
                    pg_insert(consumer_inbox)
                    .values(consumer=self.spec.durable, event_id=envelope.event_id)
                    .on_conflict_do_nothing()
                    .returning(consumer_inbox.c.event_id)
                )
            ).first()
            if first_time is None:
                return "duplicate"
            await self.spec.handler(uow, envelope)
            await uow.commit()
        return "handled"

    async def _dead_letter(
        self, message: Msg, envelope: envelope_pb2.Envelope | None, delivery: int, error: str
    ) -> None:
        log.error("consumer %s: dead-lettering %s after %d deliveries: %s",
                  self.spec.durable, message.subject, delivery, error[:500])
        async with self._database.unit_of_work() as uow:
            await uow.connection.execute(
                insert(dead_letters).values(
                    consumer=self.spec.durable,
                    subject=message.subject,
                    event_id=envelope.event_id if envelope is not None else "",
                    deliveries=delivery,
                    error=error[:2000],
                    envelope=message.data,
                )
            )
            await uow.commit()
        metrics.events_dead_lettered_total.labels(self.spec.durable).inc()
        metrics.events_consumed_total.labels(self.spec.durable, "dead_lettered").inc()
        await message.term()
