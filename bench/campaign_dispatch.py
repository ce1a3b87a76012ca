"""A campaign through the whole pipeline against the Retell simulator: calls per second, and what
each call costs the calls service and the wallet in CPU.

Why: the dispatcher keeps a campaign's calls in flight at the allowed level, and every call goes
through the same steps: claimed (a committed transaction), admitted (flow, do-not-call, window, caps,
caller ID, the wallet's QuoteCall, the call row), held (the wallet's PlaceHold), created at Retell,
then ended by Retell's webhooks and settled with the wallet (RecordUsage, CaptureHold) and recorded on
the callee. The simulator answers at once and its callees hang up after 2 simulated seconds
(SANDBOX_TIME_SCALE 0.001: 2 ms), so what is measured is the platform's own overhead per call, not
the calls' duration.

`python -m bench.campaign_dispatch [--callees N] [--concurrency N] [--timeout S] [--profile]` starts
PostgreSQL (durable, default settings) and NATS in a temporary folder, migrates the wallet and calls
databases, and runs the wallet, the calls service and the Retell simulator (`python -m
services.sandbox`, Retell concurrency `--concurrency`, default 50, so 48 calls in flight after the
service's reserve of 2) as subprocesses configured by environment variables only. Then:

1. one customer, credited, with caps raised through SetCustomerLimits (the admin id comes from
   SPEECHCUE_ADMIN_TELEGRAM_IDS), one approved flow; `--callees` distinct numbers (default 2,000)
   whose local time is inside the calling window now (real clock), each scripted in the simulator to
   answer after 0 ms and hang up after 2 s of simulated time;
2. a warm-up campaign of 50 of them, run to completion;
3. the measured campaign: CreateCampaign (not timed), then StartCampaign, and the campaign's status
   read from its row every 0.25 s until it is completed (at most `--timeout` seconds, default 150;
   GetCampaign would add a scan of the whole list per poll). Meanwhile the CPU seconds of every
   process (psutil) are taken, with the machine's interrupt time apart, and with `--profile` py-spy
   samples the calls process (100 Hz; it takes CPU of its own, so the other figures of a profiled
   run are worse);
4. the services' own latency histograms (/metrics), and PostgreSQL's commits and rows read per
   table (pg_stat_database, pg_stat_user_tables), before and after, per call;
5. from the calls database afterwards: calls per second from the campaign's start to its completion,
   and per call the time from its claim (the dispatch pass's clock; the claim sets next_attempt_at to
   it plus CALLS_DISPATCH_RESUME_SECONDS) to the call row (admitted), to Retell's answer (placed_at),
   then to the call's end and to its settlement.

Everything listens on and is reached through 127.0.0.1 only (HTTP and gRPC hosts set by
SPEECHCUE_HTTP_HOST and SPEECHCUE_GRPC_HOST). Every process started here is stopped on exit, Ctrl-C and
SIGTERM included. It is not a test: it prints figures and asserts nothing about time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from prometheus_client.parser import text_string_to_metric_families

from bench.calls_webhook import number_callable_now, reminder_flow
from bench.campaign_import import Profiler, busy_cpu_seconds, machine_cpu_seconds, process_cpu, process_tree_cpu
from bench.servers import start_wallet_and_calls_servers
from bench.service_process import ServiceProcess
from bench.signals import exit_on_sigterm
from bench.wallet_debit import cpu_model
from devstack.nats import EmbeddedNats
from devstack.ports import free_port
from devstack.postgres import EmbeddedPostgres
from services.calls.calling_window import inside_window
from services.calls.phone_numbers import is_e164, timezones_of
from services.runtime.callers import HARNESS, development_token
from services.runtime.grpc_client import internal_channel
from speechcue.calls.v1 import calls_pb2, calls_pb2_grpc
from speechcue.common.v1 import common_pb2
from speechcue.wallet.v1 import wallet_pb2, wallet_pb2_grpc

ADMIN_ID = 1
INTERNAL_TOKEN = development_token(HARNESS)  # the bench calls from outside, as the harness
RETELL_KEY = "bench-retell-key"
CUSTOMER = "bench-campaign-customer"
OPENING_CREDIT_CENTS = 100_000_000  # the most one Credit accepts
TIME_SCALE = 0.001
SCENARIO = {"outcome": "answer", "ring_ms": 0, "duration_ms": 2000}
RESUME_SECONDS = 60.0  # CALLS_DISPATCH_RESUME_SECONDS, set explicitly: the claim time is derived from it
RETELL_RESERVE = 2  # CALLS_RETELL_CONCURRENCY_RESERVE's default
WARMUP_CALLEES = 50
POLL_SECONDS = 0.25
SCRIPTING_CONNECTIONS = 8

# Where the calls process spends its samples; the first match (a substring of the stack) wins.
PROFILE_CATEGORIES = (
    ("dispatcher: placing (admit, QuoteCall, PlaceHold, Retell create, row updates)",
     ("start_call (", "_place (")),
    ("dispatcher: the pass (caps, in-flight count, claiming)", ("dispatch_once (",)),
    ("webhooks: call_started, call_ended, call_analyzed", ("retell_webhook (",)),
    ("settlement (RecordUsage, CaptureHold, callee result, progress)", ("settlement.py:",)),
    ("outbox relay and NATS", ("outbox.py:", "nats/")),
    ("HTTP server outside the handler (uvicorn, Starlette, middleware)", ("uvicorn/", "starlette/", "h11/")),
    ("gRPC outside the handlers", ("grpc/",)),
    # SQLAlchemy's async layer runs each statement in a greenlet, whose stack does not show its caller.
    ("SQLAlchemy and asyncpg executing statements (in greenlets: caller not visible)", ("sqlalchemy/", "asyncpg/")),
)


def callable_numbers(count: int) -> list[str]:
    """`count` distinct valid numbers that are inside the calling window now, in one place."""
    now = datetime.now(UTC)
    template = number_callable_now()
    prefix = template[:-6]
    found: list[str] = []
    for suffix in range(1_000_000):
        candidate = f"{prefix}{suffix:06d}"
        if is_e164(candidate) and inside_window(now, timezones_of(candidate)):
            found.append(candidate)
            if len(found) == count:
                return found
    raise RuntimeError(f"only {len(found):,} callable numbers start with {prefix}")


@dataclass
class Stack:
    folder: Path
    postgres: EmbeddedPostgres
    nats: EmbeddedNats
    wallet: ServiceProcess
    sandbox: ServiceProcess
    calls: ServiceProcess
    wallet_grpc: str
    calls_grpc: str
    calls_database_url: str
    wallet_database_url: str

    def stop(self) -> None:
        # The calls service first, so its settlement never meets a stopped wallet.
        for process in (self.calls, self.sandbox, self.wallet):
            process.stop()


def build_stack(folder: Path, postgres: EmbeddedPostgres, nats: EmbeddedNats, *, wallet_database_url: str,
                calls_database_url: str, concurrency: int) -> Stack:
    common = {"SPEECHCUE_ENV": "development", "SPEECHCUE_NATS_URL": nats.url,
              "SPEECHCUE_HTTP_HOST": "127.0.0.1",
              "SPEECHCUE_GRPC_HOST": "127.0.0.1"}
    wallet_grpc, wallet_http = free_port(), free_port()
    calls_grpc, calls_http, sandbox_http = free_port(), free_port(), free_port()
    wallet = ServiceProcess("wallet", ["-m", "services.wallet"], {
        **common, "SPEECHCUE_DATABASE_URL": wallet_database_url, "SPEECHCUE_GRPC_PORT": str(wallet_grpc),
        "SPEECHCUE_HTTP_PORT": str(wallet_http),
    }, http_port=wallet_http, ready_path="/readyz", log_path=folder / "wallet.log")
    sandbox = ServiceProcess("sandbox", ["-m", "services.sandbox"], {
        "RETELL_API_KEY": RETELL_KEY, "SPEECHCUE_HTTP_PORT": str(sandbox_http), "SPEECHCUE_HTTP_HOST": "127.0.0.1",
        "SANDBOX_TIME_SCALE": str(TIME_SCALE), "SANDBOX_RETELL_CONCURRENCY": str(concurrency),
    }, http_port=sandbox_http, ready_path="/healthz", log_path=folder / "sandbox.log")
    calls = ServiceProcess("calls", ["-m", "services.calls"], {
        **common, "SPEECHCUE_DATABASE_URL": calls_database_url, "SPEECHCUE_GRPC_PORT": str(calls_grpc),
        "SPEECHCUE_HTTP_PORT": str(calls_http), "SPEECHCUE_ADMIN_TELEGRAM_IDS": str(ADMIN_ID),
        "RETELL_API_KEY": RETELL_KEY, "RETELL_BASE_URL": f"http://127.0.0.1:{sandbox_http}",
        "SPEECHCUE_PUBLIC_BASE_URL": f"http://127.0.0.1:{calls_http}", "WALLET_GRPC_ADDR": f"127.0.0.1:{wallet_grpc}",
        "CALLS_DISPATCH_RESUME_SECONDS": str(RESUME_SECONDS),
        "CALLS_RETELL_CONCURRENCY_RESERVE": str(RETELL_RESERVE),
    }, http_port=calls_http, ready_path="/readyz", log_path=folder / "calls.log")
    return Stack(folder=folder, postgres=postgres, nats=nats, wallet=wallet, sandbox=sandbox, calls=calls,
                 wallet_grpc=f"127.0.0.1:{wallet_grpc}", calls_grpc=f"127.0.0.1:{calls_grpc}",
                 calls_database_url=calls_database_url, wallet_database_url=wallet_database_url)


async def script_callees(sandbox_port: int, numbers: list[str]) -> None:
    # trust_env=False: a proxy configured in the environment must not see loopback requests.
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{sandbox_port}", trust_env=False,
                                 timeout=10.0) as client:
        pending = iter(numbers)

        async def put_all() -> None:
            for number in pending:
                (await client.put(f"/sandbox/retell/scenarios/{number}", json=SCENARIO)).raise_for_status()

        async with asyncio.TaskGroup() as group:
            for _ in range(SCRIPTING_CONNECTIONS):
                group.create_task(put_all())


# ---- CPU ----------------------------------------------------------------------------------------

@dataclass
class CpuMeter:
    """CPU seconds of each process of the run between `start()` and `stop()`."""

    pids: dict[str, int]
    postgres_pid: int
    started: dict[str, float] = field(default_factory=dict)
    used: dict[str, float] = field(default_factory=dict)

    def _read(self) -> dict[str, float]:
        readings = {name: process_cpu(pid) for name, pid in self.pids.items()}
        readings["PostgreSQL (every backend)"] = process_tree_cpu(self.postgres_pid)
        readings["this script"] = process_cpu(os.getpid())
        readings["processes"] = busy_cpu_seconds()
        readings.update(machine_cpu_seconds())
        return readings

    def start(self) -> None:
        self.started = self._read()

    def stop(self) -> None:
        ended = self._read()
        used = {name: ended[name] - self.started[name] for name in ended}
        processes = used.pop("processes")
        unattributed = {name: used.pop(name) for name in machine_cpu_seconds()}
        used["other processes (other sessions)"] = max(0.0, processes - sum(used.values()))
        self.used = {**used, **unattributed}


# ---- server-side latencies (the services' own Prometheus histograms) -----------------------------

# (service, histogram, the label that names what was timed)
LATENCY_HISTOGRAMS = (
    ("wallet", "grpc_server_handling_seconds", "grpc_method"),
    ("calls", "grpc_server_handling_seconds", "grpc_method"),
    ("calls", "speechcue_retell_request_seconds", "operation"),
    ("calls", "speechcue_http_request_duration_seconds", "route"),
)


async def scrape(ports: dict[str, int]) -> dict[tuple[str, str, str], tuple[float, float]]:
    """(service, histogram, what) → (count, sum of seconds) from each service's /metrics."""
    found: dict[tuple[str, str, str], tuple[float, float]] = {}
    async with httpx.AsyncClient(trust_env=False, timeout=10.0) as client:
        for service, port in ports.items():
            text = (await client.get(f"http://127.0.0.1:{port}/metrics")).text
            for family in text_string_to_metric_families(text):
                for wanted_service, histogram, label in LATENCY_HISTOGRAMS:
                    if service != wanted_service or family.name != histogram:
                        continue
                    for sample in family.samples:
                        key = (service, histogram, sample.labels.get(label, ""))
                        count, total = found.get(key, (0.0, 0.0))
                        if sample.name == f"{histogram}_count":
                            count = sample.value
                        elif sample.name == f"{histogram}_sum":
                            total = sample.value
                        found[key] = (count, total)
    return found


