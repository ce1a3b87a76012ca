"""The bot with every other service running on real PostgreSQL and NATS: the wallet, calls (with the
Retell simulator) and payments (with the DynoPay simulator), and the Telegram simulator as the
outside world. A `Person` talks to the bot the way a Telegram user does."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx
import pytest

from devstack.ports import free_port
from services.bot.__main__ import build as build_bot
from services.bot.settings import BotSettings
from services.runtime.service_main import RunningService, start_http_server, start_service
from services.sandbox.app import build_sandbox
from services.sandbox.retell_simulator import DEFAULT_VOICES
from services.sandbox.settings import SandboxSettings
from services.sandbox.telegram_simulator import TelegramSimulator
from speechcue.calls.v1 import calls_pb2
from tests.bot.english_leaks import CHECKED_LANGUAGES, leaks, strings_in
from tests.calls.conftest import CallsHarness, calls, sandbox_server  # noqa: F401
from tests.conftest import RunningServers
from tests.event_reader import delete_stream
from tests.payments.conftest import PaymentsHarness, payments  # noqa: F401
from tests.wallet.conftest import ADMIN_ID, INTERNAL_TOKEN, wallet  # noqa: F401

TELEGRAM_TOKEN = "123456:bot-test-token"
TELEGRAM_SECRET = "bot-test-webhook-secret"
# How long a journey waits for the bot's answer before it fails: a bound on a hang, not a speed target.
# Beside a second suite on two cores an answer that takes 0.1 s idle has taken over 15 s (the sends
# now pass the replicas' shared limiter in the bot database), and with four test workers on two cores
# one took over 30 s. A hang still fails, after this long.
REPLY_WITHIN = 90.0
_people = itertools.count(7_000_001)


@dataclass
class BotHarness:
    telegram: TelegramSimulator
    running: RunningService
    settings: BotSettings
    calls: CallsHarness
    payments: PaymentsHarness
    database_url: str
    # What anyone in the test typed or uploaded: data the bot may show as it was given.
    supplied: list[str] = field(default_factory=list)
    # Per chat, how many Bot API calls the simulator had seen when its language was last chosen: the
    # English check reads a chat from there (see Person.language_chosen).
    language_marks: dict[int, int] = field(default_factory=dict)

    def person(self, language: str = "en", user_id: int | None = None) -> Person:
        person = Person(self, user_id or next(_people), language)
        if language in CHECKED_LANGUAGES:
            self.language_marks[person.user_id] = len(self.telegram.calls)
        return person

    async def onboarded(self, name: str = "Acme Dental", *, user_id: int | None = None) -> Person:
        """A person who went through onboarding in English and skipped the trial."""
        person = self.person("en", user_id)
        await person.say("/start")
        await person.press("English")
        await person.wait_for_text("What is your name")
        await person.say(name)
        await person.press("I accept")
        await person.press("No, thanks")
        await person.wait_for_text("Main menu")
        return person

    async def customer_id(self, person: Person) -> str:
        connection = await asyncpg.connect(self.database_url)
        try:
            return str(await connection.fetchval(
                "SELECT customer_id FROM telegram_users WHERE telegram_user_id = $1", person.user_id))
        finally:
            await connection.close()

    async def restart(self) -> None:
        """Stops the bot and starts a new process of it on the same database, as a redeploy does."""
        await self.running.stop()
        self.running = await start_bot(self.settings, clock=self.calls.clock)

    async def stop(self) -> None:
        """Stops the bot process running now (after a restart, the new one: the first is stopped)."""
        await self.running.stop()


@dataclass
class Person:
    """A Telegram user talking to the bot through the simulator."""

    bot: BotHarness
    user_id: int
    language: str
    seen: int = 0
    log: list[str] = field(default_factory=list)

    @property
    def telegram(self) -> TelegramSimulator:
        return self.bot.telegram

    def messages(self) -> list[dict[str, Any]]:
        return self.telegram.bot_messages(self.user_id)

    async def say(self, text: str) -> None:
        self.bot.supplied.append(text)
        delivery = await self.telegram.send_text(self.user_id, text, first_name="Ada", language_code=self.language)
        assert delivery.delivered, delivery.as_json()

    async def upload(self, content: bytes, file_name: str, mime_type: str = "text/csv") -> None:
        self.bot.supplied.extend([file_name, *content.decode("utf-8", "replace").replace(",", "\n").splitlines()])
        delivery = await self.telegram.upload_document(self.user_id, content, file_name, mime_type)
        assert delivery.delivered, delivery.as_json()

    async def wait_for(self, predicate: Any, *, within: float = REPLY_WITHIN,
                       what: str = "a message") -> dict[str, Any]:
        """The newest bot message satisfying `predicate` (edits count), waiting for it to arrive."""
        deadline = asyncio.get_running_loop().time() + within
        while True:
            for message in reversed(self.messages()):
                if predicate(message):
                    return message
            if asyncio.get_running_loop().time() > deadline:
                texts = [message_text(m)[:120] for m in self.messages()[-6:]]
                raise AssertionError(f"no {what} arrived; the chat ends with {texts}")
            await asyncio.sleep(0.02)

    async def wait_for_text(self, fragment: str, *, within: float = REPLY_WITHIN) -> dict[str, Any]:
        return await self.wait_for(lambda m: fragment in message_text(m), within=within, what=repr(fragment))

    async def wait_for_button(self, label: str, *, within: float = REPLY_WITHIN) -> dict[str, Any]:
        return await self.wait_for(lambda m: find_button(m, label) is not None, within=within,
                                   what=f"button {label!r}")

    async def press(self, label: str, *, within: float = REPLY_WITHIN) -> None:
        """Presses the newest button whose label contains `label`."""
        message = await self.wait_for_button(label, within=within)
        data = find_button(message, label)
        assert data is not None
        if data.startswith("lang:"):
            self.language_chosen()
        delivery = await self.telegram.press_button(self.user_id, message["message_id"], callback_data=data)
        assert delivery.delivered, delivery.as_json()

    async def press_first(self, prefix: str) -> None:
        """Presses the first button of the newest message offering buttons whose data starts with
        `prefix` (a list of flows, of coins), whatever their labels."""
        def offering(message: dict[str, Any]) -> bool:
            return any(b.get("callback_data", "").startswith(prefix)
                       for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for b in row)

        message = await self.wait_for(offering, what=f"buttons {prefix}…")
        data = next(b["callback_data"] for row in message["reply_markup"]["inline_keyboard"] for b in row
                    if b.get("callback_data", "").startswith(prefix))
        await self.press_data(data, message["message_id"])

    async def press_data(self, callback_data: str, message_id: int | None = None) -> None:
        if callback_data.startswith("lang:"):
            self.language_chosen()
        target = message_id or self.messages()[-1]["message_id"]
        delivery = await self.telegram.press_button(self.user_id, target, callback_data=callback_data)
        assert delivery.delivered, delivery.as_json()

    def language_chosen(self) -> None:
        """The chat's language changes from here on (a language button, or a test setting it in the
        database): the English check reads the chat from this point."""
        self.bot.language_marks[self.user_id] = len(self.telegram.calls)

    def all_text(self) -> str:
        return "\n".join(message_text(m) for m in self.messages())


async def start_new_flow(person: Person, name: str, *, new_button: str = "➕ New flow") -> None:
    """In English: IVR flows → a new flow (`new_button`) named `name`, with the default voice."""
    await person.press("IVR flows")
    await person.press(new_button)
    await person.wait_for_text("What should it be called")
    await person.say(name)
    voices = await person.wait_for(lambda m: "fvoice:" in str(m.get("reply_markup")), what="the voices")
    await person.press_data(button_data(voices, "fvoice", ":-"), voices["message_id"])
    # The voices become the wizard's first question in place. Until then, the newest "Message" button
    # may be a finished flow's, and a press on it would go to that closed draft.
    await person.wait_for(lambda m: m["message_id"] == voices["message_id"]
                          and "fvoice:" not in str(m.get("reply_markup")), what="the wizard's first question")


async def at_the_call_quote(person: Person, number: str) -> dict[str, Any]:
    """In English: Call a number → the first approved flow → `number` → any caller ID; the quote."""
    await person.press("Call a number")
    await person.press_first("callf:")
    await person.wait_for_text("international form")
    await person.say(number)
    await person.press("Any from the pool")
    return await person.wait_for_text("Ready to call")


_forged_updates = itertools.count(900_000_001)


async def forge_press(bot: BotHarness, person: Person, data: str, message_id: int | None = None) -> None:
    """A callback query with made-up data, as a modified client can send: Telegram does not check
    callback data against the buttons it was given, so the bot must not trust it either. Under the
    last message, or the message `message_id` (a button it showed earlier)."""
    message = next((m for m in person.messages() if m["message_id"] == message_id), person.messages()[-1])
    update = {"update_id": next(_forged_updates), "callback_query": {
        "id": f"forged-{data}", "chat_instance": "1", "data": data,
        "from": {"id": person.user_id, "is_bot": False, "first_name": "Eve"},
        "message": {"message_id": message["message_id"], "date": message["date"],
                    "chat": {"id": person.user_id, "type": "private"}, "text": message.get("text", "")}}}
    async with httpx.AsyncClient() as client:
        answer = await client.post(f"http://127.0.0.1:{bot.settings.speechcue_http_port}/telegram/webhook",
                                   json=update, headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET})
    assert answer.status_code == 200


def message_text(message: dict[str, Any]) -> str:
    labels = [b.get("text", "") for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])
              for b in row]
    return "\n".join([message.get("text") or message.get("caption") or "", *labels])


def button_data(message: dict[str, Any], prefix: str, tail: str = "") -> str:
    """The data of the message's first button `prefix:…` ending with `tail` (the wizard's buttons
    carry their draft's id after the prefix: `fvoice:<draft id>:-`), or "" when there is none."""
    return next((str(b["callback_data"]) for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])
                 for b in row if b.get("callback_data", "").startswith(f"{prefix}:")
                 and b["callback_data"].endswith(tail)), "")


