"""The unit of work owns one transaction, including statements sent straight to the driver."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import BigInteger, Column, DateTime, Identity, LargeBinary, MetaData, Table, Text, text

from services.runtime.database import LEARNT_ARRAY_TYPES, Database, create_engine
from services.runtime.driver_sql import unnest_insert


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


deferred_probe = Table(
    "uow_deferred_probe", MetaData(),
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("label", Text, nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("at", DateTime(timezone=True), nullable=True),
    Column("note", Text, nullable=False, server_default="none"),
)
with_python_default = Table("uow_python_default", MetaData(), Column("label", Text, default="x"),
                            Column("other", Text))


@pytest.fixture
async def deferred_table(database: Database) -> Table:
    async with database.unit_of_work() as uow:
        await uow.connection.run_sync(lambda sync: deferred_probe.metadata.create_all(sync))
        await uow.connection.execute(text("TRUNCATE uow_deferred_probe"))
        await uow.commit()
    return deferred_probe


async def probe_rows(database: Database) -> list[tuple[str, bytes, datetime | None, str]]:
    async with database.unit_of_work() as uow:
        rows = await uow.connection.execute(text("SELECT label, body, at, note FROM uow_deferred_probe ORDER BY id"))
        return [(row.label, bytes(row.body), row.at, row.note) for row in rows]


@pytest.mark.parametrize("count", [1, 2, 57])
async def test_deferred_inserts_land_with_the_commit_row_for_row(database: Database, deferred_table: Table,
                                                                 count: int) -> None:
    at = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)
    sent = [(f"row {n}", bytes([n % 256, 0, 255]), at if n % 2 else None) for n in range(count)]
    async with database.unit_of_work() as uow:
        for label, body, when in sent:
            uow.defer_insert(deferred_table, {"label": label, "body": body, "at": when})
        assert await probe_rows(database) == []  # nothing is written before the commit
        await uow.commit()
    assert await probe_rows(database) == [(label, body, when, "none") for label, body, when in sent]


async def test_deferred_inserts_of_a_unit_of_work_that_does_not_commit_are_dropped(
        database: Database, deferred_table: Table) -> None:
    async with database.unit_of_work() as uow:
        uow.defer_insert(deferred_table, {"label": "never", "body": b"", "at": None})
    assert await probe_rows(database) == []


async def test_deferred_inserts_naming_different_columns_are_refused_and_nothing_lands(
        database: Database, deferred_table: Table) -> None:
    with pytest.raises(ValueError, match="different columns"):
        async with database.unit_of_work() as uow:
            uow.defer_insert(deferred_table, {"label": "a", "body": b"1", "at": None})
            uow.defer_insert(deferred_table, {"label": "b", "body": b"2"})
            await uow.commit()
    assert await probe_rows(database) == []


def test_a_deferred_insert_leaving_out_a_python_side_default_is_refused() -> None:
    with pytest.raises(ValueError, match="label"):
        unnest_insert(with_python_default, ("other",))
    assert "unnest($2::TEXT[], $3::TEXT[])" in unnest_insert(with_python_default, ("label", "other"), 2)


@pytest.mark.parametrize("planned_once", [False, True])
async def test_array_types_are_learnt_as_a_connection_opens_not_by_the_first_statement_sending_them(
        wallet_database_url: str, planned_once: bool) -> None:
    engine = create_engine(wallet_database_url.replace("postgresql://", "postgresql+asyncpg://", 1), pool_size=1,
                           planned_once=planned_once)
    statement = "SELECT " + ", ".join(f"${number}::{name}" for number, name in enumerate(LEARNT_ARRAY_TYPES, 1))
    sent = ([1, 2], [True], [b"\x00\xff"], [datetime(2026, 12, 4, tzinfo=UTC)])
    asked: list[str] = []
    try:
        async with engine.connect() as connection:
            driver = (await connection.get_raw_connection()).driver_connection
            driver.add_query_logger(lambda logged: asked.append(logged.query))
            row = await driver.fetchrow(statement, *sent)
    finally:
        await engine.dispose()
    assert tuple(row) == sent
    assert asked == [statement]  # no introspection query of asyncpg's before it
