"""Telegram webhook updates per second on the bot, through the handler and on to the reply at the
Bot API, next to a bare FastAPI endpoint doing one INSERT on the same database in the same run.

Why: every button press and command a person sends reaches the bot as one webhook update. The bot
authenticates it, claims its update_id (once only), locks the chat's conversation, reads the user,
routes it to its screen, queues the answer in the outbox table and commits, all before it answers
200; its sender then delivers the queued messages to Telegram. The bare endpoint (FastAPI on
uvicorn, one worker, one asyncpg INSERT of the update_id per request) shows what the framework and
the database cost on their own, so the ratio shows what the bot's own work costs and travels between
machines better than the rates do.

`python -m bench.bot_webhook [--seconds N] [--users N] [--updates N] [--duplicates N]` starts its own
PostgreSQL (durable, default settings) and NATS in a temporary folder, migrates the bot database,
runs the bot (`python -m services.bot`) and the Telegram Bot API simulator (`python -m
services.sandbox`) as subprocesses configured by environment variables only, and then:

1. inserts `--users` onboarded users straight into `telegram_users` (name set, terms accepted,
   chat id = user id) and opens their chats in the simulator: each person sends `/start` through the
   simulator's control endpoint (no webhook is registered, so those updates wait for getUpdates and
   never reach the bot) and the benchmark, as the bot, sends each chat one message with a Help button
   through the simulator's Bot API;
2. builds `--updates` updates in Telegram's shape before the clock starts, round-robin over the
   users: for half of them a callback_query pressing a help tab under that message (`help`,
   `help:prices`, `help:rules`, `help:contact` in turn, so every edit changes the text), for the other
   half a `/help` message. Neither screen makes an RPC; the wallet, calls and payments services are
   not started, and their addresses point at a closed port, so a stray RPC would show as `refused`;
3. **bare insert baseline**: a FastAPI app in its own uvicorn process (`--serve-bare-insert`, one
   worker, no access log) parses the JSON body and INSERTs its update_id into a scratch table of the
   bot database with asyncpg (a pool of 20); 16 keep-alive connections post the updates over and over
   for a 1 s warm-up and `--seconds`;
4. **handled**: the same 16 connections post each update once to `POST /telegram/webhook` (with
   `X-Telegram-Bot-Api-Secret-Token`) until `--seconds` are over or the updates run out; a request
   counts when it answers 200 `{"status": "handled"}`;
5. **replied**: the bot's sender runs with its pacing relaxed (`BOT_MESSAGES_PER_SECOND` 1,000,000,
   `BOT_SECONDS_BETWEEN_CHAT_MESSAGES` 0) against a simulator whose flood control is relaxed the same
   way (`SANDBOX_TELEGRAM_GLOBAL_LIMIT`, `SANDBOX_TELEGRAM_CHAT_LIMIT`). Real Telegram caps a bot at
   about 30 messages a second, so this measures the bot, not Telegram. It waits (at most 180 s) until
   no outgoing message is pending, then takes every reply the simulator accepted (its own list of
   sendMessage and editMessageText calls, with their times) and rates them from the first request
   (warm-up included) to the last reply, and separately from the last answer of the handled pass to
   the last reply (the sender on its own); each reply's latency is from its update's request;
6. **duplicates**: re-posts `--duplicates` already-handled updates on the same 16 connections; each
   must answer `{"status": "duplicate"}` and queue nothing;
7. prints the table, the ratios to the bare endpoint, the CPU each process spent per update, and the
   checks (every update handled once and replied to once, no 429, duplicates changed nothing). It
   exits with status 1 only if those checks fail.

The client is the minimal HTTP/1.1 keep-alive client of bench/calls_webhook.py, sending requests built
before the clock starts: on two shared cores a heavy client (httpx) would take the CPU the servers
need and flatten the ratio it is meant to show.

Everything listens on and is reached through 127.0.0.1 only. Every process started here is stopped on
exit, Ctrl-C and SIGTERM included. It is not a test: it prints figures and asserts nothing about time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import math
import os
import platform
import signal
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import psutil
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from bench.calls_webhook import KeepAliveConnection, percentile_ms
from bench.campaign_import import process_cpu, process_tree_cpu
from bench.service_process import ServiceProcess
from bench.signals import exit_on_sigterm
from bench.wallet_debit import cpu_model
from devstack.nats import EmbeddedNats
from devstack.ports import free_port
from devstack.postgres import EmbeddedPostgres
from services.runtime.callers import HARNESS, development_token
from services.runtime.migrations import upgrade_to_head

CONNECTIONS = 16
WARMUP_SECONDS = 1.0
INTERNAL_TOKEN = development_token(HARNESS)  # the bench calls from outside, as the harness
BOT_ID = 123456
BOT_TOKEN = f"{BOT_ID}:bench-telegram-token"
WEBHOOK_SECRET = "bench-webhook-secret"
WEBHOOK_PATH = "/telegram/webhook"
FIRST_USER_ID = 700_000_000
FIRST_UPDATE_ID = 400_000_000
# Four tabs in turn: each press of a chat edits its message to a text it does not show yet.
HELP_TABS = ("help", "help:prices", "help:rules", "help:contact")
# Pacing and flood control relaxed for the reply leg (Telegram itself allows about 30 a second).
UNLIMITED = 1_000_000
READY_TIMEOUT_SECONDS = 30.0
DRAIN_POLL_SECONDS = 0.1
# Bounds the wait for the last reply; a run that hits it reports the replies that arrived.
DRAIN_TIMEOUT_SECONDS = 180.0
REPLY_METHODS = ("sendMessage", "editMessageText")

BARE_TABLE = (
    "CREATE TABLE IF NOT EXISTS bench_bare_updates (id bigserial PRIMARY KEY, "
    "received_at timestamptz NOT NULL DEFAULT now(), update_id bigint NOT NULL)"
)
BARE_INSERT = "INSERT INTO bench_bare_updates (update_id) VALUES ($1)"
BARE_POOL_SIZE = 20  # the services' SQLAlchemy pool size (services/runtime/database.py)


# ---- the baseline server (runs in its own process) ----------------------------------------------

def serve_bare_insert() -> None:
    """The baseline: FastAPI on uvicorn, one worker, no access log, the JSON body parsed and one
    asyncpg INSERT of its update_id per request. Configured by BENCH_DATABASE_URL and BENCH_HTTP_PORT."""
    database_url = os.environ["BENCH_DATABASE_URL"]
    pools: list[asyncpg.Pool] = []

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pools.append(await asyncpg.create_pool(database_url, min_size=BARE_POOL_SIZE, max_size=BARE_POOL_SIZE))
        yield
        await pools[0].close()

    app = FastAPI(docs_url=None, redoc_url=None, lifespan=lifespan)

    @app.post(WEBHOOK_PATH)
    async def insert_one(request: Request) -> JSONResponse:
        update = json.loads(await request.body())
        await pools[0].execute(BARE_INSERT, int(update["update_id"]))
        return JSONResponse({"status": "handled"})

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    uvicorn.run(app, host="127.0.0.1", port=int(os.environ["BENCH_HTTP_PORT"]), log_config=None,
                access_log=False)


# ---- processes ----------------------------------------------------------------------------------

@dataclass
class Stack:
    bot: ServiceProcess
    sandbox: ServiceProcess
    bare: ServiceProcess
    bot_database_url: str
    postgres_pid: int


def build_stack(folder: Path, *, bot_database_url: str, nats_url: str, postgres_pid: int) -> Stack:
    bot_grpc, bot_http, sandbox_http, bare_http = free_port(), free_port(), free_port(), free_port()
    # Nothing listens here: the screens measured make no RPC, and one that did would be refused.
    nowhere = f"127.0.0.1:{free_port()}"
    sandbox = ServiceProcess("sandbox", ["-m", "services.sandbox"], {
        "SPEECHCUE_HTTP_PORT": str(sandbox_http), "SPEECHCUE_HTTP_HOST": "127.0.0.1",
        "TELEGRAM_BOT_TOKEN": BOT_TOKEN, "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
        # No webhook: the people's /start updates wait for getUpdates; the benchmark posts the updates.
        "SANDBOX_TELEGRAM_WEBHOOK_URL": "",
        "SANDBOX_TELEGRAM_GLOBAL_LIMIT": str(UNLIMITED), "SANDBOX_TELEGRAM_CHAT_LIMIT": str(UNLIMITED),
    }, http_port=sandbox_http, ready_path="/healthz", log_path=folder / "sandbox.log")
    bot = ServiceProcess("bot", ["-m", "services.bot"], {
        "SPEECHCUE_ENV": "development", "SPEECHCUE_NATS_URL": nats_url,
        "SPEECHCUE_DATABASE_URL": bot_database_url, "SPEECHCUE_HTTP_HOST": "127.0.0.1",
        "SPEECHCUE_GRPC_HOST": "127.0.0.1", "SPEECHCUE_GRPC_PORT": str(bot_grpc),
        "SPEECHCUE_HTTP_PORT": str(bot_http), "TELEGRAM_BOT_TOKEN": BOT_TOKEN,
        "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET, "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{sandbox_http}",
        # Unset: the bot registers no webhook; this script plays Telegram's side of it.
        "SPEECHCUE_PUBLIC_BASE_URL": "",
        "WALLET_GRPC_ADDR": nowhere, "CALLS_GRPC_ADDR": nowhere, "PAYMENTS_GRPC_ADDR": nowhere,
        "BOT_MESSAGES_PER_SECOND": str(UNLIMITED), "BOT_SECONDS_BETWEEN_CHAT_MESSAGES": "0",
    }, http_port=bot_http, ready_path="/readyz", log_path=folder / "bot.log")
    bare = ServiceProcess("bare insert", ["-m", "bench.bot_webhook", "--serve-bare-insert"], {
        "BENCH_DATABASE_URL": bot_database_url, "BENCH_HTTP_PORT": str(bare_http),
    }, http_port=bare_http, ready_path="/healthz", log_path=folder / "bare.log")
    return Stack(bot=bot, sandbox=sandbox, bare=bare, bot_database_url=bot_database_url, postgres_pid=postgres_pid)


# ---- HTTP requests ------------------------------------------------------------------------------

def http_request(method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None) -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    for name, value in (headers or {}).items():
        head += f"{name}: {value}\r\n"
    if body or method == "POST":
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    return (head + "\r\n").encode() + body


def compact(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


async def call_json(connection: KeepAliveConnection, method: str, path: str, body: Any = None) -> Any:
    status, answer = await connection.exchange(http_request(method, path, b"" if body is None else compact(body)))
    if not 200 <= status < 300:
        raise RuntimeError(f"{method} {path} answered {status}: {answer[:200].decode(errors='replace')}")
    return json.loads(answer)


async def one_call(port: int, method: str, path: str, body: Any = None) -> Any:
    connection = await KeepAliveConnection.open(port)
    try:
        return await call_json(connection, method, path, body)
    finally:
        await connection.close()


async def on_connections(port: int, jobs: Iterator[Any], work: Any) -> None:
    """Runs `await work(connection, job)` for every job, over `CONNECTIONS` keep-alive connections."""
    async def worker() -> None:
        connection = await KeepAliveConnection.open(port)
        try:
            for job in jobs:
                await work(connection, job)
        finally:
            await connection.close()

    async with asyncio.TaskGroup() as workers:
        for _ in range(CONNECTIONS):
            workers.create_task(worker())


# ---- preparing users, chats and updates ---------------------------------------------------------

def user_ids(users: int) -> list[int]:
    return [FIRST_USER_ID + index for index in range(users)]


async def insert_users(database_url: str, users: list[int]) -> None:
    """Onboarded users, as onboarding leaves them: a name, terms accepted, chat id = user id."""
    now = datetime.now(UTC)
    connection = await asyncpg.connect(database_url)
    try:
        await connection.copy_records_to_table(
            "telegram_users",
            columns=["telegram_user_id", "chat_id", "customer_id", "name", "language", "timezone", "terms_accepted_at",
                     "trial_offered"],
            records=[(user, user, f"bench-customer-{user}", f"Bench {index}", "en", "UTC", now, True)
                     for index, user in enumerate(users)])
    finally:
        await connection.close()


async def open_chats(sandbox_port: int, users: list[int]) -> dict[int, int]:
    """Each person writes /start (the chat opens; no webhook, so the update stays in the simulator)
    and gets one message with a Help button from the bot; returns that message's id per chat."""
    menu_ids: dict[int, int] = {}

    async def open_one(connection: KeepAliveConnection, user: int) -> None:
        await call_json(connection, "POST", f"/sandbox/telegram/users/{user}/messages",
                        {"text": "/start", "first_name": "Bench", "language_code": "en", "wait": False})
        sent = await call_json(connection, "POST", f"/bot{BOT_TOKEN}/sendMessage", {
            "chat_id": user, "text": "Speechcue: what would you like to do?",
            "reply_markup": {"inline_keyboard": [[{"text": "❓ Help", "callback_data": "help"}]]}})
        menu_ids[user] = int(sent["result"]["message_id"])

    await on_connections(sandbox_port, iter(users), open_one)
    return menu_ids


