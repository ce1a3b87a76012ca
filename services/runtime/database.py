"""The async SQLAlchemy engine and the unit of work that owns a request's single commit.

Storage functions take a connection and never commit; the handler opens a `UnitOfWork`, does its
reads and writes (state change and outbox row together) and commits once. Inserts that nothing
reads back before the commit (outbox rows) are deferred and sent in the last statement of the
transaction, saving a round trip each. Callbacks registered with `after_commit` run only once the
commit has succeeded (the outbox relay's wake-up uses it).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any, TypeVar

import asyncpg
from asyncpg.exceptions import DeadlockDetectedError
from sqlalchemy import Table, event, text
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from services.runtime.driver_sql import deferred_insert

log = logging.getLogger(__name__)
Result = TypeVar("Result")


# SQLSTATEs of a server that cannot serve now: class 08 (connection exception), and of class 57
# (operator intervention) 57P01 admin_shutdown, 57P02 crash_shutdown and 57P03 cannot_connect_now
# (restarting); not 57014 query_canceled, which a statement timeout raises on a server that is up.
_UNAVAILABLE_SQLSTATES = ("57P01", "57P02", "57P03")


def is_database_unavailable(error: BaseException) -> bool:
    """Whether `error` says PostgreSQL cannot be reached or is restarting, rather than that the work is
    wrong: work that failed so is tried again (a gRPC caller gets UNAVAILABLE, a Telegram update is
    left for Telegram to send again), never reported to a person as a failure. The one rule the gRPC
    interceptor and the bot's update handling share.

    A stopped server shows as a refused connection (OSError), a pool that found no connection in
    time, a connection the driver invalidated, or a server-side code such as 57P01 "terminating
    connection due to administrator command" or 57P03 "the database system is starting up", which
    SQLAlchemy passes on as a plain DBAPIError."""
    if isinstance(error, OperationalError | InterfaceError | PoolTimeoutError | ConnectionError | OSError):
        return True
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    sqlstate = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
    if isinstance(sqlstate, str) and (sqlstate.startswith("08") or sqlstate in _UNAVAILABLE_SQLSTATES):
        return True
    cause = getattr(error.orig, "__cause__", None)
    return isinstance(cause, asyncpg.exceptions.PostgresConnectionError | asyncpg.exceptions.InterfaceError |
                      ConnectionError | OSError)


def create_engine(database_url: str, *, pool_size: int = 20, planned_once: bool = False) -> AsyncEngine:
    """The engine of `database_url`. `planned_once`: its connections plan each prepared statement once
    (PostgreSQL's generic plan) rather than for every execution's values (Database.fetch_atomically)."""
    server_settings = {"application_name": "speechcue"}
    if planned_once:
        server_settings["plan_cache_mode"] = "force_generic_plan"
    engine = create_async_engine(
        database_url,
        pool_size=pool_size,
        max_overflow=pool_size,
        # No pre-ping: it costs two round trips per checkout. A dead connection fails its statement,
        # is invalidated, and the caller gets UNAVAILABLE and retries with the same idempotency key.
        pool_pre_ping=False,
        pool_recycle=1800,
        # asyncpg caches prepared statements per connection; the hot paths reuse a handful.
        connect_args={"server_settings": server_settings},
    )
    event.listen(engine.sync_engine, "connect", _learn_array_types)
    return engine


# asyncpg knows text[] by heart but asks the server about every other array type the first time a
# statement on a connection uses it: an introspection query that PostgreSQL plans anew each time,
# 5 to 30 ms of its CPU under load. After a start, each pooled connection paid it on its first
# settlement batch, its first outbox insert and so on, one type set at a time (bench/calls_webhook.py:
# about 35 such queries in the first round at two replicas, 43 µs per webhook over all three). The
# array types our statements send or read, learnt at once as each connection opens:
LEARNT_ARRAY_TYPES = ("bigint[]", "boolean[]", "bytea[]", "timestamptz[]")
_LEARN_ARRAY_TYPES = "SELECT " + ", ".join(f"NULL::{name}" for name in LEARNT_ARRAY_TYPES)


def _learn_array_types(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.run_async(lambda driver: driver.prepare(_LEARN_ARRAY_TYPES))


_background: set[asyncio.Task[None]] = set()


def _spawn(work: Callable[[], Awaitable[None]]) -> None:
    async def run() -> None:
        try:
            await work()
        except Exception:
            log.exception("after-commit work failed")

    task = asyncio.get_running_loop().create_task(run())
    _background.add(task)
    task.add_done_callback(_background.discard)


class UnitOfWork:
    """One database transaction. Leaving the block without `commit()` rolls back."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._connection: AsyncConnection | None = None
        self._after_commit: list[Callable[[], None]] = []
        self._after_commit_async: list[Callable[[], Awaitable[None]]] = []
        self._on_rollback: list[Callable[[], Awaitable[None]]] = []
        self._deferred: dict[Table, list[dict[str, Any]]] = {}
        self.committed = False

    @property
    def connection(self) -> AsyncConnection:
        if self._connection is None:
            raise RuntimeError("the unit of work is not open")
        return self._connection

    async def driver(self) -> asyncpg.Connection:
        """The asyncpg connection under this unit of work, in its transaction: for the few set-based
        hot statements whose rows need none of SQLAlchemy's result handling (each layer costs client
        CPU per statement; bench/README.md)."""
        raw = await self.connection.get_raw_connection()
        adapted: Any = raw.dbapi_connection
        # SQLAlchemy's asyncpg adapter sends BEGIN lazily, with its first statement. A statement sent
        # to the driver first would run outside the transaction (and commit on its own), so the
        # adapter is asked to begin now; its commit and rollback then cover these statements too.
        if adapted._transaction is None:
            async with adapted._execute_mutex:
                if adapted._transaction is None:
                    await adapted._start_transaction()
        return raw.driver_connection  # type: ignore[return-value]

    async def __aenter__(self) -> UnitOfWork:
        self._connection = await self._engine.connect()
        await self._connection.begin()
        return self

    def after_commit(self, callback: Callable[[], None]) -> None:
        if callback not in self._after_commit:
            self._after_commit.append(callback)

    def after_commit_async(self, work: Callable[[], Awaitable[None]]) -> None:
        """Starts `work` in the background once the commit succeeded (cleanup outside the database)."""
        self._after_commit_async.append(work)

    def on_rollback(self, undo: Callable[[], Awaitable[None]]) -> None:
        """Awaits `undo` if the transaction does not commit (undoes work outside the database)."""
        self._on_rollback.append(undo)

    def defer_insert(self, table: Table, values: dict[str, Any]) -> None:
        """Inserts `values` at commit time, together with the transaction's last statement."""
        self._deferred.setdefault(table, []).append(values)

    def take_deferred_inserts(self) -> list[tuple[Table, list[dict[str, Any]]]]:
        """Hands the deferred inserts to whoever sends the transaction's last statement."""
        deferred = list(self._deferred.items())
        self._deferred.clear()
        return deferred

    async def commit(self) -> None:
        for table, rows in self.take_deferred_inserts():
            # One statement of one array per column, whatever the row count: executemany through
            # SQLAlchemy cost the settlement batches of both the calls and the wallet service about a
            # sixth of their time (bench/README.md, "Session 16").
            statement, arrays = deferred_insert(table, rows)
            await (await self.driver()).execute(statement, *arrays)
        await self.connection.commit()
        self.committed = True
        for callback in self._after_commit:
            try:
                callback()
            except Exception:
                log.exception("after-commit callback failed")
        for work in self._after_commit_async:
            _spawn(work)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            if not self.committed:
                await connection.rollback()
        finally:
            await connection.close()
        if not self.committed:
            for undo in self._on_rollback:
                try:
                    await undo()
                except Exception:
                    log.exception("rollback compensation failed")


# Connections of statements planned once (as many again under a burst): their callers are batch
# writers, a few at a time.
PLANNED_ONCE_CONNECTIONS = 4


class Database:
    """A service's database: the engine, units of work and a readiness ping."""

    def __init__(self, database_url: str, *, pool_size: int = 20) -> None:
        self.engine = create_engine(database_url, pool_size=pool_size)
        # The few connections of statements planned once (fetch_atomically), opened on first use.
        self._planned_once = create_engine(database_url, pool_size=PLANNED_ONCE_CONNECTIONS, planned_once=True)

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self.engine)

    async def fetch_atomically(self, sql: str, *arguments: Any, planned_once: bool = False) -> list[asyncpg.Record]:
        """Runs one statement as its own transaction, straight on the driver. PostgreSQL makes every
        statement atomic, so a set-based statement that is the whole of a piece of work needs no
        BEGIN and COMMIT round trips (two of the three a group-committed batch would cost).

        `planned_once`: on connections of their own that plan the statement once, not for each
        execution's values. For set-based statements over arrays, whose plan is the same for any
        array: PostgreSQL planned them anew every time because an array's length changes its
        estimates (the calls webhook's read took 195 µs to plan and 85 µs to run; bench/README.md).
        Not for a statement whose best plan hangs on a value (a partial index matched by a parameter,
        a selective filter), nor for many callers at once (the pool is small): with the bot's send
        limits here too, its sending stalled in the reliability fault tests (bench/README.md)."""
        engine = self._planned_once if planned_once else self.engine
        async with engine.connect() as connection:
            raw = await connection.get_raw_connection()
            driver: asyncpg.Connection = raw.driver_connection  # type: ignore[assignment]
            return await driver.fetch(sql, *arguments)

    async def ping(self) -> bool:
        try:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    async def close(self) -> None:
        await self.engine.dispose()
        await self._planned_once.dispose()


DEADLOCK_RETRIES = 2


async def retrying_deadlocks(work: Callable[[], Awaitable[Result]], *, doing: str) -> Result:
    """Runs `work`, one whole transaction, again when PostgreSQL broke a deadlock by aborting it:
    nothing of it committed, so repeating it is safe. The batch writers lock in a fixed order, so only
    a writer outside them (or another replica's batch meeting the same rows) can still deadlock."""
    for attempt in range(DEADLOCK_RETRIES + 1):
        try:
            return await work()
        except DeadlockDetectedError:
            if attempt == DEADLOCK_RETRIES:
                raise
            log.warning("%s deadlocked; retrying it", doing)
    raise AssertionError("unreachable")
