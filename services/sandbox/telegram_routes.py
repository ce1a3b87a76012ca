"""The Telegram Bot API at Telegram's own paths (`/bot<token>/<method>`, `/file/bot<token>/<path>`)
and wire format, and the sandbox's controls under /sandbox/telegram, where tests and the local
panel act as the people who talk to the bot.

Parameters arrive the three ways the Bot API takes them: a JSON body, a urlencoded form, or
multipart/form-data with file parts (python-telegram-bot sends forms, with objects such as
reply_markup as JSON strings, and multipart when it uploads). Query-string parameters count too.
A body over 20 MB of files (plus 1 MB of fields) is refused with 413 before it is read in full.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import mimetypes
from collections.abc import AsyncGenerator
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from services.sandbox.telegram_simulator import (
    MAX_UPLOAD_BYTES,
    PersonActionError,
    TelegramApiError,
    TelegramSimulator,
    UploadedFile,
)

MAX_BODY_BYTES = MAX_UPLOAD_BYTES + 1024 * 1024


def _answer(error: TelegramApiError) -> JSONResponse:
    return JSONResponse(error.as_json(), status_code=error.error_code)


async def _read_body(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise TelegramApiError(413, "Request Entity Too Large")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise TelegramApiError(413, "Request Entity Too Large")
        chunks.append(chunk)
    return b"".join(chunks)


async def read_parameters(request: Request) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
    """A Bot API call's parameters and uploaded files, whichever way they were sent."""
    params: dict[str, Any] = dict(request.query_params)
    files: dict[str, UploadedFile] = {}
    body = await _read_body(request)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if not body:
        return params, files
    if content_type == "application/json":
        try:
            decoded = json.loads(body)
        except ValueError:
            raise TelegramApiError(400, "Bad Request: can't parse JSON object") from None
        if not isinstance(decoded, dict):
            raise TelegramApiError(400, "Bad Request: can't parse JSON object")
        params.update(decoded)
    elif content_type == "application/x-www-form-urlencoded":
        params.update(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))
    elif content_type == "multipart/form-data":
        async def replay() -> AsyncGenerator[bytes, None]:
            yield body

        try:
            form = await MultiPartParser(request.headers, replay(), max_files=50, max_fields=200).parse()
        except MultiPartException as error:
            raise TelegramApiError(400, f"Bad Request: {error.message}") from None
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                file_name = value.filename or name
                mime = value.content_type or mimetypes.guess_type(file_name)[0] or "application/octet-stream"
                files[name] = UploadedFile(await value.read(), file_name, mime)
                await value.close()
            else:
                params[name] = value
    return params, files


class PersonMessage(BaseModel):
    text: str
    first_name: str | None = None
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "en"
    wait: bool = True


class ButtonPress(BaseModel):
    message_id: int
    callback_data: str | None = None
    text: str | None = Field(default=None, description="the button's label, when callback_data is not given")
    wait: bool = True


class DocumentUpload(BaseModel):
    file_name: str
    mime_type: str = "application/octet-stream"
    content_base64: str
    caption: str | None = None
    first_name: str | None = None
    wait: bool = True


class WebhookSetting(BaseModel):
    url: str
    secret_token: str = ""


def add_telegram_routes(app: FastAPI, simulator: TelegramSimulator, *, latency_seconds: float = 0.0) -> None:
    @app.api_route("/bot{token}/{method}", methods=["GET", "POST"], include_in_schema=False)
    async def bot_api(token: str, method: str, request: Request) -> Response:
        if not simulator.token_matches(token):
            return _answer(TelegramApiError(401, "Unauthorized"))
        if latency_seconds:
            await asyncio.sleep(latency_seconds / 2)
        try:
            params, files = await read_parameters(request)
            result = await simulator.call(method, params, files)
        except TelegramApiError as error:
            return _answer(error)
        finally:
            if latency_seconds:
                await asyncio.sleep(latency_seconds / 2)
        return JSONResponse({"ok": True, "result": result})

    @app.get("/file/bot{token}/{file_path:path}", include_in_schema=False)
    async def download(token: str, file_path: str) -> Response:
        if not simulator.token_matches(token):
            return _answer(TelegramApiError(401, "Unauthorized"))
        stored = simulator.file_at(file_path)
        if stored is None:
            return _answer(TelegramApiError(404, "Not Found"))
        return Response(stored.content, media_type="application/octet-stream")

    _add_control_routes(app, simulator)