@dataclass(frozen=True)
class PreparedUpdate:
    update_id: int
    chat_id: int
    kind: str  # "button" or "command"
    request: bytes


def person(user: int) -> dict[str, Any]:
    return {"id": user, "is_bot": False, "first_name": "Bench", "language_code": "en"}


def private_chat(user: int) -> dict[str, Any]:
    return {"id": user, "first_name": "Bench", "type": "private"}


def prepare_updates(count: int, users: list[int], menu_ids: dict[int, int]) -> list[PreparedUpdate]:
    """`count` updates round-robin over the users: a help tab pressed under the bot's message for
    users at even positions, `/help` typed by the others; compact JSON in Telegram's shape."""
    now = int(time.time())
    bot_user = {"id": BOT_ID, "is_bot": True, "first_name": "Speechcue", "username": "speechcue_sandbox_bot"}
    headers = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
    prepared = []
    for index in range(count):
        position, round_number = index % len(users), index // len(users)
        user, update_id = users[position], FIRST_UPDATE_ID + index
        update: dict[str, Any] = {"update_id": update_id}
        if position % 2 == 0:
            kind = "button"
            update["callback_query"] = {
                "id": str(4_000_000_000_000_000_000 + update_id), "from": person(user),
                "message": {"message_id": menu_ids[user], "from": bot_user, "chat": private_chat(user),
                            "date": now - 60, "text": "Speechcue: what would you like to do?",
                            "reply_markup": {"inline_keyboard": [[{"text": "❓ Help", "callback_data": "help"}]]}},
                "chat_instance": str(-5_000_000_000_000_000_000 + user),
                "data": HELP_TABS[round_number % len(HELP_TABS)],
            }
        else:
            kind = "command"
            update["message"] = {"message_id": 1_000 + round_number, "from": person(user), "chat": private_chat(user),
                                 "date": now, "text": "/help",
                                 "entities": [{"offset": 0, "length": 5, "type": "bot_command"}]}
        prepared.append(PreparedUpdate(update_id, user, kind,
                                       http_request("POST", WEBHOOK_PATH, compact(update), headers)))
    return prepared


