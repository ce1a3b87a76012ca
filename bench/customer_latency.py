"""What a customer waits for: from pressing "Call now" to Retell's create-phone-call, and from Retell's
`call_ended` to the outcome in their chat, at one and at two replicas of every service under a steady
load, next to the floor of the same hops done bare, and where the time goes.

Why: these are the two waits a person sees. The first crosses the bot (webhook, conversation, the
StartCall RPC), the calls service (admission, the call row), the wallet (QuoteCall, PlaceHold) and
Retell; the second crosses the calls webhook, settlement with the wallet, the outbox and NATS, the
bot's consumer (GetCall) and its sender, which keeps Telegram's pace (30 a second, 1 a second per chat).

`python -m bench.customer_latency [--rate 2] [--seconds 60] [--customers 20] [--call-seconds 3]
[--replicas 1 2]` runs, for each `--replicas` N, the local platform of `./dev up --replicas N`
(devstack/local_platform.py: PostgreSQL, NATS, N processes of wallet, calls, payments and bot, one
sandbox; no ticker) in a temporary folder, on a free block of ports, and then:

1. prepares `--customers` customers through the services as the harness (a wallet account credited, one
   approved flow each) and as the bot's onboarded users (rows in `telegram_users`); each person's chat
   gets one bot message with the "✅ Call now" button (`callgo`), sent as the bot through the simulator;
   the callee's number (inside its calling window now) is scripted to answer at once and hang up after
   `--call-seconds`, in real time;
2. presses "Call now" `--rate` times a second for `--seconds` (the first `--warmup` seconds are not
   counted), round-robin over the customers, whatever the answers (an open loop: a steady load). Before
   each press the person's conversation is set to the confirm screen's (flow, number, automatic caller
   ID, a new call key), as the quote screen leaves it; the press is the simulator's own
   (`POST /sandbox/telegram/users/<id>/press`), so the update reaches the bot's webhook as Telegram's
   does (at N replicas, through the load balancer that `./dev up` puts in front of them, which spreads
   the simulators' webhooks over every replica; the bot's gRPC calls, NATS consumers and senders
   spread over all N too);
3. waits until every pressed call's outcome reached the chat (at most 90 s after the last press), then
   reads the moments each leg passed, all on this machine's one clock: the press (the bench, just
   before asking the simulator), the bot's claim of the update (`handled_updates.handled_at`), the call
   row (`calls.created_at`), the wallet's hold (`holds.created_at`), the create-phone-call's arrival at
   the Retell simulator (`sandbox_received_at` of its control listing); then the simulator's
   `call_ended` (the call's `end_timestamp`, set just before the webhook is sent), the webhook's
   acceptance (`call_events.received_at`), the settlement (`calls.settled_at`, the `calls.call.ended`
   event staged in the outbox in the same transaction), the bot's outcome row queued by its consumer
   (`outgoing_messages.created_at`) and the outcome's arrival at the Telegram simulator (the
   `editMessageText` of the call's live message that carries its result buttons; `at` of the
   simulator's record). PostgreSQL's `now()` is a transaction's start, so a row's time is when its
   transaction began;
4. for the first platform only, the **bare floor**: the same hops with nothing but the hops, three small
   processes of this module (`--serve-bare bot|calls|wallet`), FastAPI on uvicorn and grpc.aio with raw
   bytes: the Telegram simulator's webhook pointed at the bare bot, which calls the bare calls' `Start`
   over gRPC; that calls the bare wallet's `Hold` (one INSERT) over gRPC, then posts create-phone-call to
   the Retell simulator (an agent whose webhook is the bare calls'); its `call_ended` webhook does one
   INSERT and publishes one NATS message, and the bare bot, subscribed, posts sendMessage to the
   Telegram simulator. Same presses, rate, callee and simulators (which answer at once) as the real run;
5. prints p50 and p99 of both waits for each run and for the floor, the hops' p50 and p99, the
   machine's load average before and after, and the presses whose calls never arrived. The outcome's
   last hop is split in two: until its chat may be sent to again (the bot keeps 1 s between two
   messages to one chat; the chat's previous message as the simulator recorded it), then the rest,
   which is the sender's own (its pass, other chats' pace).

Every process started here is stopped on exit, Ctrl-C and SIGTERM included. It is not a test: it prints
figures and asserts nothing about time (it exits 1 only if a pressed call never reached its outcome).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import signal
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import grpc
import httpx
import nats
import uvicorn
from fastapi import FastAPI, Request, Response

from bench.calls_webhook import number_callable_now, reminder_flow, retried
from bench.service_process import ServiceProcess
from bench.signals import exit_on_sigterm
from devstack.local_platform import LocalPlatform, on_free_ports
from devstack.platform import LOCAL_HARNESS_TOKEN, LOCAL_RETELL_KEY, LOCAL_TELEGRAM, LocalPorts
from devstack.ports import free_port
from services.calls.placing import call_id_for
from services.runtime.grpc_client import internal_channel
from speechcue.calls.v1 import calls_pb2, calls_pb2_grpc
from speechcue.common.v1 import common_pb2
from speechcue.wallet.v1 import wallet_pb2, wallet_pb2_grpc

BOT_TOKEN = dict(LOCAL_TELEGRAM)["TELEGRAM_BOT_TOKEN"]
WEBHOOK_SECRET = dict(LOCAL_TELEGRAM)["TELEGRAM_WEBHOOK_SECRET"]
ADMIN_ID = 1  # SPEECHCUE_ADMIN_TELEGRAM_IDS of the local platform
FIRST_USER_ID = 710_000_000
OPENING_CREDIT_CENTS = 100_000_000
# The first spare block of devstack.local_platform.SPARE_PORT_BASES; on_free_ports moves on if it is taken.
PREFERRED_PORTS = LocalPorts(postgres=25329, nats=25222, http_base=25000, grpc_base=25050)
SANDBOX_OVERRIDES = {"SANDBOX_TIME_SCALE": "1.0", "SANDBOX_RETELL_CONCURRENCY": "200"}
# Retell's number imported to the account (the sandbox's default), which calls every country.
BARE_FROM_NUMBER = "+442071838700"
OUTCOME_TIMEOUT_SECONDS = 90.0
POLL_SECONDS = 0.5
BARE_SUBJECT = "bench.bare.call.ended"
# The bot's pace per chat (BOT_SECONDS_BETWEEN_CHAT_MESSAGES, default 1 s), and what it does not pace.
CHAT_GAP_SECONDS = 1.0
UNPACED_METHODS = frozenset({"answerCallbackQuery", "sendChatAction"})
RESULT_BUTTON = re.compile(r"res:([0-9a-f-]{36})")
# The chats' opening messages (the home screen, the Call now message) leave Telegram's per-chat window
# (3 in 3 s) before the first press, so the first calls' messages are not refused for them.
SETTLE_AFTER_SETUP_SECONDS = 3.5


# ---- the bare floor (each role in its own process) -------------------------------------------------

def _grpc_server(port: int, service: str, method: str,
                 handler: Callable[[bytes, grpc.aio.ServicerContext], Awaitable[bytes]]) -> grpc.aio.Server:
    server = grpc.aio.server()
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(
        service, {method: grpc.unary_unary_rpc_method_handler(handler)}),))
    server.add_insecure_port(f"127.0.0.1:{port}")
    return server


def serve_bare(role: str) -> None:
    """One bare hop: `bot` (the webhook → gRPC Start; a NATS subscriber → sendMessage), `calls` (gRPC
    Start → gRPC Hold → create-phone-call; the Retell webhook → INSERT + NATS publish) or `wallet` (gRPC
    Hold → INSERT). Configured by BENCH_* environment variables."""
    env = os.environ
    http_port = int(env["BENCH_HTTP_PORT"])
    state: dict[str, Any] = {}

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as stack:
            http = await stack.enter_async_context(httpx.AsyncClient(trust_env=False, timeout=10.0))
            if role in ("calls", "wallet"):
                pool = await asyncpg.create_pool(env["BENCH_DATABASE_URL"], min_size=2, max_size=20)
                stack.push_async_callback(pool.close)
                state["pool"] = pool
            if role in ("calls", "bot"):
                bus = await nats.connect(env["BENCH_NATS_URL"])
                stack.push_async_callback(bus.drain)
                state["nats"] = bus
            if role == "wallet":
                async def hold(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
                    await state["pool"].execute("INSERT INTO bare_holds (call) VALUES ($1)", request.decode())
                    return b"held"
                server = _grpc_server(int(env["BENCH_GRPC_PORT"]), "bare.Wallet", "Hold", hold)
            elif role == "calls":
                wallet = grpc.aio.insecure_channel(env["BENCH_WALLET_GRPC"])
                stack.push_async_callback(wallet.close)
                hold_rpc = wallet.unary_unary("/bare.Wallet/Hold")

                async def start(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
                    press = json.loads(request)
                    await hold_rpc(str(press["press"]).encode(), timeout=10)
                    answer = await http.post(f"{env['BENCH_RETELL_URL']}/v2/create-phone-call", json={
                        "from_number": BARE_FROM_NUMBER, "to_number": env["BENCH_TO_NUMBER"],
                        "override_agent_id": env["BENCH_AGENT_ID"], "metadata": press},
                        headers={"Authorization": f"Bearer {LOCAL_RETELL_KEY}"})
                    answer.raise_for_status()
                    return str(answer.json()["call_id"]).encode()
                server = _grpc_server(int(env["BENCH_GRPC_PORT"]), "bare.Calls", "Start", start)
            else:
                calls = grpc.aio.insecure_channel(env["BENCH_CALLS_GRPC"])
                stack.push_async_callback(calls.close)
                state["start"] = calls.unary_unary("/bare.Calls/Start")

                async def outcome(message: Any) -> None:
                    ended = json.loads(message.data)
                    await http.post(f"{env['BENCH_TELEGRAM_URL']}/bot{BOT_TOKEN}/sendMessage",
                                    json={"chat_id": ended["chat"], "text": f"Call {ended['call_id']} ended."})
                await state["nats"].subscribe(BARE_SUBJECT, cb=outcome)
                server = None
            if server is not None:
                await server.start()
                stack.push_async_callback(server.stop, 1.0)
            yield

    app = FastAPI(docs_url=None, redoc_url=None, lifespan=lifespan)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/telegram/webhook")
    async def telegram_update(request: Request) -> dict[str, Any]:
        update = json.loads(await request.body())
        query = update.get("callback_query") or {}
        if query.get("data") == "callgo":
            press = {"chat": query["from"]["id"], "press": update["update_id"]}
            await state["start"](json.dumps(press).encode(), timeout=10)
        return {}

    @app.post("/webhooks/retell")
    async def retell_webhook(request: Request) -> Response:
        body = await request.body()
        payload = json.loads(body)
        if payload.get("event") == "call_ended":
            call = payload["call"]
            await state["pool"].execute("INSERT INTO bare_ended (payload) VALUES ($1::jsonb)", body.decode())
            await state["nats"].publish(BARE_SUBJECT, json.dumps(
                {"chat": call["metadata"]["chat"], "call_id": call["call_id"]}).encode())
        return Response(status_code=204)

    uvicorn.run(app, host="127.0.0.1", port=http_port, log_level="warning", access_log=False)


# ---- the platform and its customers ------------------------------------------------------------

@dataclass
class Customers:
    users: list[int]
    flows: dict[int, str]  # user → approved flow id
    call_now_message: dict[int, int]  # user → the message with the "Call now" button
    number: str


def sandbox_url(platform: LocalPlatform) -> str:
    return f"http://127.0.0.1:{platform.service('sandbox').http_port}"


def grpc_address(platform: LocalPlatform, name: str) -> str:
    return next(service.grpc_address for service in platform.services if service.name == name)


async def prepare(platform: LocalPlatform, http: httpx.AsyncClient, count: int, call_seconds: float) -> Customers:
    sandbox = sandbox_url(platform)
    number = number_callable_now()
    scenario = {"outcome": "answer", "ring_ms": 0, "duration_ms": int(call_seconds * 1000)}
    (await http.put(f"{sandbox}/sandbox/retell/scenarios/{number}", json=scenario)).raise_for_status()
    users = [FIRST_USER_ID + index for index in range(count)]
    flows: dict[int, str] = {}
    async with internal_channel(grpc_address(platform, "wallet"), LOCAL_HARNESS_TOKEN) as wallet_channel, \
            internal_channel(grpc_address(platform, "calls"), LOCAL_HARNESS_TOKEN) as calls_channel:
        wallet = wallet_pb2_grpc.WalletServiceStub(wallet_channel)
        calls = calls_pb2_grpc.CallsServiceStub(calls_channel)
        await retried(lambda: calls.SyncCallerIds(calls_pb2.SyncCallerIdsRequest(
            idempotency_key="bench-sync", admin_telegram_id=ADMIN_ID)))
        async def open_customer(customer: str) -> str:
            await retried(lambda: wallet.OpenAccount(wallet_pb2.OpenAccountRequest(
                idempotency_key=f"open-{customer}", customer_id=customer)))
            await retried(lambda: wallet.Credit(wallet_pb2.CreditRequest(
                idempotency_key=f"credit-{customer}", customer_id=customer, amount_cents=OPENING_CREDIT_CENTS,
                cause=common_pb2.Cause(type=common_pb2.CAUSE_TYPE_PAYMENT, id=f"pay-{customer}"))))
            flow = await retried(lambda: calls.CreateFlow(calls_pb2.CreateFlowRequest(
                idempotency_key=f"flow-{customer}", customer_id=customer, spec=reminder_flow())))
            if flow.status != calls_pb2.FLOW_STATUS_APPROVED:
                raise RuntimeError(f"the benchmark's flow was not approved: {list(flow.review_reasons)}")
            return str(flow.id)

        for user in users:
            flows[user] = await open_customer(f"bench-customer-{user}")
    connection = await asyncpg.connect(platform.database_urls["bot"])
    try:
        now = datetime.now(UTC)
        await connection.copy_records_to_table(
            "telegram_users", columns=["telegram_user_id", "chat_id", "customer_id", "name", "language", "timezone",
                                       "terms_accepted_at", "trial_offered"],
            records=[(user, user, f"bench-customer-{user}", f"Bench {index}", "en", "UTC", now, True)
                     for index, user in enumerate(users)])
    finally:
        await connection.close()
    messages: dict[int, int] = {}
    for user in users:
        # The chat opens as a person's does (the bot answers /start with its home screen).
        (await http.post(f"{sandbox}/sandbox/telegram/users/{user}/messages",
                         json={"text": "/start", "first_name": "Bench", "language_code": "en"})).raise_for_status()
        while True:  # within Telegram's 30 a second, shared with the bot's own answers to /start
            sent = await http.post(f"{sandbox}/bot{BOT_TOKEN}/sendMessage", json={
                "chat_id": user, "text": "Ready to call.",
                "reply_markup": {"inline_keyboard": [[{"text": "✅ Call now", "callback_data": "callgo"}]]}})
            if sent.status_code != 429:
                break
            await asyncio.sleep(float(sent.json().get("parameters", {}).get("retry_after", 1)))
        sent.raise_for_status()
        messages[user] = int(sent.json()["result"]["message_id"])
    return Customers(users, flows, messages, number)


# ---- the steady load ---------------------------------------------------------------------------

@dataclass
class Press:
    index: int
    user: int
    call_id: str  # the platform's call (derived from its key), or "" for the bare floor
    pressed_at: float = 0.0
    update_id: int = 0
    error: str = ""


async def press_steadily(platform: LocalPlatform, http: httpx.AsyncClient, customers: Customers, *, rate: float,
                         seconds: float, bare: bool) -> list[Press]:
    """Presses "Call now" `rate` times a second for `seconds`, each at its planned moment."""
    sandbox = sandbox_url(platform)
    bot_database = await asyncpg.connect(platform.database_urls["bot"])
    presses: list[Press] = []
    tasks: list[asyncio.Task[None]] = []

    async def press(entry: Press, message_id: int) -> None:
        entry.pressed_at = time.time()
        try:
            answer = await http.post(f"{sandbox}/sandbox/telegram/users/{entry.user}/press",
                                     json={"message_id": message_id, "callback_data": "callgo", "wait": False})
            answer.raise_for_status()
            entry.update_id = int(answer.json()["update"]["update_id"])
        except httpx.HTTPError as error:
            entry.error = f"{type(error).__name__}: {error}"

    try:
        started = time.monotonic()
        for index in range(int(rate * seconds)):
            await asyncio.sleep(max(0.0, started + index / rate - time.monotonic()))
            user = customers.users[index % len(customers.users)]
            customer, key = f"bench-customer-{user}", uuid.uuid4().hex
            if not bare:
                # The confirm screen's conversation, as the quote screen leaves it (screens/calling.py).
                data = {"call_flow": customers.flows[user], "call_flow_name": "Appointment reminder",
                        "call_number": customers.number, "call_caller_id": "", "call_record": False, "call_key": key}
                await bot_database.execute(
                    "INSERT INTO conversations (chat_id, state, data) VALUES ($1, '', $2::jsonb) ON CONFLICT (chat_id) "
                    "DO UPDATE SET state = '', data = excluded.data, updated_at = now()", user, json.dumps(data))
            entry = Press(index, user, "" if bare else call_id_for(customer, f"call:{customer}:{key}"))
            presses.append(entry)
            tasks.append(asyncio.create_task(press(entry, customers.call_now_message[user])))
        await asyncio.gather(*tasks)
    finally:
        await bot_database.close()
    return presses


# ---- reading when each leg was passed ------------------------------------------------------------

@dataclass
class Timeline:
    """One pressed call's moments (time.time() seconds); missing ones are absent."""

    press: Press
    moments: dict[str, float] = field(default_factory=dict)


