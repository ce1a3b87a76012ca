"""The sender's pace against Telegram's limits, kept in PostgreSQL for every replica together: never
more than 30 messages in any second across two replicas, sends still on their way counted, a 429
pausing every replica, and yet close to the allowed rate.

The waits are recorded instead of slept (the database plans each send's time; nothing here depends
on how fast the machine is)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import asyncpg
import pytest

from services.bot.send_limits import SharedPace
from services.runtime.database import Database


class RecordedWaits:
    """A sleep that only remembers what it was asked to wait, and lets other tasks run."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        await asyncio.sleep(0)


@pytest.fixture
async def replicas(bot_database_url: str) -> AsyncIterator[tuple[Database, Database]]:
    """Two bot replicas' database handles on one bot database."""
    url = bot_database_url.replace("postgresql://", "postgresql+asyncpg://", 1)
    first, second = Database(url, pool_size=2), Database(url, pool_size=2)
    yield first, second
    await first.close()
    await second.close()


async def test_two_replicas_together_keep_thirty_sends_in_any_second_at_nearly_that_rate(
        replicas: tuple[Database, Database]) -> None:
    waits = RecordedWaits()
    paces = [SharedPace(database, 30, 1.0, sleep=waits.sleep) for database in replicas]
    planned: list[float] = []
    for index in range(120):
        pace = paces[index % 2]  # the replicas take turns, as their passes do
        asked = time.monotonic()
        ticket = await pace.wait_for_slot(index, chat_ready_at=asked)
        planned.append(asked + (waits.waits.pop() if waits.waits else 0.0))
        await pace.answered(ticket, at=time.monotonic())

    planned.sort()
    # Any 31 sends span more than a second, so no second holds more than 30 of them.
    assert min(later - earlier for earlier, later in zip(planned, planned[30:], strict=False)) >= 1.0
    rate = (len(planned) - 1) / (planned[-1] - planned[0])
    assert rate >= 0.9 * 30, rate


async def test_sends_still_on_their_way_count_against_the_window(replicas: tuple[Database, Database]) -> None:
    """A slot is taken when a call leaves, so calls not yet answered by Telegram are counted by every
    replica, and the window can never be overrun by them; it counts from the answer."""
    first_waits, second_waits = RecordedWaits(), RecordedWaits()
    first = SharedPace(replicas[0], 3, 0.0, sleep=first_waits.sleep)
    second = SharedPace(replicas[1], 3, 0.0, sleep=second_waits.sleep)
    tickets = [await first.wait_for_slot(chat, chat_ready_at=0.0) for chat in range(3)]  # none answered yet
    fourth = asyncio.create_task(second.wait_for_slot(3, chat_ready_at=0.0))
    for _ in range(20):
        await asyncio.sleep(0.01)
    assert not fourth.done()
    await first.answered(tickets[0], at=time.monotonic())  # answered: it counts a window from now
    await asyncio.wait_for(fourth, timeout=10)
    assert 0.9 <= second_waits.waits[-1] <= 1.1, second_waits.waits


async def test_a_429_in_one_replica_pauses_the_other(replicas: tuple[Database, Database]) -> None:
    first_waits, second_waits = RecordedWaits(), RecordedWaits()
    first = SharedPace(replicas[0], 30, 1.0, sleep=first_waits.sleep)
    second = SharedPace(replicas[1], 30, 1.0, sleep=second_waits.sleep)
    ticket = await first.wait_for_slot(1, chat_ready_at=0.0)
    await first.pause(7)
    await first.answered(ticket, at=time.monotonic())
    await second.wait_for_slot(2, chat_ready_at=0.0)
    assert 6.8 <= second_waits.waits[-1] <= 7.1, second_waits.waits


async def test_a_chat_last_sent_to_half_a_second_ago_waits_the_rest_of_its_second(
        replicas: tuple[Database, Database]) -> None:
    pace = SharedPace(replicas[0], 30, 1.0)
    now = time.monotonic()
    assert pace.chat_ready_at(None, read_at=now) == now
    assert 0.5 <= pace.chat_ready_at(0.5, read_at=now) - now <= 0.55
    assert pace.chat_ready_at(3.0, read_at=now) <= now
    assert SharedPace(replicas[0], 30, 0.0).chat_ready_at(0.1, read_at=now) == now


async def test_slots_deleted_under_a_running_sender_are_made_again(replicas: tuple[Database, Database],
                                                                   bot_database_url: str) -> None:
    waits = RecordedWaits()
    pace = SharedPace(replicas[0], 30, 1.0, sleep=waits.sleep)
    await pace.answered(await pace.wait_for_slot(1, chat_ready_at=0.0), at=time.monotonic())
    connection = await asyncpg.connect(bot_database_url)
    try:
        await connection.execute("DELETE FROM send_slots")
        await asyncio.wait_for(pace.wait_for_slot(2, chat_ready_at=0.0), timeout=10)
        assert await connection.fetchval("SELECT count(*) FROM send_slots") == 30
    finally:
        await connection.close()


async def test_chats_not_written_to_for_a_while_are_forgotten_every_ten_minutes(
        replicas: tuple[Database, Database], bot_database_url: str) -> None:
    now = [1000.0]
    pace = SharedPace(replicas[0], 30, 1.0, clock=lambda: now[0])
    connection = await asyncpg.connect(bot_database_url)
    try:
        await connection.execute("INSERT INTO chat_sends (chat_id, sent_at) VALUES (1, now() - interval '2 hours'),"
                                 " (2, now() - interval '2 seconds')")
        await pace.forget_old_chats()  # not ten minutes since it started: nothing yet
        assert await connection.fetchval("SELECT count(*) FROM chat_sends") == 2
        now[0] += 601
        await pace.forget_old_chats()
        assert [row["chat_id"] for row in await connection.fetch("SELECT chat_id FROM chat_sends")] == [2]
    finally:
        await connection.close()
