"""Importing a customer's 100,000-number list into a campaign: seconds and peak RSS, for the pure
parse and for the whole import as the calls service does it.

Why: a customer uploads a list of up to 100,000 numbers (the service's cap, MAX_NUMBERS in
services/calls/call_lists.py) and waits for CreateCampaign to answer. Targets (the campaigns issue):
the import takes under 10 s and the process doing it stays under 300 MB of resident memory.

`python -m bench.campaign_import [--numbers N] [--repeat N] [--profile]` generates two lists with `--numbers`
distinct valid numbers each (default 100,000) plus 2 % duplicates and 2 % garbage lines, shuffled: a
plain list, one number a line in mixed formats (E.164, US national formats read with the default
region US, other countries in international format), and a CSV file with the header `name,phone`
(names, some quoted with commas, some empty). Then, for each list:

1. **parse**: `read_call_list(data, default_region="US")` in a fresh Python process that loaded the
   bytes and warmed the parser up on the list's first 100 lines (as a long-running service would have);
   its time, the process's resident memory before the parse, and its peak (`VmHWM`, confirmed by
   `RUSAGE_CHILDREN` in a small launcher: `ru_maxrss` read from this script would include this
   script's own RSS, which Linux carries across fork and exec). `--repeat` runs (default 3); the
   median time is shown.
2. **import**: CreateCampaign end to end on a real calls service: PostgreSQL (durable, default settings)
   and NATS in a temporary folder, the wallet, the calls service and the Retell simulator as
   subprocesses configured by environment variables only. The do-not-call table holds 20,000 platform
   entries for other numbers, 0.5 % of the list's numbers on the platform's list and 0.2 % on the
   customer's own, so screening drops about 0.7 %. The calls service is started afresh for each list and
   warmed up with a 100-number CreateCampaign; then the big CreateCampaign is timed from the client
   (sending 1.5-2.5 MB over gRPC, parse, do-not-call screening, inserting every callee, commit, answer).
   Its peak RSS is the kernel's high-water mark (`VmHWM`, reset through `/proc/<pid>/clear_refs` just
   before the request), cross-checked by sampling the RSS with psutil every 5 ms. CPU seconds of the
   calls process and of PostgreSQL (every backend) during the request are shown too. `--profile`
   samples the calls process with py-spy meanwhile and shows where its time went (py-spy takes CPU of
   its own, so the other figures of a profiled run are worse).
3. **afterwards**: what a campaign this size costs the statements that run per call or per
   dispatcher pass later on, by EXPLAIN ANALYZE on the campaign just imported (in a transaction that is
   rolled back): the settlement's lookup of a callee by campaign and number, the campaign totals, the
   dispatcher's claimed-but-unplaced count, its tries to resume and its next callees to claim (with none
   and with 90 % of the list done), and the customer's calls of the last day that the caps count, once
   every callee has been dialled.

Everything listens on and is reached through 127.0.0.1 only (HTTP and gRPC hosts set by
SPEECHCUE_HTTP_HOST and SPEECHCUE_GRPC_HOST). Every process started here is stopped on exit, Ctrl-C and
SIGTERM included. It is not a test: it prints figures and asserts nothing about time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import io
import json
import os
import platform
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import phonenumbers
import psutil

from bench.calls_webhook import reminder_flow
from bench.servers import start_wallet_and_calls_servers
from bench.service_process import ServiceProcess
from bench.signals import exit_on_sigterm
from bench.wallet_debit import cpu_model
from devstack.ports import free_port
from devstack.postgres import EmbeddedPostgres
from services.calls.call_lists import MAX_NUMBERS
from services.runtime.callers import HARNESS, development_token
from services.runtime.grpc_client import internal_channel
from speechcue.calls.v1 import calls_pb2, calls_pb2_grpc

TARGET_SECONDS = 10.0
TARGET_RSS_MB = 300.0
REGION = "US"
SEED = 20261124
DUPLICATE_SHARE = 0.02
GARBAGE_SHARE = 0.02
PLATFORM_DNC_SHARE = 0.005
CUSTOMER_DNC_SHARE = 0.002
OTHER_PLATFORM_DNC = 20_000
WARMUP_LINES = 100
RSS_SAMPLE_SECONDS = 0.005
IMPORT_TIMEOUT_SECONDS = 120.0
ADMIN_ID = 1
INTERNAL_TOKEN = development_token(HARNESS)  # the bench calls from outside, as the harness
RETELL_KEY = "bench-retell-key"

US_AREA_CODES = (201, 202, 206, 212, 213, 303, 305, 312, 404, 415, 503, 512, 617, 646, 702, 713, 718, 773, 818, 917)
US_FORMATS = (  # (weight, format) for area code a, exchange b, line c
    (40, "+1{a}{b}{c:04d}"), (15, "({a}) {b}-{c:04d}"), (12, "{a}-{b}-{c:04d}"), (8, "{a}.{b}.{c:04d}"),
    (8, "1 {a} {b} {c:04d}"), (9, "+1 {a}-{b}-{c:04d}"), (8, "{a}{b}{c:04d}"),
)
# Country code, the national digits the generated numbers start with, how many random digits follow.
INTERNATIONAL = (("44", "207", 7), ("49", "30", 8), ("33", "1", 8), ("61", "29", 7), ("81", "3", 8), ("52", "55", 8))
INTERNATIONAL_SHARE = 0.12
GARBAGE = (
    "n/a", "unknown", "TBD", "12345", "555-0123", "+999 1234 5678", "000-000-0000", "(415) 555-01",
    "415555012345678901234", "jane.doe@example.com", "#REF!", "0", "call after 5pm", "+1 415 555", "tel:",
    "+44 20 7946", "1-800", "999999999999999999",
)
FIRST_NAMES = ("James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
               "José", "María", "Wei", "Aisha", "Olga", "Hiroshi", "Chloé", "Søren")
LAST_NAMES = ("Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
              "Martinez", "Nguyen", "O'Brien", "Müller", "Tanaka", "Kowalski", "van der Berg")

# The parse runs in a fresh interpreter that imports only the parser, so its RSS is the parse's own.
PARSE_CHILD = """
import json, sys, time
from pathlib import Path
from services.calls.call_lists import read_call_list
def status(field):
    line = next(line for line in Path("/proc/self/status").read_text().splitlines() if line.startswith(field))
    return int(line.split()[1]) * 1024