# ---- the client ---------------------------------------------------------------------------------

@dataclass
class Measurement:
    scenario: str
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)  # answers inside the measured window
    # Every update answered as expected, warm-up included, with the wall-clock time its request left.
    answered: list[tuple[PreparedUpdate, float]] = field(default_factory=list)
    started_at: float = 0.0  # wall-clock time of the first request
    finished_at: float = 0.0  # wall-clock time the last answer arrived
    failures: Counter[str] = field(default_factory=Counter)
    ran_dry: bool = False

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds > 0 else 0.0


async def drive(scenario: str, port: int, updates: Iterator[PreparedUpdate], *, expected: str, seconds: float,
                warmup: float = WARMUP_SECONDS) -> Measurement:
    """`CONNECTIONS` keep-alive connections post back to back for `warmup` and `seconds`, or until
    `updates` runs dry; counts the answers with status `expected` that arrive inside the window."""
    measurement = Measurement(scenario)
    wanted = f'"status":"{expected}"'.encode()
    connections = [await KeepAliveConnection.open(port) for _ in range(CONNECTIONS)]
    measurement.started_at = time.time()
    window_start = time.perf_counter() + warmup
    window_end = window_start + seconds
    last_answer = window_start

    async def post_in_loop(connection: KeepAliveConnection) -> None:
        nonlocal last_answer
        while (began := time.perf_counter()) < window_end:
            update = next(updates, None)
            if update is None:
                return
            sent_at = time.time()
            status, body = await connection.exchange(update.request)
            ended = time.perf_counter()
            if status != 200 or wanted not in body:
                measurement.failures[f"{status} {body[:80].decode(errors='replace')}"] += 1
                continue
            measurement.answered.append((update, sent_at))
            if window_start <= ended <= window_end:
                measurement.latencies.append(ended - began)
                last_answer = max(last_answer, ended)

    try:
        async with asyncio.TaskGroup() as posters:
            for connection in connections:
                posters.create_task(post_in_loop(connection))
    finally:
        for connection in connections:
            await connection.close()
    measurement.finished_at = time.time()
    measurement.ran_dry = time.perf_counter() < window_end
    measurement.seconds = (last_answer if measurement.ran_dry else window_end) - window_start
    note = " (ran out of updates; raise --updates for a full window)" if measurement.ran_dry and warmup else ""
    print(f"  {scenario}: {measurement.per_second:,.0f} {expected}/s over {measurement.seconds:.1f} s{note}",
          flush=True)
    return measurement


