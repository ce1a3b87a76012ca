"""Two bot replicas on one database send within Telegram's limits together: 30 a second overall and
one a second per chat, however the events and the queued messages fall between them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from services.bot import sender
from services.runtime.service_main import RunningService
from services.sandbox.telegram_simulator import TelegramSimulator
from tests.bot.conftest import bots_alone
from tests.bot.test_notifications import a_thousand_notifications_arrive_without_a_429
from tests.conftest import RunningServers


@pytest.fixture
async def two_bots(servers: RunningServers, bot_database_url: str,
                   monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[tuple[TelegramSimulator, list[RunningService]]]:
    """Two bots on one database and one Telegram simulator with Telegram's own limits (30 a second
    overall, 3 in 3 seconds per chat), each with the full rate of 30 a second configured.

    A pass takes 20 chats here instead of 100, so that both replicas send side by side, as they do in
    production when more chats wait than one pass takes (with 100 chats and passes of 100, one
    replica's pass would lock every chat and the other would mostly wait)."""
    monkeypatch.setattr(sender, "BATCH", 20)
    async with bots_alone(servers, bot_database_url, replicas=2, bot_seconds_between_chat_messages=1.0,
                          bot_messages_per_second=30.0) as (telegram, bots):
        yield telegram, bots


async def test_a_thousand_notifications_through_two_replicas_arrive_without_a_429(
        servers: RunningServers, bot_database_url: str,
        two_bots: tuple[TelegramSimulator, list[RunningService]]) -> None:
    telegram, _ = two_bots
    # Informational (the rate is measured in bench/bot_sender_replicas.py, not asserted here).
    print("through two replicas:", await a_thousand_notifications_arrive_without_a_429(
        telegram, bot_database_url, servers.nats_url, within=180.0))