data = Path(sys.argv[1]).read_bytes()
warm_up = b"\\n".join(data.splitlines()[:int(sys.argv[3]) + 1])
read_call_list(warm_up, default_region=sys.argv[2])
before = status("VmRSS:")
started = time.perf_counter()
report = read_call_list(data, default_region=sys.argv[2])
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "rss_before": before, "peak": status("VmHWM:"),
                  "lines": report.lines_read, "accepted": len(report.callees), "invalid": report.invalid,
                  "duplicates": report.duplicates, "over_limit": report.over_limit, "refusal": report.refusal}))
"""
# ru_maxrss of a process started by exec includes the RSS of the process that forked it (Linux keeps
# the old address space's high-water mark across exec), and this script is ~100 MB. So the parse is
# started by a small launcher, whose RUSAGE_CHILDREN afterwards is the parse process's own peak.
PARSE_LAUNCHER = """
import json, resource, subprocess, sys
finished = subprocess.run([sys.executable, "-c", *sys.argv[1:]], capture_output=True, text=True, check=False)
sys.stderr.write(finished.stderr)
if finished.returncode:
    sys.exit(finished.returncode)
result = json.loads(finished.stdout.strip().splitlines()[-1])
result["peak_children"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
print(json.dumps(result))
"""


# ---- the lists ----------------------------------------------------------------------------------

@dataclass
class GeneratedList:
    name: str
    path: Path
    lines: int
    size: int


@dataclass
class Lists:
    numbers: list[str]  # every distinct valid number, E.164, in list order
    plain: GeneratedList
    csv: GeneratedList
    duplicates: int
    garbage: int


def _us_numbers(rng: random.Random, count: int) -> list[tuple[int, int, int]]:
    seen: set[tuple[int, int, int]] = set()
    found: list[tuple[int, int, int]] = []
    while len(found) < count:
        exchange = rng.randint(200, 999)
        if exchange % 100 == 11:  # N11 codes are not exchanges
            continue
        number = (rng.choice(US_AREA_CODES), exchange, rng.randint(0, 9999))
        if number not in seen:
            seen.add(number)
            found.append(number)
    return found


def _international_numbers(rng: random.Random, count: int) -> list[tuple[str, str]]:
    """(E.164, how a person writes it) for valid numbers in other countries."""
    seen: set[str] = set()
    found: list[tuple[str, str]] = []
    while len(found) < count:
        country, start, digits = rng.choice(INTERNATIONAL)
        candidate = f"+{country}{start}{rng.randrange(10 ** digits):0{digits}d}"
        if candidate in seen:
            continue
        parsed = phonenumbers.parse(candidate)
        if not phonenumbers.is_valid_number(parsed):
            continue
        seen.add(candidate)
        written = candidate if rng.random() < 0.5 else phonenumbers.format_number(
            parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
        found.append((candidate, written))
    return found


def _person(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.1:
        return ""
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    return f"{last}, {first}" if roll < 0.15 else f"{first} {last}"


def generate_lists(folder: Path, count: int) -> Lists:
    rng = random.Random(SEED)
    formats = [template for weight, template in US_FORMATS for _ in range(weight)]
    international = int(count * INTERNATIONAL_SHARE)
    entries: list[tuple[str, str]] = []  # (E.164, as written)
    for area, exchange, line in _us_numbers(rng, count - international):
        entries.append((f"+1{area}{exchange}{line:04d}", rng.choice(formats).format(a=area, b=exchange, c=line)))
    entries.extend(_international_numbers(rng, international))
    numbers = [e164 for e164, _ in entries]
    written = [as_written for _, as_written in entries]
    duplicates = int(count * DUPLICATE_SHARE)
    garbage = int(count * GARBAGE_SHARE)
    for _ in range(duplicates):
        # The same number again, a US number often written differently; whichever comes first is kept.
        e164 = numbers[rng.randrange(count)]
        written.append(rng.choice(formats).format(a=e164[2:5], b=e164[5:8], c=int(e164[8:]))
                       if e164.startswith("+1") else e164)
    written.extend(rng.choice(GARBAGE) for _ in range(garbage))
    rng.shuffle(written)
    plain_text = "\n".join(written) + "\n"
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # \r\n line ends and quoting, as spreadsheets export
    writer.writerow(["name", "phone"])
    for as_written in written:
        writer.writerow([_person(rng), as_written])
    plain_path, csv_path = folder / "list.txt", folder / "list.csv"
    plain_path.write_text(plain_text, encoding="utf-8")
    csv_path.write_text(buffer.getvalue(), encoding="utf-8")
    return Lists(numbers=numbers, duplicates=duplicates, garbage=garbage,
                 plain=GeneratedList("plain text", plain_path, len(written), plain_path.stat().st_size),
                 csv=GeneratedList("CSV name,phone", csv_path, len(written) + 1, csv_path.stat().st_size))


# ---- (a) the parse alone ------------------------------------------------------------------------

@dataclass
class ParseResult:
    seconds: list[float]
    rss_before: int
    peak: int
    peak_children: int  # the launcher's RUSAGE_CHILDREN: the kernel's other word for the same peak
    report: dict[str, Any]


def measure_parse(generated: GeneratedList, repeat: int) -> ParseResult:
    runs: list[dict[str, Any]] = []
    for _ in range(repeat):
        finished = subprocess.run(
            [sys.executable, "-c", PARSE_LAUNCHER, PARSE_CHILD, str(generated.path), REGION, str(WARMUP_LINES)],
            capture_output=True, text=True, check=False, timeout=300)
        if finished.returncode != 0:
            raise RuntimeError(f"the parse process failed:\n{finished.stderr[-3000:]}")
        runs.append(json.loads(finished.stdout.strip().splitlines()[-1]))
    return ParseResult(seconds=[run["seconds"] for run in runs], rss_before=max(run["rss_before"] for run in runs),
                       peak=max(run["peak"] for run in runs),
                       peak_children=max(run["peak_children"] for run in runs), report=runs[0])


# ---- (b) the import through the service ---------------------------------------------------------

class PeakRss:
    """The RSS high-water mark of a process while a block runs: the kernel's VmHWM (reset at the
    start through clear_refs) and a psutil sample every 5 ms as a cross-check."""

    def __init__(self, pid: int) -> None:
        self._process = psutil.Process(pid)
        self._pid = pid
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self.before = 0
        self.sampled_peak = 0
        self.kernel_peak = 0
        self.kernel_reset = False

    def _sample(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(psutil.Error):
                self.sampled_peak = max(self.sampled_peak, self._process.memory_info().rss)
            self._stop.wait(RSS_SAMPLE_SECONDS)

    def _high_water_mark(self) -> int:
        for line in Path(f"/proc/{self._pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
        return 0

    def __enter__(self) -> PeakRss:
        self.before = self._process.memory_info().rss
        try:
            Path(f"/proc/{self._pid}/clear_refs").write_text("5")  # resets VmHWM to the current RSS
            self.kernel_reset = True
        except OSError:
            self.kernel_reset = False
        self.sampled_peak = self.before
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.kernel_peak = self._high_water_mark() if self.kernel_reset else 0

    @property
    def peak(self) -> int:
        return max(self.kernel_peak, self.sampled_peak)


def process_tree_cpu(pid: int) -> float:
    """CPU seconds of a process, its live descendants and the children it has reaped (PostgreSQL's
    backends that ended are counted in the postmaster's children times)."""
    root = psutil.Process(pid)
    times = root.cpu_times()
    total = times.user + times.system + times.children_user + times.children_system
    for child in root.children(recursive=True):
        with contextlib.suppress(psutil.Error):
            child_times = child.cpu_times()
            total += child_times.user + child_times.system
    return total


def process_cpu(pid: int) -> float:
    times = psutil.Process(pid).cpu_times()
    return times.user + times.system


def busy_cpu_seconds() -> float:
    """CPU seconds the whole machine spent in processes (user and system time), every process included;
    interrupts and time stolen by the hypervisor are not in it (see `machine_cpu_seconds`)."""
    times = psutil.cpu_times()
    return times.user + times.nice + times.system


def machine_cpu_seconds() -> dict[str, float]:
    """The machine's CPU seconds so far that no process is charged with."""
    times = psutil.cpu_times()
    return {"interrupts (loopback networking)": times.irq + times.softirq,
            "stolen by the hypervisor": getattr(times, "steal", 0.0)}


@dataclass
class ImportResult:
    variant: str
    seconds: float
    rss: PeakRss
    calls_cpu: float
    postgres_cpu: float
    machine_cpu: float
    report: calls_pb2.CallListReport
    callees: int
    campaign_id: str = ""
    customer_id: str = ""
    profile: list[tuple[str, int]] = field(default_factory=list)
    profile_samples: int = 0


@dataclass
class Stack:
    folder: Path
    postgres: EmbeddedPostgres
    wallet: ServiceProcess
    sandbox: ServiceProcess
    calls_environment: dict[str, str]
    calls_http: int
    calls_grpc: str
    calls_database_url: str
    calls_generation: int = 0
    calls: ServiceProcess | None = None
    running: list[ServiceProcess] = field(default_factory=list)

    async def restart_calls(self) -> ServiceProcess:
        if self.calls is not None:
            self.calls.stop()
        self.calls_generation += 1
        self.calls = ServiceProcess("calls", ["-m", "services.calls"], self.calls_environment,
                                    http_port=self.calls_http, ready_path="/readyz",
                                    log_path=self.folder / f"calls-{self.calls_generation}.log")
        self.running.append(self.calls)
        await self.calls.start()
        return self.calls

    def stop(self) -> None:
        # The calls service first, so nothing it does meets a stopped neighbour.
        for process in reversed(self.running):
            process.stop()


def build_stack(folder: Path, postgres: EmbeddedPostgres, *, wallet_database_url: str, calls_database_url: str,
                nats_url: str) -> Stack:
    common = {"SPEECHCUE_ENV": "development", "SPEECHCUE_NATS_URL": nats_url,
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
    }, http_port=sandbox_http, ready_path="/healthz", log_path=folder / "sandbox.log")
    calls_environment = {
        **common, "SPEECHCUE_DATABASE_URL": calls_database_url, "SPEECHCUE_GRPC_PORT": str(calls_grpc),
        "SPEECHCUE_HTTP_PORT": str(calls_http), "SPEECHCUE_ADMIN_TELEGRAM_IDS": str(ADMIN_ID),
        "RETELL_API_KEY": RETELL_KEY, "RETELL_BASE_URL": f"http://127.0.0.1:{sandbox_http}",
        "SPEECHCUE_PUBLIC_BASE_URL": f"http://127.0.0.1:{calls_http}", "WALLET_GRPC_ADDR": f"127.0.0.1:{wallet_grpc}",
    }
    return Stack(folder=folder, postgres=postgres, wallet=wallet, sandbox=sandbox,
                 calls_environment=calls_environment, calls_http=calls_http, calls_grpc=f"127.0.0.1:{calls_grpc}",
                 calls_database_url=calls_database_url, running=[wallet, sandbox])


