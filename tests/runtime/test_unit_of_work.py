"""The unit of work owns one transaction, including statements sent straight to the driver."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from services.runtime.database import Database


@pytest.fixture
async def database(wallet_database_url: str) -> Database:
    database = Database(wallet_database_url.replace("postgresql://", "postgresql+asyncpg://", 1), pool_size=2)
    async with database.unit_of_work() as uow:
        await uow.connection.execute(text("CREATE TABLE IF NOT EXISTS uow_probe (id int PRIMARY KEY)"))
        await uow.connection.execute(text("TRUNCATE uow_probe"))
        await uow.commit()
    yield database
    await database.close()


async def count_probes(database: Database) -> int:
    async with database.unit_of_work() as uow:
        return int((await uow.connection.execute(text("SELECT count(*) FROM uow_probe"))).scalar_one())


async def test_driver_statement_first_in_a_unit_of_work_rolls_back_with_it(database: Database) -> None:
    async with database.unit_of_work() as uow:
        driver = await uow.driver()
        await driver.execute("INSERT INTO uow_probe VALUES (1)")
        await uow.connection.execute(text("INSERT INTO uow_probe VALUES (2)"))
        # Not committed: leaving the block rolls both back.
    assert await count_probes(database) == 0


async def test_driver_statements_commit_with_the_unit_of_work(database: Database) -> None:
    async with database.unit_of_work() as uow:
        await (await uow.driver()).execute("INSERT INTO uow_probe VALUES (1)")
        await (await uow.driver()).execute("INSERT INTO uow_probe VALUES (2)")
        await uow.commit()
    assert await count_probes(database) == 2


async def test_driver_statement_after_a_failed_one_does_not_commit_alone(database: Database) -> None:
    with pytest.raises(RuntimeError):
        async with database.unit_of_work() as uow:
            await (await uow.driver()).execute("INSERT INTO uow_probe VALUES (3)")
            raise RuntimeError("the request failed after its first write")
    assert await count_probes(database) == 0
