"""The webhook's batch statements are planned once per connection, not once per batch: PostgreSQL
planned the read of ended calls anew for each batch, since an array's length changes its estimates,
and the planning cost twice the running (195 µs against 85; bench/README.md)."""

from __future__ import annotations

from services.calls.ended_calls import _READ_CALLS
from services.runtime.database import Database

_PLANS = "SELECT custom_plans, generic_plans FROM pg_prepared_statements WHERE statement = $1"


def batch_of(size: int) -> list[str]:
    return [f"call_{number}" for number in range(size)]


async def test_a_batch_statement_is_planned_once_whatever_the_batch_size(calls_database_url: str) -> None:
    database = Database(calls_database_url.replace("postgresql://", "postgresql+asyncpg://", 1), pool_size=1)
    try:
        for size in range(1, 10):
            await database.fetch_atomically(_READ_CALLS, batch_of(size), batch_of(size), planned_once=True)
        [plans] = await database.fetch_atomically(_PLANS, _READ_CALLS, planned_once=True)
        assert (plans["custom_plans"], plans["generic_plans"]) == (0, 9)

        # Other statements keep plans made for their values (a partial index is matched by a value):
        # there, the same read is planned for each of its first executions at least.
        for size in range(1, 10):
            await database.fetch_atomically(_READ_CALLS, batch_of(size), batch_of(size))
        [plans] = await database.fetch_atomically(_PLANS, _READ_CALLS)
        assert plans["custom_plans"] >= 5
    finally:
        await database.close()