async def seed_do_not_call(database_url: str, numbers: list[str], customers: list[str]) -> None:
    rng = random.Random(SEED + 1)
    platform_numbers = rng.sample(numbers, int(len(numbers) * PLATFORM_DNC_SHARE))
    customer_numbers = rng.sample(numbers, int(len(numbers) * CUSTOMER_DNC_SHARE))
    others = [f"+1999{index:07d}" for index in range(OTHER_PLATFORM_DNC)]  # numbers no list holds
    records = [(number, "", "bench") for number in [*platform_numbers, *others]]
    records += [(number, customer, "bench") for customer in customers for number in customer_numbers]
    connection = await asyncpg.connect(database_url)
    try:
        await connection.copy_records_to_table("do_not_call", records=records, columns=["number", "scope", "reason"])
        await connection.execute("ANALYZE do_not_call")
    finally:
        await connection.close()


async def import_list(stack: Stack, stub: calls_pb2_grpc.CallsServiceStub, customer_id: str, flow_id: str,
                      generated: GeneratedList, *, profile: bool) -> ImportResult:
    data = generated.path.read_bytes()
    warm_up = b"\n".join(data.splitlines()[:WARMUP_LINES + 1])
    await stub.CreateCampaign(calls_pb2.CreateCampaignRequest(
        idempotency_key=f"warm-up-{customer_id}", customer_id=customer_id, name="Warm-up", flow_id=flow_id,
        list=warm_up, default_region=REGION), timeout=30)
    assert stack.calls is not None and stack.postgres.process is not None
    calls_pid, postgres_pid = stack.calls.pid, stack.postgres.process.pid
    request = calls_pb2.CreateCampaignRequest(
        idempotency_key=f"import-{customer_id}", customer_id=customer_id, name="Spring reminders", flow_id=flow_id,
        list=data, default_region=REGION, max_minutes_per_call=2)
    calls_cpu, postgres_cpu, machine_cpu = process_cpu(calls_pid), process_tree_cpu(postgres_pid), busy_cpu_seconds()
    profiler = Profiler(calls_pid, stack.folder / f"profile-{customer_id}.txt") if profile else None
    with profiler if profiler is not None else contextlib.nullcontext(), PeakRss(calls_pid) as rss:
        started = time.perf_counter()
        campaign = await stub.CreateCampaign(request, timeout=IMPORT_TIMEOUT_SECONDS)
        seconds = time.perf_counter() - started
    calls_cpu = process_cpu(calls_pid) - calls_cpu
    postgres_cpu = process_tree_cpu(postgres_pid) - postgres_cpu
    machine_cpu = busy_cpu_seconds() - machine_cpu
    result = ImportResult(variant=generated.name, seconds=seconds, rss=rss, calls_cpu=calls_cpu,
                          postgres_cpu=postgres_cpu, machine_cpu=machine_cpu, report=campaign.import_report,
                          callees=campaign.totals.callees, campaign_id=campaign.id, customer_id=customer_id)
    if profiler is not None:
        result.profile, result.profile_samples = profiler.summary(IMPORT_PROFILE_CATEGORIES)
    return result