def find_button(message: dict[str, Any], label: str) -> str | None:
    for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
        for button in row:
            if label in button.get("text", "") and "callback_data" in button:
                return str(button["callback_data"])
    return None


def bot_settings(database_url: str, nats_url: str, telegram_url: str, *, wallet_address: str, calls_address: str,
                 payments_address: str, http_port: int, **overrides: Any) -> BotSettings:
    values: dict[str, Any] = dict(
        speechcue_env="test", speechcue_database_url=database_url, speechcue_nats_url=nats_url,
        speechcue_admin_telegram_ids=str(ADMIN_ID),
        speechcue_grpc_port=free_port(), speechcue_http_port=http_port, speechcue_http_host="127.0.0.1",
        telegram_bot_token=TELEGRAM_TOKEN, telegram_webhook_secret=TELEGRAM_SECRET,
        telegram_api_base_url=telegram_url, speechcue_public_base_url=f"http://127.0.0.1:{http_port}",
        wallet_grpc_addr=wallet_address, calls_grpc_addr=calls_address, payments_grpc_addr=payments_address,
        # The journeys are not about pacing: one chat may receive its replies back to back.
        bot_seconds_between_chat_messages=0.0,
    )
    values.update(overrides)
    return BotSettings(**values)


async def start_bot(settings: BotSettings, **overrides: Any) -> RunningService:
    return await start_service(settings, "bot", lambda context: build_bot(context, **overrides))


