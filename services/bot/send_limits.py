"""Telegram's send limits kept by every bot replica together, in PostgreSQL, which they all share.

Why here: Telegram allows a bot about 30 messages a second overall and about one a second per chat,
whichever replica sends them. A limit kept in each process lets N replicas send N times too fast
(the chart used to ask for `BOT_MESSAGES_PER_SECOND` = 30 / maxReplicas, wasting the rate whenever
fewer replicas ran). The replicas share the bot database, so the limits live there:

- **The overall window** is `send_slots`: one row per message allowed in a second (30 rows at 30 a
  second). A send takes the row used longest ago and may go once a window has passed since that
  row's last send: any 31 sends then span more than a window, since two of them share a row. A row
  is `on_the_way` from its reservation until Telegram answers, then dated by the answer: as in
  Telegram's own count, a message counts from when it arrived, and the answer comes no earlier.
  A row left on the way by a replica that died is taken again after `STALE_SECONDS`.
- **The gap per chat** is `chat_sends`: when each chat last got a message (dated by the answer).
  Only one replica sends to a chat at a time (the sender locks a chat's oldest pending message with
  SKIP LOCKED until its pass commits), so a chat's last send is all the next sender needs to read.
- **A 429** pushes every row's date forward: every replica waits its `retry_after`.

Each reservation and each answer is one statement on its own (no BEGIN or COMMIT), holding a row
lock for that statement only; nothing waits on a lock while it sleeps until its slot.
`python -m bench.bot_sender_replicas` measures the cost (about half a millisecond a statement, two a
send) and the rate across two replicas (docs/reliability.md, "The sender across replicas").
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from services.runtime.database import Database

# Telegram counts a message when it arrives, we when it is answered; requests take varying time on
# the way, so each limit is kept with this much to spare (it costs about 2 % of the rate).
SAFETY_SECONDS = 0.025
# A row on the way this long belongs to a replica that died between reservation and answer.
STALE_SECONDS = 60.0
# All rows on the way or locked at this moment: look again after this long.
BUSY_RETRY_SECONDS = 0.005
# A chat's last send matters for a second; older rows are deleted this often, so the table holds
# the chats of the last few minutes rather than every chat the bot ever wrote to.
FORGET_CHATS_EVERY_SECONDS = 600.0

_FORGET_CHATS = "DELETE FROM chat_sends WHERE sent_at < clock_timestamp() - make_interval(secs => $1)"

_ADD_SLOTS = "INSERT INTO send_slots (slot) SELECT generate_series(0, $1 - 1) ON CONFLICT DO NOTHING"

# The row used longest ago that is not on the way, taken for a send at the earliest time it allows.
_RESERVE = """
WITH oldest AS (
    SELECT slot, greatest(clock_timestamp(), used_at + make_interval(secs => $2)) AS send_at
    FROM send_slots
    WHERE slot < $1 AND (NOT on_the_way OR used_at < clock_timestamp() - make_interval(secs => $3))
    ORDER BY used_at, slot LIMIT 1 FOR UPDATE SKIP LOCKED
)
UPDATE send_slots s SET used_at = oldest.send_at, on_the_way = true FROM oldest WHERE s.slot = oldest.slot
RETURNING s.slot, extract(epoch FROM oldest.send_at - clock_timestamp())::float8 AS wait
"""

# Telegram answered $2 seconds ago: the slot and the chat count from then (a pause may date the
# slot later still).
_ANSWERED = """
WITH slot AS (
    UPDATE send_slots SET used_at = greatest(used_at, clock_timestamp() - make_interval(secs => $2)),
                          on_the_way = false
    WHERE slot = $1
)
INSERT INTO chat_sends AS c (chat_id, sent_at) VALUES ($3, clock_timestamp() - make_interval(secs => $2))
ON CONFLICT (chat_id) DO UPDATE SET sent_at = greatest(c.sent_at, excluded.sent_at)
"""

# No slot allows a send until $2 seconds from now (a window after the dates set here).
_PAUSE = """
UPDATE send_slots SET used_at = greatest(used_at, clock_timestamp() + make_interval(secs => $2)) WHERE slot < $1
"""


@dataclass(frozen=True)
class Ticket:
    """A reserved send: the overall slot it took and the chat it goes to."""

    slot: int
    chat_id: int


class SharedPace:
    """The overall window and the gap per chat, shared through the database; waits rather than
    refuses. Call `wait_for_slot` before a counted Bot API call and `answered` once it returned."""

    def __init__(self, database: Database, per_second: float, chat_gap_seconds: float, *,
                 window_seconds: float = 1.0, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self._database = database
        self._slots = max(1, int(per_second))
        self._window = window_seconds + SAFETY_SECONDS
        self._chat_gap = chat_gap_seconds
        self._clock = clock
        self._sleep = sleep
        self._slots_added = False
        self._chats_forgotten_at = clock()

    def chat_ready_at(self, seconds_since_last_send: float | None, *, read_at: float) -> float:
        """The clock time at which a chat whose last send was `seconds_since_last_send` before
        `read_at` (None: never) may get the next message."""
        if seconds_since_last_send is None or self._chat_gap <= 0:
            return read_at
        return read_at + self._chat_gap + SAFETY_SECONDS - seconds_since_last_send

    async def wait_for_slot(self, chat_id: int, *, chat_ready_at: float) -> Ticket:
        """Waits until the chat may get a message, then reserves the next overall slot and waits for
        it. The slot counts as on the way until `answered`."""
        early = chat_ready_at - self._clock()
        if early > 0:
            await self._sleep(early)
        while True:
            if not self._slots_added:
                await self._database.fetch_atomically(_ADD_SLOTS, self._slots)
                self._slots_added = True
            rows = await self._database.fetch_atomically(_RESERVE, self._slots, self._window, STALE_SECONDS)
            if rows:
                break
            # Every slot on its way (or, should someone have emptied the table, none left to take).
            self._slots_added = False
            await self._sleep(BUSY_RETRY_SECONDS)
        wait = float(rows[0]["wait"])
        if wait > 0:
            await self._sleep(wait)
        return Ticket(int(rows[0]["slot"]), chat_id)

    async def answered(self, ticket: Ticket, *, at: float) -> None:
        """Telegram answered the reserved send at clock time `at` (or the call failed then)."""
        await self._database.fetch_atomically(_ANSWERED, ticket.slot, max(0.0, self._clock() - at), ticket.chat_id)

    async def forget_old_chats(self) -> None:
        """Deletes the last sends of chats not written to for a while (every
        FORGET_CHATS_EVERY_SECONDS at most; a no-op in between)."""
        if self._clock() - self._chats_forgotten_at < FORGET_CHATS_EVERY_SECONDS:
            return
        self._chats_forgotten_at = self._clock()
        await self._database.fetch_atomically(_FORGET_CHATS, max(60.0, self._chat_gap * 10))

    async def pause(self, seconds: float) -> None:
        """Telegram asked for `seconds` without sends (429): every replica waits."""
        await self._database.fetch_atomically(_PAUSE, self._slots, seconds - self._window)
