"""The Telegram simulator speaks the Bot API's paths, shapes, errors and limits, and plays the people
who talk to the bot, delivering their updates to a webhook in order and retrying failures."""

from __future__ import annotations

import asyncio
import base64
import json
import re
import struct
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request, Response

from devstack.ports import free_port
from services.runtime.service_main import start_http_server
from services.sandbox.app import build_sandbox
from services.sandbox.settings import SandboxSettings
from services.sandbox.telegram_formatting import parse_formatted
from services.sandbox.telegram_simulator import TelegramSimulator

TOKEN = "987654321:AAtest-sandbox-token_0123456789"
SECRET = "test-webhook-secret"
START = 1_750_000_000.0


class FakeClock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Webhook:
    """The bot's side of the webhook: records each update with its secret header."""

    url: str = ""
    received: list[tuple[dict[str, Any], str]] = field(default_factory=list)
    fail_next: int = 0  # answer this many requests with 500 first


@dataclass
class TelegramHarness:
    base_url: str
    telegram: TelegramSimulator
    webhook: Webhook
    client: httpx.AsyncClient
    clock: FakeClock

    async def api(self, method: str, **params: Any) -> httpx.Response:
        return await self.client.post(f"/bot{TOKEN}/{method}", json=params)

    async def ok(self, method: str, **params: Any) -> Any:
        response = await self.api(method, **params)
        body = response.json()
        assert response.status_code == 200 and body["ok"] is True, body
        return body["result"]


@pytest.fixture
async def tg() -> AsyncIterator[TelegramHarness]:
    receiver = FastAPI()
    webhook = Webhook()

    @receiver.post("/telegram/webhook")
    async def hook(request: Request) -> Response:
        webhook.received.append((await request.json(), request.headers.get("x-telegram-bot-api-secret-token", "")))
        if webhook.fail_next:
            webhook.fail_next -= 1
            return Response(status_code=500)
        return Response(status_code=200)

    receiver_port = free_port()
    webhook.url = f"http://127.0.0.1:{receiver_port}/telegram/webhook"
    settings = SandboxSettings(telegram_bot_token=TOKEN, telegram_webhook_secret=SECRET,
                               sandbox_telegram_webhook_url=webhook.url, sandbox_time_scale=0.01,
                               speechcue_http_port=free_port())
    sandbox = build_sandbox(settings)
    clock = FakeClock()
    sandbox.telegram.clock = clock
    receiver_server, receiver_task = await start_http_server(receiver, "127.0.0.1", receiver_port)
    server, task = await start_http_server(sandbox.app, "127.0.0.1", settings.speechcue_http_port)
    base = f"http://127.0.0.1:{settings.speechcue_http_port}"
    async with httpx.AsyncClient(base_url=base) as client:
        yield TelegramHarness(base, sandbox.telegram, webhook, client, clock)
    for running in (server, receiver_server):
        running.should_exit = True
    await task
    await receiver_task


def png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + b"\xff\xff\xff" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


async def person_says(tg: TelegramHarness, user_id: int, text: str) -> dict[str, Any]:
    response = await tg.client.post(f"/sandbox/telegram/users/{user_id}/messages",
                                    json={"text": text, "first_name": "Ada", "language_code": "fr"})
    assert response.status_code == 200, response.text
    return dict(response.json())


def keyboard(*buttons: tuple[str, str]) -> dict[str, Any]:
    return {"inline_keyboard": [[{"text": label, "callback_data": data} for label, data in buttons]]}