def latency_deltas(before: dict[tuple[str, str, str], tuple[float, float]],
                   after: dict[tuple[str, str, str], tuple[float, float]]) -> list[tuple[str, int, float]]:
    """(service and what, how many, mean ms) for everything timed between the two scrapes."""
    rows: list[tuple[str, int, float]] = []
    for key, (count, total) in after.items():
        earlier_count, earlier_total = before.get(key, (0.0, 0.0))
        timed = int(count - earlier_count)
        if timed > 0:
            service, histogram, what = key
            kind = {"grpc_server_handling_seconds": "gRPC", "speechcue_retell_request_seconds": "Retell API",
                    "speechcue_http_request_duration_seconds": "HTTP"}[histogram]
            rows.append((f"{service}: {kind} {what}", timed, (total - earlier_total) / timed * 1000))
    return sorted(rows, key=lambda row: (row[0].split(":")[0], -row[1]))


# ---- PostgreSQL's own counters -------------------------------------------------------------------

COMMITS = "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"
# Rows read per table: by sequential scans, and fetched through indexes.
TABLE_READS = "SELECT relname, seq_tup_read, coalesce(idx_tup_fetch, 0) AS idx_tup_fetch FROM pg_stat_user_tables"


async def database_counters(database_urls: dict[str, str]) -> dict[str, dict[str, int]]:
    """Per database: "commits", and per table "<table> seq" and "<table> idx" rows read."""
    await asyncio.sleep(1.5)  # backends report their counters within a second of going idle
    counters: dict[str, dict[str, int]] = {}
    for name, url in database_urls.items():
        connection = await asyncpg.connect(url)
        try:
            found = {"commits": int(await connection.fetchval(COMMITS))}
            for row in await connection.fetch(TABLE_READS):
                found[f"{row['relname']} seq"] = int(row["seq_tup_read"])
                found[f"{row['relname']} idx"] = int(row["idx_tup_fetch"])
            counters[name] = found
        finally:
            await connection.close()
    return counters