# ---- CPU by process -----------------------------------------------------------------------------

class CpuMeter:
    """CPU seconds of each process since `start()`; PostgreSQL with all its backends."""

    def __init__(self, stack: Stack, *, bare: bool = False) -> None:
        self._pids = {"bot": stack.bot.pid, "simulator": stack.sandbox.pid}
        if bare:
            self._pids = {"bare insert": stack.bare.pid}
        self._postgres = stack.postgres_pid
        self._before: dict[str, float] = {}

    def _read(self) -> dict[str, float]:
        readings = {name: process_cpu(pid) for name, pid in self._pids.items()}
        readings["PostgreSQL"] = process_tree_cpu(self._postgres)
        readings["client (this script)"] = process_cpu(os.getpid())
        times = psutil.cpu_times()
        readings["interrupts"] = times.irq + times.softirq
        return readings

    def start(self) -> None:
        self._before = self._read()

    def spent(self) -> dict[str, float]:
        now = self._read()
        return {name: now[name] - self._before[name] for name in now}


# ---- replies ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Replied:
    handled: int
    replies: int
    seconds: float
    latencies: list[float]
    while_posting: int
    # From the last answer of the handled pass to the last reply: the sender on its own.
    drain_seconds: float

    @property
    def per_second(self) -> float:
        return self.replies / self.seconds if self.seconds > 0 else 0.0

    @property
    def draining_per_second(self) -> float:
        after = self.replies - self.while_posting
        return after / self.drain_seconds if self.drain_seconds > 0 else 0.0