def test_html_and_markdown_v2_parse_as_telegram_parses_them() -> None:
    html = parse_formatted("<b>Balance</b>: $5 &lt;low&gt; <a href='https://x.test/?a=1&amp;b=2'>top up</a> 😀<i>!</i>",
                           "HTML")
    assert html.text == "Balance: $5 <low> top up 😀!"
    assert html.entities == [{"type": "bold", "offset": 0, "length": 7},
                             {"type": "text_link", "offset": 18, "length": 6, "url": "https://x.test/?a=1&b=2"},
                             {"type": "italic", "offset": 27, "length": 1}]  # the emoji is 2 UTF-16 units
    markdown = parse_formatted(r"*Call* to \+1 415 \(US\) _done_", "MarkdownV2")
    assert markdown.text == "Call to +1 415 (US) done"
    assert [e["type"] for e in markdown.entities] == ["bold", "italic"]
    assert parse_formatted("  plain  ", None).text == "plain"
    for text, mode, error in (("a <br> b", "HTML", 'Unsupported start tag "br" at byte offset 2'),
                              ("<b>open", "HTML", 'Can\'t find end tag corresponding to start tag "b"'),
                              ("Total: 1.50", "MarkdownV2", "Character '.' is reserved"),
                              ("*open", "MarkdownV2", "Can't find end of Bold entity at byte offset 0")):
        with pytest.raises(ValueError, match=re.escape(error)):
            parse_formatted(text, mode)


async def test_wrong_token_is_unauthorized_and_unknown_method_not_found(tg: TelegramHarness) -> None:
    wrong = await tg.client.post("/bot123:wrong/getMe")
    assert wrong.status_code == 401
    assert wrong.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    unknown = await tg.client.post(f"/bot{TOKEN}/sendTelepathy", json={})
    assert unknown.status_code == 404
    assert unknown.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    me = await tg.client.get(f"/bot{TOKEN}/getme")  # method names are case-insensitive, GET works too
    assert me.json()["result"] | {"id": 987654321, "is_bot": True} == me.json()["result"]


async def test_send_message_answers_telegrams_message_shape(tg: TelegramHarness) -> None:
    await person_says(tg, 4242, "/start")
    form = {"chat_id": "4242", "text": "<b>Welcome</b>, pick a language", "parse_mode": "HTML",
            "reply_markup": json.dumps(keyboard(("English", "lang:en"), ("Français", "lang:fr"))),
            "link_preview_options": json.dumps({"is_disabled": True})}
    response = await tg.client.post(f"/bot{TOKEN}/sendMessage", data=form)  # a form, as PTB sends it
    assert response.status_code == 200, response.text
    message = response.json()["result"]
    assert message == {
        "message_id": 2,  # the person's /start was 1: ids are per chat and shared by both sides
        "from": {"id": 987654321, "is_bot": True, "first_name": "Speechcue", "username": "speechcue_sandbox_bot"},
        "chat": {"id": 4242, "first_name": "Ada", "type": "private"},
        "date": int(START),
        "text": "Welcome, pick a language",
        "entities": [{"type": "bold", "offset": 0, "length": 7}],
        "reply_markup": keyboard(("English", "lang:en"), ("Français", "lang:fr")),
    }
    for params, description in (
            ({"chat_id": 777, "text": "hi"}, "Bad Request: chat not found"),
            ({"chat_id": 4242, "text": ""}, "Bad Request: message text is empty"),
            ({"chat_id": 4242, "text": "x" * 4097}, "Bad Request: message is too long"),
            ({"chat_id": 4242, "text": "a < b", "parse_mode": "HTML"},
             'Bad Request: can\'t parse entities: Unsupported start tag "" at byte offset 2')):
        refused = await tg.api("sendMessage", **params)
        assert refused.status_code == 400 and refused.json() == {"ok": False, "error_code": 400,
                                                                 "description": description}
    assert len((await tg.ok("sendMessage", chat_id=4242, text="y" * 4096))["text"]) == 4096
    view = (await tg.client.get("/sandbox/telegram/chats/4242")).json()
    assert [m["sandbox"]["sender"] for m in view["messages"]] == ["person", "bot", "bot"]
    assert view["messages"][1]["sandbox"]["link_preview_disabled"] is True
    assert view["user"]["language_code"] == "fr"
    assert [call.method for call in tg.telegram.api_calls(chat_id=4242)] == ["sendMessage", "sendMessage"]


