"""The transactional outbox: events are written in the same transaction as the state change, and a
relay publishes them to JetStream afterwards (DESIGN.md §4.2).

`stage_event` adds the row and asks the unit of work to wake the relay once the commit succeeds,
so events leave within milliseconds; the relay also polls, which covers other replicas' commits
and a crash between commit and wake-up. Several replicas may relay at once: rows are taken with
`FOR UPDATE SKIP LOCKED` and deleted once JetStream has acknowledged them.

Each row keeps the trace id of the work that recorded it, and the relay publishes it as the event's
`Speechcue-Trace-Id` header, so the consumer's log lines carry the producer's trace
(services/runtime/tracing.py) however long after the commit the event leaves.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from datetime import UTC, datetime

from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp
from sqlalchemy import func, select

from services.runtime import metrics
from services.runtime.background import STOP_SECONDS, end_if_cancelled, stop_task
from services.runtime.database import Database, UnitOfWork
from services.runtime.event_bus import EventBus, stream_name
from services.runtime.runtime_tables import outbox
from services.runtime.tracing import current_trace_id
from speechcue.events.v1 import envelope_pb2

log = logging.getLogger(__name__)

# Commits come in bursts: waiting this long after a wake-up turns many of them into one batch. In
# bench/wallet_debit.py 20 ms gave Debit 0.55 of raw SQL where 5 ms gave 0.50-0.53; an event leaves
# at most 20 ms later.
COALESCE_SECONDS = 0.02

# Straight to the driver, as the hot paths' statements (DESIGN.md §7): the relay runs after every
# commit that staged an event, and building these with SQLAlchemy cost more client CPU than running
# them (the IN list of ids was compiled anew for every batch size; bench/README.md, "Calls webhook").
_TAKE = "SELECT id, event_id, subject, envelope, trace_id FROM outbox ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED"
_DELETE = "DELETE FROM outbox WHERE id = ANY($1::bigint[])"


def build_envelope(
    subject: str, customer_id: str, payload: Message, *, occurred_at: datetime | None = None
) -> envelope_pb2.Envelope:
    if occurred_at is None:
        # The clock's nanoseconds as they are: FromDatetime is protobuf's calendar arithmetic in
        # Python (4.9 µs against 1.2, measured; a quarter of building an envelope), and every call's
        # settlement builds two.
        now = time.time_ns()
        occurred = Timestamp(seconds=now // 1_000_000_000, nanos=now % 1_000_000_000)
    else:
        occurred = Timestamp()
        occurred.FromDatetime(occurred_at)
    envelope = envelope_pb2.Envelope(
        event_id=str(uuid.uuid4()), type=subject, occurred_at=occurred, customer_id=customer_id
    )
    envelope.payload.Pack(payload)
    return envelope


class OutboxRelay:
    """Publishes committed outbox rows; one per process."""

    def __init__(
        self, database: Database, bus: EventBus, service: str, *, batch_size: int = 256, poll_seconds: float = 1.0
    ) -> None:
        self._database = database
        self._bus = bus
        self._stream = stream_name(service)
        self._batch_size = batch_size
        self._poll_seconds = poll_seconds
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        if self._task is not None:
            if not await stop_task(self._task, within=STOP_SECONDS):
                log.warning("outbox: the relay did not stop within %.0f s; leaving it", STOP_SECONDS)
            self._task = None
        # One last pass so that a clean shutdown leaves nothing committed behind.
        try:
            await self.publish_pending()
        except Exception:
            log.warning("outbox: final flush failed; events stay queued for the next start")

    async def _run(self) -> None:
        while True:
            end_if_cancelled()
            try:
                published = await self.publish_pending()
                if published == self._batch_size:
                    continue
            except asyncio.CancelledError:
                raise
            except Exception as error:
                metrics.outbox_publish_failures_total.labels(self._stream).inc()
                log.warning("outbox: publish failed (%s); will retry", type(error).__name__)
                await asyncio.sleep(self._poll_seconds)
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self._poll_seconds)
                await asyncio.sleep(COALESCE_SECONDS)
            except TimeoutError:
                await self._record_backlog()
            self._wake.clear()

    async def publish_pending(self) -> int:
        """Publishes one batch; returns how many events left the outbox."""
        async with self._database.unit_of_work() as uow:
            driver = await uow.driver()
            rows = await driver.fetch(_TAKE, self._batch_size)
            if not rows:
                return 0
            # Pipelined: all publishes of the batch are in flight at once, then acknowledged together.
            await self._bus.publish_all([(row["subject"], bytes(row["envelope"]), row["event_id"]) for row in rows],
                                        trace_ids=[row["trace_id"] for row in rows])
            await driver.execute(_DELETE, [row["id"] for row in rows])
            await uow.commit()
        metrics.outbox_published_total.labels(self._stream).inc(len(rows))
        return len(rows)

    async def _record_backlog(self) -> None:
        """Exports the backlog (including rows a failing publish leaves behind) for the alert."""
        try:
            async with self._database.unit_of_work() as uow:
                pending, oldest = (
                    await uow.connection.execute(select(func.count(), func.min(outbox.c.created_at)))
                ).one()
        except Exception:
            return
        metrics.outbox_pending.labels(self._stream).set(pending)
        age = (datetime.now(UTC) - oldest).total_seconds() if oldest is not None else 0.0
        metrics.outbox_oldest_age_seconds.labels(self._stream).set(max(age, 0.0))


async def stage_event(
    uow: UnitOfWork,
    relay: OutboxRelay | None,
    subject: str,
    customer_id: str,
    payload: Message,
) -> envelope_pb2.Envelope:
    """Writes the event in the caller's transaction; it is published only if that commits."""
    envelope = build_envelope(subject, customer_id, payload)
    uow.defer_insert(outbox, {"event_id": envelope.event_id, "subject": subject,
                              "envelope": envelope.SerializeToString(), "trace_id": current_trace_id()})
    if relay is not None:
        uow.after_commit(relay.wake)
    return envelope