@asynccontextmanager
async def bots_alone(servers: RunningServers, database_url: str, *, replicas: int = 1,
                     **overrides: Any) -> AsyncIterator[tuple[TelegramSimulator, list[RunningService]]]:
    """`replicas` bots on one database with no other service (none is needed to turn events and queued
    messages into Telegram messages), against a Telegram simulator with Telegram's own limits (30 a
    second overall, 3 in 3 seconds per chat); `overrides` are the bots' settings."""
    await delete_stream(servers.nats_url, "CALLS")
    sandbox_settings = SandboxSettings(speechcue_http_port=free_port(), telegram_bot_token=TELEGRAM_TOKEN,
                                       telegram_webhook_secret=TELEGRAM_SECRET)
    sandbox = build_sandbox(sandbox_settings)
    server, task = await start_http_server(sandbox.app, "127.0.0.1", sandbox_settings.speechcue_http_port)
    unused = f"127.0.0.1:{free_port()}"
    bots: list[RunningService] = []
    try:
        for _ in range(replicas):
            settings = bot_settings(database_url, servers.nats_url,
                                    f"http://127.0.0.1:{sandbox_settings.speechcue_http_port}",
                                    wallet_address=unused, calls_address=unused, payments_address=unused,
                                    http_port=free_port(), **overrides)
            bots.append(await start_bot(settings))
        yield sandbox.telegram, bots
    finally:
        for bot in bots:
            await bot.stop()
        server.should_exit = True
        await task


