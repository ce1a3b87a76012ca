"""`POST /telegram/webhook`: Telegram's updates, authenticated by the secret header and handled once.

A wrong or missing `X-Telegram-Bot-Api-Secret-Token` → 403; a body that is not an update → 400;
too large → 413 (the HTTP app's limit). None of them changes anything. The answer is 200 once the
update is committed (replies are queued with it), so Telegram redelivers only what we did not keep.
"""

from __future__ import annotations

import hmac
import json

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from telegram import Bot, Update

from services.bot import metrics
from services.bot.telegram_webhook_schema import OPENAPI_EXTRA
from services.bot.updates import UpdateHandling

SECRET_HEADER = "x-telegram-bot-api-secret-token"


def add_telegram_webhook(app: FastAPI, *, handling: UpdateHandling, secret: str, bot: Bot) -> None:
    expected = secret.encode()

    @app.post("/telegram/webhook", openapi_extra=OPENAPI_EXTRA)
    async def telegram_webhook(request: Request) -> JSONResponse:
        """Receives one update from Telegram."""
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            metrics.updates_total.labels("bad_secret").inc()
            return JSONResponse({"error": "wrong secret token"}, status_code=403)
        raw = await request.body()
        try:
            data = json.loads(raw)
            if not isinstance(data, dict) or not isinstance(data.get("update_id"), int) or data["update_id"] < 0:
                raise ValueError("an update is an object with a non-negative integer update_id")
            update = Update.de_json(data, bot)
            _check_fields_the_bot_reads(update)
        except Exception as error:
            metrics.updates_total.labels("malformed").inc()
            return JSONResponse({"error": f"malformed update: {error}"[:200]}, status_code=400)
        outcome = await handling.handle(update)
        return JSONResponse({"status": outcome})


_INT64 = range(-(2**63), 2**63)


def _check_fields_the_bot_reads(update: Update) -> None:
    """`Update.de_json` takes any JSON types as they come (a null chat id, a list for a user id);
    the fields the bot stores or routes on must have Telegram's types, or the update is malformed."""
    chat, person = update.effective_chat, update.effective_user
    for name, value in (("update_id", update.update_id), ("chat.id", chat.id if chat else 0),
                        ("from.id", person.id if person else 0)):
        if not isinstance(value, int) or isinstance(value, bool) or value not in _INT64:
            raise ValueError(f"{name} is not a 64-bit integer")
    if chat is not None and not isinstance(chat.type, str):
        raise ValueError("chat.type is not a string")
    if person is not None and not (isinstance(person.is_bot, bool)
                                   and isinstance(person.language_code, str | None)):
        raise ValueError("from.is_bot or from.language_code has the wrong type")
    message, query = update.message, update.callback_query
    if message is not None:
        document = message.document
        if not isinstance(message.text, str | None) or not isinstance(message.message_id, int):
            raise ValueError("message.text or message.message_id has the wrong type")
        if document is not None and not (isinstance(document.file_id, str)
                                         and isinstance(document.file_name, str | None)
                                         and isinstance(document.file_size, int | None)):
            raise ValueError("message.document has fields of the wrong type")
    if query is not None:
        pressed = query.message
        if not (isinstance(query.id, str) and isinstance(query.data, str | None)):
            raise ValueError("callback_query.id or callback_query.data is not a string")
        if pressed is not None and not isinstance(pressed.message_id, int):
            raise ValueError("callback_query.message.message_id is not an integer")
