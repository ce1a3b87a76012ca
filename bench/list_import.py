"""/healthz of the calls service while a customer's 100,000-number list is imported, for each place the
parse can run (CALLS_LIST_PARSE_IN): on the event loop (as before issue 14), in a thread, in a worker
process.

Why: a list import must never block the service (issue 14, item 9). `read_call_list` is pure Python
(about 2.2 s of CPU for 100,000 numbers, bench/campaign_import.py); on the event loop it stops every
health probe, gRPC call and Retell webhook for that long; in a thread it still holds the GIL most of
the time. This measures which choice keeps /healthz p99 lowest on this machine.

`python -m bench.list_import [--numbers N] [--modes process,thread,event_loop]` generates the CSV list
of bench/campaign_import.py (`name,phone`, 2 % duplicates, 2 % garbage), starts PostgreSQL and NATS in
a temporary folder, the wallet, the Retell simulator and, for each mode, a fresh calls service
(`python -m services.calls`, configured by environment variables only, loopback only). For each mode:
a warm-up CreateCampaign of 100 lines; then /healthz is polled from a thread of this script over one
kept-alive HTTP connection, one request at a time every 5 ms, for 3 s with nothing else running
("before"), and then while one CreateCampaign imports the whole list ("during"). It prints p50, p99
and the worst /healthz latency before and during, the seconds spent in answers slower than 100 ms
(one request at a time, a stalled service answers few probes, so p99 alone would hide a stall), the
number of probes, and the import's duration seen by the client. It asserts nothing about time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import os
import platform
import signal
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from bench.calls_webhook import reminder_flow
from bench.campaign_import import INTERNAL_TOKEN, REGION, WARMUP_LINES, Stack, build_stack, generate_lists
from bench.servers import start_wallet_and_calls_servers
from bench.signals import exit_on_sigterm
from bench.wallet_debit import cpu_model
from services.calls.call_lists import MAX_NUMBERS
from services.runtime.grpc_client import internal_channel
from speechcue.calls.v1 import calls_pb2, calls_pb2_grpc

MODES = ("process", "thread", "event_loop")
IDLE_SECONDS = 3.0
PROBE_PAUSE_SECONDS = 0.005
STALL_SECONDS = 0.1
IMPORT_TIMEOUT_SECONDS = 300.0
# The bench's customers create several campaigns a day; the caps are not what is measured.
GENEROUS_CAPS = {f"CALLS_DAILY_{cap}_{tier}": "1000" for cap in ("FLOWS", "CAMPAIGNS", "LIST_IMPORTS")
                 for tier in ("NEW", "TRUSTED")}


class HealthProbe:
    """GET /healthz one request at a time from a thread, each request's latency recorded."""

    def __init__(self, port: int) -> None:
        self._port = port
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.latencies: list[float] = []
        self.failures = 0

    def _run(self) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self._port, timeout=30)
        while not self._stop.is_set():
            started = time.perf_counter()
            try:
                connection.request("GET", "/healthz")
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    self.failures += 1
                self.latencies.append(time.perf_counter() - started)
            except (OSError, http.client.HTTPException):
                self.failures += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", self._port, timeout=30)
            self._stop.wait(PROBE_PAUSE_SECONDS)
        connection.close()

    def __enter__(self) -> HealthProbe:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


@dataclass
class Latencies:
    p50_ms: float
    p99_ms: float
    worst_ms: float
    stalled_s: float
    probes: int
    failures: int

    @classmethod
    def of(cls, probe: HealthProbe) -> Latencies:
        values = sorted(probe.latencies) or [0.0]
        p99 = values[min(len(values) - 1, int(len(values) * 0.99))]
        # Probes go one at a time, so a stalled service answers few of them and a per-probe p99 hides
        # the stall; the seconds spent in answers slower than STALL_SECONDS show it.
        stalled = sum(value for value in values if value > STALL_SECONDS)
        return cls(statistics.median(values) * 1000, p99 * 1000, values[-1] * 1000, stalled, len(probe.latencies),
                   probe.failures)


@dataclass
class ModeResult:
    mode: str
    before: Latencies
    during: Latencies
    import_seconds: float
    callees: int


