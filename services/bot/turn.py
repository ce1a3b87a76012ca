"""One update being handled: who sent it, where their conversation is, and what to answer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from services.bot.clients import RPC_TIMEOUT_SECONDS, Services
from services.bot.conversation import Conversation
from services.bot.i18n import Words
from services.bot.outgoing import Keyboard, Outgoing, text_message
from services.bot.settings import BotSettings
from services.bot.users import TelegramUser
from services.runtime.database import UnitOfWork


class NotOnboarded(Exception):
    """The action needs a customer who has finished onboarding."""


@dataclass
class Turn:
    uow: UnitOfWork
    update_id: int
    chat_id: int
    telegram_user_id: int
    telegram_language: str
    user: TelegramUser | None
    words: Words
    conversation: Conversation
    services: Services
    settings: BotSettings
    # Set when the update is a button press: the message that carried the button, and whether that
    # message is a notification (its buttons carry callback_data.FROM_NOTIFICATION).
    pressed_message_id: int | None = None
    pressed_notification: bool = False
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    outgoing: list[Outgoing] = field(default_factory=list)

    timeout = RPC_TIMEOUT_SECONDS

    @property
    def customer(self) -> TelegramUser:
        if self.user is None or not self.user.onboarded:
            raise NotOnboarded
        return self.user

    @property
    def customer_id(self) -> str:
        return self.customer.customer_id

    def now(self) -> datetime:
        return self.clock()

    @property
    def is_admin(self) -> bool:
        return self.telegram_user_id in self.settings.speechcue_admin_telegram_ids

    def key(self, purpose: str) -> str:
        """The idempotency key of an RPC this update makes: a redelivered update repeats nothing."""
        return f"tg:{self.update_id}:{purpose}"

    def show(self, text: str, keyboard: Keyboard | None = None) -> None:
        """A screen: replaces the message whose button was pressed, or arrives as a new message when
        the update was typed or the pressed message is a notification (a call's outcome, a campaign's
        progress, a top-up), which is never overwritten."""
        if self.pressed_message_id is not None and not self.pressed_notification:
            self.outgoing.append(Outgoing("editMessageText", text_message(
                text, keyboard, chat_id=self.chat_id, message_id=self.pressed_message_id)))
        else:
            self.send(text, keyboard)

    def toast(self, text: str) -> None:
        """A short notice over the chat for the button just pressed ("Paused", "Saved"), shown by
        Telegram for a few seconds on the button's answer; nothing when the update was not a press."""
        for index, message in enumerate(self.outgoing):
            if message.method == "answerCallbackQuery":
                self.outgoing[index] = replace(message, body={**message.body, "text": text})
                return

    def send(self, text: str, keyboard: Keyboard | None = None, *, ref: str | None = None) -> None:
        self.outgoing.append(Outgoing("sendMessage", text_message(text, keyboard, chat_id=self.chat_id), ref=ref))

    def send_file(self, method: str, content: bytes, file_name: str, caption: str = "",
                  keyboard: Keyboard | None = None) -> None:
        """sendPhoto, sendDocument or sendAudio with an upload."""
        body: dict[str, Any] = {"chat_id": self.chat_id, "caption": caption}
        if keyboard is not None and keyboard.rows:
            body["reply_markup"] = keyboard.markup()
        self.outgoing.append(Outgoing(method, body, file=content, file_name=file_name))
