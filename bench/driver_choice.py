"""Which asyncio PostgreSQL driver the services use: asyncpg or psycopg 3, measured.

Runs the wallet's own transfer (services.wallet.ledger.post_transfer: balance update with its
check, transfer and entries in one statement) through SQLAlchemy's async engine with each driver,
8 concurrent workers, on a fresh embedded PostgreSQL, and prints transfers per second.
`python -m bench.driver_choice [--seconds 5]`
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import tempfile
import time
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from devstack.postgres import EmbeddedPostgres
from services.runtime.database import Database, UnitOfWork
from services.runtime.migrations import upgrade_to_head
from services.wallet.ledger import Leg, SystemAccount, post_transfer

WORKERS = 8
ACCOUNTS = 200


async def measure(url: str, seconds: float, label: str) -> float:
    engine = create_async_engine(url, pool_size=WORKERS)
    keys = itertools.count()
    done = 0
    stop_at = time.perf_counter() + seconds

    async def worker(index: int) -> None:
        nonlocal done
        while time.perf_counter() < stop_at:
            key = next(keys)
            async with UnitOfWork(engine) as uow:
                await post_transfer(uow, key=f"{label}-{key}", kind="charge", customer_id=f"b{key % ACCOUNTS}",
                                    legs=[Leg(-1), Leg(1, SystemAccount.REVENUE)], cause_type="call",
                                    cause_id="bench")
                await uow.commit()
            done += 1

    await asyncio.gather(*(worker(i) for i in range(WORKERS)))
    await engine.dispose()
    return done / seconds


async def main(seconds: float) -> None:
    folder = Path(tempfile.mkdtemp(prefix="speechcue-driver-"))
    postgres = EmbeddedPostgres(folder / "postgres")
    postgres.start()
    try:
        url = postgres.create_database("wallet")
        await asyncio.to_thread(upgrade_to_head, "wallet", url)
        database = Database(url.replace("postgresql://", "postgresql+asyncpg://"))
        async with database.unit_of_work() as uow:
            await uow.connection.execute(text(
                f"INSERT INTO accounts (customer_id, balance_cents) "
                f"SELECT 'b' || n, 100000000 FROM generate_series(0, {ACCOUNTS - 1}) AS n"))
            await uow.commit()
        await database.close()
        base = url.split("://", 1)[1]
        results: dict[str, list[float]] = {}
        for driver in ("asyncpg", "psycopg", "asyncpg", "psycopg"):
            rate = await measure(f"postgresql+{driver}://{base}", seconds, f"{driver}-{len(results)}")
            results.setdefault(driver, []).append(rate)
        for driver, rates in results.items():
            print(f"{driver:<8} {max(rates):8.0f} transfers/s (best of {len(rates)}, {WORKERS} workers)")
    finally:
        postgres.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    asyncio.run(main(parser.parse_args().seconds))