async def retell_calls(http: httpx.AsyncClient, sandbox: str) -> list[dict[str, Any]]:
    answer = await http.get(f"{sandbox}/sandbox/retell/calls")
    answer.raise_for_status()
    return list(answer.json()["calls"])


async def telegram_calls(http: httpx.AsyncClient, sandbox: str, method: str) -> list[dict[str, Any]]:
    """The simulator's record of the Bot API calls it accepted (`method` "" for all)."""
    answer = await http.get(f"{sandbox}/sandbox/telegram/calls", params={"method": method} if method else {})
    answer.raise_for_status()
    return list(answer.json()["calls"])


def outcome_arrivals(edits: list[dict[str, Any]]) -> dict[str, float]:
    """call id → when the first edit carrying its result buttons (`res:<call id>`, the outcome's "Call
    details") reached Telegram; the live status's edits carry only `callstop:<call id>`."""
    arrivals: dict[str, float] = {}
    for edit in edits:
        markup = edit["params"].get("reply_markup")
        for call_id in RESULT_BUTTON.findall(markup if isinstance(markup, str) else json.dumps(markup or {})):
            arrivals.setdefault(call_id, float(edit["at"]))
    return arrivals


async def wait_for_outcomes(http: httpx.AsyncClient, sandbox: str, presses: list[Press], *, bare: bool) -> None:
    deadline = time.monotonic() + OUTCOME_TIMEOUT_SECONDS
    wanted = sum(1 for press in presses if not press.error)
    while time.monotonic() < deadline:
        if bare:
            arrived = sum(1 for call in await telegram_calls(http, sandbox, "sendMessage")
                          if str(call["params"].get("text", "")).startswith("Call call_"))
        else:
            arrived = len(outcome_arrivals(await telegram_calls(http, sandbox, "editMessageText")))
        if arrived >= wanted:
            return
        await asyncio.sleep(POLL_SECONDS)