# ---- the run ------------------------------------------------------------------------------------

@dataclass
class CampaignRun:
    callees: int
    seconds: float  # the campaign's started_at to completed_at
    totals: calls_pb2.CampaignTotals
    status: int
    cpu: CpuMeter
    timeline: dict[str, Any]
    stages: dict[str, list[float]]
    simulator: dict[str, Any]
    latencies: list[tuple[str, int, float]] = field(default_factory=list)
    database: dict[str, dict[str, int]] = field(default_factory=dict)  # counters' growth over the campaign
    profile: list[tuple[str, int]] = field(default_factory=list)
    profile_samples: int = 0

    @property
    def per_second(self) -> float:
        done = self.totals.answered + self.totals.failed
        return done / self.seconds if self.seconds > 0 else 0.0


async def prepare(stack: Stack, numbers: list[str]) -> str:
    async with internal_channel(stack.wallet_grpc, INTERNAL_TOKEN) as wallet_channel, \
            internal_channel(stack.calls_grpc, INTERNAL_TOKEN) as calls_channel:
        wallet = wallet_pb2_grpc.WalletServiceStub(wallet_channel)
        calls = calls_pb2_grpc.CallsServiceStub(calls_channel)
        await wallet.OpenAccount(wallet_pb2.OpenAccountRequest(idempotency_key="open", customer_id=CUSTOMER))
        await wallet.Credit(wallet_pb2.CreditRequest(
            idempotency_key="credit", customer_id=CUSTOMER, amount_cents=OPENING_CREDIT_CENTS,
            cause=common_pb2.Cause(type=common_pb2.CAUSE_TYPE_PAYMENT, id="bench-payment")))
        await calls.SyncCallerIds(calls_pb2.SyncCallerIdsRequest(idempotency_key="sync", admin_telegram_id=ADMIN_ID))
        await calls.SetCustomerLimits(calls_pb2.SetCustomerLimitsRequest(
            idempotency_key="limits", admin_telegram_id=ADMIN_ID, limits=calls_pb2.CustomerLimits(
                customer_id=CUSTOMER, max_concurrent_calls=1000, calls_per_hour=100_000, calls_per_day=1_000_000)))
        flow = await calls.CreateFlow(calls_pb2.CreateFlowRequest(idempotency_key="flow", customer_id=CUSTOMER,
                                                                  spec=reminder_flow()))
        if flow.status != calls_pb2.FLOW_STATUS_APPROVED:
            raise RuntimeError(f"the benchmark's flow was not approved: {list(flow.review_reasons)}")
    await script_callees(stack.sandbox.http_port, numbers)
    return flow.id


