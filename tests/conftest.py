"""Real PostgreSQL and NATS for the whole test session (DESIGN.md §6).

Started once from the embedded wheels, or taken from SPEECHCUE_TEST_DATABASE_URL and
SPEECHCUE_TEST_NATS_URL when a machine already runs them. Each test that needs a database gets a
fresh one, copied from a migrated template (a copy takes milliseconds; migrating takes seconds).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from devstack.nats import EmbeddedNats
from devstack.postgres import EmbeddedPostgres
from services.runtime.migrations import upgrade_to_head

SERVICES_WITH_DATABASES = ("wallet", "calls", "payments", "bot")

# Property tests without Hypothesis's time limits (200 ms an example, and its health check on slow
# data generation): a test never depends on how loaded the machine is, and two workers beside a second
# suite on two cores can stretch one example past any limit. A tight property is one that is checked,
# not one that is fast; the speed of the code under test lives in bench/.
hypothesis_settings.register_profile("speechcue", deadline=None, suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile("speechcue")


@dataclass
class RunningServers:
    postgres_url: str  # the maintenance database, for CREATE DATABASE
    nats_url: str
    postgres: EmbeddedPostgres | None

    def database_url(self, name: str) -> str:
        return self.postgres_url.rsplit("/", 1)[0] + f"/{name}"


async def _admin_execute(admin_url: str, statement: str) -> None:
    connection = await asyncpg.connect(admin_url)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def servers() -> Iterator[RunningServers]:
    database_url = os.environ.get("SPEECHCUE_TEST_DATABASE_URL")
    nats_url = os.environ.get("SPEECHCUE_TEST_NATS_URL")
    folder = Path(tempfile.mkdtemp(prefix="speechcue-tests-"))
    postgres = nats = None
    if database_url is None:
        postgres = EmbeddedPostgres(folder / "postgres", durable=False)
        database_url = postgres.start()
    if nats_url is None:
        nats = EmbeddedNats(folder / "nats")
        nats_url = nats.start()
    running = RunningServers(postgres_url=database_url, nats_url=nats_url, postgres=postgres)
    try:
        yield running
    finally:
        if nats is not None:
            nats.stop()
        if postgres is not None:
            postgres.stop()
        # The data (about 100 MB a session) goes; the servers' logs stay for a failed run to be read
        # (.ci/run prints their ends when the tests fail).
        for data in (folder / "postgres", folder / "nats"):
            shutil.rmtree(data, ignore_errors=True)


@pytest.fixture(scope="session")
async def templates(servers: RunningServers) -> dict[str, str]:
    """One migrated template database per service, made once per session."""
    import asyncio

    names = {}
    suffix = uuid.uuid4().hex[:8]
    for service in SERVICES_WITH_DATABASES:
        name = f"template_{service}_{suffix}"
        await _admin_execute(servers.postgres_url, f'CREATE DATABASE "{name}"')
        await asyncio.to_thread(upgrade_to_head, service, servers.database_url(name))
        names[service] = name
    return names


async def _fresh_database(servers: RunningServers, template: str, service: str) -> str:
    name = f"{service}_{uuid.uuid4().hex[:12]}"
    await _admin_execute(servers.postgres_url, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return name


@pytest.fixture
async def wallet_database_url(servers: RunningServers, templates: dict[str, str]) -> AsyncIterator[str]:
    name = await _fresh_database(servers, templates["wallet"], "wallet")
    yield servers.database_url(name)
    await _admin_execute(servers.postgres_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def calls_database_url(servers: RunningServers, templates: dict[str, str]) -> AsyncIterator[str]:
    name = await _fresh_database(servers, templates["calls"], "calls")
    yield servers.database_url(name)
    await _admin_execute(servers.postgres_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def payments_database_url(servers: RunningServers, templates: dict[str, str]) -> AsyncIterator[str]:
    name = await _fresh_database(servers, templates["payments"], "payments")
    yield servers.database_url(name)
    await _admin_execute(servers.postgres_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def bot_database_url(servers: RunningServers, templates: dict[str, str]) -> AsyncIterator[str]:
    name = await _fresh_database(servers, templates["bot"], "bot")
    yield servers.database_url(name)
    await _admin_execute(servers.postgres_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