async def read_platform_timelines(platform: LocalPlatform, http: httpx.AsyncClient,
                                  presses: list[Press]) -> list[Timeline]:
    sandbox = sandbox_url(platform)
    by_call = {press.call_id: Timeline(press) for press in presses}
    retell_ids: dict[str, str] = {}
    for call in await retell_calls(http, sandbox):
        timeline = by_call.get(str(call.get("metadata", {}).get("call", "")))
        if timeline is None:
            continue
        retell_ids[call["call_id"]] = timeline.press.call_id
        timeline.moments["retell_create"] = float(call["sandbox_received_at"])
        if call.get("end_timestamp"):
            timeline.moments["call_ended_sent"] = int(call["end_timestamp"]) / 1000
    for call_id, at in outcome_arrivals(await telegram_calls(http, sandbox, "editMessageText")).items():
        if call_id in by_call:
            by_call[call_id].moments["outcome_at_telegram"] = at
    ids = list(by_call)
    epoch = "extract(epoch from {})::float8"
    queries = (
        ("calls", f"SELECT id, {epoch.format('created_at')} AS call_row, {epoch.format('settled_at')} AS settled "
                  "FROM calls WHERE id = ANY($1::text[])", ids),
        ("calls", f"SELECT retell_call_id, {epoch.format('received_at')} AS webhook_accepted FROM call_events "
                  "WHERE event = 'call_ended' AND retell_call_id = ANY($1::text[])", list(retell_ids)),
        ("wallet", f"SELECT call_id, {epoch.format('created_at')} AS hold FROM holds WHERE call_id = ANY($1::text[])",
         ids),
        ("bot", f"SELECT substr(edits_ref, 6) AS call_id, min({epoch.format('created_at')}) AS outcome_queued "
                "FROM outgoing_messages WHERE method = 'editMessageText' AND edits_ref = ANY($1::text[]) "
                "AND body::text LIKE '%res:%' GROUP BY edits_ref", [f"call:{call_id}" for call_id in ids]),
    )
    for database, query, keys in queries:
        connection = await asyncpg.connect(platform.database_urls[database])
        try:
            for row in await connection.fetch(query, keys):
                key = retell_ids.get(row[0], row[0])
                if key in by_call:
                    by_call[key].moments.update({name: value for name, value in dict(row).items()
                                                 if name not in ("id", "retell_call_id", "call_id")
                                                 and value is not None})
        finally:
            await connection.close()
    connection = await asyncpg.connect(platform.database_urls["bot"])
    try:
        claimed = {row[0]: row[1] for row in await connection.fetch(
            f"SELECT update_id, {epoch.format('handled_at')} FROM handled_updates WHERE update_id = ANY($1::bigint[])",
            [press.update_id for press in presses])}
    finally:
        await connection.close()
    sends: dict[int, list[float]] = {}
    for sent in await telegram_calls(http, sandbox, ""):
        if sent["method"] not in UNPACED_METHODS and sent["chat_id"] is not None:
            sends.setdefault(int(sent["chat_id"]), []).append(float(sent["at"]))
    for timeline in by_call.values():
        timeline.moments["pressed"] = timeline.press.pressed_at
        moments = timeline.moments
        if "outcome_queued" in moments and "outcome_at_telegram" in moments:
            before = [at for at in sends.get(timeline.press.user, []) if at < moments["outcome_at_telegram"]]
            moments["chat_free"] = max(moments["outcome_queued"], max(before) + CHAT_GAP_SECONDS) if before \
                else moments["outcome_queued"]
        if timeline.press.update_id in claimed:
            timeline.moments["update_claimed"] = claimed[timeline.press.update_id]
    return list(by_call.values())