async def test_edits_apply_and_an_edit_that_changes_nothing_is_refused(tg: TelegramHarness) -> None:
    await person_says(tg, 51, "/start")
    sent = await tg.ok("sendMessage", chat_id=51, text="Balance: $5", reply_markup=keyboard(("Top up", "topup")))
    tg.clock.advance(10)
    edited = await tg.ok("editMessageText", chat_id=51, message_id=sent["message_id"], text="Balance: $15",
                         reply_markup=keyboard(("Top up", "topup")))
    assert edited["text"] == "Balance: $15" and edited["edit_date"] == int(START) + 10
    assert edited["date"] == sent["date"] and edited["reply_markup"] == sent["reply_markup"]
    same = await tg.api("editMessageText", chat_id=51, message_id=sent["message_id"], text="Balance: $15",
                        reply_markup=keyboard(("Top up", "topup")))
    assert same.status_code == 400
    assert same.json()["description"].startswith("Bad Request: message is not modified")
    tg.clock.advance(10)
    # Without reply_markup an edit drops the inline keyboard, as Telegram does.
    dropped = await tg.ok("editMessageText", chat_id=51, message_id=sent["message_id"], text="Balance: $15")
    assert "reply_markup" not in dropped
    unchanged = await tg.api("editMessageReplyMarkup", chat_id=51, message_id=sent["message_id"])
    assert unchanged.json()["description"].startswith("Bad Request: message is not modified")
    missing = await tg.api("editMessageText", chat_id=51, message_id=999, text="x")
    assert missing.status_code == 400 and missing.json()["description"] == "Bad Request: message to edit not found"
    persons = await tg.api("editMessageText", chat_id=51, message_id=1, text="x")
    assert persons.json()["description"] == "Bad Request: message can't be edited"
    assert tg.telegram.bot_messages(51) == [dropped]
    assert await tg.ok("deleteMessage", chat_id=51, message_id=sent["message_id"]) is True
    gone = await tg.api("deleteMessage", chat_id=51, message_id=sent["message_id"])
    assert gone.json()["description"] == "Bad Request: message to delete not found"
    assert tg.telegram.bot_messages(51) == []


async def test_multipart_document_get_file_and_download_round_trip(tg: TelegramHarness) -> None:
    await person_says(tg, 61, "/start")
    report = b"number,status\n+14155550123,answered\n"
    response = await tg.client.post(
        f"/bot{TOKEN}/sendDocument",
        data={"chat_id": "61", "caption": "<i>Campaign report</i>", "parse_mode": "HTML",
              "reply_markup": json.dumps(keyboard(("Again", "again")))},
        files={"document": ("report.csv", report, "text/csv")})
    assert response.status_code == 200, response.text
    message = response.json()["result"]
    document = message["document"]
    assert document == {"file_name": "report.csv", "mime_type": "text/csv", "file_id": document["file_id"],
                        "file_unique_id": document["file_unique_id"], "file_size": len(report)}
    assert message["caption"] == "Campaign report" and message["caption_entities"][0]["type"] == "italic"
    file = await tg.ok("getFile", file_id=document["file_id"])
    assert file == {"file_id": document["file_id"], "file_unique_id": document["file_unique_id"],
                    "file_size": len(report), "file_path": file["file_path"]}
    download = await tg.client.get(f"/file/bot{TOKEN}/{file['file_path']}")
    assert download.status_code == 200 and download.content == report
    assert (await tg.client.get(f"/file/botnope/{file['file_path']}")).status_code == 401
    assert (await tg.api("getFile", file_id="nope")).json()["description"] == "Bad Request: invalid file_id"
    # Resending by file_id reuses the file; a wav through sendAudio arrives as a document, as in Telegram.
    again = await tg.ok("sendDocument", chat_id=61, document=document["file_id"])
    assert again["document"]["file_id"] == document["file_id"]
    tg.clock.advance(3)
    wav = await tg.client.post(f"/bot{TOKEN}/sendAudio", data={"chat_id": "61"},
                               files={"audio": ("call.wav", b"RIFF0000WAVEfmt ", "audio/wav")})
    assert "document" in wav.json()["result"] and "audio" not in wav.json()["result"]
    mp3 = await tg.client.post(f"/bot{TOKEN}/sendAudio", data={"chat_id": "61", "title": "Recording"},
                               files={"audio": ("call.mp3", b"ID3\x03fake-mp3", "audio/mpeg")})
    assert mp3.json()["result"]["audio"]["title"] == "Recording"
    # A person's upload reaches the bot, which can fetch it the same way.
    upload = await tg.client.post("/sandbox/telegram/users/61/documents", json={
        "file_name": "numbers.txt", "mime_type": "text/plain",
        "content_base64": base64.b64encode(b"+14155550123\n").decode()})
    sent = upload.json()["update"]["message"]["document"]
    path = (await tg.ok("getFile", file_id=sent["file_id"]))["file_path"]
    assert (await tg.client.get(f"/file/bot{TOKEN}/{path}")).content == b"+14155550123\n"
    view = (await tg.client.get("/sandbox/telegram/chats/61")).json()
    urls = [f["url"] for m in view["messages"] for f in m["sandbox"]["files"]]
    assert urls[-1] == f"{tg.base_url}/file/bot{TOKEN}/{path}"


