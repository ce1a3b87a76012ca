"""Handling one Telegram update, once: claim its update_id, lock the chat's conversation, route it
to its screen, queue the answer, save the conversation, commit — all in one transaction.

A refusal from another service becomes a message in the customer's language; anything unexpected
is logged, the transaction rolled back (nothing half-done stays), and the person is told that
nothing changed and to try again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import grpc
from sqlalchemy.dialects.postgresql import insert
from telegram import Bot, Update

from services.bot import metrics
from services.bot.callback_data import FROM_NOTIFICATION, BadCallbackData, unpack
from services.bot.clients import Services
from services.bot.conversation import lock_conversation, save_conversation
from services.bot.i18n import DEFAULT_LANGUAGE, LANGUAGES, Words
from services.bot.outgoing import Outgoing, queue_messages
from services.bot.routing import router
from services.bot.screens.home import back_home
from services.bot.settings import BotSettings
from services.bot.tables import handled_updates
from services.bot.turn import NotOnboarded, Turn
from services.bot.users import find_user
from services.runtime.database import Database, UnitOfWork, is_database_unavailable
from services.runtime.grpc_client import refusal_reason
from services.runtime.tracing import traced

log = logging.getLogger(__name__)

# Documents a person may send (call lists): Telegram lets bots download up to 20 MB; we need far less.
MAX_DOCUMENT_BYTES = 2 * 1024 * 1024
UNAVAILABLE_CODES = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED,
                               grpc.StatusCode.ABORTED})


def language_of(telegram_language: str | None) -> str:
    code = (telegram_language or "").split("-")[0].lower()
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


def refusal_text(words: Words, error: grpc.aio.AioRpcError) -> str:
    """A refusal in the customer's words: by its reason when we have words for it, else by its code."""
    reason = refusal_reason(error)
    if reason:
        specific = words(f"error.{reason}")
        if specific != f"error.{reason}":
            return specific
    if error.code() in UNAVAILABLE_CODES:
        return words("error.unavailable")
    if error.code() == grpc.StatusCode.NOT_FOUND:
        return words("error.not_found")
    if error.code() == grpc.StatusCode.PERMISSION_DENIED:
        return words("error.not_allowed")
    return words("error.refused", reason=reason or error.code().name)