async def read_bare_timelines(http: httpx.AsyncClient, sandbox: str, presses: list[Press]) -> list[Timeline]:
    by_update = {press.update_id: Timeline(press) for press in presses}
    by_retell: dict[str, Timeline] = {}
    for call in await retell_calls(http, sandbox):
        timeline = by_update.get(int(call.get("metadata", {}).get("press", -1)))
        if timeline is None:
            continue
        by_retell[call["call_id"]] = timeline
        timeline.moments["retell_create"] = float(call["sandbox_received_at"])
        if call.get("end_timestamp"):
            timeline.moments["call_ended_sent"] = int(call["end_timestamp"]) / 1000
    for sent in await telegram_calls(http, sandbox, "sendMessage"):
        text = str(sent["params"].get("text", ""))
        if text.startswith("Call call_") and (timeline := by_retell.get(text.split()[1])) is not None:
            timeline.moments.setdefault("outcome_at_telegram", float(sent["at"]))
    for timeline in by_update.values():
        timeline.moments["pressed"] = timeline.press.pressed_at
    return list(by_update.values())


# ---- the bare floor's processes ------------------------------------------------------------------

async def run_bare(platform: LocalPlatform, http: httpx.AsyncClient, customers: Customers, folder: Path, *,
                   rate: float, seconds: float) -> list[Timeline]:
    sandbox = sandbox_url(platform)
    database_url = platform.postgres.create_database("bare")
    connection = await asyncpg.connect(database_url)
    try:
        await connection.execute("CREATE TABLE bare_holds (id bigserial PRIMARY KEY, call text NOT NULL, "
                                 "held_at timestamptz NOT NULL DEFAULT now())")
        await connection.execute("CREATE TABLE bare_ended (id bigserial PRIMARY KEY, payload jsonb NOT NULL, "
                                 "received_at timestamptz NOT NULL DEFAULT now())")
    finally:
        await connection.close()
    ports = {role: (free_port(), free_port()) for role in ("wallet", "calls", "bot")}
    agent = await http.post(f"{sandbox}/create-agent", headers={"Authorization": f"Bearer {LOCAL_RETELL_KEY}"},
                            json={"agent_name": "bare", "voice_id": "11labs-Adrian",
                                  "response_engine": {"type": "retell-llm", "llm_id": "none"},
                                  "webhook_url": f"http://127.0.0.1:{ports['calls'][0]}/webhooks/retell"})
    agent.raise_for_status()
    common = {"BENCH_DATABASE_URL": database_url, "BENCH_NATS_URL": platform.nats.url,
              "BENCH_RETELL_URL": sandbox, "BENCH_TELEGRAM_URL": sandbox, "BENCH_TO_NUMBER": customers.number,
              "BENCH_AGENT_ID": agent.json()["agent_id"],
              "BENCH_WALLET_GRPC": f"127.0.0.1:{ports['wallet'][1]}",
              "BENCH_CALLS_GRPC": f"127.0.0.1:{ports['calls'][1]}"}
    processes = [ServiceProcess(f"bare {role}", ["-m", "bench.customer_latency", "--serve-bare", role], {
        **common, "BENCH_HTTP_PORT": str(http_port), "BENCH_GRPC_PORT": str(grpc_port)},
        http_port=http_port, ready_path="/healthz", log_path=folder / f"bare-{role}.log")
        for role, (http_port, grpc_port) in ports.items()]
    try:
        for process in processes:
            await process.start()
        (await http.put(f"{sandbox}/sandbox/telegram/webhook", json={
            "url": f"http://127.0.0.1:{ports['bot'][0]}/telegram/webhook", "secret_token": WEBHOOK_SECRET,
        })).raise_for_status()
        presses = await press_steadily(platform, http, customers, rate=rate, seconds=seconds, bare=True)
        await wait_for_outcomes(http, sandbox, presses, bare=True)
        return await read_bare_timelines(http, sandbox, presses)
    finally:
        for process in processes:
            process.stop()