# ---- (c) what a campaign this size costs later --------------------------------------------------

@dataclass(frozen=True)
class Later:
    name: str
    query: str
    arguments: tuple[str, ...] = ("campaign",)  # for $1, $2…: "campaign", "number" (a callee's), "customer"
    # Run first with the campaign as $1, in the same transaction (rolled back at the end).
    setup: str = ""


# The statements as the service sends them (services/calls/campaign_progress.py, dispatcher.py and
# limits.py as of commit eee3fcc), with the campaign's own values.
LATER_STATEMENTS = (
    Later("settlement: the callee of a settled call, by campaign and number (per call)",
          "SELECT cc.*, c.max_attempts, c.retry_spacing_minutes FROM campaign_callees cc JOIN campaigns c "
          "ON c.id = cc.campaign_id WHERE cc.campaign_id = $1 AND cc.number = $2 FOR UPDATE OF cc",
          arguments=("campaign", "number")),
    Later("campaign totals (per settled call, per GetCampaign)",
          "SELECT count(*), count(*) FILTER (WHERE status = 'pending'), count(*) FILTER (WHERE status = 'dialing'), "
          "count(*) FILTER (WHERE status = 'answered'), count(*) FILTER (WHERE status IN ('failed', 'skipped')), "
          "coalesce(sum(attempts), 0), coalesce(sum(cost_cents), 0) FROM campaign_callees WHERE campaign_id = $1"),
    Later("dispatcher: claimed tries without a call row, every campaign ever (per pass)",
          "SELECT count(*) FROM campaign_callees cc WHERE cc.status = 'dialing' AND cc.call_id IS NULL AND NOT EXISTS "
          "(SELECT 1 FROM calls c WHERE c.campaign_id = cc.campaign_id AND c.to_number = cc.number "
          "AND c.status IN ('queued', 'ringing', 'ongoing'))", arguments=()),
    Later("dispatcher: tries to resume, per running campaign (per pass)",
          "UPDATE campaign_callees SET next_attempt_at = now() + interval '60 seconds' WHERE campaign_id = $1 "
          "AND status = 'dialing' AND call_id IS NULL AND next_attempt_at <= now() RETURNING *"),
    Later("dispatcher: the next callees to claim, none dialled yet (per pass)",
          "SELECT * FROM campaign_callees WHERE campaign_id = $1 AND status = 'pending' AND "
          "(next_attempt_at IS NULL OR next_attempt_at <= now()) ORDER BY position LIMIT 192 FOR UPDATE SKIP LOCKED"),
    Later("dispatcher: the next callees to claim, 90 % of the list done (per pass)",
          "SELECT * FROM campaign_callees WHERE campaign_id = $1 AND status = 'pending' AND "
          "(next_attempt_at IS NULL OR next_attempt_at <= now()) ORDER BY position LIMIT 192 FOR UPDATE SKIP LOCKED",
          setup="UPDATE campaign_callees SET status = 'answered' WHERE campaign_id = $1 "
                "AND position < (SELECT 0.9 * count(*) FROM campaign_callees WHERE campaign_id = $1)"),
    Later("caps: the customer's calls of the last day, every callee dialled today (per pass, per call admitted)",
          "SELECT count(*) FILTER (WHERE status IN ('queued', 'ringing', 'ongoing')), "
          "count(*) FILTER (WHERE created_at > now() - interval '1 hour' AND status <> 'failed'), "
          "count(*) FILTER (WHERE created_at > now() - interval '1 day' AND status <> 'failed') "
          "FROM calls WHERE customer_id = $1 AND created_at > now() - interval '1 day'", arguments=("customer",),
          setup="INSERT INTO calls (id, customer_id, flow_id, campaign_id, to_number, caller_id, status, request_hash, "
                "usage_kind, max_minutes, settlement, created_at) SELECT gen_random_uuid()::text, c.customer_id, "
                "c.flow_id, c.id, cc.number, '+14155550100', 'ended', '\\x00', 'bulk', 2, 'settled', "
                "now() - random() * interval '20 hours' FROM campaign_callees cc "
                "JOIN campaigns c ON c.id = cc.campaign_id WHERE cc.campaign_id = $1"),
)