async def wait_until_sent(database_url: str, *, timeout: float) -> None:
    """Waits until no outgoing message is pending."""
    started = time.monotonic()
    connection = await asyncpg.connect(database_url)
    try:
        while await connection.fetchval("SELECT count(*) FROM outgoing_messages WHERE status = 'pending'"):
            if time.monotonic() - started > timeout:
                print(f"  some messages were still pending after {timeout:.0f} s; the rate below is for those "
                      "that were sent", flush=True)
                break
            await asyncio.sleep(DRAIN_POLL_SECONDS)
    finally:
        await connection.close()


async def accepted_replies(sandbox_port: int, chats: set[int], since: float) -> list[tuple[int, float]]:
    """(chat, time) of every sendMessage and editMessageText the simulator accepted in `chats` since
    `since`, oldest first."""
    replies = []
    for method in REPLY_METHODS:
        calls = (await one_call(sandbox_port, "GET", f"/sandbox/telegram/calls?method={method}"))["calls"]
        replies += [(int(call["chat_id"]), float(call["at"])) for call in calls
                    if call["chat_id"] in chats and call["at"] >= since]
    return sorted(replies, key=lambda reply: reply[1])


def match_replies(handled: Measurement, replies: list[tuple[int, float]]) -> Replied:
    """Each chat's replies go out in the order its updates were handled: the k-th reply in a chat
    answers the k-th update handled in it."""
    sent_by_chat: dict[int, list[float]] = defaultdict(list)
    for update, sent_at in handled.answered:
        sent_by_chat[update.chat_id].append(sent_at)
    replied_by_chat: dict[int, list[float]] = defaultdict(list)
    for chat, at in replies:
        replied_by_chat[chat].append(at)
    latencies = [replied - sent for chat, sent_times in sent_by_chat.items()
                 for sent, replied in zip(sorted(sent_times), replied_by_chat[chat], strict=False)]
    last = max((at for _, at in replies), default=handled.started_at)
    replied = Replied(handled=len(handled.answered), replies=len(replies), seconds=last - handled.started_at,
                      latencies=latencies, while_posting=sum(1 for _, at in replies if at <= handled.finished_at),
                      drain_seconds=max(0.0, last - handled.finished_at))
    print(f"  replied: {replied.replies:,} replies to {replied.handled:,} handled updates accepted by the simulator "
          f"in {replied.seconds:.1f} s, {replied.per_second:,.0f}/s ({replied.while_posting:,} while the updates were "
          f"being posted, the rest in the {replied.drain_seconds:.1f} s after, {replied.draining_per_second:,.0f}/s)",
          flush=True)
    return replied


