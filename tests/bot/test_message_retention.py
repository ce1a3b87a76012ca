"""The bot's sent messages do not live forever: the notification tick deletes those queued before the
retention, and nothing newer, a bounded number per run; a second run changes nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import asyncpg

from services.bot.message_retention import delete_expired_messages
from services.runtime.database import Database

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


async def test_messages_older_than_the_retention_are_deleted_in_bounded_runs(bot_database_url: str) -> None:
    connection = await asyncpg.connect(bot_database_url)
    database = Database(bot_database_url.replace("postgresql://", "postgresql+asyncpg://", 1), pool_size=2)
    try:
        # Five old messages (the keys a callee pressed, a report), then three within the retention.
        ages = [100, 95, 91, 91, 90.5, 89, 10, 0]
        for index, age in enumerate(ages):
            await connection.execute(
                "INSERT INTO outgoing_messages (chat_id, method, body, status, created_at) VALUES ($1, $2, $3, $4, $5)",
                7, "sendMessage", json.dumps({"chat_id": 7, "text": f"Keys pressed: 4 8 1 5 2 {index}"}),
                "sent" if index != 3 else "undelivered", NOW - timedelta(days=age))
        cutoff = NOW - timedelta(days=90)

        runs = []
        for _ in range(4):
            async with database.unit_of_work() as uow:
                runs.append(await delete_expired_messages(uow, cutoff, batch=2))
                await uow.commit()
        left = await connection.fetch("SELECT created_at FROM outgoing_messages ORDER BY id")
    finally:
        await connection.close()
        await database.close()

    assert runs == [2, 2, 1, 0]  # at most a batch per run; the fourth finds nothing to do
    assert [NOW - row["created_at"] for row in left] == [timedelta(days=age) for age in ages[5:]]
