"""A service without the right to an event cannot make the bot believe it: a `payments.topup.confirmed`
forged by the calls service's (or the bot's own) NATS user is refused by NATS and never becomes a
message; the payments service's own event does (services/runtime/nats_permissions.py)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
from nats.errors import Error as NatsError

from devstack.ports import free_port
from services.payments.events import TOPUP_CONFIRMED
from services.runtime.outbox import build_envelope
from services.runtime.service_main import RunningService, start_http_server
from services.sandbox.app import build_sandbox
from services.sandbox.settings import SandboxSettings
from services.sandbox.telegram_simulator import TelegramSimulator
from speechcue.events.v1 import payments_events_pb2
from tests.bot.conftest import REPLY_WITHIN, TELEGRAM_SECRET, TELEGRAM_TOKEN, bot_settings, start_bot
from tests.conftest import RunningServers
from tests.event_reader import delete_stream, read_events
from tests.nats_users import connect_as, require_speechcue_users, service_bus

CHAT = 5_600_001
CUSTOMER = "cus_forged_topup"


@pytest.fixture
async def bot_alone(servers: RunningServers,
                    bot_database_url: str) -> AsyncIterator[tuple[TelegramSimulator, RunningService]]:
    """The bot with a Telegram simulator and one customer; no other service is needed to turn a
    top-up event into a message."""
    await require_speechcue_users(servers.nats_url)
    await delete_stream(servers.nats_url, "PAYMENTS")
    connection = await asyncpg.connect(bot_database_url)
    await connection.execute("INSERT INTO telegram_users (telegram_user_id, chat_id, customer_id, name, language,"
                             " terms_accepted_at) VALUES ($1, $1, $2, 'Ada', 'en', now())", CHAT, CUSTOMER)
    await connection.close()
    sandbox_settings = SandboxSettings(speechcue_http_port=free_port(), telegram_bot_token=TELEGRAM_TOKEN,
                                       telegram_webhook_secret=TELEGRAM_SECRET)
    sandbox = build_sandbox(sandbox_settings)
    server, task = await start_http_server(sandbox.app, "127.0.0.1", sandbox_settings.speechcue_http_port)
    unused = f"127.0.0.1:{free_port()}"
    settings = bot_settings(bot_database_url, servers.nats_url, f"http://127.0.0.1:{sandbox_settings.speechcue_http_port}",
                            wallet_address=unused, calls_address=unused, payments_address=unused, http_port=free_port())
    running: RunningService = await start_bot(settings)
    sandbox.telegram.open_chat(CHAT)
    try:
        yield sandbox.telegram, running
    finally:
        await running.stop()
        server.should_exit = True
        await task
        await delete_stream(servers.nats_url, "PAYMENTS")


def topup(cents: int) -> bytes:
    return build_envelope(TOPUP_CONFIRMED, CUSTOMER, payments_events_pb2.TopUpChanged(
        invoice_id=f"inv_{uuid.uuid4().hex[:8]}", coin="USDT", usd_cents=cents, credited_cents=cents,
    )).SerializeToString()


@pytest.mark.parametrize("forger", ["calls", "bot"])
async def test_a_forged_topup_is_refused_and_the_bot_never_announces_it(
        servers: RunningServers, bot_alone: tuple[TelegramSimulator, RunningService], forger: str) -> None:
    telegram, _ = bot_alone
    forged = await connect_as(servers.nats_url, forger)
    try:
        with pytest.raises(NatsError):  # NATS dropped it: no acknowledgement comes
            await forged.client.jetstream(timeout=1).publish(TOPUP_CONFIRMED, topup(500_000),
                                                             headers={"Nats-Msg-Id": uuid.uuid4().hex})
        [refusal] = await forged.refusals()
        assert f'publish to "{TOPUP_CONFIRMED}"' in refusal.lower()
    finally:
        await forged.client.close()

    # The payments service's own top-up, published after the forgery, is the only one the bot tells of.
    payments = service_bus(servers.nats_url, "payments")
    await payments.connect()
    try:
        await payments.publish_all([(TOPUP_CONFIRMED, topup(500), uuid.uuid4().hex)])
    finally:
        await payments.close()
    await telegram.wait_until(lambda: telegram.bot_messages(CHAT) or None, within=REPLY_WITHIN)
    assert [message["text"] for message in telegram.bot_messages(CHAT)] == [
        "✅ Payment confirmed: $5.00 in USDT was added to your wallet."]
    assert [event.type for event in await read_events(servers.nats_url, "PAYMENTS", "payments.>")] == [TOPUP_CONFIRMED]


async def test_the_running_bots_own_connection_may_not_publish_a_payments_event(
        servers: RunningServers, bot_alone: tuple[TelegramSimulator, RunningService]) -> None:
    """The bot as started (start_service) is the bot's NATS user, not whoever its URL names."""
    telegram, running = bot_alone
    bus = running.context.bus
    assert bus.identity is not None and (bus.identity.user, "@" in bus.url) == ("bot", False)
    with pytest.raises(NatsError):
        await bus.publish(TOPUP_CONFIRMED, topup(500_000), message_id=uuid.uuid4().hex)
    assert await read_events(servers.nats_url, "PAYMENTS", "payments.>") == []
    assert telegram.bot_messages(CHAT) == []