async def test_oversized_body_is_refused_with_413(tg: TelegramHarness) -> None:
    await person_says(tg, 62, "/start")
    too_big = await tg.client.post(f"/bot{TOKEN}/sendDocument", data={"chat_id": "62"},
                                   files={"document": ("big.bin", b"\0" * (21 * 1024 * 1024 + 1), "x/y")})
    assert too_big.status_code == 413 and too_big.json()["error_code"] == 413
    assert tg.telegram.bot_messages(62) == []


async def test_callback_data_over_64_bytes_and_over_100_buttons_are_refused(tg: TelegramHarness) -> None:
    await person_says(tg, 71, "/start")
    long_data = await tg.api("sendMessage", chat_id=71, text="menu", reply_markup=keyboard(("Go", "x" * 65)))
    assert long_data.status_code == 400
    assert long_data.json()["description"] == "Bad Request: BUTTON_DATA_INVALID"
    wide = await tg.api("sendMessage", chat_id=71, text="menu", reply_markup=keyboard(("Go", "ж" * 33)))  # 66 bytes
    assert wide.json()["description"] == "Bad Request: BUTTON_DATA_INVALID"
    many = {"inline_keyboard": [[{"text": str(i), "callback_data": str(i)}] for i in range(101)]}
    assert (await tg.api("sendMessage", chat_id=71, text="menu", reply_markup=many)).json()["description"] == (
        "Bad Request: reply markup is too long")
    bare = await tg.api("sendMessage", chat_id=71, text="menu", reply_markup={"inline_keyboard": [[{"text": "x"}]]})
    assert "Text buttons are unallowed in the inline keyboard" in bare.json()["description"]
    assert (await tg.ok("sendMessage", chat_id=71, text="menu", reply_markup=keyboard(("Go", "x" * 64))))


async def test_per_chat_limit_answers_429_with_retry_after_until_the_window_passes(tg: TelegramHarness) -> None:
    await person_says(tg, 81, "/start")
    for index in range(3):
        await tg.ok("sendMessage", chat_id=81, text=f"line {index}")
        tg.clock.advance(0.5)
    over = await tg.api("editMessageText", chat_id=81, message_id=2, text="edited")  # edits count too
    assert over.status_code == 429
    assert over.json() == {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 2",
                           "parameters": {"retry_after": 2}}
    # Chat actions and callback answers are not counted.
    assert await tg.ok("sendChatAction", chat_id=81, action="typing") is True
    tg.clock.advance(1.0)
    still = await tg.api("sendMessage", chat_id=81, text="too soon")
    assert still.json()["parameters"]["retry_after"] == 1
    tg.clock.advance(0.5)
    assert (await tg.ok("sendMessage", chat_id=81, text="again"))["text"] == "again"
    counters = (await tg.client.get("/sandbox/telegram/counters")).json()
    assert counters["sends_accepted"] == 4 and counters["too_many_requests"] == 2


