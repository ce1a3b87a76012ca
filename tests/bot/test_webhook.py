"""The Telegram webhook's door: the secret header, the shape of an update, its size, and each
update_id taking effect once."""

from __future__ import annotations

import asyncio

import asyncpg
import httpx

from tests.bot.conftest import TELEGRAM_SECRET, BotHarness


def webhook_url(bot: BotHarness) -> str:
    return f"http://127.0.0.1:{bot.settings.speechcue_http_port}/telegram/webhook"


def start_update(update_id: int, user_id: int) -> dict[str, object]:
    return {"update_id": update_id, "message": {
        "message_id": 1, "date": 1_795_000_000, "text": "/start",
        "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        "from": {"id": user_id, "is_bot": False, "first_name": "Eve", "language_code": "en"},
        "chat": {"id": user_id, "type": "private", "first_name": "Eve"}}}


async def queued_and_handled(bot: BotHarness) -> tuple[int, int]:
    connection = await asyncpg.connect(bot.database_url)
    try:
        return (int(await connection.fetchval("SELECT count(*) FROM outgoing_messages")),
                int(await connection.fetchval("SELECT count(*) FROM handled_updates")))
    finally:
        await connection.close()


async def test_wrong_or_missing_secret_is_refused_and_changes_nothing(bot: BotHarness) -> None:
    before = await queued_and_handled(bot)
    async with httpx.AsyncClient() as client:
        wrong = await client.post(webhook_url(bot), json=start_update(1, 99),
                                  headers={"X-Telegram-Bot-Api-Secret-Token": "guess"})
        missing = await client.post(webhook_url(bot), json=start_update(2, 99))
    assert (wrong.status_code, missing.status_code) == (403, 403)
    assert await queued_and_handled(bot) == before


async def test_malformed_and_oversized_updates_are_refused_and_change_nothing(bot: BotHarness) -> None:
    before = await queued_and_handled(bot)
    headers = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET, "content-type": "application/json"}
    async with httpx.AsyncClient() as client:
        not_json = await client.post(webhook_url(bot), content=b"{not json", headers=headers)
        no_id = await client.post(webhook_url(bot), json={"message": {}}, headers=headers)
        negative = await client.post(webhook_url(bot), json={"update_id": -5}, headers=headers)
        huge = await client.post(webhook_url(bot), content=b"{" + b" " * (2 * 1024 * 1024) + b"}", headers=headers)
    assert [not_json.status_code, no_id.status_code, negative.status_code] == [400, 400, 400]
    assert huge.status_code == 413
    assert await queued_and_handled(bot) == before


async def test_a_redelivered_update_takes_effect_once(bot: BotHarness) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
    update = start_update(424_242, 8_800_001)
    async with httpx.AsyncClient() as client:
        answers = await asyncio.gather(*(client.post(webhook_url(bot), json=update, headers=headers)
                                         for _ in range(5)))
    outcomes = sorted(answer.json()["status"] for answer in answers)
    assert all(answer.status_code == 200 for answer in answers)
    assert outcomes.count("handled") == 1 and outcomes.count("duplicate") == 4
    connection = await asyncpg.connect(bot.database_url)
    try:
        welcomes = await connection.fetchval("SELECT count(*) FROM outgoing_messages WHERE chat_id = $1", 8_800_001)
        users = await connection.fetchval("SELECT count(*) FROM telegram_users WHERE telegram_user_id = $1",
                                          8_800_001)
    finally:
        await connection.close()
    assert (welcomes, users) == (1, 1)
