"""Delivering queued messages to Telegram at Telegram's pace.

Limits: at most `bot_messages_per_second` sends in any one-second window overall, and
`bot_seconds_between_chat_messages` between two sends to one chat; button acknowledgements
(answerCallbackQuery) count for neither. A chat's messages go out in the order they were queued.
A 429 pauses all sending for its `retry_after`; a network failure is retried with growing delays,
then left `undelivered` for the notification tick to try again; a message Telegram refuses for
good (bad request, bot blocked) is marked `failed`. An edit of a message that no longer exists or
cannot be edited is sent as a new message instead.

A pass takes the chats that are due now: each chat's oldest pending message, once its retry time
has come and its chat's second since the last send has passed. A chat still inside its second is
left for a later pass instead of being waited for inside this one, so a message queued for another
chat meanwhile is not held up behind it; between passes the sender sleeps until the next chat is
due or a message is queued, whichever comes first. (Passes that waited inside for every chat they
took kept the call's outcome about 0.4 s at the median behind other chats' seconds:
bench/customer_latency.py.) Within one pass the Bot API calls to different chats run side by side,
up to `bot_sender_concurrency` at once, so the rate is Telegram's limit and not one request's
latency; each is let out only when the overall pace allows it, counting those still on their way.
Each message is sent, and logged, under the trace id of the work that queued it
(services/runtime/tracing.py).

Delivery is at least once: a crash between Telegram's answer and the commit resends that message.
A commit that fails while the process lives (PostgreSQL restarting) resends nothing: the sender
remembers what Telegram took and records it on the next pass instead of sending it again.
Several replicas may send at once (rows are taken with SKIP LOCKED); the limits hold for all of
them together (services/bot/send_limits.py), so `bot_messages_per_second` is the bot's overall rate.
"""

from __future__ import annotations

import asyncio
import logging
import time
import warnings
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from telegram import Bot, InputFile
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.warnings import PTBUserWarning

from services.bot import metrics
from services.bot.send_limits import SAFETY_SECONDS, SharedPace, Ticket
from services.bot.settings import BotSettings
from services.bot.tables import message_refs, outgoing_messages
from services.runtime.background import end_if_cancelled
from services.runtime.database import Database, UnitOfWork
from services.runtime.tracing import resumed

log = logging.getLogger(__name__)

# The queue stores Bot API calls by method name, so they are made generically; python-telegram-bot
# suggests its typed methods on every such call, which says nothing here.
warnings.filterwarnings("ignore", message="Please use 'Bot.", category=PTBUserWarning)

UNPACED_METHODS = frozenset({"answerCallbackQuery", "sendChatAction"})
UPLOAD_FIELDS = {"sendPhoto": "photo", "sendDocument": "document", "sendAudio": "audio"}
BATCH = 100
# The longest sleep between passes: a message queued by another replica (whose wake-up does not
# reach this one) waits at most this long for this sender.
POLL_SECONDS = 1.0
# The shortest: a chat found due just after a pass read the queue is taken by the next pass, not
# by a loop spinning on the clock.
MIN_SLEEP_SECONDS = 0.002
MAX_BACKOFF_SECONDS = 300.0

_UNPACED_SQL = ", ".join(f"'{method}'" for method in sorted(UNPACED_METHODS))

# The oldest pending message of each chat, when it may go: its retry time, and for a counted call a
# second (and the pace's margin) after its chat's last send by any replica (`gap`: that second in s).
def _due_at(gap: str) -> str:
    return f"""
greatest(o.next_attempt_at,
         CASE WHEN o.method IN ({_UNPACED_SQL}) THEN '-infinity'::timestamptz
              ELSE coalesce((SELECT c.sent_at FROM chat_sends c WHERE c.chat_id = o.chat_id)
                            + make_interval(secs => {gap}), '-infinity') END)"""


_HEADS = "o.id IN (SELECT min(id) FROM outgoing_messages WHERE status = 'pending' GROUP BY chat_id)"

# The chats due now, each by its oldest pending message, locked for this sender; with the seconds
# since the chat last got a message from any replica (NULL: never). `o.status = 'pending'` is said
# on the row itself, not only in _HEADS' subquery: when another replica sends and commits a row while
# this statement waits to lock it, PostgreSQL re-checks the row's own conditions on its new version
# but not the subquery's (read committed), so without it the row, already sent, was sent again.
_DUE = text(f"""
SELECT o.*, (SELECT extract(epoch FROM clock_timestamp() - c.sent_at)::float8
             FROM chat_sends c WHERE c.chat_id = o.chat_id) AS chat_sent_ago
FROM outgoing_messages o
WHERE o.status = 'pending' AND {_HEADS} AND {_due_at("CAST(:gap AS float8)")} <= clock_timestamp()
ORDER BY o.id LIMIT :limit FOR UPDATE OF o SKIP LOCKED
""")

# Seconds until the next chat is due (≤ 0: one is due now), among the chats no other sender holds;
# no row: nothing is waiting. The lock is the statement's own, released as it ends.
_NEXT_DUE = f"""
SELECT extract(epoch FROM {_due_at("$1::float8")} - clock_timestamp())::float8 AS wait
FROM outgoing_messages o WHERE {_HEADS}
ORDER BY 1 LIMIT 1 FOR UPDATE OF o SKIP LOCKED
"""


def retry_after_seconds(error: RetryAfter) -> float:
    value: Any = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


