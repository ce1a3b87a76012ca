"""Queueing messages to Telegram: rows written in the caller's transaction, sent by the sender.

Why a queue: a reply or a notification is decided in a transaction (with the state that led to
it) but delivered at Telegram's pace (30 a second overall, one a second per chat), retried when
Telegram is down or answers 429, and never lost to a crash in between.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy.dialects.postgresql import insert

from services.bot.callback_data import from_notification, pack
from services.bot.tables import outgoing_messages
from services.runtime.database import UnitOfWork
from services.runtime.tracing import current_trace_id


@dataclass(frozen=True)
class Button:
    label: str
    data: str = ""
    url: str = ""

    def markup(self) -> dict[str, str]:
        return {"text": self.label, "url": self.url} if self.url else {"text": self.label, "callback_data": self.data}


def button(label: str, *parts: str | int) -> Button:
    return Button(label, pack(*parts))


@dataclass
class Keyboard:
    rows: list[list[Button]] = field(default_factory=list)

    def row(self, *buttons: Button) -> Keyboard:
        if buttons:
            self.rows.append(list(buttons))
        return self

    def markup(self) -> dict[str, Any]:
        return {"inline_keyboard": [[b.markup() for b in row] for row in self.rows]}


@dataclass(frozen=True)
class Outgoing:
    """One Bot API call to make: `method` with its JSON `body`, and a file for uploads."""

    method: str
    body: dict[str, Any]
    file: bytes | None = None
    file_name: str | None = None
    ref: str | None = None
    edits_ref: str | None = None
    dedupe_key: str | None = None


def text_message(text: str, keyboard: Keyboard | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"text": text, "link_preview_options": {"is_disabled": True}, **extra}
    if keyboard is not None and keyboard.rows:
        body["reply_markup"] = keyboard.markup()
    return body


def as_notification(message: Outgoing) -> Outgoing:
    """The message with its buttons marked as a notification's (callback_data.FROM_NOTIFICATION): what
    they open arrives as a new message, and the outcome, progress or receipt stays in the chat."""
    markup = message.body.get("reply_markup")
    if not isinstance(markup, dict) or "inline_keyboard" not in markup:
        return message
    rows = [[{**b, "callback_data": from_notification(b["callback_data"])} if "callback_data" in b else b
             for b in row] for row in markup["inline_keyboard"]]
    return replace(message, body={**message.body, "reply_markup": {**markup, "inline_keyboard": rows}})


# One statement, compiled once and cached: a multi-row VALUES built per call is compiled on every
# update (bench/README.md, "Bot webhook").
_QUEUE = insert(outgoing_messages).on_conflict_do_nothing(index_elements=["dedupe_key"])


async def queue_messages(uow: UnitOfWork, chat_id: int, messages: list[Outgoing]) -> None:
    """Adds the messages in order; a message whose dedupe key was queued before is skipped."""
    if not messages:
        return
    trace_id = current_trace_id()  # the sender sends and logs each under the work that queued it
    rows = [{"chat_id": chat_id, "method": m.method, "body": m.body, "file": m.file, "file_name": m.file_name,
             "ref": m.ref, "edits_ref": m.edits_ref, "dedupe_key": m.dedupe_key, "trace_id": trace_id}
            for m in messages]
    await uow.connection.execute(_QUEUE, rows)
