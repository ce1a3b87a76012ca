"""Tables every service database has: idempotency keys, the event outbox, the consumer inbox and
dead letters. Each service's first migration creates them with `create_runtime_tables`.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Identity,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    func,
)

runtime_metadata = MetaData()

idempotency_keys = Table(
    "idempotency_keys",
    runtime_metadata,
    Column("key", Text, primary_key=True),
    Column("request_hash", LargeBinary, nullable=False),
    Column("response", LargeBinary, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

outbox = Table(
    "outbox",
    runtime_metadata,
    Column("id", BigInteger, Identity(always=False), primary_key=True),
    Column("event_id", Text, nullable=False, unique=True),
    Column("subject", Text, nullable=False),
    Column("envelope", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # The trace id of the work that recorded the event, published as its NATS header
    # (services/runtime/tracing.py); added to existing databases by each service's migration.
    Column("trace_id", Text, nullable=False, server_default=""),
)

consumer_inbox = Table(
    "consumer_inbox",
    runtime_metadata,
    Column("consumer", Text, primary_key=True),
    Column("event_id", Text, primary_key=True),
    Column("handled_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

dead_letters = Table(
    "dead_letters",
    runtime_metadata,
    Column("id", BigInteger, Identity(always=False), primary_key=True),
    Column("consumer", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("event_id", Text, nullable=False),
    Column("deliveries", Integer, nullable=False),
    Column("error", Text, nullable=False),
    Column("envelope", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)


def create_runtime_tables(bind: object) -> None:
    """Creates the runtime tables on an Alembic migration's connection (`op.get_bind()`)."""
    runtime_metadata.create_all(bind)  # type: ignore[arg-type]


def drop_runtime_tables(bind: object) -> None:
    runtime_metadata.drop_all(bind)  # type: ignore[arg-type]
