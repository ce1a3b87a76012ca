"""Signed Retell `call_ended` webhooks per second on the calls service, end to end (answered,
committed, billed), next to a bare FastAPI endpoint doing one INSERT on the same database in the
same run.

Why: every call ends with this webhook, and a campaign ends thousands of calls within minutes. The
service verifies the signature, de-duplicates on (call, event), records the end, marks the call for
settlement and answers (concurrent webhooks share one statement: services/calls/ended_calls.py); its
background settlement then settles the pending calls in batches with the wallet's `SettleCalls` over
gRPC (usage recorded, hold captured, rest released). The target is that, at 16 connections, the
service keeps at least half of what the same framework (FastAPI on uvicorn, one worker) manages when
all it does is one INSERT per request on the same database: that ratio shows what the service's work
costs, and travels between machines better than rates do.

`python -m bench.calls_webhook [--seconds N] [--calls N] [--rounds N] [--replicas N] [--statements N]` starts its own
PostgreSQL (durable, default settings) and NATS in a temporary folder, migrates the wallet and calls
databases, runs the wallet, the calls service and the Retell simulator (`python -m services.sandbox`)
as subprocesses configured by environment variables only, and then:

1. prepares `--calls` calls through the service itself: customers opened and credited in the wallet,
   one approved flow each, then StartCall against a number the simulator answers "manually" (so no
   call ends by itself); every call is ringing with a real wallet hold, as StartCall leaves it;
Steps 2-4 run in `--rounds` alternating rounds (default 3), each a slice of `--seconds` (split evenly)
after a warm-up (1 s in the first round, 0.25 s after), and the figures pool the rounds: this VM's
speed drifts by a third within minutes, and a baseline measured minutes before the webhook compared
two different machines (single runs gave ratios from 0.38 to 0.66 for the same code);

2. **bare insert baseline**: a FastAPI app in its own uvicorn process (`--serve-bare-insert`, started
   by this script) reads the raw body and INSERTs it into a scratch table of the calls database with
   asyncpg; 16 keep-alive connections post the same signed bodies;
3. **webhook**: the same 16 connections post one signed `call_ended` per prepared call (compact JSON
   in Retell's shape, key presses, a duration) to `POST /webhooks/retell` until the slice is over
   or the calls run out; a request counts when it answers 2xx with `accepted`;
4. **billed**: waits (at most 120 s) until every call accepted in the round is settled
   (`calls.settlement = 'settled'`), so that no settlement runs under the next baseline slice, and
   takes the rate from the round's first request to its last settlement (`settled_at`), warm-up included;
5. prints the table and both ratios against 0.5, checks every posted call was settled exactly once
   (its call_ended event, usage row, captured hold and capture transfer, one each, and no usage for a
   call that was not posted) and the wallet's `CheckLedger`. It exits with status 1 only if those
   checks fail. With `--statements N`, PostgreSQL loads pg_stat_statements and the report ends with the
   N statements it spent most time planning and running over the rounds, in µs per answered webhook.

The client is a minimal HTTP/1.1 keep-alive client on asyncio streams, sending requests built and
signed before the clock starts: httpx's connection pool costs more client CPU per request than the
bare endpoint costs the server (DESIGN.md §7), and on two shared cores the client's CPU is taken from
the servers, so a heavy client would flatten the ratio it is meant to show.

Everything is reached on 127.0.0.1 and the HTTP servers, PostgreSQL and NATS listen only there; the
services' gRPC servers bind 0.0.0.0 whatever the settings say (services/runtime/service_main.py).
Every process started here is stopped on exit, Ctrl-C and SIGTERM included.
It is not a test: it prints figures and asserts nothing about time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import itertools
import json
import os
import platform
import signal
import statistics
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import grpc
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from bench.process_cpu import cpu_seconds, spent
from bench.servers import start_wallet_and_calls_servers
from bench.service_process import ServiceProcess
from bench.signals import exit_on_sigterm
from bench.wallet_debit import cpu_model
from devstack.ports import free_port
from services.calls.calling_window import inside_window
from services.calls.destinations import DEFAULT_ALLOWED_COUNTRIES
from services.calls.phone_numbers import timezones_of
from services.runtime.callers import HARNESS, development_token
from services.runtime.grpc_client import internal_channel
from services.sandbox.retell_signing import retell_signature
from speechcue.calls.v1 import calls_pb2, calls_pb2_grpc
from speechcue.common.v1 import common_pb2
from speechcue.wallet.v1 import wallet_pb2, wallet_pb2_grpc

CONNECTIONS = 16
WARMUP_SECONDS = 1.0
# Later rounds' connections warm up for this long only: the processes are warm by then.
ROUND_WARMUP_SECONDS = 0.25
# The baseline and the webhook take turns, a slice of each a round: the VM's speed drifts by a third
# within minutes (the baseline alone gave 1,226 to 2,165/s in runs minutes apart), and scenarios run
# one after the other would compare two different machines.
DEFAULT_ROUNDS = 3
TARGET_RATIO = 0.5
# The calls service lets one customer have 20 calls in flight and a new customer place 100 an hour
# (CALLS_CUSTOMER_MAX_CONCURRENT, CALLS_NEW_CUSTOMER_PER_HOUR): the prepared calls are spread so that
# no customer reaches either, as many customers' calls would be in production.
CALLS_PER_CUSTOMER = 20
PREPARING_CALLERS = 16
OPENING_CREDIT_CENTS = 100_000_000  # the most one Credit accepts; far more than any run holds
ADMIN_ID = 1
INTERNAL_TOKEN = development_token(HARNESS)  # the bench calls from outside, as the harness
RETELL_KEY = "bench-retell-key"
WEBHOOK_PATH = "/webhooks/retell"
SETTLE_POLL_SECONDS = 0.1
# Bounds the wait for the last settlement; a run that hits it reports the calls left unsettled.
SETTLE_TIMEOUT_SECONDS = 120.0
# One of these is inside 08:00–21:00 local time at any moment (as in tests/calls/test_crash.py); Japan
# and Australia are outside the default destinations, so the calls service is told to allow them.
NUMBERS_AROUND_THE_WORLD = ("+14155550123", "+442071838750", "+81312345678", "+61212345678", "+12125550123")

# The baseline's one statement; the service stores each payload as JSONB too (call_events.payload).
BARE_TABLE = (
    "CREATE TABLE IF NOT EXISTS bench_bare_webhooks (id bigserial PRIMARY KEY, "
    "received_at timestamptz NOT NULL DEFAULT now(), payload jsonb NOT NULL)"
)
BARE_INSERT = "INSERT INTO bench_bare_webhooks (payload) VALUES ($1::jsonb)"
BARE_POOL_SIZE = 20  # the services' SQLAlchemy pool size (services/runtime/database.py)


# ---- the baseline server (runs in its own process) ----------------------------------------------

def serve_bare_insert() -> None:
    """The baseline: FastAPI on uvicorn, one worker, as the services run it (no access log), one
    asyncpg INSERT of the raw body per request. Configured by BENCH_DATABASE_URL and BENCH_HTTP_PORT."""
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
        await pools[0].execute(BARE_INSERT, (await request.body()).decode())
        return JSONResponse({"status": "accepted"})

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    uvicorn.run(app, host="127.0.0.1", port=int(os.environ["BENCH_HTTP_PORT"]), log_config=None,
                access_log=False)


# ---- processes ----------------------------------------------------------------------------------

@dataclass
class Stack:
    wallets: list[ServiceProcess]
    calls: list[ServiceProcess]  # the replicas of the calls service; the webhooks are spread over them
    sandbox: ServiceProcess
    bare: ServiceProcess
    wallet_grpc: str  # every wallet replica, as one target (`ipv4:a,b` with several)
    calls_grpc: str
    wallet_database_url: str
    calls_database_url: str
    postgres_pid: int = 0
    nats_pid: int = 0

    def process_groups(self) -> dict[str, list[int]]:
        """The processes whose CPU a slice reports, by role (bench/process_cpu.py)."""
        return {"calls": [replica.pid for replica in self.calls], "wallet": [wallet.pid for wallet in self.wallets],
                "PostgreSQL": [self.postgres_pid], "NATS": [self.nats_pid], "Retell simulator": [self.sandbox.pid],
                "bare server": [self.bare.pid]}


def grpc_target(ports: list[int]) -> str:
    """One replica's address, or several as gRPC's ipv4 target, which internal_channel calls round-robin."""
    return f"127.0.0.1:{ports[0]}" if len(ports) == 1 else "ipv4:" + ",".join(f"127.0.0.1:{p}" for p in ports)


def build_stack(folder: Path, *, wallet_database_url: str, calls_database_url: str, nats_url: str,
                calls: int, replicas: int) -> Stack:
    common = {"SPEECHCUE_ENV": "development", "SPEECHCUE_NATS_URL": nats_url,
              "SPEECHCUE_HTTP_HOST": "127.0.0.1"}
    wallet_grpc = [free_port() for _ in range(replicas)]
    calls_grpc = [free_port() for _ in range(replicas)]
    sandbox_http, bare_http = free_port(), free_port()
    wallets = []
    for index, grpc_port in enumerate(wallet_grpc):
        wallet_http = free_port()
        wallets.append(ServiceProcess(f"wallet-{index + 1}", ["-m", "services.wallet"], {
            **common, "SPEECHCUE_DATABASE_URL": wallet_database_url, "SPEECHCUE_GRPC_PORT": str(grpc_port),
            "SPEECHCUE_HTTP_PORT": str(wallet_http),
        }, http_port=wallet_http, ready_path="/readyz", log_path=folder / f"wallet-{index + 1}.log"))
    sandbox = ServiceProcess("sandbox", ["-m", "services.sandbox"], {
        "RETELL_API_KEY": RETELL_KEY, "SPEECHCUE_HTTP_PORT": str(sandbox_http), "SANDBOX_TIME_SCALE": "0.01",
        # Every prepared call stays "registered" in the simulator until the run ends.
        "SANDBOX_RETELL_CONCURRENCY": str(calls + 100),
    }, http_port=sandbox_http, ready_path="/healthz", log_path=folder / "sandbox.log")
    calls_replicas = []
    for index, grpc_port in enumerate(calls_grpc):
        calls_http = free_port()
        calls_replicas.append(ServiceProcess(f"calls-{index + 1}", ["-m", "services.calls"], {
            **common, "SPEECHCUE_DATABASE_URL": calls_database_url, "SPEECHCUE_GRPC_PORT": str(grpc_port),
            "SPEECHCUE_HTTP_PORT": str(calls_http), "SPEECHCUE_ADMIN_TELEGRAM_IDS": str(ADMIN_ID),
            "RETELL_API_KEY": RETELL_KEY, "RETELL_BASE_URL": f"http://127.0.0.1:{sandbox_http}",
            "SPEECHCUE_PUBLIC_BASE_URL": f"http://127.0.0.1:{calls_http}",
            "WALLET_GRPC_ADDR": grpc_target(wallet_grpc),
            "CALLS_ALLOWED_COUNTRIES": f"{DEFAULT_ALLOWED_COUNTRIES},JP,AU",
        }, http_port=calls_http, ready_path="/readyz", log_path=folder / f"calls-{index + 1}.log"))
    bare = ServiceProcess("bare insert", ["-m", "bench.calls_webhook", "--serve-bare-insert"], {
        "BENCH_DATABASE_URL": calls_database_url, "BENCH_HTTP_PORT": str(bare_http),
    }, http_port=bare_http, ready_path="/healthz", log_path=folder / "bare.log")
    return Stack(wallets=wallets, calls=calls_replicas, sandbox=sandbox, bare=bare,
                 wallet_grpc=grpc_target(wallet_grpc), calls_grpc=grpc_target(calls_grpc),
                 wallet_database_url=wallet_database_url, calls_database_url=calls_database_url)


# ---- preparing calls that are ringing -----------------------------------------------------------

def number_callable_now() -> str:
    now = datetime.now(UTC)
    return next(number for number in NUMBERS_AROUND_THE_WORLD if inside_window(now, timezones_of(number)))


def reminder_flow() -> calls_pb2.FlowSpec:
    """A flow the review approves at once, even for a new customer: a message, one menu choice, goodbye."""
    return calls_pb2.FlowSpec(
        name="Appointment reminder", kind=calls_pb2.FLOW_KIND_GRAPH, business_name="Acme Dental",
        graph=calls_pb2.FlowGraph(start_node_id="hello", nodes=[
            calls_pb2.FlowNode(id="hello", kind=calls_pb2.NODE_KIND_MESSAGE, text="You have an appointment "
                               "tomorrow at ten.", edges=[calls_pb2.FlowEdge(key="next", target_node_id="menu")]),
            calls_pb2.FlowNode(id="menu", kind=calls_pb2.NODE_KIND_MENU, text="Press 1 to keep it, 2 to cancel.",
                               edges=[calls_pb2.FlowEdge(key="1", target_node_id="bye"),
                                      calls_pb2.FlowEdge(key="2", target_node_id="bye"),
                                      calls_pb2.FlowEdge(key="timeout", target_node_id="bye")]),
            calls_pb2.FlowNode(id="bye", kind=calls_pb2.NODE_KIND_END, text="Thank you. Goodbye."),
        ]))


async def put_scenario(sandbox_port: int, number: str, scenario: dict[str, Any]) -> None:
    request = urllib.request.Request(f"http://127.0.0.1:{sandbox_port}/sandbox/retell/scenarios/{number}",
                                     data=json.dumps(scenario).encode(), method="PUT",
                                     headers={"Content-Type": "application/json"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with await asyncio.to_thread(opener.open, request, timeout=5.0):
        pass


# What a real client retries during set-up: an answer that says "try again" (UNAVAILABLE: a dependency,
# here the Retell simulator, did not answer; DEADLINE_EXCEEDED) with the same idempotency key, so a
# retry never does the work twice. One transient ReadError used to end the whole bench.
SETUP_TRIES = 5
T = TypeVar("T")
SETUP_RETRY_CODES = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED})


async def retried(attempt: Callable[[], Awaitable[T]]) -> T:
    """`attempt()` again after a transient failure (0.2 s, 0.4 s, … apart), up to SETUP_TRIES times."""
    for number in range(1, SETUP_TRIES + 1):
        try:
            return await attempt()
        except grpc.aio.AioRpcError as error:
            if error.code() not in SETUP_RETRY_CODES or number == SETUP_TRIES:
                raise
            print(f"set-up: {error.code().name} ({error.details()}); trying again", file=sys.stderr)
            await asyncio.sleep(0.2 * 2 ** (number - 1))
    raise AssertionError("unreachable")


async def prepare_calls(stack: Stack, count: int) -> float:
    """Places `count` calls through StartCall; returns calls placed per second."""
    customers = [f"bench-customer-{index:04d}" for index in range(-(-count // CALLS_PER_CUSTOMER))]
    number = number_callable_now()
    await put_scenario(stack.sandbox.http_port, number, {"manual": True})
    async with internal_channel(stack.wallet_grpc, INTERNAL_TOKEN) as wallet_channel, \
            internal_channel(stack.calls_grpc, INTERNAL_TOKEN) as calls_channel:
        wallet = wallet_pb2_grpc.WalletServiceStub(wallet_channel)
        calls = calls_pb2_grpc.CallsServiceStub(calls_channel)
        await retried(lambda: calls.SyncCallerIds(calls_pb2.SyncCallerIdsRequest(
            idempotency_key="bench-sync", admin_telegram_id=ADMIN_ID)))
        flows: dict[str, str] = {}

        async def open_customer(customer_id: str) -> None:
            await retried(lambda: wallet.OpenAccount(wallet_pb2.OpenAccountRequest(
                idempotency_key=f"open-{customer_id}", customer_id=customer_id)))
            await retried(lambda: wallet.Credit(wallet_pb2.CreditRequest(
                idempotency_key=f"credit-{customer_id}", customer_id=customer_id, amount_cents=OPENING_CREDIT_CENTS,
                cause=common_pb2.Cause(type=common_pb2.CAUSE_TYPE_PAYMENT, id=f"pay-{customer_id}"))))
            flow = await retried(lambda: calls.CreateFlow(calls_pb2.CreateFlowRequest(
                idempotency_key=f"flow-{customer_id}", customer_id=customer_id, spec=reminder_flow())))
            if flow.status != calls_pb2.FLOW_STATUS_APPROVED:
                raise RuntimeError(f"the benchmark's flow was not approved: {list(flow.review_reasons)}")
            flows[customer_id] = flow.id

        opening = iter(customers)

        async def open_customers() -> None:
            for customer_id in opening:
                await open_customer(customer_id)

        async with asyncio.TaskGroup() as openers:
            for _ in range(PREPARING_CALLERS):
                openers.create_task(open_customers())
        keys = iter(range(count))
        started = time.perf_counter()

        async def place_calls() -> None:
            for index in keys:
                customer_id = customers[index % len(customers)]
                request = calls_pb2.StartCallRequest(
                    idempotency_key=f"bench-call-{index}", customer_id=customer_id, flow_id=flows[customer_id],
                    to_number=number)
                placed = await retried(functools.partial(calls.StartCall, request, timeout=30))
                if placed.status != calls_pb2.CALL_STATUS_RINGING:
                    raise RuntimeError(f"a prepared call is not ringing: {placed.status}")

        async with asyncio.TaskGroup() as placers:
            for _ in range(PREPARING_CALLERS):
                placers.create_task(place_calls())
        return count / (time.perf_counter() - started)


# ---- the requests -------------------------------------------------------------------------------

@dataclass(frozen=True)
class SignedWebhook:
    call_id: str
    request: bytes


def call_ended_body(call: asyncpg.Record, index: int, now_ms: int) -> str:
    """A `call_ended` as Retell sends it for a connected call: compact JSON, key presses, a duration."""
    duration_ms = 20_000 + (index % 240) * 1_000
    transcript: list[dict[str, Any]] = [
        {"role": "agent", "content": "You have an appointment tomorrow at ten.", "words": []},
        {"role": "node_transition", "former_node_id": "hello", "new_node_id": "menu", "transition_type": "normal"},
        {"role": "agent", "content": "Press 1 to keep it, 2 to cancel.", "words": []},
        {"role": "dtmf", "digit": "1"},
        {"role": "node_transition", "former_node_id": "menu", "new_node_id": "time", "transition_type": "normal"},
        {"role": "agent", "content": "Press 3 for the morning, 4 for the afternoon.", "words": []},
        {"role": "dtmf", "digit": "4"},
        {"role": "node_transition", "former_node_id": "time", "new_node_id": "bye", "transition_type": "normal"},
        {"role": "agent", "content": "Thank you. Goodbye.", "words": []},
    ]
    record = {
        "call_id": call["retell_call_id"], "call_type": "phone_call", "agent_id": call["retell_agent_id"],
        "agent_version": 0, "call_status": "ended", "direction": "outbound", "from_number": call["caller_id"],
        "to_number": call["to_number"],
        "metadata": {"customer": call["customer_id"], "call": call["id"], "campaign": ""},
        "retell_llm_dynamic_variables": {}, "start_timestamp": now_ms - duration_ms, "end_timestamp": now_ms,
        "duration_ms": duration_ms, "disconnection_reason": "agent_hangup",
        "transcript_with_tool_calls": transcript,
        "transcript": "".join(f"Agent: {entry['content']}\n" for entry in transcript if entry["role"] == "agent"),
        "transcript_object": [entry for entry in transcript if entry["role"] == "agent"],
        "recording_url": f"https://example.invalid/recordings/{call['retell_call_id']}.wav",
        "public_log_url": f"https://example.invalid/logs/{call['retell_call_id']}.log",
    }
    return json.dumps({"event": "call_ended", "call": record}, separators=(",", ":"), ensure_ascii=False)


def http_post(port: int, body: str, signature: str) -> bytes:
    encoded = body.encode()
    head = (f"POST {WEBHOOK_PATH} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
            f"X-Retell-Signature: {signature}\r\nContent-Length: {len(encoded)}\r\n\r\n")
    return head.encode() + encoded


async def signed_webhooks(calls_database_url: str) -> list[tuple[str, str, str]]:
    """(call id, body, signature) for every ringing call, signed now: Retell's signatures are good
    for five minutes, far longer than the measurement."""
    connection = await asyncpg.connect(calls_database_url)
    try:
        rows = await connection.fetch(
            "SELECT c.id, c.retell_call_id, c.customer_id, c.to_number, c.caller_id, f.retell_agent_id "
            "FROM calls c JOIN flows f ON f.id = c.flow_id WHERE c.status = 'ringing' ORDER BY c.created_at, c.id")
    finally:
        await connection.close()
    signed = []
    for index, row in enumerate(rows):
        now_ms = int(time.time() * 1000)
        body = call_ended_body(row, index, now_ms)
        signed.append((row["id"], body, retell_signature(body, RETELL_KEY, now_ms)))
    return signed


# ---- the client ---------------------------------------------------------------------------------

class KeepAliveConnection:
    """One HTTP/1.1 keep-alive connection: sends a prebuilt request, reads the whole answer."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer

    @classmethod
    async def open(cls, port: int) -> KeepAliveConnection:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer)

    async def exchange(self, request: bytes) -> tuple[int, bytes]:
        self._writer.write(request)
        head = await self._reader.readuntil(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        return status, await self._reader.readexactly(length) if length else b""

    async def close(self) -> None:
        self._writer.close()
        with contextlib.suppress(OSError):
            await self._writer.wait_closed()


@dataclass
class Measurement:
    scenario: str
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    # Call id → wall-clock time its request was sent, for every request answered `accepted`.
    accepted: dict[str, float] = field(default_factory=dict)
    finished_at: float = 0.0  # wall-clock time the last answer arrived
    failures: Counter[str] = field(default_factory=Counter)
    answered: int = 0  # every 2xx answer, the warm-up's too

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds > 0 else 0.0

    def percentile_ms(self, percent: int) -> float:
        return percentile_ms(self.latencies, percent)


def percentile_ms(latencies: list[float], percent: int) -> float:
    if len(latencies) < 2:
        return float("nan")
    return statistics.quantiles(latencies, n=100)[percent - 1] * 1000


async def drive(scenario: str, ports: list[int], next_request: Callable[[], SignedWebhook | None], *,
                seconds: float, warmup: float = WARMUP_SECONDS) -> Measurement:
    """`CONNECTIONS` keep-alive connections, spread evenly over `ports` (a service's replicas, as a
    load balancer spreads them), post back to back for a warm-up and `seconds`, or until
    `next_request` runs dry; counts the answers that arrive inside the measured window."""
    measurement = Measurement(scenario)
    connections = [await KeepAliveConnection.open(ports[index % len(ports)]) for index in range(CONNECTIONS)]
    window_start = time.perf_counter() + warmup
    window_end = window_start + seconds
    last_answer = window_start

    async def post_in_loop(connection: KeepAliveConnection) -> None:
        nonlocal last_answer
        while (began := time.perf_counter()) < window_end:
            webhook = next_request()
            if webhook is None:
                return
            sent_at = time.time()
            status, body = await connection.exchange(webhook.request)
            ended = time.perf_counter()
            if not (200 <= status < 300 and b'"accepted"' in body):
                measurement.failures[f"{status} {body[:80].decode(errors='replace')}"] += 1
                continue
            measurement.accepted[webhook.call_id] = sent_at
            measurement.answered += 1
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
    ran_dry = time.perf_counter() < window_end
    measurement.seconds = (last_answer if ran_dry else window_end) - window_start
    note = " (ran out of calls; raise --calls for a full window)" if ran_dry else ""
    print(f"  {scenario}: {measurement.per_second:,.0f} answered/s over {measurement.seconds:.1f} s{note}", flush=True)
    return measurement


# ---- billed, and the checks --------------------------------------------------------------------

@dataclass(frozen=True)
class Billed:
    calls: int
    settled: int
    seconds: float
    latencies: list[float]
    settled_while_posting: int

    @property
    def per_second(self) -> float:
        return self.settled / self.seconds if self.seconds > 0 else 0.0


async def wait_until_billed(calls_database_url: str, webhook: Measurement, *, timeout: float) -> Billed:
    """Waits until every accepted call is settled; the rate runs from the first request to the last
    `settled_at`, and each call's latency from its request to its settlement."""
    accepted = webhook.accepted
    connection = await asyncpg.connect(calls_database_url)
    try:
        deadline = time.monotonic() + timeout
        while (settled := await connection.fetchval(
                "SELECT count(*) FROM calls WHERE id = ANY($1) AND settlement = 'settled'",
                list(accepted))) < len(accepted):
            if time.monotonic() > deadline:
                print(f"  {len(accepted) - settled:,} calls were not settled within {timeout:.0f} s; the rate below "
                      "is for those that were", flush=True)
                break
            await asyncio.sleep(SETTLE_POLL_SECONDS)
        rows = await connection.fetch("SELECT id, settled_at FROM calls WHERE id = ANY($1) AND settlement = 'settled'",
                                      list(accepted))
    finally:
        await connection.close()
    settled_at = {row["id"]: row["settled_at"].timestamp() for row in rows}
    first_sent = min(accepted.values(), default=0.0)
    billed = Billed(
        calls=len(accepted), settled=len(rows),
        seconds=max(settled_at.values(), default=first_sent) - first_sent,
        latencies=[settled - accepted[call_id] for call_id, settled in settled_at.items()],
        settled_while_posting=sum(1 for settled in settled_at.values() if settled <= webhook.finished_at),
    )
    print(f"  billed: {billed.settled:,} of {billed.calls:,} calls settled in {billed.seconds:.1f} s, "
          f"{billed.per_second:,.0f}/s ({billed.settled_while_posting:,} while the webhooks were being posted)",
          flush=True)
    return billed


@dataclass(frozen=True)
class Checks:
    posted: int
    counts: dict[str, int]
    ledger: wallet_pb2.LedgerReport

    @property
    def settled_once(self) -> bool:
        return all(count == self.posted for count in self.counts.values())

    @property
    def ok(self) -> bool:
        return self.ledger.ok and self.settled_once


async def check_settled_once(stack: Stack, call_ids: list[str]) -> Checks:
    """Every posted call: ended and settled, one call_ended event, one usage row, one captured hold,
    one capture transfer, and no wallet usage for any call that was not posted; and the wallet's
    own ledger check. Run once settlement is idle, so the two databases are read at rest."""
    counts: dict[str, int] = {}
    calls_db = await asyncpg.connect(stack.calls_database_url)
    try:
        counts["calls ended and settled"] = await calls_db.fetchval(
            "SELECT count(*) FROM calls WHERE id = ANY($1) AND status = 'ended' AND settlement = 'settled'", call_ids)
        counts["call_ended events"] = await calls_db.fetchval(
            "SELECT count(*) FROM call_events e JOIN calls c ON c.retell_call_id = e.retell_call_id "
            "WHERE c.id = ANY($1) AND e.event = 'call_ended'", call_ids)
    finally:
        await calls_db.close()
    wallet_db = await asyncpg.connect(stack.wallet_database_url)
    try:
        counts["usage rows (all calls)"] = await wallet_db.fetchval("SELECT count(*) FROM usage")
        counts["captured holds"] = await wallet_db.fetchval(
            "SELECT count(*) FROM holds WHERE call_id = ANY($1) AND status = 'captured'", call_ids)
        counts["capture transfers"] = await wallet_db.fetchval(
            "SELECT count(*) FROM transfers WHERE kind = 'capture' AND cause_id = ANY($1)", call_ids)
    finally:
        await wallet_db.close()
    async with internal_channel(stack.wallet_grpc, INTERNAL_TOKEN) as channel:
        ledger = await wallet_pb2_grpc.WalletServiceStub(channel).CheckLedger(wallet_pb2.CheckLedgerRequest())
    return Checks(posted=len(call_ids), counts=counts, ledger=ledger)


# ---- the run ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Results:
    prepared: int
    preparing_rate: float
    bare: Measurement
    webhook: Measurement
    billed: Billed
    checks: Checks
    rounds: list[Round] = field(default_factory=list)
    statements: list[StatementCost] = field(default_factory=list)


# PostgreSQL's own account of its statements (--statements): loaded at start, reset once the calls are
# prepared, so that it covers the rounds alone (both scenarios and the billing).
STATEMENT_STATISTICS = {"shared_preload_libraries": "pg_stat_statements", "pg_stat_statements.track": "all",
                        "pg_stat_statements.track_planning": "on"}
_TOP_STATEMENTS = """
SELECT d.datname AS database, s.calls, s.rows, s.total_exec_time AS exec_ms, s.total_plan_time AS plan_ms,
       left(regexp_replace(s.query, '\\s+', ' ', 'g'), 100) AS query
FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
ORDER BY s.total_exec_time + s.total_plan_time DESC LIMIT $1
"""


@dataclass(frozen=True)
class StatementCost:
    """One statement's executions over the rounds, as pg_stat_statements counted them."""

    database: str
    calls: int
    rows: int
    exec_ms: float
    plan_ms: float
    query: str


@dataclass(frozen=True)
class Round:
    bare: Measurement
    webhook: Measurement
    billed: Billed
    # CPU seconds by process role: over the bare slice, and over the webhook slice and its billing.
    bare_cpu: dict[str, float] = field(default_factory=dict)
    webhook_cpu: dict[str, float] = field(default_factory=dict)

    def ratios(self) -> tuple[float, float]:
        if not self.bare.per_second:
            return float("nan"), float("nan")
        return self.webhook.per_second / self.bare.per_second, self.billed.per_second / self.bare.per_second


def pooled(scenario: str, measurements: list[Measurement]) -> Measurement:
    """The rounds' slices of one scenario as one measurement: their answers over their summed windows."""
    whole = Measurement(scenario)
    for part in measurements:
        whole.seconds += part.seconds
        whole.latencies += part.latencies
        whole.accepted.update(part.accepted)
        whole.failures.update(part.failures)
        whole.finished_at = max(whole.finished_at, part.finished_at)
    return whole


def pooled_billed(parts: list[Billed]) -> Billed:
    """Each round is billed before the next baseline slice starts (so that no settlement runs under
    the baseline): the rounds' settled calls over their summed first-request-to-last-settlement times."""
    return Billed(calls=sum(part.calls for part in parts), settled=sum(part.settled for part in parts),
                  seconds=sum(part.seconds for part in parts),
                  latencies=[latency for part in parts for latency in part.latencies],
                  settled_while_posting=sum(part.settled_while_posting for part in parts))


async def run_benchmark(stack: Stack, *, seconds: float, calls: int, rounds: int = DEFAULT_ROUNDS,
                        statements: int = 0) -> Results:
    for wallet in stack.wallets:
        await wallet.start()
    await stack.sandbox.start()
    for calls_replica in stack.calls:
        await calls_replica.start()
    if len(stack.calls) > 1:
        print(f"{len(stack.calls)} replicas of the wallet and of the calls service; the webhooks' connections "
              "are spread over the calls replicas", flush=True)
    print(f"preparing {calls:,} ringing calls through StartCall, {CALLS_PER_CUSTOMER} per customer", flush=True)
    preparing_rate = await prepare_calls(stack, calls)
    print(f"  {preparing_rate:,.0f} calls placed/s", flush=True)
    signed = await signed_webhooks(stack.calls_database_url)

    connection = await asyncpg.connect(stack.calls_database_url)
    try:
        await connection.execute(BARE_TABLE)
        if statements:
            await connection.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
            await connection.execute("SELECT pg_stat_statements_reset()")
    finally:
        await connection.close()
    await stack.bare.start()
    bare_requests = [SignedWebhook(call_id, http_post(stack.bare.http_port, body, signature))
                     for call_id, body, signature in signed]
    cycle = itertools.cycle(bare_requests)
    webhook_requests = iter([SignedWebhook(call_id, http_post(stack.calls[0].http_port, body, signature))
                             for call_id, body, signature in signed])
    played: list[Round] = []
    slice_seconds = seconds / rounds
    for number in range(1, rounds + 1):
        warmup = WARMUP_SECONDS if number == 1 else ROUND_WARMUP_SECONDS
        print(f"round {number} of {rounds}: bare FastAPI endpoint, one INSERT per request, {CONNECTIONS} "
              "connections", flush=True)
        cpu_before = cpu_now(stack)
        bare = await drive("bare insert", [stack.bare.http_port], lambda: next(cycle), seconds=slice_seconds,
                           warmup=warmup)
        cpu_after_bare = cpu_now(stack)  # one reading: the bare slice's end and the webhook slice's start
        bare_cpu = spent(cpu_before, cpu_after_bare)
        bare.accepted.clear()  # the baseline's bodies repeat; nothing is billed
        print(f"round {number} of {rounds}: signed call_ended webhooks on the calls service, {CONNECTIONS} "
              f"connections (calls pid {', '.join(str(replica.pid) for replica in stack.calls)})", flush=True)
        webhook = await drive("webhook", [replica.http_port for replica in stack.calls],
                              lambda: next(webhook_requests, None), seconds=slice_seconds, warmup=warmup)
        # The drain is bounded: a settlement far slower than this would be a finding in itself.
        billed = await wait_until_billed(stack.calls_database_url, webhook, timeout=SETTLE_TIMEOUT_SECONDS)
        played.append(Round(bare, webhook, billed, bare_cpu, spent(cpu_after_bare, cpu_now(stack))))
        if not webhook.latencies:
            break  # out of calls
    stack.bare.stop()
    webhook = pooled("webhook", [each.webhook for each in played])
    billed = pooled_billed([each.billed for each in played])
    if billed.settled < billed.calls:
        for calls_replica in stack.calls:
            calls_replica.stop()  # so that the checks below read the databases at rest
    top = await top_statements(stack.calls_database_url, statements) if statements else []
    checks = await check_settled_once(stack, list(webhook.accepted))
    return Results(prepared=len(signed), preparing_rate=preparing_rate,
                   bare=pooled("bare insert", [each.bare for each in played]), webhook=webhook,
                   billed=billed, checks=checks, rounds=played, statements=top)


async def top_statements(database_url: str, limit: int) -> list[StatementCost]:
    """The statements PostgreSQL spent most time on (planning and running) since the reset."""
    connection = await asyncpg.connect(database_url)
    try:
        return [StatementCost(**row) for row in await connection.fetch(_TOP_STATEMENTS, limit)]
    finally:
        await connection.close()


def statement_lines(statements: list[StatementCost], webhooks: int) -> list[str]:
    if not statements:
        return []
    lines = ["PostgreSQL's statements over the rounds (both scenarios), by time planning and running; µs per "
             "answered webhook:",
             f"  {'database':<8} {'calls':>7} {'rows':>7} {'run ms':>7} {'plan ms':>7} {'µs/webhook':>10}  statement"]
    for each in statements:
        micros = (each.exec_ms + each.plan_ms) * 1000 / webhooks if webhooks else 0.0
        lines.append(f"  {each.database[:8]:<8} {each.calls:>7,} {each.rows:>7,} {each.exec_ms:>7,.0f} "
                     f"{each.plan_ms:>7,.0f} {micros:>10,.1f}  {each.query}")
    return lines


def cpu_now(stack: Stack) -> dict[str, float]:
    """CPU seconds so far by role; the client is this process alone (the services are its children)."""
    return {**cpu_seconds(stack.process_groups()), "client": time.process_time()}


def cpu_per_request(rounds: list[Round]) -> tuple[dict[str, float], dict[str, float]]:
    """Microseconds of CPU per answered request by role, pooled over the rounds: the bare slices, and
    the webhook slices with their billing (settlement included)."""
    def per_request(spending: list[dict[str, float]], requests: int) -> dict[str, float]:
        if not requests:
            return {}
        roles = {role for each in spending for role in each}
        return {role: sum(each.get(role, 0.0) for each in spending) * 1e6 / requests for role in roles}

    return (per_request([each.bare_cpu for each in rounds], sum(each.bare.answered for each in rounds)),
            per_request([each.webhook_cpu for each in rounds], sum(each.webhook.answered for each in rounds)))


def cpu_line(scenario: str, micros: dict[str, float]) -> str:
    shown = sorted(((role, value) for role, value in micros.items() if value >= 0.5), key=lambda item: -item[1])
    parts = ", ".join(f"{role} {value:,.0f}" for role, value in shown)
    return f"  CPU µs per request, {scenario}: {sum(micros.values()):,.0f} ({parts})"


def table_row(scenario: str, rate: float, latencies: list[float], ratio: str = "") -> str:
    return (f"{scenario:<44} {rate:>8,.0f} {percentile_ms(latencies, 50):>9.2f} "
            f"{percentile_ms(latencies, 99):>9.2f} {ratio}").rstrip()


def print_report(results: Results, *, seconds: float) -> None:
    bare, webhook, billed, checks = results.bare, results.webhook, results.billed, results.checks
    print()
    print(f"{os.cpu_count()} CPUs ({cpu_model()}), Python {platform.python_version()}, {CONNECTIONS} connections, "
          f"{seconds:g} s per scenario in {len(results.rounds)} alternating rounds (warm-up {WARMUP_SECONDS:g} s, then "
          f"{ROUND_WARMUP_SECONDS:g} s), {results.prepared:,} calls prepared "
          f"({results.preparing_rate:,.0f} StartCall/s)")
    print(f"{'scenario':<44} {'per s':>8} {'p50 ms':>9} {'p99 ms':>9} {'vs bare':>7}")
    answered_ratio = webhook.per_second / bare.per_second if bare.per_second else float("nan")
    billed_ratio = billed.per_second / bare.per_second if bare.per_second else float("nan")
    print(table_row("bare FastAPI + one INSERT (answered)", bare.per_second, bare.latencies))
    print(table_row("webhook call_ended (answered, committed)", webhook.per_second, webhook.latencies,
                    f"{answered_ratio:7.2f}"))
    print(table_row("webhook call_ended (billed, end to end)", billed.per_second, billed.latencies,
                    f"{billed_ratio:7.2f}"))
    print("(billed: settled calls per second from the first request to the last settlement, each round's "
          "calls settled before the next round; its p50/p99 are each call's request-to-settled time)")
    for number, each in enumerate(results.rounds, start=1):
        answered, settled = each.ratios()
        print(f"  round {number}: bare {each.bare.per_second:,.0f}/s, webhook {each.webhook.per_second:,.0f}/s "
              f"answered ({answered:.2f}), {each.billed.per_second:,.0f}/s billed ({settled:.2f})")
    bare_micros, webhook_micros = cpu_per_request(results.rounds)
    print(cpu_line("bare", bare_micros))
    print(cpu_line("webhook answered and billed", webhook_micros))
    for line in statement_lines(results.statements, sum(each.webhook.answered for each in results.rounds)):
        print(line)
    for name, ratio in (("answered", answered_ratio), ("billed end to end", billed_ratio)):
        verdict = "PASS" if ratio >= TARGET_RATIO else "FAIL"
        print(f"webhook {name} / bare insert = {ratio:.2f} (target >= {TARGET_RATIO:.2f}): {verdict}")
    for measurement in (bare, webhook):
        for failure, count in measurement.failures.most_common(5):
            print(f"{measurement.scenario}: {count:,} requests answered {failure}")
    counts = ", ".join(f"{count:,} {name}" for name, count in checks.counts.items())
    print(f"settled exactly once: {'ok' if checks.settled_once else 'NO'} "
          f"({checks.posted:,} calls posted: {counts})")
    ledger = checks.ledger
    print(f"ledger check: {'ok' if ledger.ok else 'BROKEN'} ({ledger.transfers:,} transfers, "
          f"sum {ledger.total_cents} cents, {ledger.unbalanced_transfers} unbalanced, "
          f"{ledger.accounts_with_stale_balance} stale balances, {ledger.negative_customer_accounts} negative)")



def run_in_temporary_folder(*, seconds: float, calls: int, replicas: int, rounds: int = DEFAULT_ROUNDS,
                            statements: int = 0) -> Results:
    """Starts the servers, runs the benchmark and stops them again, whatever happens."""
    with tempfile.TemporaryDirectory(prefix="speechcue-bench-") as name, contextlib.ExitStack() as cleanup:
        folder = Path(name)
        servers = start_wallet_and_calls_servers(folder, cleanup,
                                                 postgres_settings=STATEMENT_STATISTICS if statements else None)
        stack = build_stack(folder, wallet_database_url=servers.wallet_database_url,
                            calls_database_url=servers.calls_database_url, nats_url=servers.nats_url, calls=calls,
                            replicas=replicas)
        stack.postgres_pid = servers.postgres.process.pid if servers.postgres.process else 0
        stack.nats_pid = servers.nats.process.pid if servers.nats.process else 0
        # Stopped in reverse: the calls service first, so its settlement never meets a stopped wallet.
        for process in (*stack.wallets, stack.sandbox, stack.bare, *stack.calls):
            cleanup.callback(process.stop)
        return asyncio.run(run_benchmark(stack, seconds=seconds, calls=calls, rounds=rounds, statements=statements))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.calls_webhook",
                                     description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=6.0,
                        help="measured seconds per scenario, split over the rounds (default 6)")
    parser.add_argument("--rounds", type=int, default=DEFAULT_ROUNDS, choices=range(1, 11), metavar="N",
                        help=f"alternating rounds of the baseline and the webhook (default {DEFAULT_ROUNDS})")
    parser.add_argument("--calls", type=int, default=10_000,
                        help="ringing calls prepared for the webhooks to end (default 10000, enough for 6 s)")
    parser.add_argument("--replicas", type=int, default=1, choices=range(1, 5), metavar="N",
                        help="processes of the wallet and of the calls service (default 1); the webhooks' "
                             "connections are spread over the calls replicas; the bare endpoint stays one process")
    parser.add_argument("--statements", type=int, default=0, metavar="N",
                        help="also print the N statements PostgreSQL spent most time on over the rounds "
                             "(pg_stat_statements, planning included; default 0: none)")
    parser.add_argument("--serve-bare-insert", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.serve_bare_insert:
        serve_bare_insert()
        return
    if arguments.seconds <= 0 or arguments.calls < CONNECTIONS:
        parser.error(f"--seconds must be positive and --calls at least {CONNECTIONS}")
    if arguments.statements < 0:  # PostgreSQL would refuse the LIMIT only after the whole run
        parser.error("--statements must be 0 (none) or more")
    signal.signal(signal.SIGTERM, exit_on_sigterm)
    try:
        results = run_in_temporary_folder(seconds=arguments.seconds, calls=arguments.calls,
                                          replicas=arguments.replicas, rounds=arguments.rounds,
                                          statements=arguments.statements)
    except KeyboardInterrupt:
        print("\ninterrupted; the servers it started are stopped", file=sys.stderr)
        sys.exit(130)
    print_report(results, seconds=arguments.seconds)
    if not results.checks.ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