# ---- the checks ---------------------------------------------------------------------------------

@dataclass
class Checks:
    lines: list[tuple[bool, str]] = field(default_factory=list)

    def add(self, ok: bool, text: str) -> None:
        self.lines.append((ok, text))

    @property
    def ok(self) -> bool:
        return all(ok for ok, _ in self.lines)


async def outgoing_by_status(database_url: str) -> dict[str, int]:
    connection = await asyncpg.connect(database_url)
    try:
        rows = await connection.fetch("SELECT status, count(*) AS n FROM outgoing_messages GROUP BY status")
        return {row["status"]: int(row["n"]) for row in rows}
    finally:
        await connection.close()


async def claimed_updates(database_url: str) -> int:
    connection = await asyncpg.connect(database_url)
    try:
        return int(await connection.fetchval("SELECT count(*) FROM handled_updates"))
    finally:
        await connection.close()


# ---- the run ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Results:
    users: int
    prepared: int
    kinds: Counter[str]
    bare: Measurement
    handled: Measurement
    replied: Replied
    duplicates: Measurement
    bare_cpu: dict[str, float]
    handled_cpu: dict[str, float]
    drain_cpu: dict[str, float]
    checks: Checks
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]


async def wait_for_telegram_connection(stack: Stack) -> None:
    """The bot checks its token with getMe once it runs; waits for that, so its Bot is initialised."""
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while not (await one_call(stack.sandbox.http_port, "GET", "/sandbox/telegram/calls?method=getMe"))["calls"]:
        if time.monotonic() > deadline:
            raise RuntimeError("the bot did not call getMe on the simulator")
        await asyncio.sleep(0.1)