def _add_control_routes(app: FastAPI, simulator: TelegramSimulator) -> None:
    control = APIRouter(prefix="/sandbox/telegram")

    def refused(error: PersonActionError) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=404)

    @control.post("/users/{user_id}/messages")
    async def send_text(user_id: int, body: PersonMessage) -> Response:
        """The person types a message; answers with the update and whether the bot took it."""
        try:
            delivery = await simulator.send_text(user_id, body.text, first_name=body.first_name,
                                                 last_name=body.last_name, username=body.username,
                                                 language_code=body.language_code, wait=body.wait)
        except PersonActionError as error:
            return refused(error)
        return JSONResponse(delivery.as_json())

    @control.post("/users/{user_id}/press")
    async def press(user_id: int, body: ButtonPress) -> Response:
        """The person presses an inline button under one of the bot's messages."""
        try:
            delivery = await simulator.press_button(user_id, body.message_id, callback_data=body.callback_data,
                                                    text=body.text, wait=body.wait)
        except PersonActionError as error:
            return refused(error)
        return JSONResponse(delivery.as_json())

    @control.post("/users/{user_id}/documents")
    async def upload(user_id: int, body: DocumentUpload) -> Response:
        """The person sends a file (base64 in JSON); the bot can getFile and download it."""
        try:
            content = base64.b64decode(body.content_base64, validate=True)
        except (binascii.Error, ValueError):
            return JSONResponse({"detail": "content_base64 is not base64"}, status_code=400)
        try:
            delivery = await simulator.upload_document(user_id, content, body.file_name, body.mime_type,
                                                       caption=body.caption, first_name=body.first_name,
                                                       wait=body.wait)
        except PersonActionError as error:
            return JSONResponse({"detail": str(error)}, status_code=413 if content else 400)
        return JSONResponse(delivery.as_json())

    @control.post("/users/{user_id}/block")
    async def block(user_id: int) -> Response:
        try:
            simulator.block_bot(user_id)
        except PersonActionError as error:
            return refused(error)
        return JSONResponse({"user_id": user_id, "blocked": True})

    @control.post("/users/{user_id}/unblock")
    async def unblock(user_id: int) -> Response:
        try:
            simulator.unblock_bot(user_id)
        except PersonActionError as error:
            return refused(error)
        return JSONResponse({"user_id": user_id, "blocked": False})

    @control.get("/chats")
    async def list_chats() -> dict[str, Any]:
        return {"chats": simulator.chat_list()}

    @control.get("/chats/{chat_id}")
    async def read_chat(chat_id: int, request: Request) -> Response:
        try:
            return JSONResponse(simulator.chat_view(chat_id, base_url=str(request.base_url).rstrip("/")))
        except PersonActionError as error:
            return refused(error)

    @control.get("/chats/{chat_id}/next-bot-message")
    async def next_bot_message(chat_id: int, after_message_id: int = 0, wait_seconds: float = 5.0) -> Response:
        """Waits (up to `wait_seconds`, at most 60) for the bot's next message in the chat."""
        try:
            message = await simulator.wait_for_bot_message(chat_id, after_message_id=after_message_id,
                                                           within=min(max(wait_seconds, 0.0), 60.0))
        except TimeoutError:
            return JSONResponse({"detail": "the bot sent nothing in time"}, status_code=408)
        return JSONResponse(message)

    @control.get("/calls")
    async def list_calls(method: str | None = None, chat_id: int | None = None) -> dict[str, Any]:
        return {"calls": [call.__dict__ for call in simulator.api_calls(method, chat_id)],
                "refused": [call.__dict__ for call in simulator.refused]}

    @control.get("/updates")
    async def list_updates() -> dict[str, Any]:
        return {"updates": [delivery.as_json() for delivery in simulator.deliveries]}

    @control.get("/counters")
    async def counters() -> dict[str, int]:
        return simulator.counters()

    @control.get("/webhook")
    async def webhook() -> dict[str, Any]:
        return {"url": simulator.webhook.url, "has_secret_token": bool(simulator.webhook.secret_token),
                "allowed_updates": simulator.webhook.allowed_updates}

    @control.put("/webhook")
    async def set_webhook(body: WebhookSetting) -> Response:
        """Points updates somewhere, as the bot's own setWebhook would."""
        try:
            await simulator.call("setWebhook", {"url": body.url, "secret_token": body.secret_token or None})
        except TelegramApiError as error:
            return _answer(error)
        return JSONResponse({"url": body.url})

    @control.put("/failing")
    async def set_failing(mode: str = "") -> dict[str, str]:
        """'' (healthy) or 'error' (every Bot API call answers 500)."""
        simulator.failing = mode
        return {"failing": mode}

    @control.post("/reset")
    async def reset() -> dict[str, str]:
        simulator.reset()
        return {"status": "reset"}

    app.include_router(control)