async def run_campaign(stack: Stack, flow_id: str, numbers: list[str], name: str, *, timeout: float,
                       profile_path: Path | None = None) -> CampaignRun:
    async with internal_channel(stack.calls_grpc, INTERNAL_TOKEN) as channel:
        calls = calls_pb2_grpc.CallsServiceStub(channel)
        created = await calls.CreateCampaign(calls_pb2.CreateCampaignRequest(
            idempotency_key=f"create-{name}", customer_id=CUSTOMER, name=name, flow_id=flow_id,
            list="\n".join(numbers).encode(), max_minutes_per_call=1), timeout=60)
        if created.totals.callees != len(numbers):
            raise RuntimeError(f"the campaign has {created.totals.callees} callees, not {len(numbers)}: "
                               f"{created.import_report}")
        assert stack.postgres.process is not None
        cpu = CpuMeter(pids={"calls": stack.calls.pid, "wallet": stack.wallet.pid, "Retell simulator":
                             stack.sandbox.pid, "NATS": stack.nats.process.pid if stack.nats.process else 0},
                       postgres_pid=stack.postgres.process.pid)
        profiler = Profiler(stack.calls.pid, profile_path) if profile_path is not None else None
        ports = {"wallet": stack.wallet.http_port, "calls": stack.calls.http_port}
        database_urls = {"calls": stack.calls_database_url, "wallet": stack.wallet_database_url}
        metrics_before = await scrape(ports)
        counters_before = await database_counters(database_urls)
        with profiler if profiler is not None else contextlib.nullcontext():
            cpu.start()
            await calls.StartCampaign(calls_pb2.CampaignActionRequest(
                idempotency_key=f"start-{name}", customer_id=CUSTOMER, campaign_id=created.id))
            # Polled in the database (one row by its key), not through GetCampaign, whose totals
            # would add a scan of the whole list per poll to what is measured.
            polling = await asyncpg.connect(stack.calls_database_url)
            try:
                deadline = time.monotonic() + timeout
                while await polling.fetchval("SELECT status FROM campaigns WHERE id = $1", created.id) != "completed":
                    if time.monotonic() > deadline:
                        print(f"  not completed within {timeout:.0f} s; cancelled", flush=True)
                        await calls.CancelCampaign(calls_pb2.CampaignActionRequest(
                            idempotency_key=f"cancel-{name}", customer_id=CUSTOMER, campaign_id=created.id))
                        break
                    await asyncio.sleep(POLL_SECONDS)
            finally:
                await polling.close()
            cpu.stop()
        current = await calls.GetCampaign(calls_pb2.GetCampaignRequest(customer_id=CUSTOMER, campaign_id=created.id))
        latencies = latency_deltas(metrics_before, await scrape(ports))
        counters_after = await database_counters(database_urls)
        database = {database_name: {key: value - counters_before.get(database_name, {}).get(key, 0)
                                    for key, value in counters.items()}
                    for database_name, counters in counters_after.items()}
    seconds, timeline, stages = await read_timeline(stack.calls_database_url, created.id)
    simulator = await simulator_summary(stack.sandbox.http_port)
    run = CampaignRun(callees=len(numbers), seconds=seconds, totals=current.totals, status=current.status, cpu=cpu,
                      timeline=timeline, stages=stages, simulator=simulator, latencies=latencies,
                      database=database)
    if profiler is not None:
        run.profile, run.profile_samples = profiler.summary(PROFILE_CATEGORIES)
    return run


