"""The settlement's take (services/calls/settlement.py) reads the ended calls waiting to be settled,
oldest first, and not the calls still queued, ringing or ongoing: a campaign keeps thousands of
those, and a take that read them all was a fifth of PostgreSQL's time per webhook
(bench/calls_webhook.py; migration 0021)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from services.calls.settlement import _TAKE_PENDING

ENDED_AT = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


async def add_calls(connection: asyncpg.Connection, count: int, *, status: str, settlement: str,
                    ended: bool = False) -> list[str]:
    ids = [str(uuid.uuid4()) for _ in range(count)]
    await connection.executemany(
        "INSERT INTO calls (id, customer_id, flow_id, to_number, caller_id, status, request_hash, usage_kind,"
        " max_minutes, settlement, ended_at) VALUES"
        " ($1, 'customer', 'f', '+14155550123', '+14155550000', $2, '\\x00', 'call', 5, $3, $4)",
        [(call_id, status, settlement, ENDED_AT - timedelta(seconds=index) if ended else None)
         for index, call_id in enumerate(ids)])
    return ids


def rows_read(plan: dict[str, Any]) -> int:
    """Rows the plan's scans read, kept or filtered out, summed over the whole tree."""
    own = 0
    if "Scan" in plan["Node Type"]:
        own = (plan["Actual Rows"] + plan.get("Rows Removed by Filter", 0)
               + plan.get("Rows Removed by Index Recheck", 0)) * plan["Actual Loops"]
    return int(own) + sum(rows_read(child) for child in plan.get("Plans", []))


async def test_a_take_reads_the_pending_calls_it_takes_not_the_calls_still_ringing(calls_database_url: str) -> None:
    connection = await asyncpg.connect(calls_database_url)
    try:
        await add_calls(connection, 3_000, status="ringing", settlement="none")
        await add_calls(connection, 500, status="ended", settlement="settled", ended=True)
        pending = await add_calls(connection, 40, status="ended", settlement="pending", ended=True)
        await connection.execute("ANALYZE calls")
        async with connection.transaction():
            [explained] = json.loads(await connection.fetchval(f"EXPLAIN (ANALYZE, FORMAT JSON) {_TAKE_PENDING}", 10))
            taken = await connection.fetch(_TAKE_PENDING, 10)
    finally:
        await connection.close()
    # The oldest ten: the last ones added ended earliest.
    assert [row["id"] for row in taken] == pending[::-1][:10]
    assert rows_read(explained["Plan"]) <= 20, json.dumps(explained["Plan"], indent=1)