async def explain_later(database_url: str, campaign_id: str) -> list[tuple[str, float, str]]:
    """(statement, median execution ms of 5, the plan's scans) on the imported campaign."""
    connection = await asyncpg.connect(database_url)
    results: list[tuple[str, float, str]] = []
    try:
        number, customer_id = await connection.fetchrow(
            "SELECT cc.number, c.customer_id FROM campaign_callees cc JOIN campaigns c ON c.id = cc.campaign_id "
            "WHERE cc.campaign_id = $1 ORDER BY cc.position DESC LIMIT 1", campaign_id)
        values = {"campaign": campaign_id, "number": number, "customer": customer_id}
        transaction = connection.transaction()
        await transaction.start()
        try:
            for later in LATER_STATEMENTS:
                if later.setup:
                    await connection.execute(later.setup, campaign_id)
                    await connection.execute("ANALYZE campaign_callees, calls")
                timings: list[float] = []
                scans = ""
                for _ in range(5):
                    plan = json.loads(await connection.fetchval(f"EXPLAIN (ANALYZE, FORMAT JSON) {later.query}",
                                                                *[values[name] for name in later.arguments]))[0]
                    timings.append(plan["Execution Time"])
                    scans = _plan_summary(plan["Plan"])
                results.append((later.name, statistics.median(timings), scans))
        finally:
            await transaction.rollback()
    finally:
        await connection.close()
    return results