STAGES_QUERY = """
SELECT extract(epoch FROM c.created_at - (cc.next_attempt_at - make_interval(secs => $2))) AS claim_to_admitted,
       extract(epoch FROM c.placed_at - c.created_at) AS admitted_to_placed,
       extract(epoch FROM c.placed_at - (cc.next_attempt_at - make_interval(secs => $2))) AS claim_to_placed,
       extract(epoch FROM c.ended_at - c.placed_at) AS placed_to_ended,
       extract(epoch FROM c.settled_at - c.ended_at) AS ended_to_settled
FROM campaign_callees cc JOIN calls c ON c.id = cc.call_id
WHERE cc.campaign_id = $1 AND cc.tries = 1 AND c.placed_at IS NOT NULL
"""


async def read_timeline(database_url: str, campaign_id: str) -> tuple[float, dict[str, Any], dict[str, list[float]]]:
    connection = await asyncpg.connect(database_url)
    try:
        campaign = await connection.fetchrow("SELECT started_at, completed_at FROM campaigns WHERE id = $1",
                                             campaign_id)
        timeline = dict(await connection.fetchrow(
            "SELECT count(*) AS calls, count(placed_at) AS placed, min(placed_at) AS first_placed, "
            "max(placed_at) AS last_placed, min(settled_at) AS first_settled, max(settled_at) AS last_settled, "
            "count(*) FILTER (WHERE status = 'failed') AS failed_calls, "
            "string_agg(DISTINCT failure_reason, ',') FILTER (WHERE failure_reason <> '') AS failures "
            "FROM calls WHERE campaign_id = $1", campaign_id))
        timeline["tries"] = await connection.fetchval(
            "SELECT coalesce(sum(tries), 0) FROM campaign_callees WHERE campaign_id = $1", campaign_id)
        rows = await connection.fetch(STAGES_QUERY, campaign_id, RESUME_SECONDS)
    finally:
        await connection.close()
    started_at, completed_at = campaign["started_at"], campaign["completed_at"]
    timeline["started_at"] = started_at
    end = completed_at or timeline["last_settled"]
    seconds = (end - started_at).total_seconds() if end is not None and started_at is not None else 0.0
    stages = {key: [float(row[key]) for row in rows if row[key] is not None] for key in
              ("claim_to_admitted", "admitted_to_placed", "claim_to_placed", "placed_to_ended", "ended_to_settled")}
    return seconds, timeline, stages


