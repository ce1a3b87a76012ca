"""The OpenAPI description of `POST /telegram/webhook`: the part of Telegram's Update the bot reads.

The route reads its raw body (to check the secret first and answer 400 rather than FastAPI's 422),
so FastAPI cannot infer a body schema; this one is given to the route as `openapi_extra`. It
documents the contract and lets Schemathesis fuzz the route. Bounds are Telegram's own: user ids
have at most 52 significant bits, texts at most 4096 characters, callback data at most 64 bytes.
"""

from __future__ import annotations

from typing import Any

_USER = {
    "type": "object",
    "required": ["id", "is_bot", "first_name"],
    "properties": {
        "id": {"type": "integer", "minimum": 1, "maximum": 2**52},
        "is_bot": {"type": "boolean"},
        "first_name": {"type": "string", "maxLength": 64},
        "last_name": {"type": "string", "maxLength": 64},
        "username": {"type": "string", "maxLength": 32},
        "language_code": {"type": "string", "maxLength": 35},
    },
}

_CHAT = {
    "type": "object",
    "required": ["id", "type"],
    "properties": {
        "id": {"type": "integer", "minimum": -(2**52), "maximum": 2**52},
        "type": {"type": "string", "enum": ["private", "group", "supergroup", "channel"]},
        "first_name": {"type": "string", "maxLength": 64},
    },
}

_DOCUMENT = {
    "type": "object",
    "required": ["file_id", "file_unique_id"],
    "properties": {
        "file_id": {"type": "string", "minLength": 1, "maxLength": 256},
        "file_unique_id": {"type": "string", "minLength": 1, "maxLength": 64},
        "file_name": {"type": "string", "maxLength": 255},
        "mime_type": {"type": "string", "maxLength": 255},
        "file_size": {"type": "integer", "minimum": 0, "maximum": 2**52},
    },
}

_MESSAGE = {
    "type": "object",
    "required": ["message_id", "date", "chat"],
    "properties": {
        "message_id": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
        "date": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1},
        "chat": _CHAT,
        "from": _USER,
        "text": {"type": "string", "maxLength": 4096},
        "caption": {"type": "string", "maxLength": 1024},
        "document": _DOCUMENT,
    },
}

_CALLBACK_QUERY = {
    "type": "object",
    "required": ["id", "from", "chat_instance"],
    "properties": {
        "id": {"type": "string", "minLength": 1, "maxLength": 64},
        "from": _USER,
        "message": _MESSAGE,
        "chat_instance": {"type": "string", "maxLength": 64},
        "data": {"type": "string", "maxLength": 64},
    },
}

TELEGRAM_UPDATE = {
    "type": "object",
    "required": ["update_id"],
    "properties": {
        "update_id": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1},
        "message": _MESSAGE,
        "edited_message": _MESSAGE,
        "callback_query": _CALLBACK_QUERY,
    },
}

OPENAPI_EXTRA: dict[str, Any] = {
    "requestBody": {"required": True, "content": {"application/json": {"schema": TELEGRAM_UPDATE}}},
    "parameters": [{"name": "X-Telegram-Bot-Api-Secret-Token", "in": "header", "required": True,
                    "schema": {"type": "string"}, "description": "The secret given to Telegram with setWebhook."}],
    "responses": {
        "200": {"description": "The update was handled (or was a duplicate) and committed."},
        "400": {"description": "The body is not an update; nothing changed."},
        "403": {"description": "Wrong or missing secret token; nothing changed."},
        "413": {"description": "The body is too large; nothing changed."},
    },
}