def _plan_summary(plan: dict[str, Any]) -> str:
    """The scans in a plan, e.g. 'Seq Scan on campaign_callees (198,795 rows read)'."""
    scans: list[str] = []

    def walk(node: dict[str, Any]) -> None:
        if "Relation Name" in node:
            per_loop = (node.get("Actual Rows", 0) + node.get("Rows Removed by Filter", 0)
                        + node.get("Rows Removed by Index Recheck", 0))
            index = node.get("Index Name") or next(
                (child["Index Name"] for child in node.get("Plans", []) if "Index Name" in child), "")
            scans.append(f"{node['Node Type']} on {node['Relation Name']}{' using ' + index if index else ''} "
                         f"({round(per_loop * node.get('Actual Loops', 1)):,} rows read)")
        for child in node.get("Plans", []):
            walk(child)

    walk(plan)
    return "; ".join(scans)


# ---- profiling (opt-in) -------------------------------------------------------------------------

class Profiler:
    """py-spy sampling one process (its busy threads, 100 Hz) while a block runs. Opt-in: py-spy takes
    CPU of its own, on the same cores."""

    def __init__(self, pid: int, path: Path, *, rate: int = 100) -> None:
        self._command = [str(Path(sys.executable).parent / "py-spy"), "record", "--pid", str(pid), "--rate",
                         str(rate), "--format", "raw", "--output", str(path), "--nonblocking", "--duration", "600"]
        self._path = path
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Profiler:
        self._process = subprocess.Popen(self._command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                         start_new_session=True)
        time.sleep(0.5)  # attached by then
        if self._process.poll() is not None:
            error = self._process.stderr.read().decode(errors="replace") if self._process.stderr else ""
            raise RuntimeError(f"py-spy could not attach: {error[-500:]}")
        return self

    def __exit__(self, *exc: object) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        process.send_signal(signal.SIGINT)  # py-spy writes its output and exits
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def summary(self, categories: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[list[tuple[str, int]], int]:
        """Samples per category (the first whose substring is in the stack), and the total."""
        counts = dict.fromkeys([label for label, _ in categories], 0)
        other = "everything else (event loop, sockets, logging)"
        counts[other] = 0
        total = 0
        with contextlib.suppress(OSError):
            for line in self._path.read_text(errors="replace").splitlines():
                stack, _, count = line.rpartition(" ")
                if not count.isdigit():
                    continue
                total += int(count)
                label = next((label for label, needles in categories if any(n in stack for n in needles)), other)
                counts[label] += int(count)
        return sorted(counts.items(), key=lambda item: -item[1]), total


IMPORT_PROFILE_CATEGORIES = (
    ("parsing: phonenumbers (parse, is_valid_number, format)", ("phonenumbers/",)),
    ("parsing: the rest of read_call_list (decode, csv, regex, dedupe)", ("call_lists.py:",)),
    ("do-not-call screening (SELECT … IN 5,000 numbers, per chunk)", ("screen_list (",)),
    ("inserting the callees (SQLAlchemy executemany, asyncpg)", ("create_campaign (",)),
    ("the answer: totals, idempotency record", ("campaign_message", "run_idempotent")),
    # SQLAlchemy's async layer runs each statement in a greenlet, whose stack does not show its caller.
    ("SQLAlchemy and asyncpg executing statements (in greenlets: caller not visible)", ("sqlalchemy/", "asyncpg/")),
    ("gRPC and protobuf outside the handler", ("grpc/", "google/protobuf/")),
)


# ---- the run ------------------------------------------------------------------------------------

@dataclass
class Results:
    count: int
    lists: Lists
    parses: dict[str, ParseResult]
    imports: list[ImportResult]
    later: list[tuple[str, float, str]]
    get_campaign_ms: float


async def run_imports(stack: Stack, lists: Lists, *,
                      profile: bool) -> tuple[list[ImportResult], list[tuple[str, float, str]], float]:
    await stack.wallet.start()
    await stack.sandbox.start()
    customers = ["bench-import-plain", "bench-import-csv"]
    await seed_do_not_call(stack.calls_database_url, lists.numbers, customers)
    results: list[ImportResult] = []
    for customer_id, generated in zip(customers, (lists.plain, lists.csv), strict=True):
        await stack.restart_calls()
        async with internal_channel(stack.calls_grpc, INTERNAL_TOKEN) as channel:
            stub = calls_pb2_grpc.CallsServiceStub(channel)
            await stub.SyncCallerIds(calls_pb2.SyncCallerIdsRequest(idempotency_key=f"sync-{customer_id}",
                                                                    admin_telegram_id=ADMIN_ID))
            flow = await stub.CreateFlow(calls_pb2.CreateFlowRequest(
                idempotency_key=f"flow-{customer_id}", customer_id=customer_id, spec=reminder_flow()))
            if flow.status != calls_pb2.FLOW_STATUS_APPROVED:
                raise RuntimeError(f"the benchmark's flow was not approved: {list(flow.review_reasons)}")
            print(f"importing the {generated.name} list through CreateCampaign", flush=True)
            result = await import_list(stack, stub, customer_id, flow.id, generated, profile=profile)
            print(f"  {result.seconds:.2f} s, peak RSS {mb(result.rss.peak):.0f} MB, {result.callees:,} callees",
                  flush=True)
            results.append(result)
    last = results[-1]
    async with internal_channel(stack.calls_grpc, INTERNAL_TOKEN) as channel:
        stub = calls_pb2_grpc.CallsServiceStub(channel)
        timings = []
        for _ in range(5):
            started = time.perf_counter()
            await stub.GetCampaign(calls_pb2.GetCampaignRequest(customer_id=last.customer_id,
                                                                campaign_id=last.campaign_id))
            timings.append(time.perf_counter() - started)
    print("EXPLAIN ANALYZE of later per-call statements on the imported campaign", flush=True)
    later = await explain_later(stack.calls_database_url, last.campaign_id)
    return results, later, statistics.median(timings) * 1000


def mb(size: int) -> float:
    return size / (1024 * 1024)


def verdict(passed: bool) -> str:
    return "met" if passed else "NOT met"


def print_report(results: Results) -> None:
    lists = results.lists
    print()
    print(f"{os.cpu_count()} CPUs ({cpu_model()}), Python {platform.python_version()}, "
          f"{time.strftime('%Y-%m-%d')}")
    print(f"lists: {results.count:,} distinct valid numbers ({INTERNATIONAL_SHARE:.0%} outside the US), "
          f"+{lists.duplicates:,} duplicates, +{lists.garbage:,} garbage lines; plain "
          f"{mb(lists.plain.size):.2f} MB, CSV {mb(lists.csv.size):.2f} MB")
    print()
    print("(a) read_call_list alone, fresh process (median of runs; RSS is the whole process)")
    print(f"{'list':<16} {'seconds':>8} {'RSS before':>11} {'peak RSS':>9} {'children':>9}  accepted/invalid/dupl")
    for name, parse in results.parses.items():
        report = parse.report
        print(f"{name:<16} {statistics.median(parse.seconds):>8.2f} {mb(parse.rss_before):>8.0f} MB "
              f"{mb(parse.peak):>6.0f} MB {mb(parse.peak_children):>6.0f} MB  "
              f"{report['accepted']:,}/{report['invalid']:,}/{report['duplicates']:,}"
              f"{'  REFUSED: ' + report['refusal'] if report['refusal'] else ''}")
    print()
    print("(b) CreateCampaign end to end on the calls service (client wall time; the calls process's RSS)")
    print(f"{'list':<16} {'seconds':>8} {'RSS before':>11} {'peak RSS':>9} {'sampled':>8} {'calls CPU':>10} "
          f"{'PG CPU':>7} {'others':>7}  accepted/dnc")
    for result in results.imports:
        others = max(0.0, result.machine_cpu - result.calls_cpu - result.postgres_cpu)
        print(f"{result.variant:<16} {result.seconds:>8.2f} {mb(result.rss.before):>8.0f} MB "
              f"{mb(result.rss.peak):>6.0f} MB {mb(result.rss.sampled_peak):>5.0f} MB {result.calls_cpu:>8.2f} s "
              f"{result.postgres_cpu:>5.2f} s {others:>5.2f} s  "
              f"{result.report.accepted:,}/{result.report.do_not_call:,}")
    if results.imports and not results.imports[0].rss.kernel_reset:
        print("(VmHWM could not be reset, so peak RSS is the 5 ms sample only)")
    for result in results.imports:
        if result.profile_samples:
            print(f"calls process during the {result.variant} import, PROFILED with py-spy "
                  f"({result.profile_samples:,} samples of busy threads at 100 Hz):")
            for label, samples in result.profile:
                print(f"  {samples / result.profile_samples:>4.0%}  {label}")
    print("(others: CPU seconds other processes used meanwhile, this script and other sessions included)")
    print()
    print(f"(c) on the imported campaign ({results.imports[-1].callees:,} callees): GetCampaign "
          f"{results.get_campaign_ms:.1f} ms (median of 5); statements, median execution of 5:")
    for name, milliseconds, plan in results.later:
        print(f"  {milliseconds:>8.2f} ms  {name}")
        print(f"{'':>14}{plan}")
    print()
    worst_parse = max(max(parse.seconds) for parse in results.parses.values())
    worst_import = max(result.seconds for result in results.imports)
    worst_rss = max(result.rss.peak for result in results.imports)
    worst_parse_rss = max(parse.peak for parse in results.parses.values())
    print(f"target: import under {TARGET_SECONDS:g} s: {verdict(worst_import < TARGET_SECONDS)} "
          f"(slowest import {worst_import:.2f} s; slowest parse {worst_parse:.2f} s)")
    print(f"target: under {TARGET_RSS_MB:g} MB: {verdict(mb(worst_rss) < TARGET_RSS_MB)} "
          f"(calls process peak {mb(worst_rss):.0f} MB; parse process peak {mb(worst_parse_rss):.0f} MB)")



def run(count: int, repeat: int, *, profile: bool) -> Results:
    with tempfile.TemporaryDirectory(prefix="speechcue-bench-") as name, contextlib.ExitStack() as cleanup:
        folder = Path(name)
        print(f"generating two lists of {count:,} numbers in {folder}", flush=True)
        lists = generate_lists(folder, count)
        parses: dict[str, ParseResult] = {}
        for generated in (lists.plain, lists.csv):
            print(f"parsing the {generated.name} list ({generated.lines:,} lines) in a fresh process, "
                  f"{repeat} times", flush=True)
            parses[generated.name] = measure_parse(generated, repeat)
        servers = start_wallet_and_calls_servers(folder, cleanup)
        stack = build_stack(folder, servers.postgres, wallet_database_url=servers.wallet_database_url,
                            calls_database_url=servers.calls_database_url, nats_url=servers.nats_url)
        cleanup.callback(stack.stop)
        imports, later, get_campaign_ms = asyncio.run(run_imports(stack, lists, profile=profile))
        return Results(count=count, lists=lists, parses=parses, imports=imports, later=later,
                       get_campaign_ms=get_campaign_ms)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.campaign_import",
                                     description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--numbers", type=int, default=MAX_NUMBERS,
                        help=f"distinct valid numbers in each list (default, and the most the service takes: "
                             f"{MAX_NUMBERS:,})")
    parser.add_argument("--repeat", type=int, default=3, help="parse runs per list (default 3)")
    parser.add_argument("--profile", action="store_true",
                        help="sample the calls process with py-spy during each import (slows it down)")
    arguments = parser.parse_args()
    if not 1_000 <= arguments.numbers <= MAX_NUMBERS or arguments.repeat < 1:
        parser.error(f"--numbers must be 1,000 to {MAX_NUMBERS:,} and --repeat at least 1")
    signal.signal(signal.SIGTERM, exit_on_sigterm)
    try:
        results = run(arguments.numbers, arguments.repeat, profile=arguments.profile)
    except KeyboardInterrupt:
        print("\ninterrupted; the servers it started are stopped", file=sys.stderr)
        sys.exit(130)
    print_report(results)


if __name__ == "__main__":
    main()