# ---- figures ------------------------------------------------------------------------------------

# The two waits, then the hops of each, as (label, from, to).
WAITS = (("Call now → Retell create", "pressed", "retell_create"),
         ("call_ended → outcome at Telegram", "call_ended_sent", "outcome_at_telegram"))
HOPS = (
    ("press → bot claimed the update (Telegram's delivery, webhook, turn)", "pressed", "update_claimed"),
    ("→ call row written (handler, StartCall over gRPC, admission)", "update_claimed", "call_row"),
    ("→ wallet hold written (QuoteCall, PlaceHold over gRPC)", "call_row", "hold"),
    ("→ Retell create arrived (hold committed, answer, HTTP to Retell)", "hold", "retell_create"),
    ("call_ended sent → webhook accepted (calls, one batch)", "call_ended_sent", "webhook_accepted"),
    ("→ settled with the wallet, event staged (settlement)", "webhook_accepted", "settled"),
    ("→ outcome queued by the bot (outbox, NATS, consumer, GetCall)", "settled", "outcome_queued"),
    ("→ its chat free to send (the chat's own 1 s gap since its last message)", "outcome_queued", "chat_free"),
    ("→ outcome at Telegram (the bot's sender: its pass, other chats' pace)", "chat_free", "outcome_at_telegram"),
)