async def test_global_limit_of_30_per_second_spans_chats(tg: TelegramHarness) -> None:
    for user_id in range(1000, 1031):
        await tg.telegram.send_text(user_id, "/start")
    for user_id in range(1000, 1030):
        await tg.ok("sendMessage", chat_id=user_id, text="hello")
    over = await tg.api("sendMessage", chat_id=1030, text="hello")
    assert over.status_code == 429 and over.json()["parameters"] == {"retry_after": 1}
    tg.clock.advance(1.0)
    await tg.ok("sendMessage", chat_id=1030, text="hello")
    assert tg.telegram.counters()["too_many_requests"] == 1


async def test_person_text_and_button_press_reach_the_webhook_with_secret_in_order(tg: TelegramHarness) -> None:
    first = await person_says(tg, 91, "/start")
    assert first["delivered"] is True and first["attempts"] == 1
    message = first["update"]["message"]
    assert message["text"] == "/start" and message["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert message["from"] == {"id": 91, "is_bot": False, "first_name": "Ada", "language_code": "fr"}
    menu = await tg.ok("sendMessage", chat_id=91, text="Menu", reply_markup=keyboard(("Call", "menu:call")))
    pressed = await tg.client.post("/sandbox/telegram/users/91/press",
                                   json={"message_id": menu["message_id"], "callback_data": "menu:call"})
    assert pressed.status_code == 200 and pressed.json()["delivered"] is True
    query = pressed.json()["update"]["callback_query"]
    assert query["data"] == "menu:call" and query["message"] == menu and query["from"]["id"] == 91
    by_label = await tg.client.post("/sandbox/telegram/users/91/press",
                                    json={"message_id": menu["message_id"], "text": "Call"})
    assert by_label.json()["update"]["callback_query"]["data"] == "menu:call"
    no_button = await tg.client.post("/sandbox/telegram/users/91/press",
                                     json={"message_id": menu["message_id"], "callback_data": "other"})
    assert no_button.status_code == 404
    assert [secret for _, secret in tg.webhook.received] == [SECRET] * 3
    ids = [update["update_id"] for update, _ in tg.webhook.received]
    assert ids == sorted(ids) and len(set(ids)) == 3 and ids[2] - ids[0] == 2
    assert await tg.ok("answerCallbackQuery", callback_query_id=query["id"], text="Calling…") is True
    twice = await tg.api("answerCallbackQuery", callback_query_id=query["id"])
    assert twice.json()["description"] == (
        "Bad Request: query is too old and response timeout expired or query ID is invalid")
    view = (await tg.client.get("/sandbox/telegram/chats/91")).json()
    assert view["callback_queries"][0]["answer"]["text"] == "Calling…"


async def test_delivery_is_retried_when_the_bot_answers_500_and_order_is_kept(tg: TelegramHarness) -> None:
    tg.webhook.fail_next = 2
    first, second = await asyncio.gather(tg.telegram.send_text(95, "one"), tg.telegram.send_text(95, "two"))
    assert first.delivered and first.statuses == [500, 500, 200] and first.attempts == 3
    assert second.delivered and second.statuses == [200]
    assert [update["message"]["text"] for update, _ in tg.webhook.received] == ["one", "one", "one", "two"]
    info = await tg.ok("getWebhookInfo")
    assert info["url"] == tg.webhook.url and info["pending_update_count"] == 0
    assert info["last_error_message"] == "Wrong response from the webhook: 500 Internal Server Error"
    # An unreachable bot: every retry fails and the update is given up, as Telegram eventually does.
    await tg.ok("setWebhook", url=f"http://127.0.0.1:{free_port()}/telegram/webhook", secret_token="s2")
    lost = await tg.telegram.send_text(95, "three")
    assert lost.delivered is False and lost.attempts == 7 and lost.error == "Connection refused"


async def test_set_webhook_secret_and_get_updates_when_no_webhook(tg: TelegramHarness) -> None:
    await tg.ok("setWebhook", url=tg.webhook.url, secret_token="from_the_bot-1", allowed_updates=["message"])
    await person_says(tg, 97, "hello")
    assert tg.webhook.received[-1][1] == "from_the_bot-1"
    bad = await tg.api("setWebhook", url=tg.webhook.url, secret_token="no spaces!")
    assert bad.status_code == 400
    conflict = await tg.api("getUpdates")
    assert conflict.status_code == 409 and conflict.json()["description"].startswith("Conflict:")
    assert await tg.ok("deleteWebhook") is True
    queued = await person_says(tg, 97, "are you there?")
    assert queued["via"] == "getUpdates" and queued["delivered"] is None
    updates = await tg.ok("getUpdates", timeout=1)
    assert [u["message"]["text"] for u in updates] == ["are you there?"]
    assert await tg.ok("getUpdates", offset=updates[-1]["update_id"] + 1) == []
    assert await tg.ok("setMyCommands", commands=[{"command": "start", "description": "Begin"}]) is True
    assert await tg.ok("getMyCommands") == [{"command": "start", "description": "Begin"}]
    assert (await tg.api("setMyCommands", commands=[{"command": "Bad-Name", "description": "x"}])).status_code == 400


async def test_python_telegram_bot_speaks_the_same_wire_format(tg: TelegramHarness,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    telegram = pytest.importorskip("telegram")
    monkeypatch.setenv("PTB_TIMEDELTA", "1")  # durations as timedelta, as PTB 23 will have them
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup
    from telegram.error import BadRequest, RetryAfter

    await tg.telegram.send_text(12345, "/start", first_name="Lin")
    bot = telegram.Bot(TOKEN, base_url=f"{tg.base_url}/bot", base_file_url=f"{tg.base_url}/file/bot")
    async with bot:
        assert bot.username == "speechcue_sandbox_bot"
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("Top up", callback_data="topup")]])
        sent = await bot.send_message(12345, "<b>Balance</b>: $5", parse_mode="HTML", reply_markup=markup)
        assert sent.text == "Balance: $5" and sent.chat.first_name == "Lin" and sent.reply_markup == markup
        tg.clock.advance(1)
        qr = png(300, 300)
        photo = await bot.send_photo(12345, photo=qr, caption="Pay to this address")
        assert [(size.width, size.height) for size in photo.photo] == [(90, 90), (300, 300)]
        tg.clock.advance(1)
        edited = await bot.edit_message_text("Balance: $15", chat_id=12345, message_id=sent.message_id)
        assert edited.text == "Balance: $15" and edited.edit_date is not None and edited.reply_markup is None
        tg.clock.advance(1)
        with pytest.raises(BadRequest, match="Message is not modified"):
            await bot.edit_message_text("Balance: $15", chat_id=12345, message_id=sent.message_id)
        file = await bot.get_file(photo.photo[-1].file_id)
        assert bytes(await file.download_as_bytearray()) == qr
        document = await bot.send_document(12345, document=b"a,b\n1,2\n", filename="report.csv")
        assert document.document.file_name == "report.csv"
        tg.clock.advance(1)
        await bot.send_message(12345, "one")
        with pytest.raises(RetryAfter) as limited:
            await bot.send_message(12345, "two")
        assert limited.value.retry_after == timedelta(seconds=1)
        with pytest.raises(BadRequest, match="Chat not found"):
            await bot.send_message(999, "nobody")
    view = tg.telegram.chat_view(12345)
    assert [m.get("text") or m.get("caption") for m in view["messages"]] == [
        "/start", "Balance: $15", "Pay to this address", None, "one"]
