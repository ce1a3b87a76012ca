"""Alembic, one environment per service (`services/<name>/migrations/`), driven from code.

`upgrade_to_head` is what the local runner, the tests and the chart's migration Job call. Each
service's `env.py` is two lines that call `run_environment`.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

SERVICES_ROOT = Path(__file__).resolve().parent.parent


def alembic_config(service: str, database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(SERVICES_ROOT / service / "migrations"))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade_to_head(service: str, database_url: str) -> None:
    """Applies every pending migration. Synchronous: call it before the event loop starts, or in
    a thread (`asyncio.to_thread`) from async code."""
    command.upgrade(alembic_config(service, _async_url(database_url)), "head")


def _async_url(database_url: str) -> str:
    if database_url.startswith(("postgresql://", "postgres://")):
        return "postgresql+asyncpg://" + database_url.split("://", 1)[1]
    return database_url


def _run_on(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=None, transaction_per_migration=True)
    with context.begin_transaction():
        context.run_migrations()


async def _run_online(url: str) -> None:
    engine = create_async_engine(url, poolclass=pool.NullPool)
    async with engine.connect() as connection:
        await connection.run_sync(_run_on)
        await connection.commit()
    await engine.dispose()


def run_environment() -> None:
    """The body of every service's Alembic env.py."""
    url = context.config.get_main_option("sqlalchemy.url")
    assert url is not None
    if context.is_offline_mode():
        context.configure(url=url, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
    else:
        asyncio.run(_run_online(url))