def spans_ms(timelines: list[Timeline], start: str, end: str) -> list[float]:
    return [(t.moments[end] - t.moments[start]) * 1000 for t in timelines if start in t.moments and end in t.moments]


def p(values: list[float], percent: int) -> str:
    if not values:
        return "–"
    if len(values) == 1:
        return f"{values[0]:,.0f}"
    return f"{statistics.quantiles(values, n=100, method='inclusive')[percent - 1]:,.0f}"


def print_report(runs: list[tuple[str, list[Timeline]]], loads: list[str]) -> None:
    print("\n| Wait, ms | " + " | ".join(f"{label} p50 | p99" for label, _ in runs) + " |")
    print("|---|" + "---:|---:|" * len(runs))
    for label, start, end in WAITS:
        cells = []
        for _, timelines in runs:
            values = spans_ms(timelines, start, end)
            cells.append(f"{p(values, 50)} | {p(values, 99)}")
        print(f"| {label} | " + " | ".join(cells) + " |")
    platform_runs = [(label, timelines) for label, timelines in runs if not label.startswith("bare")]
    print("\n| Hop, ms | " + " | ".join(f"{label} p50 | p99" for label, _ in platform_runs) + " |")
    print("|---|" + "---:|---:|" * len(platform_runs))
    for label, start, end in HOPS:
        cells = [f"{p(spans_ms(timelines, start, end), 50)} | {p(spans_ms(timelines, start, end), 99)}"
                 for _, timelines in platform_runs]
        print(f"| {label} | " + " | ".join(cells) + " |")
    print()
    for label, timelines in runs:
        complete = sum(1 for t in timelines if "outcome_at_telegram" in t.moments and "retell_create" in t.moments)
        errors = [t.press.error for t in timelines if t.press.error]
        print(f"{label}: {len(timelines)} presses counted, {complete} reached Retell and their outcome"
              + (f"; press errors: {errors[:3]}" if errors else ""))
    for line in loads:
        print(line)


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


