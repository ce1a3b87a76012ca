"""The Telegram Bot API simulator's state and logic: the bot, private chats with simulated people,
their messages, files, flood control, and the delivery of updates to the bot's webhook. In memory:
the sandbox keeps nothing durable. HTTP lives in telegram_routes.py; formatting (parse_mode) in
telegram_formatting.py.

What is simulated, as the Bot API does it (the subset Speechcue uses):
- Methods getMe, getUpdates, setWebhook, deleteWebhook, getWebhookInfo, setMyCommands,
  getMyCommands, deleteMyCommands, sendMessage, sendPhoto, sendDocument, sendAudio, sendChatAction,
  editMessageText, editMessageCaption, editMessageReplyMarkup, deleteMessage, answerCallbackQuery
  and getFile, with the real Message, PhotoSize, Document, Audio, File, User, WebhookInfo and
  Update shapes and Telegram's error codes and wording ("Bad Request: chat not found", "message is
  not modified", "BUTTON_DATA_INVALID", "Forbidden: bot was blocked by the user", ...).
- Private chats only; message_id counts up per chat and is shared by both sides, as in Telegram.
- Text limits: 1-4096 and captions 0-1024, counted after entity parsing in UTF-16 code units (the
  unit of entity offsets; never looser than Telegram's own count); inline keyboards of at most 100
  buttons with callback_data of 1-64 bytes. editMessageText without reply_markup drops the inline
  keyboard, as Telegram does.
- Files: uploads (multipart, attach://, an earlier file_id, or an http(s) URL the simulator fetches),
  at most 20 MB each (a larger body is refused with 413); photos must be PNG, JPEG, GIF or WebP and
  come back as PhotoSize lists (thumbnails at 90/320/800 px with their own file ids but the
  original bytes: nothing is resized or re-encoded as JPEG); sendAudio with anything but MP3/M4A
  becomes a document, as in Telegram.
- Flood control, as sliding windows: at most `global_limit` (30) counted calls in any
  `global_window` (1 s), and at most `chat_limit` (3) per chat in any `chat_window` (3 s), which is
  Telegram's "about one message per second per chat" with the short burst it tolerates. Counted:
  send* (not sendChatAction) and edit*; a call over a limit answers 429 "Too Many Requests: retry
  after N" with parameters.retry_after = N, the whole seconds until the oldest call in the full
  window leaves it (at least 1). Refused calls do not use up the window.
- Updates: every action of a simulated person (a text, a button press, a document) becomes an Update
  with the next update_id (starting from a clock-derived number, so ids keep increasing across
  sandbox restarts and never repeat a bot's de-duplication key). With a webhook set, updates are
  POSTed to it as JSON with X-Telegram-Bot-Api-Secret-Token (when a secret was given), one chat's
  updates strictly in order; a non-2xx answer or an unreachable bot is retried after
  `webhook_retry_delays` and given up after the last one. Without a webhook, updates wait for
  getUpdates (long polling works; getUpdates while a webhook is set is a 409, as in Telegram).

Not simulated: groups, channels, inline mode (inline_message_id edits are refused), payments,
reactions, media groups, voice/video/stickers, the reply-in-webhook-response shortcut, resizing of
thumbnails, per-group limits (20/min), automatic url/mention entities in the bot's texts,
my_chat_member updates when a person blocks the bot, the HTTPS-only and port rules for webhook
URLs (the sandbox accepts http://, because the bot listens on loopback), the 10 MB photo limit,
callback queries expiring when not answered in time.
"""

from __future__ import annotations

import asyncio
import json
import math
import mimetypes
import re
import secrets
import struct
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any, TypeVar

import httpx

from services.sandbox.telegram_formatting import EntityParseError, client_entities, parse_formatted, utf16_length

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_INLINE_BUTTONS = 100
MAX_CALLBACK_ANSWER_LENGTH = 200
DELETE_WINDOW_SECONDS = 48 * 3600
DEFAULT_RETRY_DELAYS = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0)

CHAT_ACTIONS = {"typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
                "upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note"}
INLINE_BUTTON_ACTIONS = ("callback_data", "url", "web_app", "login_url", "switch_inline_query",
                         "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text",
                         "callback_game", "pay")
UPDATE_TYPES_BY_DEFAULT_OFF = {"chat_member", "message_reaction", "message_reaction_count"}
_FILE_ID_PREFIX = {"photo": "AgACAgIAAxkBAAI", "document": "BQACAgIAAxkBAAI", "audio": "CQACAgIAAxkBAAI"}
_FILE_FOLDER = {"photo": "photos", "document": "documents", "audio": "music"}
_AUDIO_MIME_TYPES = {"audio/mpeg", "audio/mp3", "audio/mp4", "audio/m4a", "audio/x-m4a", "audio/aac"}
_URL_DOCUMENT_MIME_TYPES = {"application/pdf", "application/zip", "image/gif"}
_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_BOT_COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")
_LANGUAGE_CODE = re.compile(r"^[a-z]{2}$")

T = TypeVar("T")


class TelegramApiError(Exception):
    """An answer of `{"ok": false, ...}` with Telegram's error code and description."""

    def __init__(self, error_code: int, description: str, *, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.error_code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(description: str) -> TelegramApiError:
    return TelegramApiError(400, f"Bad Request: {description}")


class PersonActionError(Exception):
    """A simulated person cannot do this (no such chat, message or button)."""


@dataclass
class UploadedFile:
    """A file part of a multipart request, or the bytes a simulated person sends."""

    content: bytes
    file_name: str
    mime_type: str


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    kind: str  # photo, document or audio: what a file_id may be resent as
    content: bytes
    file_name: str
    mime_type: str
    photo_sizes: list[dict[str, Any]] = field(default_factory=list)  # for a photo: every size sent with it

    def as_file(self) -> dict[str, Any]:
        return {"file_id": self.file_id, "file_unique_id": self.file_unique_id, "file_size": len(self.content),
                "file_path": self.file_path}


@dataclass
class ChatMessage:
    """A message as it is now (edits applied), with what the sandbox knows beyond the Message."""

    message: dict[str, Any]
    sender: str  # "bot" or "person"
    files: list[StoredFile] = field(default_factory=list)
    parse_mode: str | None = None
    link_preview_disabled: bool = False
    deleted: bool = False


@dataclass
class SimulatedChat:
    user: dict[str, Any]
    chat_instance: str
    messages: dict[int, ChatMessage] = field(default_factory=dict)
    next_message_id: int = 1
    blocked: bool = False
    reply_keyboard: dict[str, Any] | None = None
    last_action: str | None = None

    @property
    def id(self) -> int:
        return int(self.user["id"])

    def as_chat(self) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": self.id, "first_name": self.user["first_name"]}
        for name in ("last_name", "username"):
            if self.user.get(name):
                chat[name] = self.user[name]
        chat["type"] = "private"
        return chat


@dataclass
class CallbackQueryRecord:
    query: dict[str, Any]
    answered: bool = False
    answer: dict[str, Any] | None = None


@dataclass
class ApiCall:
    """One accepted Bot API call."""

    method: str
    chat_id: int | None
    message_id: int | None
    at: float
    params: dict[str, Any]


@dataclass
class RefusedCall:
    method: str
    chat_id: int | None
    error_code: int
    description: str
    at: float


@dataclass
class Delivery:
    """An update and what became of it: delivered is None while it is still on its way."""

    update: dict[str, Any]
    via: str = "webhook"  # webhook, getUpdates, or filtered (not in allowed_updates)
    delivered: bool | None = None
    attempts: int = 0
    statuses: list[int] = field(default_factory=list)
    error: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"update": self.update, "via": self.via, "delivered": self.delivered, "attempts": self.attempts,
                "statuses": self.statuses, "error": self.error}


