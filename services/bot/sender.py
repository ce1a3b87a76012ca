"""Delivering queued messages to Telegram at Telegram's pace.

Limits: at most `bot_messages_per_second` sends in any one-second window overall, and
`bot_seconds_between_chat_messages` between two sends to one chat; button acknowledgements
(answerCallbackQuery) count for neither. A chat's messages go out in the order they were queued.
A 429 pauses all sending for its `retry_after`; a network failure is retried with growing delays,
then left `undelivered` for the notification tick to try again; a message Telegram refuses for
good (bad request, bot blocked) is marked `failed`. An edit of a message that no longer exists or
cannot be edited is sent as a new message instead.

Within one pass (one message per chat), the Bot API calls to different chats run side by side, up
to `bot_sender_concurrency` at once, so the rate is Telegram's limit and not one request's latency;
each is let out only when the pace allows it, counting those still on their way.

Delivery is at least once: a crash between Telegram's answer and the commit resends that message.
A commit that fails while the process lives (PostgreSQL restarting) resends nothing: the sender
remembers what Telegram took and records it on the next pass instead of sending it again.
Several replicas may send at once (rows are taken with SKIP LOCKED); each keeps its own pace, so
give each replica its share of the overall rate.
"""

from __future__ import annotations

import asyncio
import logging
import time
import warnings
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from telegram import Bot, InputFile
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.warnings import PTBUserWarning

from services.bot import metrics
from services.bot.settings import BotSettings
from services.bot.tables import message_refs, outgoing_messages
from services.runtime.background import keep_passing
from services.runtime.database import Database, UnitOfWork

log = logging.getLogger(__name__)

# The queue stores Bot API calls by method name, so they are made generically; python-telegram-bot
# suggests its typed methods on every such call, which says nothing here.
warnings.filterwarnings("ignore", message="Please use 'Bot.", category=PTBUserWarning)

UNPACED_METHODS = frozenset({"answerCallbackQuery", "sendChatAction"})
UPLOAD_FIELDS = {"sendPhoto": "photo", "sendDocument": "document", "sendAudio": "audio"}
BATCH = 100
POLL_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 300.0
# Telegram counts a message when it arrives, we when we send it; requests take varying time on the
# way, so each limit is kept with this much to spare (it costs about 2 % of the rate).
SAFETY_SECONDS = 0.025

# The oldest pending message of each chat that is due, locked for this sender.
_DUE = text("""
SELECT o.* FROM outgoing_messages o
WHERE o.id IN (SELECT min(id) FROM outgoing_messages WHERE status = 'pending' GROUP BY chat_id)
  AND o.next_attempt_at <= now()
ORDER BY o.id LIMIT :limit FOR UPDATE SKIP LOCKED
""")