async def measure_platform(platform: LocalPlatform, folder: Path, *, replicas: int, arguments: argparse.Namespace,
                           bare: bool, loads: list[str]) -> list[tuple[str, list[Timeline]]]:
    runs: list[tuple[str, list[Timeline]]] = []
    async with httpx.AsyncClient(trust_env=False, timeout=30.0) as http:
        customers = await prepare(platform, http, arguments.customers, arguments.call_seconds)
        await asyncio.sleep(SETTLE_AFTER_SETUP_SECONDS)
        sandbox = sandbox_url(platform)
        warmup = int(arguments.rate * arguments.warmup)
        before = load_average()
        print(f"{replicas} replica(s): pressing {arguments.rate}/s for {arguments.seconds + arguments.warmup:.0f} s",
              flush=True)
        presses = await press_steadily(platform, http, customers, rate=arguments.rate,
                                       seconds=arguments.seconds + arguments.warmup, bare=False)
        await wait_for_outcomes(http, sandbox, presses, bare=False)
        timelines = await read_platform_timelines(platform, http, presses)
        loads.append(f"load average (1, 5, 15 min) {replicas} replica(s): {before} before, {load_average()} after")
        runs.append((f"{replicas} replica{'s' if replicas > 1 else ''}",
                     sorted(timelines, key=lambda t: t.press.index)[warmup:]))
        if bare:
            before = load_average()
            print("bare floor: pressing", flush=True)
            timelines = await run_bare(platform, http, customers, folder, rate=arguments.rate,
                                       seconds=arguments.seconds + arguments.warmup)
            loads.append(f"load average (1, 5, 15 min) bare floor: {before} before, {load_average()} after")
            runs.append(("bare floor", sorted(timelines, key=lambda t: t.press.index)[warmup:]))
    return runs


