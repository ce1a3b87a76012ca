"""The sender's pace against Telegram's limits, on a simulated clock: never more than 30 messages in
any second, never two to one chat within a second, and yet close to the allowed rate."""

from __future__ import annotations

import asyncio
import itertools
from collections import defaultdict

from services.bot.sender import Pace


class SimulatedTime:
    def __init__(self) -> None:
        self.now = 1000.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0.0)


async def test_a_thousand_messages_to_a_hundred_chats_stay_within_limits_at_nearly_the_allowed_rate() -> None:
    time = SimulatedTime()
    pace = Pace(30, 1.0, clock=time.clock, sleep=time.sleep)
    queued = {chat: 10 for chat in range(100)}
    sent_at: list[float] = []
    by_chat: dict[int, list[float]] = defaultdict(list)
    while any(queued.values()):
        # As the sender does: one message per chat per pass, chats that may send now first.
        chats = sorted((chat for chat, left in queued.items() if left), key=lambda c: pace.chat_ready_in(c) > 0)
        for chat in chats:
            await pace.wait_for_slot(chat)
            sent_at.append(time.now)
            time.now += 0.004  # the Bot API call itself
            pace.sent(chat)
            by_chat[chat].append(time.now)
            queued[chat] -= 1

    busiest_second = max(sum(1 for t in sent_at if start <= t < start + 1.0) for start in sent_at)
    assert busiest_second <= 30
    assert min(b - a for times in by_chat.values() for a, b in itertools.pairwise(times)) >= 1.0
    rate = len(sent_at) / (sent_at[-1] - sent_at[0])
    assert rate >= 0.9 * 30, rate


async def test_one_busy_chat_is_held_to_one_message_a_second() -> None:
    time = SimulatedTime()
    pace = Pace(30, 1.0, clock=time.clock, sleep=time.sleep)
    stamps = []
    for _ in range(5):
        await pace.wait_for_slot(42)
        stamps.append(time.now)
        pace.sent(42)
    assert all(1.0 <= b - a <= 1.05 for a, b in itertools.pairwise(stamps))


async def test_a_429_pauses_every_chat_for_its_retry_after() -> None:
    time = SimulatedTime()
    pace = Pace(30, 1.0, clock=time.clock, sleep=time.sleep)
    pace.pause(7)
    await pace.wait_for_slot(1)
    pace.sent(1)
    assert time.now >= 1007.0


async def test_sends_still_on_their_way_count_against_the_window() -> None:
    """The sender lets calls out side by side: a slot is taken when a call leaves, so calls not yet
    answered by Telegram are counted too, and the window can never be overrun by them."""
    now = [1000.0]

    async def yield_only(seconds: float) -> None:  # time moves only when the test moves it
        await asyncio.sleep(0)

    pace = Pace(3, 0.0, clock=lambda: now[0], sleep=yield_only)
    for chat in range(3):
        await pace.wait_for_slot(chat)  # three let out, none answered yet
    fourth = asyncio.create_task(pace.wait_for_slot(3))
    for _ in range(50):
        await asyncio.sleep(0)
    assert not fourth.done()
    pace.sent(0)  # one answered: it now counts in the window instead, until a second has passed
    for _ in range(50):
        await asyncio.sleep(0)
    assert not fourth.done()
    now[0] += 1.1
    await asyncio.wait_for(fourth, timeout=5)
