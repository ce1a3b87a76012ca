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
        except Exception as error:
            metrics.updates_total.labels("malformed").inc()
            return JSONResponse({"error": f"malformed update: {error}"[:200]}, status_code=400)
        outcome = await handling.handle(update)
        return JSONResponse({"status": outcome})