def run(arguments: argparse.Namespace) -> bool:
    runs: list[tuple[str, list[Timeline]]] = []
    loads: list[str] = []
    with tempfile.TemporaryDirectory(prefix="speechcue-bench-") as name:
        for position, replicas in enumerate(arguments.replicas):
            folder = Path(name) / f"replicas-{replicas}-{position}"
            platform = on_free_ports(folder, PREFERRED_PORTS, ticker=False, replicas=replicas,
                                     overrides={"sandbox": SANDBOX_OVERRIDES})
            print(f"starting the platform with {replicas} replica(s) of each service in {folder}", flush=True)
            try:
                platform.start()
                runs += asyncio.run(measure_platform(platform, folder, replicas=replicas, arguments=arguments,
                                                     bare=position == 0 and not arguments.no_bare, loads=loads))
            finally:
                platform.stop()
    print_report(runs, loads)
    return all("outcome_at_telegram" in t.moments for _, timelines in runs for t in timelines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.customer_latency",
                                     description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=2.0, help="presses of Call now a second (default 2)")
    parser.add_argument("--seconds", type=float, default=60.0, help="seconds of presses counted (default 60)")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds of presses first, not counted (default 5)")
    parser.add_argument("--customers", type=int, default=20, help="customers pressing in turn (default 20)")
    parser.add_argument("--call-seconds", type=float, default=3.0, help="how long each call talks (default 3)")
    parser.add_argument("--replicas", type=int, nargs="+", default=[1, 2], help="replicas per run (default 1 2)")
    parser.add_argument("--no-bare", action="store_true", help="skip the bare floor")
    parser.add_argument("--serve-bare", choices=("bot", "calls", "wallet"), help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.serve_bare:
        serve_bare(arguments.serve_bare)
        return
    if arguments.rate <= 0 or arguments.seconds <= 0 or arguments.customers < 1:
        parser.error("--rate and --seconds must be positive, --customers at least 1")
    signal.signal(signal.SIGTERM, exit_on_sigterm)
    raise SystemExit(0 if run(arguments) else 1)


if __name__ == "__main__":
    main()