async def measure_mode(stack: Stack, mode: str, data: bytes) -> ModeResult:
    stack.calls_environment["CALLS_LIST_PARSE_IN"] = mode
    calls = await stack.restart_calls()
    customer_id = f"bench-list-import-{mode}"
    async with internal_channel(stack.calls_grpc, INTERNAL_TOKEN) as channel:
        stub = calls_pb2_grpc.CallsServiceStub(channel)
        await stub.SyncCallerIds(calls_pb2.SyncCallerIdsRequest(idempotency_key=f"sync-{mode}", admin_telegram_id=1))
        flow = await stub.CreateFlow(calls_pb2.CreateFlowRequest(
            idempotency_key=f"flow-{mode}", customer_id=customer_id, spec=reminder_flow()))
        warm_up = b"\n".join(data.splitlines()[:WARMUP_LINES + 1])
        await stub.CreateCampaign(calls_pb2.CreateCampaignRequest(
            idempotency_key=f"warm-up-{mode}", customer_id=customer_id, name="Warm-up", flow_id=flow.id,
            list=warm_up, default_region=REGION), timeout=60)
        with HealthProbe(calls.http_port) as idle:
            await asyncio.sleep(IDLE_SECONDS)
        request = calls_pb2.CreateCampaignRequest(
            idempotency_key=f"import-{mode}", customer_id=customer_id, name="Spring reminders", flow_id=flow.id,
            list=data, default_region=REGION, max_minutes_per_call=2)
        with HealthProbe(calls.http_port) as busy:
            started = time.perf_counter()
            campaign = await stub.CreateCampaign(request, timeout=IMPORT_TIMEOUT_SECONDS)
            seconds = time.perf_counter() - started
    return ModeResult(mode, Latencies.of(idle), Latencies.of(busy), seconds, campaign.totals.callees)


async def run_modes(stack: Stack, modes: list[str], data: bytes) -> list[ModeResult]:
    await stack.wallet.start()
    await stack.sandbox.start()
    results = []
    for mode in modes:
        print(f"parse in {mode}: importing the list while polling /healthz", flush=True)
        result = await measure_mode(stack, mode, data)
        print(f"  import {result.import_seconds:.2f} s; /healthz p99 {result.before.p99_ms:.1f} ms before, "
              f"{result.during.p99_ms:.1f} ms during", flush=True)
        results.append(result)
    return results


def run(count: int, modes: list[str]) -> tuple[list[ModeResult], int]:
    with tempfile.TemporaryDirectory(prefix="speechcue-bench-") as name, contextlib.ExitStack() as cleanup:
        folder = Path(name)
        print(f"generating a CSV list of {count:,} numbers", flush=True)
        lists = generate_lists(folder, count)
        data = lists.csv.path.read_bytes()
        servers = start_wallet_and_calls_servers(folder, cleanup)
        stack = build_stack(folder, servers.postgres, wallet_database_url=servers.wallet_database_url,
                            calls_database_url=servers.calls_database_url, nats_url=servers.nats_url)
        stack.calls_environment.update(GENEROUS_CAPS)
        cleanup.callback(stack.stop)
        return asyncio.run(run_modes(stack, modes, data)), len(data)


def print_report(results: list[ModeResult], count: int, size: int) -> None:
    print()
    print(f"{os.cpu_count()} CPUs ({cpu_model()}), Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}")
    print(f"list: CSV name,phone, {count:,} distinct valid numbers + 4 % duplicates and garbage, "
          f"{size / 1024 / 1024:.2f} MB")
    print(f"{'parse in':<11} {'import s':>8}  {'/healthz before: p50':>21} {'p99':>8} {'worst':>8}  "
          f"{'during: p50':>12} {'p99':>8} {'worst':>9} {'stalled':>8} {'probes':>7}")
    for result in results:
        before, during = result.before, result.during
        print(f"{result.mode:<11} {result.import_seconds:>8.2f}  {before.p50_ms:>18.1f} ms {before.p99_ms:>5.1f} ms "
              f"{before.worst_ms:>5.1f} ms  {during.p50_ms:>9.1f} ms {during.p99_ms:>5.1f} ms "
              f"{during.worst_ms:>6.0f} ms {during.stalled_s:>6.1f} s {during.probes:>7}"
              f"{f'  ({during.failures} failed)' if during.failures else ''}")
    print(f"(stalled: seconds the probe spent in /healthz answers slower than {STALL_SECONDS * 1000:.0f} ms)")
    print(f"(callees imported: {', '.join(f'{r.mode} {r.callees:,}' for r in results)})")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.list_import", description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--numbers", type=int, default=MAX_NUMBERS,
                        help=f"distinct valid numbers in the list (default {MAX_NUMBERS:,}, the service's most)")
    parser.add_argument("--modes", default=",".join(MODES), help=f"comma-separated, of {', '.join(MODES)}")
    arguments = parser.parse_args()
    modes = [mode.strip() for mode in arguments.modes.split(",") if mode.strip()]
    if not 1_000 <= arguments.numbers <= MAX_NUMBERS or not modes or set(modes) - set(MODES):
        parser.error(f"--numbers must be 1,000 to {MAX_NUMBERS:,}; --modes of {', '.join(MODES)}")
    signal.signal(signal.SIGTERM, exit_on_sigterm)
    try:
        results, size = run(arguments.numbers, modes)
    except KeyboardInterrupt:
        print("\ninterrupted; the servers it started are stopped", file=sys.stderr)
        sys.exit(130)
    print_report(results, arguments.numbers, size)


if __name__ == "__main__":
    main()
