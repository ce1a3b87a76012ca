"""The sender takes only the chats that are due: a chat still inside its second since its last
message is left for a later pass, so a message queued meanwhile for another chat goes out at once
rather than behind it; the waiting chat's message follows when its second is over. And each message
is sent, and logged, under the trace id of the work that queued it (services/runtime/tracing.py)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import asyncpg
import nats
import pytest

from services.runtime.outbox import build_envelope
from services.runtime.tracing import NATS_HEADER
from services.sandbox.telegram_simulator import ApiCall, TelegramSimulator
from speechcue.events.v1 import calls_events_pb2
from tests.bot.conftest import REPLY_WITHIN, bots_alone
from tests.bot.test_notifications import FIRST_CHAT, register_customers
from tests.conftest import RunningServers
from tests.log_lines import LogLines, log_lines  # noqa: F401

# Longer than Telegram's second, so that a message held behind a waiting chat would plainly wait.
CHAT_GAP_SECONDS = 5.0
BUSY_CHAT, OTHER_CHAT = 5_600_001, 5_600_002


@pytest.fixture
async def patient_bot(servers: RunningServers, bot_database_url: str) -> AsyncIterator[tuple[TelegramSimulator, str]]:
    """The bot alone, sending with CHAT_GAP_SECONDS between two messages to one chat, against a
    Telegram simulator with Telegram's own limits."""
    async with bots_alone(servers, bot_database_url, bot_seconds_between_chat_messages=CHAT_GAP_SECONDS) as (
            telegram, _):
        yield telegram, bot_database_url


async def queue(database_url: str, chat_id: int, text: str) -> None:
    """A message queued as a screen or a notification queues it (services/bot/outgoing.py)."""
    connection = await asyncpg.connect(database_url)
    try:
        await connection.execute("INSERT INTO outgoing_messages (chat_id, method, body) VALUES ($1, 'sendMessage', $2)",
                                 chat_id, json.dumps({"chat_id": chat_id, "text": text}))
    finally:
        await connection.close()


def sent(telegram: TelegramSimulator, text: str) -> ApiCall | None:
    return next((call for call in telegram.calls if call.params.get("text") == text), None)


async def test_a_chat_inside_its_second_does_not_hold_up_another_chats_message(
        patient_bot: tuple[TelegramSimulator, str]) -> None:
    telegram, database_url = patient_bot
    for chat in (BUSY_CHAT, OTHER_CHAT):
        telegram.open_chat(chat)
    await queue(database_url, BUSY_CHAT, "first to the busy chat")
    await queue(database_url, BUSY_CHAT, "second to the busy chat")
    first = await telegram.wait_until(lambda: sent(telegram, "first to the busy chat"), within=REPLY_WITHIN)

    # The busy chat's second message must wait CHAT_GAP_SECONDS; the other chat's need not.
    await queue(database_url, OTHER_CHAT, "to the other chat")
    second = await telegram.wait_until(lambda: sent(telegram, "second to the busy chat"), within=REPLY_WITHIN)
    other = sent(telegram, "to the other chat")

    assert other is not None and telegram.calls.index(other) < telegram.calls.index(second), \
        "the other chat's message waited behind the busy chat's second"
    assert second.at - first.at >= CHAT_GAP_SECONDS  # and the busy chat still got its gap
    assert telegram.counters()["too_many_requests"] == 0


async def test_a_message_is_sent_and_logged_under_the_trace_of_the_work_that_queued_it(
        servers: RunningServers, patient_bot: tuple[TelegramSimulator, str], log_lines: LogLines) -> None:  # noqa: F811
    telegram, database_url = patient_bot
    [customer] = await register_customers(database_url, 1)
    telegram.open_chat(FIRST_CHAT)
    trace_id = "5eed0f1ace0ff1ce"
    envelope = build_envelope("calls.flow.reviewed", customer, calls_events_pb2.FlowReviewed(
        flow_id="f-traced", name="Traced", approved=True, note="ok"))
    client = await nats.connect(servers.nats_url)
    try:
        await client.jetstream().publish("calls.flow.reviewed", envelope.SerializeToString(),
                                         headers={"Nats-Msg-Id": envelope.event_id, NATS_HEADER: trace_id})
    finally:
        await client.close()

    line = await log_lines.wait_for(logger="services.bot.sender", msg="sendMessage sent to Telegram")
    assert line["trace_id"] == trace_id
    connection = await asyncpg.connect(database_url)
    try:
        assert await connection.fetchval("SELECT trace_id FROM outgoing_messages WHERE chat_id = $1",
                                         FIRST_CHAT) == trace_id
    finally:
        await connection.close()
