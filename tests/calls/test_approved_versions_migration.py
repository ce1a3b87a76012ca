"""Migration 0005 on a database made before it: a flow approved then has its current Retell objects
as its approved version, a flow waiting or rejected then has none, and calls still queued or live
name the agent they were placed with (so the recovery tick never deletes it under them)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import asyncpg
from alembic import command

from services.runtime.migrations import alembic_config

BEFORE = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
FLOW_COLUMNS = ("approved_version", "approved_spec", "approved_retell_agent_id", "approved_retell_flow_id",
                "approved_retell_llm_id", "approved_at")


async def as_before_0005(connection: asyncpg.Connection) -> None:
    """The schema as revision 0004 left it (revision 0001 builds today's tables, so this takes 0005's away)."""
    await connection.execute("DROP TABLE retired_retell_objects")
    await connection.execute("DROP INDEX IF EXISTS calls_live_agents")
    await connection.execute("DROP INDEX IF EXISTS flows_waiting_for_review")
    for column in FLOW_COLUMNS:
        await connection.execute(f"ALTER TABLE flows DROP COLUMN {column}")
    await connection.execute("ALTER TABLE calls DROP COLUMN retell_agent_id")
    await connection.execute("UPDATE alembic_version SET version_num = '0004'")


async def add_flow(connection: asyncpg.Connection, flow_id: str, status: str, agent: str) -> None:
    await connection.execute(
        "INSERT INTO flows (id, customer_id, name, spec, status, retell_agent_id, retell_flow_id, version, "
        "created_at, updated_at) VALUES ($1, 'c1', $1, $2, $3, $4, $5, 3, $6, $6)",
        flow_id, f"spec of {flow_id}".encode(), status, agent, f"conversation_flow_of_{agent}", BEFORE)


async def add_call(connection: asyncpg.Connection, call_id: str, flow_id: str, status: str) -> None:
    await connection.execute(
        "INSERT INTO calls (id, customer_id, flow_id, to_number, caller_id, status, request_hash, usage_kind, "
        "max_minutes) VALUES ($1, 'c1', $2, '+14155550123', '+14155550100', $3, '\\x00', 'single', 5)",
        call_id, flow_id, status)


async def test_an_approved_flow_becomes_its_own_approved_version_and_live_calls_name_its_agent(
        calls_database_url: str) -> None:
    connection = await asyncpg.connect(calls_database_url)
    try:
        await as_before_0005(connection)
        await add_flow(connection, "approved", "approved", "agent_approved")
        await add_flow(connection, "waiting", "pending_review", "agent_waiting")
        await add_flow(connection, "rejected", "rejected", "agent_rejected")
        await add_call(connection, "queued", "approved", "queued")
        await add_call(connection, "ringing", "approved", "ringing")
        await add_call(connection, "ended", "approved", "ended")
        url = "postgresql+asyncpg://" + calls_database_url.split("://", 1)[1]
        await asyncio.to_thread(command.upgrade, alembic_config("calls", url), "0005")

        flows = {row["id"]: row for row in await connection.fetch("SELECT * FROM flows")}
        approved = flows["approved"]
        assert (approved["approved_version"], approved["approved_retell_agent_id"], approved["approved_spec"],
                approved["approved_retell_flow_id"], approved["approved_at"]) == (
            3, "agent_approved", b"spec of approved", "conversation_flow_of_agent_approved", BEFORE)
        for never in ("waiting", "rejected"):
            assert (flows[never]["approved_version"], flows[never]["approved_retell_agent_id"]) == (0, None)
        agents = dict(await connection.fetch("SELECT id, retell_agent_id FROM calls"))
        assert agents == {"queued": "agent_approved", "ringing": "agent_approved", "ended": None}
        assert await connection.fetchval("SELECT count(*) FROM retired_retell_objects") == 0
        assert await connection.fetchval("SELECT version_num FROM alembic_version") == "0005"
    finally:
        await connection.close()
