"""Running one idempotent tick: the key `tick:<name>:<scheduled time>` makes a repeated run return
the first result, and a transaction-scoped advisory lock per tick name keeps two different runs
from working at the same time (the second waits, then finds nothing left to do)."""

from __future__ import annotations

import time
import zlib
from collections.abc import Awaitable, Callable
from typing import TypeVar

from google.protobuf.message import Message
from sqlalchemy import text

from services.runtime import metrics
from services.runtime.database import Database, UnitOfWork
from services.runtime.idempotency import run_idempotent

ResultT = TypeVar("ResultT", bound=Message)


def tick_lock_id(name: str) -> int:
    return zlib.crc32(f"speechcue-tick:{name}".encode())


async def run_tick(database: Database, name: str, key: str, request: Message, result_type: type[ResultT],
                   work: Callable[[UnitOfWork], Awaitable[ResultT]]) -> ResultT:
    ran = False

    async def locked_work(uow: UnitOfWork) -> ResultT:
        nonlocal ran
        await uow.connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": tick_lock_id(name)})
        ran = True
        return await work(uow)

    try:
        result = await run_idempotent(database, key, request, result_type, locked_work, scope=f"tick:{name}")
    except Exception:
        metrics.tick_runs_total.labels(name, "failed").inc()
        raise
    metrics.tick_runs_total.labels(name, "ran" if ran else "replayed").inc()
    metrics.tick_last_success_timestamp_seconds.labels(name).set(time.time())
    return result