async def simulator_summary(sandbox_port: int) -> dict[str, Any]:
    async with httpx.AsyncClient(trust_env=False, timeout=30.0) as client:
        answer = (await client.get(f"http://127.0.0.1:{sandbox_port}/sandbox/retell/calls")).json()
    deliveries = answer.get("deliveries", [])
    return {"max_concurrent_seen": answer.get("max_concurrent_seen", 0),
            "create_requests": answer.get("create_requests", 0),
            "webhooks": len(deliveries),
            "webhooks_failed": sum(1 for delivery in deliveries if not 200 <= delivery.get("status", 0) < 300)}


async def run_benchmark(stack: Stack, callees: int, *, timeout: float, profile: bool) -> CampaignRun:
    for process in (stack.wallet, stack.sandbox, stack.calls):
        await process.start()
    numbers = callable_numbers(callees + WARMUP_CALLEES)
    print(f"{len(numbers):,} numbers around {numbers[0][:-6]}…, inside the calling window now; scripting the "
          "simulator", flush=True)
    flow_id = await prepare(stack, numbers)
    print(f"warm-up campaign, {WARMUP_CALLEES} callees", flush=True)
    warm_up = await run_campaign(stack, flow_id, numbers[:WARMUP_CALLEES], "warm-up", timeout=timeout)
    print(f"  {warm_up.per_second:,.0f} calls/s", flush=True)
    print(f"measured campaign, {callees:,} callees{' (profiled with py-spy)' if profile else ''}", flush=True)
    run = await run_campaign(stack, flow_id, numbers[WARMUP_CALLEES:], "measured", timeout=timeout,
                             profile_path=stack.folder / "calls-profile.txt" if profile else None)
    print(f"  {run.per_second:,.1f} calls/s over {run.seconds:.1f} s", flush=True)
    return run