def retry_after_seconds(error: RetryAfter) -> float:
    value: Any = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class Pace:
    """The sliding-window limit overall and the gap per chat; waits rather than refuses."""

    def __init__(self, per_second: float, chat_gap_seconds: float, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self._window = max(1, int(per_second))
        self._chat_gap = chat_gap_seconds
        self._clock = clock
        self._sleep = sleep
        self._recent: deque[float] = deque()
        self._last_in_chat: dict[int, float] = {}
        self._paused_until = 0.0
        # Let out by wait_for_slot and not yet answered: they count against the window already.
        self._on_the_way = 0

    def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    def chat_ready_in(self, chat_id: int) -> float:
        last = self._last_in_chat.get(chat_id)
        if last is None or self._chat_gap <= 0:
            return 0.0
        return max(0.0, last + self._chat_gap + SAFETY_SECONDS - self._clock())

    async def wait_for_slot(self, chat_id: int) -> None:
        """Waits until a message to `chat_id` keeps within both limits and takes the slot; call
        `sent` once Telegram has answered."""
        while True:
            now = self._clock()
            while self._recent and now - self._recent[0] >= 1.0 + SAFETY_SECONDS:
                self._recent.popleft()
            waits = [self._paused_until - now, self.chat_ready_in(chat_id)]
            if len(self._recent) + self._on_the_way >= self._window:
                # The oldest counted send leaves the window then; with only sends on the way to
                # count, the next answer frees a slot, so look again shortly.
                waits.append(self._recent[0] + 1.0 + SAFETY_SECONDS - now if self._recent else SAFETY_SECONDS)
            longest = max(waits)
            if longest <= 0:
                self._on_the_way += 1
                return
            await self._sleep(longest)

    def sent(self, chat_id: int) -> None:
        """Counts a message once Telegram has answered: it arrived there no later than now, so the
        windows measured from here are never shorter on Telegram's side than on ours."""
        now = self._clock()
        self._on_the_way = max(0, self._on_the_way - 1)
        self._recent.append(now)
        self._last_in_chat[chat_id] = now
        if len(self._last_in_chat) > 10_000:
            self._last_in_chat = {chat: at for chat, at in self._last_in_chat.items() if now - at < self._chat_gap}


@dataclass(frozen=True)
class Delivery:
    """One queued row as the Bot API call it makes now (an edit of a lost message becomes a send)."""

    row: Any
    method: str
    body: dict[str, Any]


class MessageSender:
    def __init__(self, database: Database, bot: Bot, settings: BotSettings) -> None:
        self._database = database
        self._bot = bot
        self._attempts = settings.bot_send_attempts
        self._concurrency = settings.bot_sender_concurrency
        self.pace = Pace(settings.bot_messages_per_second, settings.bot_seconds_between_chat_messages)
        self._wake = asyncio.Event()
        # Messages Telegram took whose "sent" was not committed yet, with Telegram's answer.
        self._taken: dict[int, Any] = {}

    def wake(self) -> None:
        self._wake.set()

    async def run_forever(self) -> None:
        async def one_pass() -> bool:
            return await self.send_due() > 0  # sent some: the next of those chats may be due

        await keep_passing(one_pass, self._wake, poll_seconds=POLL_SECONDS,
                           on_failure=lambda error: log.error("sending queued messages failed; retrying",
                                                              exc_info=error))

    async def send_due(self) -> int:
        """Sends the due messages (one per chat per pass); returns how many it handled."""
        async with self._database.unit_of_work() as uow:
            rows = list((await uow.connection.execute(_DUE, {"limit": BATCH})).all())
            # Chats that may send now go first, so one busy chat does not hold up the others.
            rows.sort(key=lambda row: (self.pace.chat_ready_in(row.chat_id) > 0, row.id))
            deliveries = [delivery for row in rows if (delivery := await self._prepare(uow, row)) is not None]
            answers = await self._send_all(deliveries)
            for delivery, answer in zip(deliveries, answers, strict=True):
                await self._record(uow, delivery, answer)
            if rows:
                # Counted in the pass's own transaction rather than a second one: rows this pass
                # postponed still count, rows it sent do not.
                waiting = (await uow.connection.execute(select(func.count()).select_from(outgoing_messages)
                                                        .where(outgoing_messages.c.status == "pending"))).scalar_one()
                metrics.queued_messages.set(waiting)
            await uow.commit()
        for row in rows:
            self._taken.pop(row.id, None)
        return len(rows)

    async def _prepare(self, uow: UnitOfWork, row: Any) -> Delivery | None:
        """The Bot API call a row stands for, or None when Telegram already took it (recorded now)."""
        method, body = row.method, dict(row.body)
        if row.edits_ref:
            message_id = await self._message_id(uow, row.chat_id, row.edits_ref)
            if message_id is None:
                method, body = "sendMessage", {key: value for key, value in body.items() if key != "message_id"}
            else:
                body["message_id"] = message_id
        if row.id in self._taken:
            await self._sent(uow, row, self._taken[row.id])
            return None
        return Delivery(row, method, body)

    async def _send_all(self, deliveries: list[Delivery]) -> list[Any]:
        """Telegram's answer to each delivery, or the error it raised, in the deliveries' order. Calls
        go out side by side, each when the pace lets it."""
        slots = asyncio.Semaphore(self._concurrency)
        calls = []
        for delivery in deliveries:
            await slots.acquire()
            if delivery.method not in UNPACED_METHODS:
                await self.pace.wait_for_slot(delivery.row.chat_id)
            calls.append(asyncio.create_task(self._send(delivery, slots)))
        return await asyncio.gather(*calls)

    async def _send(self, delivery: Delivery, slots: asyncio.Semaphore) -> Any:
        try:
            result = await self._call(delivery.method, delivery.body, delivery.row)
        except RetryAfter as error:
            # Every chat waits from now, not from when this pass is recorded.
            self.pace.pause(retry_after_seconds(error))
            return error
        except Exception as error:  # recorded per message by _record; one failure must not lose the others
            return error
        finally:
            slots.release()
        # Remembered at once: if recording the pass fails, the next pass records it instead of resending.
        self._taken[delivery.row.id] = result
        return result

    async def _record(self, uow: UnitOfWork, delivery: Delivery, answer: Any) -> None:
        row, method, body = delivery.row, delivery.method, delivery.body
        if isinstance(answer, RetryAfter):
            seconds = retry_after_seconds(answer)
            metrics.telegram_retry_after_total.inc()
            await self._postpone(uow, row.id, seconds, f"429: retry after {seconds:g} s", count_attempt=False)
        elif isinstance(answer, BadRequest):
            await self._refused(uow, row, method, body, answer)
        elif isinstance(answer, Forbidden):
            metrics.messages_total.labels(method, "forbidden").inc()
            await self._finish(uow, row.id, "failed", f"forbidden: {answer.message}"[:500])
        elif isinstance(answer, Exception):
            metrics.messages_total.labels(method, "retry").inc()
            reason = answer.message if isinstance(answer, TelegramError) else str(answer)
            if not isinstance(answer, TelegramError):
                log.warning("sending a %s failed: %s: %s", method, type(answer).__name__, reason)
            problem = f"{type(answer).__name__}: {reason}"[:500]
            if row.attempts + 1 >= self._attempts:
                await self._finish(uow, row.id, "undelivered", problem)
            else:
                await self._postpone(uow, row.id, min(MAX_BACKOFF_SECONDS, 2.0 ** row.attempts), problem,
                                     count_attempt=True)
        else:
            metrics.messages_total.labels(method, "sent").inc()
            await self._sent(uow, row, answer)

    async def _sent(self, uow: UnitOfWork, row: Any, result: Any) -> None:
        ref = row.ref or row.edits_ref
        if ref and isinstance(result, dict) and "message_id" in result:
            await uow.connection.execute(insert(message_refs).values(
                chat_id=row.chat_id, ref=ref, message_id=result["message_id"]).on_conflict_do_update(
                index_elements=["chat_id", "ref"], set_={"message_id": result["message_id"]}))
        await self._finish(uow, row.id, "sent", "")

    async def _call(self, method: str, body: dict[str, Any], row: Any) -> Any:
        arguments = dict(body)
        field = UPLOAD_FIELDS.get(method)
        if field is not None and row.file is not None:
            arguments[field] = InputFile(bytes(row.file), filename=row.file_name or field)
        try:
            return await self._bot.do_api_request(method, api_kwargs=arguments)
        finally:
            if method not in UNPACED_METHODS:
                self.pace.sent(row.chat_id)

    async def _refused(self, uow: UnitOfWork, row: Any, method: str, body: dict[str, Any], error: BadRequest) -> None:
        description = error.message.lower()
        if method.startswith("edit") and "not modified" in description:
            metrics.messages_total.labels(method, "unchanged").inc()
            await self._finish(uow, row.id, "sent", "")
            return
        if method == "editMessageText":
            # The message is gone or is a photo: the screen arrives as a new message instead.
            metrics.messages_total.labels(method, "sent_as_new").inc()
            new_body = {key: value for key, value in body.items() if key != "message_id"}
            await uow.connection.execute(update(outgoing_messages).where(outgoing_messages.c.id == row.id).values(
                method="sendMessage", body=new_body, edits_ref=None, ref=row.ref or row.edits_ref))
            return
        if method == "answerCallbackQuery":
            metrics.messages_total.labels(method, "expired").inc()
            await self._finish(uow, row.id, "sent", error.message[:500])
            return
        metrics.messages_total.labels(method, "refused").inc()
        log.warning("Telegram refused a %s: %s", method, error.message)
        await self._finish(uow, row.id, "failed", f"refused: {error.message}"[:500])

    @staticmethod
    async def _message_id(uow: UnitOfWork, chat_id: int, ref: str) -> int | None:
        found = (await uow.connection.execute(select(message_refs.c.message_id).where(
            and_(message_refs.c.chat_id == chat_id, message_refs.c.ref == ref)))).scalar_one_or_none()
        return int(found) if found is not None else None

    @staticmethod
    async def _finish(uow: UnitOfWork, message_id: int, status: str, error: str) -> None:
        await uow.connection.execute(update(outgoing_messages).where(outgoing_messages.c.id == message_id).values(
            status=status, last_error=error, attempts=outgoing_messages.c.attempts + 1,
            sent_at=func.now() if status == "sent" else None))

    @staticmethod
    async def _postpone(uow: UnitOfWork, message_id: int, seconds: float, error: str, *, count_attempt: bool) -> None:
        values: dict[str, Any] = {"next_attempt_at": func.now() + timedelta(seconds=seconds), "last_error": error}
        if count_attempt:
            values["attempts"] = outgoing_messages.c.attempts + 1
        await uow.connection.execute(update(outgoing_messages).where(outgoing_messages.c.id == message_id)
                                     .values(**values))