async def run_benchmark(stack: Stack, *, seconds: float, users: int, updates: int, duplicates: int) -> Results:
    load_before = os.getloadavg()
    ids = user_ids(users)
    print(f"inserting {users:,} onboarded users and opening their chats in the simulator", flush=True)
    await insert_users(stack.bot_database_url, ids)
    await stack.sandbox.start()
    menu_ids = await open_chats(stack.sandbox.http_port, ids)
    await stack.bot.start()
    await wait_for_telegram_connection(stack)
    prepared = prepare_updates(updates, ids, menu_ids)
    kinds = Counter(update.kind for update in prepared)

    print(f"bare FastAPI endpoint, one INSERT per request, {CONNECTIONS} connections", flush=True)
    connection = await asyncpg.connect(stack.bot_database_url)
    try:
        await connection.execute(BARE_TABLE)
    finally:
        await connection.close()
    await stack.bare.start()
    meter = CpuMeter(stack, bare=True)
    meter.start()
    bare = await drive("bare insert", stack.bare.http_port, itertools.cycle(prepared), expected="handled",
                       seconds=seconds)
    bare_cpu = meter.spent()
    stack.bare.stop()

    print(f"updates on the bot's webhook, {CONNECTIONS} connections", flush=True)
    counters_before = await one_call(stack.sandbox.http_port, "GET", "/sandbox/telegram/counters")
    meter = CpuMeter(stack)
    meter.start()
    handled = await drive("handled", stack.bot.http_port, iter(prepared), expected="handled", seconds=seconds)
    handled_cpu = meter.spent()
    meter.start()
    await wait_until_sent(stack.bot_database_url, timeout=DRAIN_TIMEOUT_SECONDS)
    drain_cpu = meter.spent()
    counters_after = await one_call(stack.sandbox.http_port, "GET", "/sandbox/telegram/counters")
    chats = {update.chat_id for update, _ in handled.answered}
    replies = await accepted_replies(stack.sandbox.http_port, chats, handled.started_at)
    replied = match_replies(handled, replies)

    print(f"re-posting {duplicates:,} handled updates, {CONNECTIONS} connections", flush=True)
    outgoing_before = await outgoing_by_status(stack.bot_database_url)
    again = [update for update, _ in handled.answered[:duplicates]]
    repeated = await drive("duplicates", stack.bot.http_port, iter(again), expected="duplicate", seconds=math.inf,
                           warmup=0.0)
    outgoing_after = await outgoing_by_status(stack.bot_database_url)

    checks = Checks()
    posted = len(handled.answered) + sum(handled.failures.values())
    checks.add(not handled.failures, f"every update posted answered handled ({len(handled.answered):,} of {posted:,})")
    claimed = await claimed_updates(stack.bot_database_url)
    checks.add(claimed == posted, f"one handled_updates row per update posted ({claimed:,})")
    buttons = sum(1 for update, _ in handled.answered if update.kind == "button")
    expected_rows = len(handled.answered) + buttons  # a reply each, and an acknowledgement per button press
    checks.add(outgoing_before == {"sent": expected_rows},
               f"outgoing messages all sent, {expected_rows:,} expected (a reply per update plus an "
               f"answerCallbackQuery per button press): {outgoing_before}")
    checks.add(replied.replies == replied.handled,
               f"one reply accepted by the simulator per handled update ({replied.replies:,} for {replied.handled:,})")
    delta = {name: counters_after[name] - counters_before[name] for name in counters_after}
    checks.add(delta["too_many_requests"] == 0 and delta["sends_accepted"] == replied.replies,
               f"simulator: {delta['sends_accepted']:,} sends accepted, {delta['too_many_requests']} answered 429, "
               f"{delta['refused_calls']:,} refused calls (answerCallbackQuery for query ids it never issued: "
               f"{buttons:,} expected)")
    checks.add(not repeated.failures and len(repeated.answered) == len(again) and outgoing_after == outgoing_before,
               f"duplicates: {len(repeated.answered):,} of {len(again):,} answered duplicate, outgoing messages "
               f"{'unchanged' if outgoing_after == outgoing_before else f'changed to {outgoing_after}'}")
    return Results(users=users, prepared=len(prepared), kinds=kinds, bare=bare, handled=handled, replied=replied,
                   duplicates=repeated, bare_cpu=bare_cpu, handled_cpu=handled_cpu, drain_cpu=drain_cpu,
                   checks=checks, load_before=load_before, load_after=os.getloadavg())


def table_row(scenario: str, rate: float, latencies: list[float], ratio: str = "") -> str:
    return (f"{scenario:<46} {rate:>8,.0f} {percentile_ms(latencies, 50):>9.2f} "
            f"{percentile_ms(latencies, 99):>9.2f} {ratio}").rstrip()


def cpu_line(label: str, spent: dict[str, float], per: int, unit: str) -> str:
    parts = ", ".join(f"{name} {seconds * 1000 / per:.2f}" for name, seconds in spent.items())
    return f"{label}: CPU ms per {unit}: {parts}" if per else f"{label}: nothing answered"