def percentile_ms(values: list[float], percent: int) -> float:
    if len(values) < 2:
        return float("nan")
    return statistics.quantiles(values, n=100)[percent - 1] * 1000


def print_report(run: CampaignRun, *, concurrency: int, profile: bool) -> None:
    print()
    print(f"{os.cpu_count()} CPUs ({cpu_model()}), Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}; "
          f"Retell simulator concurrency {concurrency} (so {concurrency - RETELL_RESERVE} calls in flight), "
          f"time scale {TIME_SCALE:g}{'; PROFILED' if profile else ''}")
    totals, failures = run.totals, run.timeline["failures"]
    status = calls_pb2.CampaignStatus.Name(run.status)  # type: ignore[arg-type]
    print(f"campaign: {run.callees:,} callees, {status}, {totals.answered:,} answered, {totals.failed:,} failed, "
          f"{totals.attempts:,} attempts; {run.timeline['tries']:,} claims, {run.timeline['calls']:,} call rows "
          f"({run.timeline['failed_calls']:,} failed{': ' + failures if failures else ''})")
    simulator = run.simulator
    print(f"simulator: {simulator['create_requests']:,} create-phone-call requests (both campaigns), at most "
          f"{simulator['max_concurrent_seen']} calls at once, {simulator['webhooks']:,} webhooks sent, "
          f"{simulator['webhooks_failed']:,} not answered 2xx")
    done = totals.answered + totals.failed
    print()
    print(f"{run.per_second:,.1f} calls/s through the whole pipeline ({done:,} callees done in "
          f"{run.seconds:.1f} s, StartCampaign's started_at to completed_at)")
    first, last = run.timeline["first_placed"], run.timeline["last_placed"]
    if first is not None and last is not None and last > first:
        placing = (last - first).total_seconds()
        first_after = (first - run.timeline["started_at"]).total_seconds() * 1000
        print(f"placing alone: {run.timeline['placed']:,} calls created at Retell in {placing:.1f} s "
              f"({run.timeline['placed'] / placing:,.1f}/s); the first {first_after:,.0f} ms after the start")
    first_settled, last_settled = run.timeline["first_settled"], run.timeline["last_settled"]
    if first_settled is not None and last_settled is not None and last_settled > first_settled:
        settling = (last_settled - first_settled).total_seconds()
        print(f"settling alone: {run.timeline['calls']:,} calls settled in {settling:.1f} s "
              f"({run.timeline['calls'] / settling:,.1f}/s)")
    print()
    print(f"{'process':<34} {'CPU s':>7} {'ms/call':>8} {'of a core':>9}")
    for name, seconds in run.cpu.used.items():
        per_call = seconds / done * 1000 if done else float("nan")
        share = seconds / run.seconds if run.seconds > 0 else float("nan")
        print(f"{name:<34} {seconds:>7.2f} {per_call:>8.2f} {share:>8.0%}")
    if profile:
        print("(py-spy's own CPU is in \"other processes\")")
    print()
    print(f"per call (the first try of each callee), ms: {'p50':>8} {'p99':>8}")
    labels = {"claim_to_admitted": "claim → call row written (admitted)",
              "admitted_to_placed": "admitted → Retell created it (placed)",
              "claim_to_placed": "claim → placed",
              "placed_to_ended": "placed → ended (webhook)",
              "ended_to_settled": "ended → settled"}
    for key, label in labels.items():
        values = run.stages[key]
        print(f"  {label:<42} {percentile_ms(values, 50):>8.1f} {percentile_ms(values, 99):>8.1f}")
    print()
    print("PostgreSQL per call: commits, and rows read (sequential scans + fetched through indexes), most first:")
    for name, counters in sorted(run.database.items()):
        reads: dict[str, int] = {}
        for key, value in counters.items():
            if key != "commits":
                table = key.rsplit(" ", 1)[0]
                reads[table] = reads.get(table, 0) + value
        heaviest = sorted(reads.items(), key=lambda item: -item[1])[:4]
        per_call = ", ".join(f"{table} {rows / max(done, 1):,.0f}" for table, rows in heaviest if rows)
        print(f"  {name}: {counters.get('commits', 0) / max(done, 1):.1f} commits; "
              f"{sum(reads.values()) / max(done, 1):,.0f} rows read ({per_call})")
    print()
    print(f"server-side mean latency during the campaign: {'requests':>8} {'mean ms':>8}")
    for what, count, mean_ms in run.latencies:
        print(f"  {what:<44} {count:>8,} {mean_ms:>8.1f}")
    if run.profile:
        print()
        print(f"calls process, py-spy ({run.profile_samples:,} samples of busy threads at 100 Hz):")
        for label, samples in run.profile:
            print(f"  {samples / run.profile_samples:>4.0%}  {label}")