@dataclass
class WebhookConfig:
    url: str = ""
    secret_token: str = ""
    allowed_updates: list[str] = field(default_factory=list)
    max_connections: int = 40


class FloodControl:
    """Telegram's send limits as two sliding windows: one over all chats, one per chat."""

    def __init__(self, *, global_limit: int, global_window: float, chat_limit: int, chat_window: float) -> None:
        self.global_limit, self.global_window = global_limit, global_window
        self.chat_limit, self.chat_window = chat_limit, chat_window
        self._all: deque[float] = deque()
        self._by_chat: dict[int, deque[float]] = {}

    def retry_after(self, chat_id: int, now: float) -> int:
        """Seconds to wait before a call to `chat_id` would be accepted; 0 if it is accepted now."""
        waits = [self._wait(self._all, self.global_limit, self.global_window, now),
                 self._wait(self._by_chat.setdefault(chat_id, deque()), self.chat_limit, self.chat_window, now)]
        return max(waits)

    def admit(self, chat_id: int, now: float) -> None:
        self._all.append(now)
        self._by_chat.setdefault(chat_id, deque()).append(now)

    def reset(self) -> None:
        self._all.clear()
        self._by_chat.clear()

    @staticmethod
    def _wait(stamps: deque[float], limit: int, window: float, now: float) -> int:
        while stamps and stamps[0] <= now - window:
            stamps.popleft()
        if len(stamps) < limit:
            return 0
        return max(1, math.ceil(stamps[len(stamps) - limit] + window - now))


class _Params:
    """A call's parameters as they arrived (JSON values, or strings from a form), read with Telegram's
    leniency: numbers and booleans may come as strings, objects as JSON strings."""

    def __init__(self, values: Mapping[str, Any], files: Mapping[str, UploadedFile]) -> None:
        self.values = dict(values)
        self.files = dict(files)

    def raw(self, name: str) -> Any:
        return self.values.get(name)

    def string(self, name: str) -> str | None:
        value = self.values.get(name)
        if value is None:
            return None
        return value if isinstance(value, str) else json.dumps(value) if isinstance(value, dict | list) else str(value)

    def integer(self, name: str) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            return int(value)
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def boolean(self, name: str) -> bool:
        value = self.values.get(name)
        if isinstance(value, str):
            return value.strip().lower() in ("true", "1")
        return bool(value)

    def json(self, name: str, error: str) -> Any:
        value = self.values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(error) from None
        return value