def print_report(results: Results, *, seconds: float) -> None:
    bare, handled, replied, repeated = results.bare, results.handled, results.replied, results.duplicates
    print()
    print(f"{os.cpu_count()} CPUs ({cpu_model()}), Python {platform.python_version()}, {CONNECTIONS} connections, "
          f"{seconds:g} s per scenario after {WARMUP_SECONDS:g} s warm-up, {results.users:,} users, "
          f"{results.prepared:,} updates prepared ({results.kinds['button']:,} button presses, "
          f"{results.kinds['command']:,} /help); load average {results.load_before[0]:.2f} before, "
          f"{results.load_after[0]:.2f} after")
    print(f"{'scenario':<46} {'per s':>8} {'p50 ms':>9} {'p99 ms':>9} {'vs bare':>7}")
    handled_ratio = handled.per_second / bare.per_second if bare.per_second else float("nan")
    replied_ratio = replied.per_second / bare.per_second if bare.per_second else float("nan")
    print(table_row("bare FastAPI + one INSERT (answered)", bare.per_second, bare.latencies))
    print(table_row("bot webhook (handled, committed)", handled.per_second, handled.latencies,
                    f"{handled_ratio:7.2f}"))
    print(table_row("bot webhook (replied, end to end)", replied.per_second, replied.latencies,
                    f"{replied_ratio:7.2f}"))
    print(table_row("bot webhook, re-posted (duplicate)", repeated.per_second, repeated.latencies))
    print("(replied: replies the simulator accepted per second from the first request to the last reply; its "
          "p50/p99 are each update's request-to-reply time)")
    print(f"bot handled / bare insert = {handled_ratio:.2f}; bot replied / bare insert = {replied_ratio:.2f}")
    print(cpu_line("bare insert pass", results.bare_cpu, len(bare.answered), "request"))
    print(cpu_line("handled pass", results.handled_cpu, len(handled.answered), "update"))
    print(cpu_line(f"drain after it ({replied.drain_seconds:.1f} s)", results.drain_cpu, len(handled.answered),
                   "update"))
    for measurement in (bare, handled, repeated):
        for failure, count in measurement.failures.most_common(5):
            print(f"{measurement.scenario}: {count:,} requests answered {failure}")
    for ok, text in results.checks.lines:
        print(f"{'ok' if ok else 'NO'}: {text}")



def run_in_temporary_folder(*, seconds: float, users: int, updates: int, duplicates: int) -> Results:
    """Starts the servers, runs the benchmark and stops them again, whatever happens."""
    with tempfile.TemporaryDirectory(prefix="speechcue-bench-") as name, contextlib.ExitStack() as cleanup:
        folder = Path(name)
        print(f"starting PostgreSQL and NATS in {folder}", flush=True)
        postgres = EmbeddedPostgres(folder / "postgres", durable=True)
        cleanup.callback(postgres.stop)
        postgres.start()
        assert postgres.process is not None
        bot_database_url = postgres.create_database("bot")
        nats = EmbeddedNats(folder / "nats")
        cleanup.callback(nats.stop)
        nats_url = nats.start()
        upgrade_to_head("bot", bot_database_url)
        stack = build_stack(folder, bot_database_url=bot_database_url, nats_url=nats_url,
                            postgres_pid=postgres.process.pid)
        # Stopped in reverse: the bot first, while the simulator still answers its sender.
        for process in (stack.sandbox, stack.bare, stack.bot):
            cleanup.callback(process.stop)
        return asyncio.run(run_benchmark(stack, seconds=seconds, users=users, updates=updates,
                                         duplicates=duplicates))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bot_webhook",
                                     description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="measured seconds per scenario (default 5)")
    parser.add_argument("--users", type=int, default=2000, help="onboarded users the updates come from (default 2000)")
    parser.add_argument("--updates", type=int, default=8000,
                        help="updates prepared for the bot, each posted once (default 8000)")
    parser.add_argument("--duplicates", type=int, default=1000,
                        help="handled updates posted again for the duplicate pass (default 1000)")
    parser.add_argument("--serve-bare-insert", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.serve_bare_insert:
        serve_bare_insert()
        return
    if arguments.seconds <= 0 or arguments.users < CONNECTIONS or arguments.updates < CONNECTIONS \
            or arguments.duplicates < 0:
        parser.error(f"--seconds must be positive, --users and --updates at least {CONNECTIONS}")
    signal.signal(signal.SIGTERM, exit_on_sigterm)
    try:
        results = run_in_temporary_folder(seconds=arguments.seconds, users=arguments.users,
                                          updates=arguments.updates, duplicates=arguments.duplicates)
    except KeyboardInterrupt:
        print("\ninterrupted; the servers it started are stopped", file=sys.stderr)
        sys.exit(130)
    print_report(results, seconds=arguments.seconds)
    if not results.checks.ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