@dataclass(frozen=True)
class Delivery:
    """One queued row as the Bot API call it makes now (an edit of a lost message becomes a send)."""

    row: Any
    method: str
    body: dict[str, Any]
    # The clock time (time.monotonic) at which the chat may get it.
    ready_at: float


class MessageSender:
    def __init__(self, database: Database, bot: Bot, settings: BotSettings) -> None:
        self._database = database
        self._bot = bot
        self._attempts = settings.bot_send_attempts
        self._concurrency = settings.bot_sender_concurrency
        self.pace = SharedPace(database, settings.bot_messages_per_second, settings.bot_seconds_between_chat_messages)
        # A chat is due this long after its last send (the pace keeps the same margin).
        self._chat_gap = (settings.bot_seconds_between_chat_messages + SAFETY_SECONDS
                          if settings.bot_seconds_between_chat_messages > 0 else 0.0)
        self._wake = asyncio.Event()
        # Messages Telegram took whose "sent" was not committed yet, with Telegram's answer.
        self._taken: dict[int, Any] = {}

    def wake(self) -> None:
        self._wake.set()

    async def run_forever(self) -> None:
        """Passes over the due chats; between them, sleeps until the next chat is due or a message is
        queued here (`wake`), at most POLL_SECONDS. A pass that fails is logged and tried again."""
        while True:
            end_if_cancelled()
            self._wake.clear()  # before the pass, so that a message queued during it is not missed
            try:
                if await self.send_due() >= BATCH:
                    continue  # a full pass: more chats may be due now
                sleep = await self.seconds_until_due()
            except Exception:
                log.error("sending queued messages failed; retrying", exc_info=True)
                sleep = POLL_SECONDS
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=sleep)
            except TimeoutError:
                pass

    async def seconds_until_due(self) -> float:
        """How long to sleep before the next pass: until the next chat is due, within
        MIN_SLEEP_SECONDS and POLL_SECONDS."""
        rows = await self._database.fetch_atomically(_NEXT_DUE, self._chat_gap)
        if not rows:
            return POLL_SECONDS
        return min(POLL_SECONDS, max(MIN_SLEEP_SECONDS, float(rows[0]["wait"])))

    async def send_due(self) -> int:
        """Sends the messages due now (one per chat per pass); returns how many it handled."""
        async with self._database.unit_of_work() as uow:
            rows = list((await uow.connection.execute(_DUE, {"gap": self._chat_gap, "limit": BATCH})).all())
            read_at = time.monotonic()
            # Due by the database's clock; the pace checks again by this one (it waits should they differ).
            ready = {row.id: self.pace.chat_ready_at(row.chat_sent_ago, read_at=read_at) for row in rows}
            deliveries = [delivery for row in rows
                          if (delivery := await self._prepare(uow, row, ready[row.id])) is not None]
            answers = await self._send_all(deliveries)
            for delivery, answer in zip(deliveries, answers, strict=True):
                with resumed(delivery.row.trace_id):
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
        await self.pace.forget_old_chats()
        return len(rows)

    async def _prepare(self, uow: UnitOfWork, row: Any, ready_at: float) -> Delivery | None:
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
        return Delivery(row, method, body, ready_at)

    async def _send_all(self, deliveries: list[Delivery]) -> list[Any]:
        """Telegram's answer to each delivery, or the error it raised, in the deliveries' order. Calls
        go out side by side, each when the pace lets it."""
        slots = asyncio.Semaphore(self._concurrency)
        calls: list[asyncio.Task[Any]] = []
        for delivery in deliveries:
            await slots.acquire()
            ticket = None
            if delivery.method not in UNPACED_METHODS:
                # Should this fail, the calls on their way still remember what Telegram took.
                ticket = await self.pace.wait_for_slot(delivery.row.chat_id, chat_ready_at=delivery.ready_at)
            with resumed(delivery.row.trace_id):  # the call, and what it logs, under the queuing work's trace
                calls.append(asyncio.create_task(self._send(delivery, slots, ticket)))
        return await asyncio.gather(*calls)

    async def _send(self, delivery: Delivery, slots: asyncio.Semaphore, ticket: Ticket | None) -> Any:
        try:
            result = await self._call(delivery.method, delivery.body, delivery.row)
        except RetryAfter as error:
            # Every chat of every replica waits from now, not from when this pass is recorded.
            await self._counted(ticket, pause=retry_after_seconds(error))
            return error
        except Exception as error:  # recorded per message by _record; one failure must not lose the others
            await self._counted(ticket)
            return error
        finally:
            slots.release()
        # Remembered at once: if recording the pass fails, the next pass records it instead of resending.
        self._taken[delivery.row.id] = result
        await self._counted(ticket)
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
            log.debug("%s sent to Telegram", method)
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
        return await self._bot.do_api_request(method, api_kwargs=arguments)

    async def _counted(self, ticket: Ticket | None, *, pause: float = 0.0) -> None:
        """Dates the send's slot and chat by Telegram's answer (now), and pauses every replica after
        a 429. A failure here loses no message: the slot is taken again once stale."""
        if ticket is None:
            return
        answered_at = time.monotonic()
        try:
            if pause > 0:
                await self.pace.pause(pause)
            await self.pace.answered(ticket, at=answered_at)
        except Exception:
            log.warning("recording a send against Telegram's limits failed", exc_info=True)

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