def image_size(content: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG, GIF, JPEG or WebP image; None for anything else."""
    if content[:8] == b"\x89PNG\r\n\x1a\n" and content[12:16] == b"IHDR" and len(content) >= 24:
        width, height = struct.unpack(">II", content[16:24])
        return int(width), int(height)
    if content[:6] in (b"GIF87a", b"GIF89a") and len(content) >= 10:
        width, height = struct.unpack("<HH", content[6:10])
        return int(width), int(height)
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return _webp_size(content)
    if content[:2] == b"\xff\xd8":
        return _jpeg_size(content)
    return None


def _webp_size(content: bytes) -> tuple[int, int] | None:
    chunk = content[12:16]
    if chunk == b"VP8X" and len(content) >= 30:
        return 1 + int.from_bytes(content[24:27], "little"), 1 + int.from_bytes(content[27:30], "little")
    if chunk == b"VP8 " and len(content) >= 30:
        return (int.from_bytes(content[26:28], "little") & 0x3FFF,
                int.from_bytes(content[28:30], "little") & 0x3FFF)
    if chunk == b"VP8L" and len(content) >= 25:
        bits = int.from_bytes(content[21:25], "little")
        return 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
    return None


def _jpeg_size(content: bytes) -> tuple[int, int] | None:
    index = 2
    while index + 9 <= len(content):
        if content[index] != 0xFF:
            return None
        marker = content[index + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            index += 2
            continue
        length = int.from_bytes(content[index + 2:index + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", content[index + 5:index + 9])
            return int(width), int(height)
        index += 2 + length
    return None


def _scaled(width: int, height: int, side: int) -> tuple[int, int]:
    scale = side / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


class TelegramSimulator:
    """The Bot API as one bot sees it, and the people who talk to that bot.

    `await call(method, params, files)` answers a Bot API call (raising TelegramApiError for an
    `ok: false` answer); `send_text`, `press_button` and `upload_document` act as a person and return
    the Delivery of the resulting update; `chat_view`, `bot_messages`, `api_calls`, `counters` and
    `wait_for_bot_message` let tests see what the bot did.
    """

    def __init__(self, token: str, *, webhook_url: str = "", webhook_secret: str = "",
                 bot_first_name: str = "Speechcue", bot_username: str = "speechcue_sandbox_bot",
                 global_limit: int = 30, global_window: float = 1.0, chat_limit: int = 3, chat_window: float = 3.0,
                 clock: Callable[[], float] = time.time,
                 webhook_retry_delays: Sequence[float] = DEFAULT_RETRY_DELAYS,
                 webhook_timeout: float = 10.0, webhook_transport: httpx.AsyncBaseTransport | None = None,
                 first_update_id: int | None = None) -> None:
        self.token = token
        self.clock = clock
        self.webhook_retry_delays = tuple(webhook_retry_delays)
        prefix = token.split(":", 1)[0]
        self.bot_user: dict[str, Any] = {"id": int(prefix) if prefix.isdigit() else 123456, "is_bot": True,
                                         "first_name": bot_first_name, "username": bot_username}
        self.flood = FloodControl(global_limit=global_limit, global_window=global_window, chat_limit=chat_limit,
                                  chat_window=chat_window)
        self._initial_webhook = WebhookConfig(url=webhook_url, secret_token=webhook_secret)
        self.webhook = WebhookConfig(url=webhook_url, secret_token=webhook_secret)
        self.failing = ""  # "error": every Bot API call answers 500 while set
        # Seconds Telegram takes to answer a call it has already carried out (a slow network or a busy
        # Telegram): the bot cannot tell such a call from one that never arrived until the answer comes.
        self.answer_delay_seconds = 0.0
        self._next_update_id = first_update_id or max(1, int(clock()) - 1_700_000_000) * 10
        self._http = httpx.AsyncClient(timeout=webhook_timeout, transport=webhook_transport)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._chat_locks: dict[int, asyncio.Lock] = {}
        self._changed = asyncio.Event()
        # Bumped by reset and drop_pending_updates: deliveries of an older generation stop retrying.
        self._generation = 0
        self._methods: dict[str, tuple[str, Callable[[_Params], Awaitable[Any]]]] = {
            name.lower(): (name, handler) for name, handler in (
                ("getMe", self._get_me), ("getUpdates", self._get_updates), ("setWebhook", self._set_webhook),
                ("deleteWebhook", self._delete_webhook), ("getWebhookInfo", self._get_webhook_info),
                ("setMyCommands", self._set_my_commands), ("getMyCommands", self._get_my_commands),
                ("deleteMyCommands", self._delete_my_commands), ("sendMessage", self._send_message),
                ("sendPhoto", self._send_photo), ("sendDocument", self._send_document),
                ("sendAudio", self._send_audio), ("sendChatAction", self._send_chat_action),
                ("editMessageText", self._edit_message_text), ("editMessageCaption", self._edit_message_caption),
                ("editMessageReplyMarkup", self._edit_message_reply_markup),
                ("deleteMessage", self._delete_message), ("answerCallbackQuery", self._answer_callback_query),
                ("getFile", self._get_file))
        }
        self._clear_state()

    def _clear_state(self) -> None:
        self.chats: dict[int, SimulatedChat] = {}
        self.files: dict[str, StoredFile] = {}
        self.files_by_path: dict[str, StoredFile] = {}
        self.callback_queries: dict[str, CallbackQueryRecord] = {}
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.calls: list[ApiCall] = []
        self.refused: list[RefusedCall] = []
        self.deliveries: list[Delivery] = []
        self.sends_accepted = 0
        self.too_many_requests = 0
        self.webhook_failures = 0
        self.last_webhook_error: tuple[int, str] | None = None
        self._poll_queue: deque[Delivery] = deque()
        self._in_flight = 0
        self._file_counter = 0

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await self._http.aclose()

    def reset(self) -> None:
        """Forgets chats, files, calls and counters; the webhook goes back to its configured URL.
        update_ids keep counting up, as they do in Telegram."""
        for task in list(self._tasks):
            task.cancel()
        self._generation += 1
        self._clear_state()
        self.flood.reset()
        self.failing = ""
        self.answer_delay_seconds = 0.0
        self.webhook = WebhookConfig(url=self._initial_webhook.url, secret_token=self._initial_webhook.secret_token)

    def token_matches(self, token: str) -> bool:
        return secrets.compare_digest(token.encode(), self.token.encode())

    # ---- the Bot API -------------------------------------------------------------------------

    async def call(self, method: str, params: Mapping[str, Any] | None = None,
                   files: Mapping[str, UploadedFile] | None = None) -> Any:
        """Answers one Bot API call with its result; raises TelegramApiError for an error answer."""
        entry = self._methods.get(method.lower())
        if entry is None:
            raise TelegramApiError(404, "Not Found")
        name, handler = entry
        arguments = _Params(params or {}, files or {})
        try:
            if self.failing == "error":
                raise TelegramApiError(500, "Internal Server Error")
            result = await handler(arguments)
        except TelegramApiError as error:
            if error.error_code == 429:
                self.too_many_requests += 1
            self.refused.append(RefusedCall(name, self._loose_int(arguments.raw("chat_id")), error.error_code,
                                            error.description, self.clock()))
            raise
        self._record(name, arguments, result)
        if self.answer_delay_seconds:
            await asyncio.sleep(self.answer_delay_seconds)
        return result

    def _record(self, name: str, arguments: _Params, result: Any) -> None:
        chat_id = self._loose_int(arguments.raw("chat_id"))
        message_id = self._loose_int(arguments.raw("message_id"))
        if isinstance(result, dict) and "message_id" in result and "chat" in result:
            chat_id, message_id = int(result["chat"]["id"]), int(result["message_id"])
        query = self.callback_queries.get(arguments.string("callback_query_id") or "")
        if query is not None:
            chat_id, message_id = int(query.query["from"]["id"]), int(query.query["message"]["message_id"])
        shown = dict(arguments.values)
        for key, upload in arguments.files.items():
            shown[key] = f"<file {upload.file_name}, {len(upload.content)} bytes>"
        self.calls.append(ApiCall(name, chat_id, message_id, self.clock(), shown))
        self._notify()

    @staticmethod
    def _loose_int(value: Any) -> int | None:
        try:
            return int(value)
        except (TypeError, ValueError):
            return None

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def _admit(self, chat_id: int) -> None:
        """Flood control for a counted call that is otherwise valid."""
        now = self.clock()
        wait = self.flood.retry_after(chat_id, now)
        if wait:
            raise TelegramApiError(429, f"Too Many Requests: retry after {wait}", retry_after=wait)
        self.flood.admit(chat_id, now)
        self.sends_accepted += 1

    async def _get_me(self, p: _Params) -> dict[str, Any]:
        return {**self.bot_user, "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": False, "can_connect_to_business": False, "has_main_web_app": False}

    async def _get_updates(self, p: _Params) -> list[dict[str, Any]]:
        if self.webhook.url:
            raise TelegramApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                        "use deleteWebhook to delete the webhook first")
        offset, limit = p.integer("offset") or 0, min(max(p.integer("limit") or 100, 1), 100)
        timeout = min(max(p.integer("timeout") or 0, 0), 50)
        if offset < 0:
            while len(self._poll_queue) > -offset:
                self._poll_queue.popleft()
        else:
            while self._poll_queue and self._poll_queue[0].update["update_id"] < offset:
                self._poll_queue.popleft()
        if not self._poll_queue and timeout:
            try:
                await self.wait_until(lambda: bool(self._poll_queue) or None, within=timeout)
            except TimeoutError:
                pass
        batch = list(self._poll_queue)[:limit]
        for delivery in batch:
            delivery.delivered, delivery.attempts = True, delivery.attempts + 1
        return [delivery.update for delivery in batch]

    async def _set_webhook(self, p: _Params) -> bool:
        url = (p.string("url") or "").strip()
        if url and not re.match(r"^https?://[^/\s]+", url):
            raise bad_request("bad webhook: Failed to resolve host: Name or service not known")
        secret = p.string("secret_token")
        if secret is not None and not _SECRET_TOKEN.match(secret):
            raise bad_request("secret token contains unallowed characters")
        allowed = p.json("allowed_updates", "can't parse allowed updates JSON array")
        if allowed is not None and (not isinstance(allowed, list) or not all(isinstance(a, str) for a in allowed)):
            raise bad_request("can't parse allowed updates JSON array")
        max_connections = p.integer("max_connections") or self.webhook.max_connections
        if not 1 <= max_connections <= 100:
            raise bad_request("bad webhook: max_connections must be between 1 and 100")
        if p.boolean("drop_pending_updates"):
            self._drop_pending()
        self.webhook = WebhookConfig(url=url, secret_token=secret or "",
                                     allowed_updates=allowed if allowed is not None else self.webhook.allowed_updates,
                                     max_connections=max_connections)
        if url:
            self._flush_poll_queue_to_webhook()
        return True

    async def _delete_webhook(self, p: _Params) -> bool:
        if p.boolean("drop_pending_updates"):
            self._drop_pending()
        self.webhook = WebhookConfig(allowed_updates=self.webhook.allowed_updates)
        return True

    def _drop_pending(self) -> None:
        self._generation += 1
        for delivery in self._poll_queue:
            if not delivery.delivered:
                delivery.delivered, delivery.error = False, "dropped by drop_pending_updates"
        self._poll_queue.clear()

    async def _get_webhook_info(self, p: _Params) -> dict[str, Any]:
        info: dict[str, Any] = {"url": self.webhook.url, "has_custom_certificate": False,
                                "pending_update_count": self._in_flight + len(self._poll_queue)}
        if self.webhook.url:
            info["max_connections"] = self.webhook.max_connections
            info["ip_address"] = "127.0.0.1"
        if self.last_webhook_error is not None:
            info["last_error_date"], info["last_error_message"] = self.last_webhook_error
        if self.webhook.allowed_updates:
            info["allowed_updates"] = list(self.webhook.allowed_updates)
        return info

    def _commands_key(self, p: _Params) -> tuple[str, str]:
        scope = p.json("scope", "can't parse BotCommandScope JSON object") or {"type": "default"}
        if not isinstance(scope, dict) or not isinstance(scope.get("type"), str):
            raise bad_request("can't parse BotCommandScope JSON object")
        language = p.string("language_code") or ""
        # Telegram takes a two-letter ISO 639-1 code or none (the scope's default list): "zh-hans" is refused.
        if language and not _LANGUAGE_CODE.match(language):
            raise bad_request("invalid language code specified")
        return json.dumps(scope, sort_keys=True), language

    async def _set_my_commands(self, p: _Params) -> bool:
        commands = p.json("commands", "can't parse commands JSON object")
        if not isinstance(commands, list):
            raise bad_request("can't parse commands JSON object")
        if len(commands) > 100:
            raise bad_request("BOT_COMMANDS_TOO_MUCH")
        cleaned = []
        for command in commands:
            if not isinstance(command, dict):
                raise bad_request("can't parse BotCommand JSON object")
            name, description = str(command.get("command", "")), str(command.get("description", ""))
            if not _BOT_COMMAND_NAME.match(name):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
            cleaned.append({"command": name, "description": description})
        self.commands[self._commands_key(p)] = cleaned
        return True

    async def _get_my_commands(self, p: _Params) -> list[dict[str, str]]:
        return list(self.commands.get(self._commands_key(p), []))

    async def _delete_my_commands(self, p: _Params) -> bool:
        self.commands.pop(self._commands_key(p), None)
        return True

    # ---- sending ------------------------------------------------------------------------------

    def _chat(self, p: _Params) -> SimulatedChat:
        value = p.raw("chat_id")
        if value is None or value == "":
            raise bad_request("chat_id is empty")
        chat = self.chats.get(self._loose_int(value) or 0)
        if chat is None:
            raise bad_request("chat not found")
        if chat.blocked:
            raise TelegramApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    def _formatted(self, text: str, p: _Params, *, entities_field: str) -> tuple[str, list[dict[str, Any]]]:
        explicit = p.json(entities_field, f"can't parse {entities_field} JSON object")
        if explicit is not None:
            if not isinstance(explicit, list) or not all(isinstance(e, dict) for e in explicit):
                raise bad_request(f"can't parse {entities_field} JSON object")
            return text, explicit
        try:
            formatted = parse_formatted(text, p.string("parse_mode"))
        except EntityParseError as error:
            raise bad_request(f"can't parse entities: {error}") from None
        except ValueError:
            raise bad_request("unsupported parse_mode") from None
        return formatted.text, formatted.entities

    def _text(self, p: _Params) -> tuple[str, list[dict[str, Any]]]:
        raw = p.string("text") or ""
        text, entities = self._formatted(raw, p, entities_field="entities")
        if not text:
            raise bad_request("message text is empty")
        if utf16_length(text) > MAX_TEXT_LENGTH:
            raise bad_request("message is too long")
        return text, entities

    def _caption(self, p: _Params) -> tuple[str, list[dict[str, Any]]]:
        text, entities = self._formatted(p.string("caption") or "", p, entities_field="caption_entities")
        if utf16_length(text) > MAX_CAPTION_LENGTH:
            raise bad_request("message caption is too long")
        return text, entities

    def _reply_markup(self, p: _Params, *, inline_only: bool = False) -> tuple[dict[str, Any] | None, Any]:
        """(inline keyboard for the Message, other keyboard for the person's screen)."""
        markup = p.json("reply_markup", "can't parse reply keyboard markup JSON object")
        if markup is None:
            return None, None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" not in markup:
            if inline_only:
                raise bad_request("inline keyboard expected")
            if not any(key in markup for key in ("keyboard", "remove_keyboard", "force_reply")):
                raise bad_request("can't parse reply keyboard markup JSON object")
            return None, markup
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request('field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays')
        if sum(len(row) for row in rows) > MAX_INLINE_BUTTONS:
            raise bad_request("reply markup is too long")
        cleaned_rows = [row for row in ([self._inline_button(button) for button in row] for row in rows) if row]
        # An empty keyboard is no keyboard: the message shows (and an edit leaves) no reply_markup.
        return ({"inline_keyboard": cleaned_rows} if cleaned_rows else None), None

    @staticmethod
    def _inline_button(button: Any) -> dict[str, Any]:
        if not isinstance(button, dict) or not isinstance(button.get("text"), str):
            raise bad_request("can't parse inline keyboard button: Field \"text\" must be of type String")
        actions = [name for name in INLINE_BUTTON_ACTIONS if button.get(name) is not None]
        if not actions:
            raise bad_request("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
        if "callback_data" in actions:
            data = button["callback_data"]
            if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES:
                raise bad_request("BUTTON_DATA_INVALID")
        if "url" in actions and not re.match(r"^(https?|tg)://\S+$", str(button["url"])):
            raise bad_request("BUTTON_URL_INVALID")
        return {"text": button["text"], **{name: button[name] for name in actions}}

    def _reply_to(self, chat: SimulatedChat, p: _Params) -> dict[str, Any] | None:
        reply = p.json("reply_parameters", "can't parse reply parameters JSON object")
        message_id = reply.get("message_id") if isinstance(reply, dict) else p.integer("reply_to_message_id")
        if message_id is None:
            return None
        target = chat.messages.get(self._loose_int(message_id) or 0)
        if target is None or target.deleted:
            if isinstance(reply, dict) and reply.get("allow_sending_without_reply"):
                return None
            raise bad_request("message to be replied not found")
        return {key: value for key, value in target.message.items() if key != "reply_to_message"}

    def _new_message(self, chat: SimulatedChat, *, sender: str) -> dict[str, Any]:
        message_id = chat.next_message_id
        chat.next_message_id += 1
        return {"message_id": message_id, "from": self.bot_user if sender == "bot" else chat.user,
                "chat": chat.as_chat(), "date": int(self.clock())}

    def _post_bot_message(self, chat: SimulatedChat, p: _Params, content: dict[str, Any],
                          inline: dict[str, Any] | None, keyboard: Any, files: list[StoredFile]) -> dict[str, Any]:
        reply_to = self._reply_to(chat, p)
        preview = p.json("link_preview_options", "can't parse link preview options JSON object")
        disabled = p.boolean("disable_web_page_preview") or (isinstance(preview, dict) and bool(
            preview.get("is_disabled")))
        self._admit(chat.id)
        message = self._new_message(chat, sender="bot")
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        message.update(content)
        if inline is not None:
            message["reply_markup"] = inline
        if keyboard is not None:
            chat.reply_keyboard = None if keyboard.get("remove_keyboard") else keyboard
        chat.messages[message["message_id"]] = ChatMessage(message, "bot", files, p.string("parse_mode"), disabled)
        return message

    async def _send_message(self, p: _Params) -> dict[str, Any]:
        chat = self._chat(p)
        text, entities = self._text(p)
        inline, keyboard = self._reply_markup(p)
        content: dict[str, Any] = {"text": text}
        if entities:
            content["entities"] = entities
        return self._post_bot_message(chat, p, content, inline, keyboard, [])

    def _caption_content(self, p: _Params) -> dict[str, Any]:
        caption, entities = self._caption(p)
        content: dict[str, Any] = {}
        if caption:
            content["caption"] = caption
        if entities:
            content["caption_entities"] = entities
        return content

    async def _send_photo(self, p: _Params) -> dict[str, Any]:
        chat = self._chat(p)
        caption = self._caption_content(p)
        inline, keyboard = self._reply_markup(p)
        sizes, files = await self._photo_input(p)
        return self._post_bot_message(chat, p, {"photo": sizes, **caption}, inline, keyboard, files)

    async def _send_document(self, p: _Params) -> dict[str, Any]:
        chat = self._chat(p)
        caption = self._caption_content(p)
        inline, keyboard = self._reply_markup(p)
        stored = await self._file_input(p, "document", "document")
        return self._post_bot_message(chat, p, {"document": self._document(stored), **caption}, inline, keyboard,
                                      [stored])

    async def _send_audio(self, p: _Params) -> dict[str, Any]:
        chat = self._chat(p)
        caption = self._caption_content(p)
        inline, keyboard = self._reply_markup(p)
        stored = await self._file_input(p, "audio", "audio")
        if stored.kind != "audio":
            return self._post_bot_message(chat, p, {"document": self._document(stored), **caption}, inline,
                                          keyboard, [stored])
        audio: dict[str, Any] = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                                 "duration": max(p.integer("duration") or 0, 0)}
        for name in ("performer", "title"):
            if p.string(name):
                audio[name] = p.string(name)
        audio.update({"file_name": stored.file_name, "mime_type": stored.mime_type, "file_size": len(stored.content)})
        return self._post_bot_message(chat, p, {"audio": audio, **caption}, inline, keyboard, [stored])

    @staticmethod
    def _document(stored: StoredFile) -> dict[str, Any]:
        return {"file_name": stored.file_name, "mime_type": stored.mime_type, "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id, "file_size": len(stored.content)}

    async def _send_chat_action(self, p: _Params) -> bool:
        chat = self._chat(p)
        action = p.string("action") or ""
        if action not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        chat.last_action = action
        return True

    # ---- files --------------------------------------------------------------------------------

    async def _upload(self, p: _Params, name: str) -> UploadedFile | StoredFile:
        """The file a parameter names: a part of the request, an attach:// part, a file_id or a URL."""
        value = p.raw(name)
        upload = p.files.get(name)
        if isinstance(value, str) and value.startswith("attach://"):
            upload = p.files.get(value.removeprefix("attach://"))
            if upload is None:
                raise bad_request(f"file {value} not found in the request")
        if upload is not None:
            if not upload.content:
                raise bad_request("file must be non-empty")
            if len(upload.content) > MAX_UPLOAD_BYTES:
                raise TelegramApiError(413, "Request Entity Too Large")
            return upload
        if not isinstance(value, str) or not value:
            raise bad_request(f"there is no {name} in the request")
        if value.startswith(("http://", "https://")):
            return await self._fetch(value)
        stored = self.files.get(value)
        if stored is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        return stored

    async def _fetch(self, url: str) -> UploadedFile:
        try:
            async with self._http.stream("GET", url, follow_redirects=True) as response:
                if response.status_code != 200:
                    raise bad_request("failed to get HTTP URL content")
                content = b""
                async for chunk in response.aiter_bytes():
                    content += chunk
                    if len(content) > MAX_UPLOAD_BYTES:
                        raise bad_request("failed to get HTTP URL content")
                mime = response.headers.get("content-type", "application/octet-stream").split(";")[0].strip()
        except httpx.HTTPError:
            raise bad_request("failed to get HTTP URL content") from None
        name = PurePosixPath(httpx.URL(url).path).name or "file"
        return UploadedFile(content, name, mime)

    def _store(self, content: bytes, *, kind: str, file_name: str, mime_type: str) -> StoredFile:
        self._file_counter += 1
        suffix = PurePosixPath(file_name).suffix.lower() or (mimetypes.guess_extension(mime_type) or "")
        if kind == "photo":
            suffix = ".jpg"
        path = f"{_FILE_FOLDER[kind]}/file_{self._file_counter}{suffix}"
        stored = StoredFile(f"{_FILE_ID_PREFIX[kind]}{secrets.token_urlsafe(48)}", f"AQAD{secrets.token_urlsafe(9)}",
                            path, kind, content, file_name, mime_type)
        self.files[stored.file_id] = stored
        self.files_by_path[path] = stored
        return stored

    async def _file_input(self, p: _Params, name: str, kind: str) -> StoredFile:
        source = await self._upload(p, name)
        if isinstance(source, StoredFile):
            if source.kind != kind:
                raise bad_request(f"can't use file of type {source.kind.capitalize()} as {kind.capitalize()}")
            return source
        mime = source.mime_type or "application/octet-stream"
        if mime == "application/octet-stream":
            mime = mimetypes.guess_type(source.file_name)[0] or mime
        from_url = (p.string(name) or "").startswith(("http://", "https://"))
        if kind == "document" and from_url and mime not in _URL_DOCUMENT_MIME_TYPES:
            raise bad_request("wrong type of the web page content")
        if kind == "audio" and not (mime in _AUDIO_MIME_TYPES or source.file_name.lower().endswith((".mp3", ".m4a"))):
            kind = "document"
        return self._store(source.content, kind=kind, file_name=source.file_name, mime_type=mime)

    async def _photo_input(self, p: _Params) -> tuple[list[dict[str, Any]], list[StoredFile]]:
        source = await self._upload(p, "photo")
        if isinstance(source, StoredFile):
            if source.kind != "photo":
                raise bad_request(f"can't use file of type {source.kind.capitalize()} as Photo")
            return list(source.photo_sizes), [self.files[size["file_id"]] for size in source.photo_sizes]
        content = source.content
        size = image_size(content)
        if size is None:
            raise bad_request("IMAGE_PROCESS_FAILED")
        width, height = size
        if width < 1 or height < 1 or width + height > 10000 or max(width, height) > 20 * min(width, height):
            raise bad_request("PHOTO_INVALID_DIMENSIONS")
        largest = self._store(content, kind="photo", file_name=source.file_name, mime_type="image/jpeg")
        sizes: list[dict[str, Any]] = []
        files: list[StoredFile] = []
        for side in (90, 320, 800):
            if max(width, height) > side:
                thumb_width, thumb_height = _scaled(width, height, side)
                thumb = self._store(content, kind="photo", file_name=largest.file_name, mime_type="image/jpeg")
                sizes.append({"file_id": thumb.file_id, "file_unique_id": thumb.file_unique_id,
                              "file_size": len(content), "width": thumb_width, "height": thumb_height})
                files.append(thumb)
        full_width, full_height = _scaled(width, height, 1280) if max(width, height) > 1280 else (width, height)
        sizes.append({"file_id": largest.file_id, "file_unique_id": largest.file_unique_id,
                      "file_size": len(content), "width": full_width, "height": full_height})
        files.append(largest)
        for stored in files:
            stored.photo_sizes = sizes
        return sizes, files

    async def _get_file(self, p: _Params) -> dict[str, Any]:
        file_id = p.string("file_id") or ""
        stored = self.files.get(file_id)
        if stored is None:
            raise bad_request("invalid file_id")
        if len(stored.content) > MAX_UPLOAD_BYTES:
            raise bad_request("file is too big")
        return stored.as_file()

    def file_at(self, file_path: str) -> StoredFile | None:
        """The file served at /file/bot<token>/<file_path>."""
        return self.files_by_path.get(file_path)

    # ---- editing ------------------------------------------------------------------------------

    def _message_to_edit(self, p: _Params) -> tuple[SimulatedChat, ChatMessage]:
        if p.raw("inline_message_id"):
            raise bad_request("inline messages are not simulated by the sandbox")
        chat = self._chat(p)
        message_id = p.integer("message_id")
        if message_id is None:
            raise bad_request("message identifier is not specified")
        record = chat.messages.get(message_id)
        if record is None or record.deleted:
            raise bad_request("message to edit not found")
        if record.sender != "bot":
            raise bad_request("message can't be edited")
        return chat, record

    def _apply_edit(self, chat: SimulatedChat, record: ChatMessage, changes: dict[str, Any],
                    inline: dict[str, Any] | None) -> dict[str, Any]:
        message = record.message
        current = {key: message.get(key) for key in changes} | {"reply_markup": message.get("reply_markup")}
        wanted = dict(changes) | {"reply_markup": inline}
        if current == wanted:
            raise bad_request("message is not modified: specified new message content and reply markup are exactly "
                              "the same as a current content and reply markup of the message")
        self._admit(chat.id)
        for key, value in wanted.items():
            if value in (None, [], ""):
                message.pop(key, None)
            else:
                message[key] = value
        message["edit_date"] = int(self.clock())
        return message

    async def _edit_message_text(self, p: _Params) -> dict[str, Any]:
        chat, record = self._message_to_edit(p)
        text, entities = self._text(p)
        inline, _ = self._reply_markup(p, inline_only=True)
        if "text" not in record.message:
            raise bad_request("there is no text in the message to edit")
        edited = self._apply_edit(chat, record, {"text": text, "entities": entities or None}, inline)
        record.parse_mode = p.string("parse_mode")
        return edited

    async def _edit_message_caption(self, p: _Params) -> dict[str, Any]:
        chat, record = self._message_to_edit(p)
        caption, entities = self._caption(p)
        inline, _ = self._reply_markup(p, inline_only=True)
        if "text" in record.message:
            raise bad_request("there is no caption in the message to edit")
        return self._apply_edit(chat, record, {"caption": caption or None, "caption_entities": entities or None},
                                inline)

    async def _edit_message_reply_markup(self, p: _Params) -> dict[str, Any]:
        chat, record = self._message_to_edit(p)
        inline, _ = self._reply_markup(p, inline_only=True)
        return self._apply_edit(chat, record, {}, inline)

    async def _delete_message(self, p: _Params) -> bool:
        chat = self._chat(p)
        record = chat.messages.get(p.integer("message_id") or 0)
        if record is None or record.deleted:
            raise bad_request("message to delete not found")
        if self.clock() - record.message["date"] > DELETE_WINDOW_SECONDS:
            raise bad_request("message can't be deleted for everyone")
        record.deleted = True
        return True

    async def _answer_callback_query(self, p: _Params) -> bool:
        record = self.callback_queries.get(p.string("callback_query_id") or "")
        if record is None or record.answered:
            raise bad_request("query is too old and response timeout expired or query ID is invalid")
        text = p.string("text") or ""
        if len(text) > MAX_CALLBACK_ANSWER_LENGTH:
            raise bad_request("MESSAGE_TOO_LONG")
        record.answered = True
        record.answer = {"text": text, "show_alert": p.boolean("show_alert"), "url": p.string("url"),
                         "cache_time": p.integer("cache_time") or 0}
        return True

    # ---- a person's side ----------------------------------------------------------------------

    def _person_chat(self, user_id: int, *, first_name: str | None = None, last_name: str | None = None,
                     username: str | None = None, language_code: str | None = None) -> SimulatedChat:
        chat = self.chats.get(user_id)
        if chat is None:
            user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name or f"Person {user_id}"}
            chat = SimulatedChat(user=user, chat_instance=str(secrets.randbelow(9 * 10**18) - 4 * 10**18))
            self.chats[user_id] = chat
        for name, value in (("first_name", first_name), ("last_name", last_name), ("username", username),
                            ("language_code", language_code)):
            if value:
                chat.user[name] = value
        return chat

    def open_chat(self, user_id: int, *, first_name: str | None = None, language_code: str | None = None) -> None:
        """A person who started the bot some time ago: the bot may message them, and no update is sent."""
        self._person_chat(user_id, first_name=first_name, language_code=language_code)

    async def send_text(self, user_id: int, text: str, *, first_name: str | None = None,
                        last_name: str | None = None, username: str | None = None,
                        language_code: str | None = "en", wait: bool = True) -> Delivery:
        """The person `user_id` types `text` (a /command gets its bot_command entity); the chat is
        created on the first message. Returns the update's delivery (awaited unless wait=False)."""
        if not text or utf16_length(text) > MAX_TEXT_LENGTH:
            raise PersonActionError("a message is 1-4096 characters")
        chat = self._person_chat(user_id, first_name=first_name, last_name=last_name, username=username,
                                 language_code=language_code)
        if chat.blocked:
            chat.blocked = False  # writing to a bot again unblocks it, as in the apps
        message = self._new_message(chat, sender="person")
        message["text"] = text
        entities = client_entities(text)
        if entities:
            message["entities"] = entities
        chat.messages[message["message_id"]] = ChatMessage(message, "person")
        return await self._emit(chat, {"message": message}, wait=wait)

    async def upload_document(self, user_id: int, content: bytes, file_name: str, mime_type: str, *,
                              caption: str | None = None, first_name: str | None = None,
                              wait: bool = True) -> Delivery:
        """The person sends a file; it can then be fetched with getFile and downloaded."""
        if not content or len(content) > MAX_UPLOAD_BYTES:
            raise PersonActionError("a document is 1 byte to 20 MB")
        chat = self._person_chat(user_id, first_name=first_name)
        stored = self._store(content, kind="document", file_name=file_name, mime_type=mime_type)
        message = self._new_message(chat, sender="person")
        message["document"] = self._document(stored)
        if caption:
            message["caption"] = caption
        chat.messages[message["message_id"]] = ChatMessage(message, "person", [stored])
        return await self._emit(chat, {"message": message}, wait=wait)

    async def press_button(self, user_id: int, message_id: int, *, callback_data: str | None = None,
                           text: str | None = None, wait: bool = True) -> Delivery:
        """The person presses the inline button with this callback_data (or this label) under the
        bot's message `message_id`; the bot gets a callback_query."""
        chat = self.chats.get(user_id)
        if chat is None:
            raise PersonActionError(f"no chat with {user_id}")
        record = chat.messages.get(message_id)
        if record is None or record.deleted or record.sender != "bot":
            raise PersonActionError(f"no message {message_id} from the bot in chat {user_id}")
        buttons = [button for row in (record.message.get("reply_markup") or {}).get("inline_keyboard", [])
                   for button in row if "callback_data" in button]
        chosen = [button for button in buttons if (callback_data is None or button["callback_data"] == callback_data)
                  and (text is None or button["text"] == text)]
        if not chosen or (callback_data is None and text is None):
            raise PersonActionError(f"message {message_id} has no such button; it has "
                                    f"{[(b['text'], b['callback_data']) for b in buttons]}")
        query = {"id": str(secrets.randbelow(9 * 10**18) + 10**18), "from": chat.user,
                 "message": dict(record.message), "chat_instance": chat.chat_instance,
                 "data": chosen[0]["callback_data"]}
        self.callback_queries[query["id"]] = CallbackQueryRecord(query)
        return await self._emit(chat, {"callback_query": query}, wait=wait)

    def block_bot(self, user_id: int) -> None:
        """The person blocks the bot: sending to them answers 403 until they write again."""
        chat = self.chats.get(user_id)
        if chat is None:
            raise PersonActionError(f"no chat with {user_id}")
        chat.blocked = True

    def unblock_bot(self, user_id: int) -> None:
        chat = self.chats.get(user_id)
        if chat is None:
            raise PersonActionError(f"no chat with {user_id}")
        chat.blocked = False

    # ---- delivery of updates ------------------------------------------------------------------

    async def _emit(self, chat: SimulatedChat, payload: dict[str, Any], *, wait: bool) -> Delivery:
        update = {"update_id": self._next_update_id, **payload}
        self._next_update_id += 1
        delivery = Delivery(update)
        self.deliveries.append(delivery)
        kind = next(iter(payload))
        allowed = self.webhook.allowed_updates
        if (allowed and kind not in allowed) or (not allowed and kind in UPDATE_TYPES_BY_DEFAULT_OFF):
            delivery.via, delivery.delivered, delivery.error = "filtered", False, "not in allowed_updates"
            self._notify()
            return delivery
        if not self.webhook.url:
            delivery.via = "getUpdates"
            self._poll_queue.append(delivery)
            self._notify()
            return delivery
        self._notify()
        task = self._spawn(self._deliver(chat.id, delivery))
        if wait:
            await asyncio.shield(task)
        return delivery

    def _spawn(self, work: Awaitable[T]) -> asyncio.Task[T]:
        task: asyncio.Task[T] = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _flush_poll_queue_to_webhook(self) -> None:
        """Updates that waited for getUpdates go to a newly set webhook, as Telegram's pending ones do."""
        waiting, self._poll_queue = list(self._poll_queue), deque()
        for delivery in waiting:
            if delivery.delivered:
                continue
            delivery.via = "webhook"
            chat_id = self._update_chat_id(delivery.update)
            self._spawn(self._deliver(chat_id, delivery))

    @staticmethod
    def _update_chat_id(update: dict[str, Any]) -> int:
        if "message" in update:
            return int(update["message"]["chat"]["id"])
        return int(update["callback_query"]["from"]["id"])

    async def _deliver(self, chat_id: int, delivery: Delivery) -> None:
        """POSTs one update, retrying after each delay; one chat's updates go strictly in order."""
        lock = self._chat_locks.setdefault(chat_id, asyncio.Lock())
        async with lock:
            generation = self._generation
            self._in_flight += 1
            try:
                for delay in (0.0, *self.webhook_retry_delays):
                    if delay:
                        await asyncio.sleep(delay)
                    if generation != self._generation:
                        delivery.delivered, delivery.error = False, "dropped by drop_pending_updates"
                        return
                    if not self.webhook.url:
                        delivery.via = "getUpdates"
                        self._poll_queue.append(delivery)
                        return
                    status, error = await self._post_update(delivery.update)
                    delivery.attempts += 1
                    delivery.statuses.append(status)
                    if 200 <= status < 300:
                        delivery.delivered, delivery.error = True, ""
                        return
                    self.webhook_failures += 1
                    delivery.error = error
                    self.last_webhook_error = (int(self.clock()), error)
                delivery.delivered = False
            finally:
                self._in_flight = max(0, self._in_flight - 1)
                self._notify()

    async def _post_update(self, update: dict[str, Any]) -> tuple[int, str]:
        headers = {"Content-Type": "application/json"}
        if self.webhook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook.secret_token
        body = json.dumps(update, ensure_ascii=False, separators=(",", ":")).encode()
        try:
            response = await self._http.post(self.webhook.url, content=body, headers=headers)
        except httpx.ConnectError:
            return 0, "Connection refused"
        except httpx.TimeoutException:
            return 0, "Read timeout expired"
        except httpx.HTTPError as error:
            return 0, f"Failed to deliver the update: {type(error).__name__}"
        return response.status_code, f"Wrong response from the webhook: {response.status_code} {response.reason_phrase}"

    # ---- what tests read ----------------------------------------------------------------------

    async def wait_until(self, probe: Callable[[], T | None], *, within: float = 5.0) -> T:
        """Waits up to `within` seconds until `probe()` returns something other than None (checked
        after every change); TimeoutError if it does not."""
        deadline = asyncio.get_running_loop().time() + within
        while True:
            changed = self._changed
            found = probe()
            if found is not None:
                return found
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise TimeoutError("the sandbox saw nothing matching in time")
            try:
                await asyncio.wait_for(changed.wait(), timeout=remaining)
            except TimeoutError:
                continue

    async def wait_for_bot_message(self, chat_id: int, *, after_message_id: int = 0,
                                   within: float = 5.0) -> dict[str, Any]:
        """The first message the bot sends to `chat_id` with an id above `after_message_id`."""
        def probe() -> dict[str, Any] | None:
            return next(iter(m for m in self.bot_messages(chat_id) if m["message_id"] > after_message_id), None)
        return await self.wait_until(probe, within=within)

    def bot_messages(self, chat_id: int) -> list[dict[str, Any]]:
        """The bot's messages in `chat_id` as they are now (edits applied, deleted ones left out)."""
        chat = self.chats.get(chat_id)
        if chat is None:
            return []
        return [m.message for m in chat.messages.values() if m.sender == "bot" and not m.deleted]

    def api_calls(self, method: str | None = None, chat_id: int | None = None) -> list[ApiCall]:
        return [call for call in self.calls if (method is None or call.method.lower() == method.lower())
                and (chat_id is None or call.chat_id == chat_id)]

    def commands_for(self, language_code: str = "", scope: Mapping[str, Any] | None = None) -> list[dict[str, str]]:
        """The command menu a person whose app speaks `language_code` sees, as Telegram picks it: the
        list set for that language in the scope, else the scope's list set without a language."""
        key = json.dumps(dict(scope or {"type": "default"}), sort_keys=True)
        return list(self.commands.get((key, language_code)) or self.commands.get((key, ""), []))

    def counters(self) -> dict[str, int]:
        return {"sends_accepted": self.sends_accepted, "too_many_requests": self.too_many_requests,
                "api_calls": len(self.calls), "refused_calls": len(self.refused),
                "updates": len(self.deliveries),
                "updates_delivered": sum(1 for d in self.deliveries if d.delivered),
                "updates_pending": self._in_flight + len(self._poll_queue),
                "webhook_failures": self.webhook_failures}

    def file_url(self, stored: StoredFile, base_url: str = "") -> str:
        return f"{base_url}/file/bot{self.token}/{stored.file_path}"

    def chat_view(self, chat_id: int, *, base_url: str = "") -> dict[str, Any]:
        """The chat as the person sees it: messages in order, keyboards, files with download URLs."""
        chat = self.chats.get(chat_id)
        if chat is None:
            raise PersonActionError(f"no chat with {chat_id}")
        messages = []
        for record in chat.messages.values():
            if record.deleted:
                continue
            sandbox = {"sender": record.sender, "parse_mode": record.parse_mode,
                       "link_preview_disabled": record.link_preview_disabled,
                       "files": [{"file_id": f.file_id, "file_path": f.file_path, "file_name": f.file_name,
                                  "mime_type": f.mime_type, "url": self.file_url(f, base_url)} for f in record.files]}
            messages.append({**record.message, "sandbox": sandbox})
        answers = [{"id": q.query["id"], "data": q.query["data"], "message_id": q.query["message"]["message_id"],
                    "answered": q.answered, "answer": q.answer}
                   for q in self.callback_queries.values() if q.query["from"]["id"] == chat_id]
        return {"chat": chat.as_chat(), "user": chat.user, "blocked": chat.blocked,
                "reply_keyboard": chat.reply_keyboard, "last_action": chat.last_action, "messages": messages,
                "callback_queries": answers}

    def chat_list(self) -> list[dict[str, Any]]:
        return [{**chat.as_chat(), "messages": sum(1 for m in chat.messages.values() if not m.deleted),
                 "blocked": chat.blocked} for chat in self.chats.values()]