def run(callees: int, *, concurrency: int, timeout: float, profile: bool) -> CampaignRun:
    with tempfile.TemporaryDirectory(prefix="speechcue-bench-") as name, contextlib.ExitStack() as cleanup:
        folder = Path(name)
        servers = start_wallet_and_calls_servers(folder, cleanup)
        stack = build_stack(folder, servers.postgres, servers.nats, wallet_database_url=servers.wallet_database_url,
                            calls_database_url=servers.calls_database_url, concurrency=concurrency)
        cleanup.callback(stack.stop)
        return asyncio.run(run_benchmark(stack, callees, timeout=timeout, profile=profile))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.campaign_dispatch",
                                     description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--callees", type=int, default=2000, help="callees in the measured campaign (default 2000)")
    parser.add_argument("--concurrency", type=int, default=50,
                        help="the simulator's Retell concurrency limit (default 50)")
    parser.add_argument("--timeout", type=float, default=150.0,
                        help="seconds the measured campaign may take before it is cancelled (default 150)")
    parser.add_argument("--profile", action="store_true", help="sample the calls process with py-spy meanwhile")
    arguments = parser.parse_args()
    if not 100 <= arguments.callees <= 100_000 or arguments.concurrency <= RETELL_RESERVE or arguments.timeout <= 0:
        parser.error(f"--callees must be 100 to 100,000, --concurrency above {RETELL_RESERVE}, --timeout positive")
    signal.signal(signal.SIGTERM, exit_on_sigterm)
    try:
        result = run(arguments.callees, concurrency=arguments.concurrency, timeout=arguments.timeout,
                     profile=arguments.profile)
    except KeyboardInterrupt:
        print("\ninterrupted; the servers it started are stopped", file=sys.stderr)
        sys.exit(130)
    print_report(result, concurrency=arguments.concurrency, profile=arguments.profile)


if __name__ == "__main__":
    main()
