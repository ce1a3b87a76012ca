"""Events become messages: each once, in the customer's language, and delivered within Telegram's
limits even in a burst."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator

import asyncpg
import nats
import pytest

from services.runtime.outbox import build_envelope
from services.runtime.service_main import RunningService
from services.sandbox.telegram_simulator import TelegramSimulator
from speechcue.events.v1 import calls_events_pb2
from tests.bot.conftest import REPLY_WITHIN, bots_alone
from tests.conftest import RunningServers

CUSTOMERS = 100
PER_CUSTOMER = 10
FIRST_CHAT = 5_500_000


@pytest.fixture
async def lone_bot(servers: RunningServers, bot_database_url: str) -> AsyncIterator[tuple[TelegramSimulator,
                                                                                         RunningService, str]]:
    """The bot alone, against a Telegram simulator with Telegram's own limits (30 a second overall,
    3 in 3 seconds per chat); the other services are not needed to turn events into messages."""
    async with bots_alone(servers, bot_database_url, bot_seconds_between_chat_messages=1.0) as (telegram, [running]):
        yield telegram, running, bot_database_url


async def register_customers(database_url: str, count: int, language: str = "en") -> list[str]:
    connection = await asyncpg.connect(database_url)
    try:
        customers = [f"cus_burst_{index:03d}" for index in range(count)]
        await connection.executemany(
            "INSERT INTO telegram_users (telegram_user_id, chat_id, customer_id, name, language, terms_accepted_at)"
            " VALUES ($1, $1, $2, 'Burst', $3, now())",
            [(FIRST_CHAT + index, customer, language) for index, customer in enumerate(customers)])
        return customers
    finally:
        await connection.close()


async def publish_reviews(nats_url: str, customers: list[str], per_customer: int) -> None:
    client = await nats.connect(nats_url)
    try:
        stream = client.jetstream()
        for round_number in range(per_customer):
            for customer in customers:
                envelope = build_envelope("calls.flow.reviewed", customer, calls_events_pb2.FlowReviewed(
                    flow_id=str(uuid.uuid4()), name=f"Flow {round_number}", approved=True, note="ok"))
                await stream.publish("calls.flow.reviewed", envelope.SerializeToString(),
                                     headers={"Nats-Msg-Id": envelope.event_id})
    finally:
        await client.close()


async def a_thousand_notifications_arrive_without_a_429(telegram: TelegramSimulator, database_url: str,
                                                        nats_url: str, *, within: float) -> str:
    """CUSTOMERS customers get PER_CUSTOMER notifications each, every one once and no send answered
    429, through whatever bots send from `database_url`; answers the rate seen, for the log only
    (the rate is measured in bench/, not asserted: about 30 a second is the limit)."""
    customers = await register_customers(database_url, CUSTOMERS)
    for index in range(CUSTOMERS):
        telegram.open_chat(FIRST_CHAT + index)
    started = time.monotonic()
    await publish_reviews(nats_url, customers, PER_CUSTOMER)
    total = CUSTOMERS * PER_CUSTOMER
    await telegram.wait_until(lambda: telegram.counters()["sends_accepted"] >= total or None, within=within)
    elapsed = time.monotonic() - started

    assert telegram.counters()["too_many_requests"] == 0, [(r.method, r.description) for r in telegram.refused]
    for index in range(CUSTOMERS):
        texts = [message["text"] for message in telegram.bot_messages(FIRST_CHAT + index)]
        assert sorted(texts) == sorted(f"✅ Your flow Flow {n} was approved. Note: ok" for n in range(PER_CUSTOMER))
    return f"{total} notifications in {elapsed:.1f} s ({total / elapsed:.1f}/s)"


async def test_a_thousand_notifications_for_a_hundred_customers_arrive_without_a_429(
        servers: RunningServers, lone_bot: tuple[TelegramSimulator, RunningService, str]) -> None:
    telegram, _, database_url = lone_bot
    print(await a_thousand_notifications_arrive_without_a_429(telegram, database_url, servers.nats_url, within=120.0))


async def test_a_redelivered_event_sends_nothing_twice(servers: RunningServers,
                                                       lone_bot: tuple[TelegramSimulator, RunningService, str]) -> None:
    telegram, _, database_url = lone_bot
    [customer] = await register_customers(database_url, 1, language="fr")
    telegram.open_chat(FIRST_CHAT)
    envelope = build_envelope("calls.flow.reviewed", customer, calls_events_pb2.FlowReviewed(
        flow_id="f-1", name="Rappel", approved=False, note="trop de chiffres"))
    client = await nats.connect(servers.nats_url)
    try:
        for attempt in range(3):
            # A new Nats-Msg-Id each time: JetStream's own de-duplication does not save us here.
            await client.jetstream().publish("calls.flow.reviewed", envelope.SerializeToString(),
                                             headers={"Nats-Msg-Id": f"{envelope.event_id}-{attempt}"})
    finally:
        await client.close()
    message = await telegram.wait_until(lambda: telegram.bot_messages(FIRST_CHAT) or None, within=REPLY_WITHIN)
    await asyncio.sleep(1.5)
    messages = telegram.bot_messages(FIRST_CHAT)
    assert len(messages) == 1, messages
    assert "Rappel" in message[0]["text"]


async def test_a_message_telegram_answers_late_is_sent_once(
        servers: RunningServers, lone_bot: tuple[TelegramSimulator, RunningService, str]) -> None:
    # Telegram carries the send out at once and answers 6 s later: a bot that gave up waiting would send
    # it again, and the customer would read it twice.
    telegram, _, database_url = lone_bot
    [customer] = await register_customers(database_url, 1)
    telegram.open_chat(FIRST_CHAT)
    telegram.answer_delay_seconds = 6.0
    await publish_reviews(servers.nats_url, [customer], 1)
    connection = await asyncpg.connect(database_url)
    try:
        async def answered() -> bool | None:
            status = await connection.fetchval(
                "SELECT status FROM outgoing_messages WHERE chat_id = $1 ORDER BY id LIMIT 1", FIRST_CHAT)
            return status == "sent" or None

        for _ in range(300):  # 30 s, well past the answer's 6 s
            if await answered():
                break
            await asyncio.sleep(0.1)
        sent = await answered()
    finally:
        await connection.close()
    assert [m["text"] for m in telegram.bot_messages(FIRST_CHAT)] == ["✅ Your flow Flow 0 was approved. Note: ok"]
    assert sent, "the late answer was never recorded"