class UpdateHandling:
    def __init__(self, database: Database, services: Services, settings: BotSettings, bot: Bot,
                 on_queued: Callable[[], None], clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.clock = clock
        self.database = database
        self.services = services
        self.settings = settings
        self.bot = bot
        self.on_queued = on_queued

    async def handle(self, update: Update) -> str:
        """Returns the outcome: handled, duplicate, ignored, refused or failed. The update starts a
        trace of its own (services/runtime/tracing.py): its log lines, the calls it makes and the
        events it causes, in every service, carry that trace id; its update_id is logged with it."""
        with traced():
            outcome = await self._handle(update)
            # The update_id as a number field: in the text, the redaction would take it for a phone number.
            log.info("telegram update: %s", outcome, extra={"fields": {"update_id": update.update_id}})
        return outcome

    async def _handle(self, update: Update) -> str:
        started = time.monotonic()
        chat, person = update.effective_chat, update.effective_user
        if chat is None or person is None or chat.type != "private" or person.is_bot:
            outcome = await self._mark_only(update.update_id, "ignored")
        else:
            try:
                outcome = await self._handle_in_transaction(update, chat.id, person.id, person.language_code)
            except Exception as error:
                if is_database_unavailable(error):
                    # PostgreSQL is unreachable or restarting: Telegram keeps the update and sends it
                    # again, rather than the person being told that something went wrong.
                    metrics.updates_total.labels("database_unavailable").inc()
                    raise
                log.exception("handling an update failed; it was rolled back")
                outcome = await self._tell_it_failed(update, chat.id, person.id, person.language_code)
        metrics.updates_total.labels(outcome).inc()
        metrics.update_seconds.observe(time.monotonic() - started)
        return outcome

    async def _claim(self, uow: UnitOfWork, update_id: int) -> bool:
        claimed = await uow.connection.execute(insert(handled_updates).values(update_id=update_id)
                                               .on_conflict_do_nothing().returning(handled_updates.c.update_id))
        return claimed.first() is not None

    async def _mark_only(self, update_id: int, outcome: str) -> str:
        async with self.database.unit_of_work() as uow:
            if not await self._claim(uow, update_id):
                return "duplicate"
            await uow.commit()
        return outcome

    async def _handle_in_transaction(self, update: Update, chat_id: int, person_id: int,
                                     telegram_language: str | None) -> str:
        async with self.database.unit_of_work() as uow:
            if not await self._claim(uow, update.update_id):
                return "duplicate"
            conversation = await lock_conversation(uow, chat_id)
            user = await find_user(uow, person_id)
            words = Words(user.language if user else language_of(telegram_language))
            turn = Turn(uow=uow, update_id=update.update_id, chat_id=chat_id, telegram_user_id=person_id,
                        telegram_language=language_of(telegram_language), user=user, words=words,
                        conversation=conversation, services=self.services, settings=self.settings,
                        clock=self.clock)
            outcome = "handled"
            try:
                await self._route(turn, update)
            except grpc.aio.AioRpcError as error:
                outcome = "refused"
                # The press is still answered, but without a toast that says it worked.
                turn.outgoing = [Outgoing(m.method, {"callback_query_id": m.body["callback_query_id"]})
                                 for m in turn.outgoing if m.method == "answerCallbackQuery"]
                turn.send(refusal_text(turn.words, error), back_home(turn.words))
            await queue_messages(uow, chat_id, turn.outgoing)
            await save_conversation(uow, conversation)
            uow.after_commit(self.on_queued)
            await uow.commit()
        return outcome

    async def _route(self, turn: Turn, update: Update) -> None:
        from services.bot.screens.onboarding import ask_to_finish_onboarding  # registered screens

        query = update.callback_query
        message = update.message
        try:
            if query is not None:
                turn.outgoing.append(Outgoing("answerCallbackQuery", {"callback_query_id": query.id}))
                if query.message is not None:
                    turn.pressed_message_id = query.message.message_id
                await self._route_button(turn, query.data)
            elif message is not None and message.text is not None and message.text.startswith("/"):
                await self._route_command(turn, message.text)
            elif message is not None and message.text is not None:
                await self._route_text(turn, message.text)
            elif message is not None and message.document is not None:
                await self._route_document(turn, message.document)
            else:
                turn.send(turn.words("error.unsupported_message"))
        except NotOnboarded:
            await ask_to_finish_onboarding(turn)

    async def _route_button(self, turn: Turn, data: str | None) -> None:
        if data is not None and data.startswith(FROM_NOTIFICATION):
            data = data[len(FROM_NOTIFICATION):]
            turn.pressed_notification = True
        try:
            parts = unpack(data)
        except BadCallbackData:
            turn.send(turn.words("error.stale_button"), back_home(turn.words))
            return
        handler = router.buttons.get(parts[0])
        if handler is None:
            turn.send(turn.words("error.stale_button"), back_home(turn.words))
            return
        if parts[0] not in router.open_to_newcomers:
            _ = turn.customer  # raises NotOnboarded for newcomers
        await handler(turn, parts[1:])

    async def _route_command(self, turn: Turn, text: str) -> None:
        name = text[1:].split(maxsplit=1)[0].split("@")[0].lower() if len(text) > 1 else ""
        handler = router.commands.get(name)
        if handler is None:
            turn.send(turn.words("error.unknown_command"), back_home(turn.words))
            return
        if f"/{name}" not in router.open_to_newcomers:
            _ = turn.customer
        await handler(turn)

    async def _route_text(self, turn: Turn, text: str) -> None:
        handler = router.texts.get(turn.conversation.state)
        if handler is None:
            _ = turn.customer
            turn.send(turn.words("home.use_buttons"), back_home(turn.words))
            return
        await handler(turn, text.strip())

    async def _route_document(self, turn: Turn, document: Any) -> None:
        handler = router.documents.get(turn.conversation.state)
        if handler is None:
            turn.send(turn.words("error.unexpected_document"), back_home(turn.words))
            return
        if (document.file_size or 0) > MAX_DOCUMENT_BYTES:
            turn.send(turn.words("error.document_too_big", megabytes=MAX_DOCUMENT_BYTES // (1024 * 1024)))
            return
        telegram_file = await self.bot.get_file(document.file_id)
        content = bytes(await telegram_file.download_as_bytearray())
        if len(content) > MAX_DOCUMENT_BYTES:
            turn.send(turn.words("error.document_too_big", megabytes=MAX_DOCUMENT_BYTES // (1024 * 1024)))
            return
        await handler(turn, content, document.file_name or "list.txt")

    async def _tell_it_failed(self, update: Update, chat_id: int, person_id: int,
                              telegram_language: str | None) -> str:
        async with self.database.unit_of_work() as uow:
            if not await self._claim(uow, update.update_id):
                return "duplicate"
            user = await find_user(uow, person_id)
            words = Words(user.language if user else language_of(telegram_language))
            messages = []
            if update.callback_query is not None:
                messages.append(Outgoing("answerCallbackQuery", {"callback_query_id": update.callback_query.id}))
            messages.append(Outgoing("sendMessage", {"chat_id": chat_id, "text": words("error.internal"),
                                                     "reply_markup": back_home(words).markup()}))
            await queue_messages(uow, chat_id, messages)
            uow.after_commit(self.on_queued)
            await uow.commit()
        return "failed"