@pytest.fixture
async def telegram_server() -> AsyncIterator[tuple[str, TelegramSimulator]]:
    settings = SandboxSettings(sandbox_time_scale=0.01, speechcue_http_port=free_port(),
                               telegram_bot_token=TELEGRAM_TOKEN, telegram_webhook_secret=TELEGRAM_SECRET,
                               sandbox_telegram_chat_limit=1000)
    sandbox = build_sandbox(settings)
    server, task = await start_http_server(sandbox.app, "127.0.0.1", settings.speechcue_http_port)
    yield f"http://127.0.0.1:{settings.speechcue_http_port}", sandbox.telegram
    server.should_exit = True
    await task


@pytest.fixture
async def bot(servers: RunningServers, bot_database_url: str, calls: CallsHarness,  # noqa: F811
              payments: PaymentsHarness, telegram_server: tuple[str, TelegramSimulator]) -> AsyncIterator[BotHarness]:  # noqa: F811
    telegram_url, telegram = telegram_server
    settings = bot_settings(bot_database_url, servers.nats_url, telegram_url,
                            wallet_address=f"127.0.0.1:{calls.wallet.running.grpc_port}",
                            calls_address=f"127.0.0.1:{calls.running.grpc_port}",
                            payments_address=f"127.0.0.1:{payments.running.grpc_port}", http_port=free_port(),
                            # The Retell simulator serves the recordings, as Retell's storage does.
                            bot_recording_origins=calls.sandbox_url)
    running = await start_bot(settings, clock=calls.clock)
    await telegram.wait_until(lambda: telegram.webhook.url or None, within=REPLY_WITHIN)
    harness = BotHarness(telegram, running, settings, calls, payments, bot_database_url)
    try:
        yield harness
    finally:
        await harness.stop()
    english = await english_in_other_languages(harness)
    assert not english, "English in a 中文 or हिन्दी chat (tests/bot/english_leaks.py):\n" + "\n".join(english)


async def english_in_other_languages(harness: BotHarness) -> list[str]:
    """What the bot sent in English to a chat whose language is Chinese or Hindi, by chat."""
    connection = await asyncpg.connect(harness.database_url)
    try:
        rows = await connection.fetch("SELECT chat_id, language FROM telegram_users WHERE language = ANY($1::text[])",
                                      list(CHECKED_LANGUAGES))
    finally:
        await connection.close()
    # What customers gave the calls service, through the chat or, in a test, straight through its API.
    connection = await asyncpg.connect(harness.calls.database_url)
    try:
        flows = await connection.fetch("SELECT name, spec FROM flows")
        names = await connection.fetch("SELECT name FROM campaigns UNION SELECT name FROM campaign_callees")
    finally:
        await connection.close()
    given = [row["name"] for row in [*flows, *names]]
    for row in flows:
        given.extend(strings_in(calls_pb2.FlowSpec.FromString(row["spec"])))
    # Data from Retell: voice names and the caller IDs' nicknames are shown as Retell has them.
    supplied = (harness.supplied + given + [voice["voice_name"] for voice in DEFAULT_VOICES]
                + [str(number.get("nickname") or "") for number in harness.calls.retell.phone_numbers.values()])
    found: list[str] = []
    for row in rows:
        since = harness.language_marks.get(row["chat_id"])
        if since is None:
            continue
        sent = [(call.method, call.params) for call in harness.telegram.calls[since:] if call.chat_id == row["chat_id"]]
        found.extend(f"chat {row['chat_id']} ({row['language']}) {leak}" for leak in leaks(sent, supplied))
    return found

