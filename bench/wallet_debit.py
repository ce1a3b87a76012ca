"""Wallet Debit throughput and p50/p99 latency over gRPC, next to the raw SQL rate of the same
transfer on the same database in the same run.

Why: every call charge goes through Debit, and the service wraps the transfer in gRPC, the
interceptor, SQLAlchemy, the idempotency store and the outbox. The target is that at 16 callers
the service keeps at least half of what PostgreSQL allows for the same transfer sent as raw SQL
with asyncpg: that ratio shows what the layers cost, and travels between machines better than rates do.

`python -m bench.wallet_debit [--seconds N] [--accounts N]` starts its own PostgreSQL (durable,
default settings) and NATS in a temporary folder, migrates, runs the wallet as a subprocess, opens
and credits the accounts, then measures:

- the raw SQL baseline (asyncpg, one connection per caller, the wallet stopped so that its outbox
  relay does not work meanwhile): per transfer BEGIN, claim the idempotency key, move the balance
  with the overdraft check, insert the transfer and both ledger entries in one statement, stage
  the outbox event, COMMIT; at 1 and 16 connections over many accounts, and 16 on one hot account;
- Debit over gRPC with the internal token, the same three ways.

Only 127.0.0.1 is used; every process started here is stopped on exit, Ctrl-C and SIGTERM included.
It is not a test: it prints figures and asserts nothing about time; it exits non-zero only when the
ledger check at the end fails.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import itertools
import os
import platform
import random
import signal
import statistics
import sys
import tempfile
import time
import urllib.request
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from bench.service_process import READY_TIMEOUT_SECONDS, ServiceProcess
from bench.signals import exit_on_sigterm
from devstack.nats import EmbeddedNats
from devstack.ports import free_port
from devstack.postgres import EmbeddedPostgres
from services.runtime.callers import HARNESS, development_token
from services.runtime.grpc_client import internal_channel
from services.runtime.migrations import upgrade_to_head
from services.runtime.outbox import build_envelope
from services.wallet.events import BALANCE_DEBITED, cause_message
from services.wallet.ledger import SystemAccount
from speechcue.common.v1 import common_pb2
from speechcue.events.v1 import wallet_events_pb2
from speechcue.wallet.v1 import wallet_pb2, wallet_pb2_grpc

CALLERS = 16
GRPC_CHANNELS = 4
WARMUP_SECONDS = 1.0
TARGET_RATIO = 0.5
DEBIT_CENTS = 7
# Far more than any run can spend, so no debit is refused and none crosses the low-balance threshold.
OPENING_CREDIT_CENTS = 100_000_000  # the most one Credit accepts
HOT_CUSTOMER = "bench-hot"
INTERNAL_TOKEN = development_token(HARNESS)  # the bench calls from outside, as the harness

Operation = Callable[[int], Awaitable[None]]

# The raw transfer: the statements the wallet's Debit sends for the transfer itself
# (services/runtime/idempotency.py, services/wallet/ledger.py, services/runtime/outbox.py). Debit also
# re-reads the account, sums the open holds and stores its answer; the baseline is the transfer alone.
CLAIM_KEY = (
    "INSERT INTO idempotency_keys (key, request_hash) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING RETURNING key"
)
MOVE_BALANCE = (
    "UPDATE accounts SET balance_cents = balance_cents + $2 "
    "WHERE customer_id = $1 AND balance_cents + $2 >= 0 RETURNING id, balance_cents"
)
POST_TRANSFER = (
    "WITH t AS (INSERT INTO transfers (idempotency_key, kind, customer_id, amount_cents, cause_type, cause_id, memo) "
    "VALUES ($1, 'charge', $2, $3, 'call', $4, '') RETURNING id, created_at), "
    "e AS (INSERT INTO ledger_entries (transfer_id, account_id, amount_cents, balance_after_cents) "
    "SELECT t.id, v.account_id, v.amount, v.after FROM t, "
    "(VALUES ($5::bigint, $6::bigint, $7::bigint), ($8::bigint, $3::bigint, NULL::bigint)) "
    "AS v(account_id, amount, after)) "
    "SELECT id, created_at FROM t"
)
STAGE_EVENT = "INSERT INTO outbox (event_id, subject, envelope) VALUES ($1, $2, $3)"


@dataclass
class Measurement:
    scenario: str
    seconds: float
    latencies: list[float]
    # Over gRPC: how many debits the wallet posted per transaction (services/wallet/debit_batches.py).
    debits_per_batch: float | None = None

    @property
    def ops_per_second(self) -> float:
        return len(self.latencies) / self.seconds

    def percentile_ms(self, percent: int) -> float:
        if len(self.latencies) < 2:
            return float("nan")
        return statistics.quantiles(self.latencies, n=100)[percent - 1] * 1000


async def measure(scenario: str, callers: int, operation: Operation, *, seconds: float) -> Measurement:
    """Runs `callers` loops of `operation` for a warm-up and then `seconds`; counts the operations
    that complete inside the measured window."""
    window_start = time.perf_counter() + WARMUP_SECONDS
    window_end = window_start + seconds
    latencies: list[float] = []

    async def call_in_loop(caller: int) -> None:
        while (began := time.perf_counter()) < window_end:
            await operation(caller)
            ended = time.perf_counter()
            if window_start <= ended <= window_end:
                latencies.append(ended - began)

    async with asyncio.TaskGroup() as callers_group:
        for caller in range(callers):
            callers_group.create_task(call_in_loop(caller))
    print(f"  {scenario}: {len(latencies) / seconds:,.0f} ops/s", flush=True)
    return Measurement(scenario, seconds, latencies)


class WalletProcess(ServiceProcess):
    """`python -m services.wallet` on fresh loopback ports, configured by environment variables only."""

    def __init__(self, database_url: str, nats_url: str, log_path: Path) -> None:
        grpc_port, http_port = free_port(), free_port()
        super().__init__("the wallet", ["-m", "services.wallet"], {
            "SPEECHCUE_ENV": "development", "SPEECHCUE_DATABASE_URL": database_url, "SPEECHCUE_NATS_URL": nats_url,
            "SPEECHCUE_GRPC_PORT": str(grpc_port),
            "SPEECHCUE_HTTP_PORT": str(http_port), "SPEECHCUE_HTTP_HOST": "127.0.0.1",
        }, http_port=http_port, ready_path="/readyz", log_path=log_path)
        self.grpc_address = f"127.0.0.1:{grpc_port}"

    async def debit_batches_so_far(self) -> tuple[float, float]:
        """(debits, batches) posted so far, from the wallet's own batch-size histogram."""
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        url = f"http://127.0.0.1:{self.http_port}/metrics"
        with await asyncio.to_thread(opener.open, url, timeout=5.0) as response:
            lines = response.read().decode().splitlines()
        totals = {name: 0.0 for name in ("speechcue_wallet_debit_batch_size_sum",
                                         "speechcue_wallet_debit_batch_size_count")}
        for line in lines:
            name, _, value = line.partition(" ")
            if name in totals:
                totals[name] = float(value)
        return totals["speechcue_wallet_debit_batch_size_sum"], totals["speechcue_wallet_debit_batch_size_count"]


class GrpcDebits:
    """Debit calls spread over a few channels, each with a fresh idempotency key."""

    def __init__(self, address: str) -> None:
        self._channels = [internal_channel(address, INTERNAL_TOKEN) for _ in range(GRPC_CHANNELS)]
        self._stubs = [wallet_pb2_grpc.WalletServiceStub(channel) for channel in self._channels]
        self._keys = itertools.count()

    @property
    def stub(self) -> wallet_pb2_grpc.WalletServiceStub:
        return self._stubs[0]

    async def close(self) -> None:
        for channel in self._channels:
            await channel.close()

    def debit_one_of(self, customers: list[str]) -> Operation:
        async def debit(caller: int) -> None:
            key = f"grpc-debit-{next(self._keys)}"
            await self._stubs[caller % GRPC_CHANNELS].Debit(wallet_pb2.DebitRequest(
                idempotency_key=key, customer_id=random.choice(customers), amount_cents=DEBIT_CENTS,
                cause=common_pb2.Cause(type=common_pb2.CAUSE_TYPE_CALL, id=key)))

        return debit


class RawDebits:
    """The same transfer with asyncpg directly, one connection per caller."""

    def __init__(self, connections: list[asyncpg.Connection]) -> None:
        self._connections = connections
        self._keys = itertools.count()

    def debit_one_of(self, customers: list[str]) -> Operation:
        async def debit(caller: int) -> None:
            await self._debit(self._connections[caller], random.choice(customers))

        return debit

    async def _debit(self, connection: asyncpg.Connection, customer_id: str) -> None:
        key = f"raw-debit-{next(self._keys)}"
        async with connection.transaction():
            if await connection.fetchval(CLAIM_KEY, key, hashlib.sha256(key.encode()).digest()) is None:
                raise RuntimeError(f"idempotency key {key} was already claimed")
            moved = await connection.fetchrow(MOVE_BALANCE, customer_id, -DEBIT_CENTS)
            if moved is None:
                raise RuntimeError(f"{customer_id} ran out of money; raise OPENING_CREDIT_CENTS")
            transfer = await connection.fetchrow(
                POST_TRANSFER, f"rpc:{key}", customer_id, DEBIT_CENTS, key,
                moved["id"], -DEBIT_CENTS, moved["balance_cents"], int(SystemAccount.REVENUE),
            )
            envelope = build_envelope(BALANCE_DEBITED, customer_id, wallet_events_pb2.BalanceDebited(
                transfer_id=transfer["id"], amount_cents=DEBIT_CENTS, balance_cents=moved["balance_cents"],
                cause=cause_message("call", key)))
            await connection.execute(STAGE_EVENT, envelope.event_id, BALANCE_DEBITED, envelope.SerializeToString())


async def open_accounts(stub: wallet_pb2_grpc.WalletServiceStub, customers: list[str]) -> None:
    """Opens and credits every account through the wallet itself, `CALLERS` at a time."""

    async def open_and_credit(share: list[str]) -> None:
        for customer_id in share:
            await stub.OpenAccount(wallet_pb2.OpenAccountRequest(idempotency_key=f"open-{customer_id}",
                                                                 customer_id=customer_id))
            await stub.Credit(wallet_pb2.CreditRequest(
                idempotency_key=f"credit-{customer_id}", customer_id=customer_id,
                amount_cents=OPENING_CREDIT_CENTS,
                cause=common_pb2.Cause(type=common_pb2.CAUSE_TYPE_PAYMENT, id=f"pay-{customer_id}")))

    async with asyncio.TaskGroup() as openers:
        for caller in range(CALLERS):
            openers.create_task(open_and_credit(customers[caller::CALLERS]))


async def wait_for_empty_outbox(connection: asyncpg.Connection) -> None:
    """Waits until the wallet has published every staged event, so its relay is idle when we measure."""
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while await connection.fetchval("SELECT count(*) FROM outbox"):
        if time.monotonic() > deadline:
            raise RuntimeError(f"the wallet did not empty its outbox within {READY_TIMEOUT_SECONDS:.0f} s")
        await asyncio.sleep(0.2)


@dataclass(frozen=True)
class Results:
    grpc: list[Measurement]
    raw: list[Measurement]
    ledger: wallet_pb2.LedgerReport


async def run_benchmark(wallet: WalletProcess, database_url: str, *, seconds: float, accounts: int) -> Results:
    customers = [f"bench-{number:05d}" for number in range(accounts)]
    hot = [HOT_CUSTOMER]

    print(f"opening and crediting {accounts + 1} accounts through the wallet", flush=True)
    await wallet.start()
    debits = GrpcDebits(wallet.grpc_address)
    try:
        await open_accounts(debits.stub, [*customers, HOT_CUSTOMER])
    finally:
        await debits.close()
    wallet.stop()

    connections = [await asyncpg.connect(database_url) for _ in range(CALLERS)]
    try:
        print("raw SQL with asyncpg (wallet stopped)", flush=True)
        raw = RawDebits(connections)
        raw_results = [
            await measure("raw SQL, 1 connection", 1, raw.debit_one_of(customers), seconds=seconds),
            await measure(f"raw SQL, {CALLERS} connections", CALLERS, raw.debit_one_of(customers), seconds=seconds),
            await measure(f"raw SQL, {CALLERS} connections, one account", CALLERS, raw.debit_one_of(hot),
                          seconds=seconds),
        ]

        print("Debit over gRPC", flush=True)
        await wallet.start()
        await wait_for_empty_outbox(connections[0])
        debits = GrpcDebits(wallet.grpc_address)
        try:
            grpc_results = []
            for scenario, callers, accounts_used in (("Debit via gRPC, 1 caller", 1, customers),
                                                      (f"Debit via gRPC, {CALLERS} callers", CALLERS, customers),
                                                      (f"Debit via gRPC, {CALLERS} callers, one account", CALLERS,
                                                       hot)):
                debits_before, batches_before = await wallet.debit_batches_so_far()
                measurement = await measure(scenario, callers, debits.debit_one_of(accounts_used), seconds=seconds)
                debits_after, batches_after = await wallet.debit_batches_so_far()
                measurement.debits_per_batch = (debits_after - debits_before) / max(batches_after - batches_before, 1)
                grpc_results.append(measurement)
            ledger = await debits.stub.CheckLedger(wallet_pb2.CheckLedgerRequest())
        finally:
            await debits.close()
    finally:
        for connection in connections:
            await connection.close()
    return Results(grpc=grpc_results, raw=raw_results, ledger=ledger)


def cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def table_row(measurement: Measurement, ratio_to_raw: str = "") -> str:
    batch = f"{measurement.debits_per_batch:>9.1f}" if measurement.debits_per_batch is not None else ""
    return (f"{measurement.scenario:<46} {measurement.ops_per_second:>8,.0f} {measurement.percentile_ms(50):>8.2f} "
            f"{measurement.percentile_ms(99):>8.2f} {ratio_to_raw:>7} {batch}").rstrip()


def print_report(results: Results, *, seconds: float, accounts: int) -> None:
    print()
    print(f"{os.cpu_count()} CPUs ({cpu_model()}), Python {platform.python_version()}, "
          f"{seconds:g} s per scenario after {WARMUP_SECONDS:g} s warm-up, {accounts} accounts + 1 hot")
    print(f"{'scenario':<46} {'ops/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'vs raw':>7} {'per batch':>9}")
    for over_grpc, raw in zip(results.grpc, results.raw, strict=True):
        print(table_row(over_grpc, f"{over_grpc.ops_per_second / raw.ops_per_second:.2f}"))
        print(table_row(raw))
    ratio = results.grpc[1].ops_per_second / results.raw[1].ops_per_second
    verdict = "PASS" if ratio >= TARGET_RATIO else "FAIL"
    print(f"\ngRPC-{CALLERS} / raw-{CALLERS} = {ratio:.2f} (target >= {TARGET_RATIO:.2f}): {verdict}")
    ledger = results.ledger
    print(f"ledger check: {'ok' if ledger.ok else 'BROKEN'} ({ledger.transfers:,} transfers, "
          f"sum {ledger.total_cents} cents, {ledger.unbalanced_transfers} unbalanced, "
          f"{ledger.accounts_with_stale_balance} stale balances, {ledger.negative_customer_accounts} negative)")



def run_in_temporary_folder(*, seconds: float, accounts: int) -> Results:
    """Starts the servers, runs the benchmark and stops them again, whatever happens."""
    with tempfile.TemporaryDirectory(prefix="speechcue-bench-") as folder, contextlib.ExitStack() as cleanup:
        print(f"starting PostgreSQL and NATS in {folder}", flush=True)
        postgres = EmbeddedPostgres(Path(folder) / "postgres", durable=True)
        cleanup.callback(postgres.stop)
        postgres.start()
        database_url = postgres.create_database("wallet")
        nats = EmbeddedNats(Path(folder) / "nats")
        cleanup.callback(nats.stop)
        nats_url = nats.start()
        upgrade_to_head("wallet", database_url)
        wallet = WalletProcess(database_url, nats_url, Path(folder) / "wallet.log")
        cleanup.callback(wallet.stop)
        return asyncio.run(run_benchmark(wallet, database_url, seconds=seconds, accounts=accounts))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.wallet_debit", description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per scenario (default 10)")
    parser.add_argument("--accounts", type=int, default=1000, help="accounts the debits spread over (default 1000)")
    arguments = parser.parse_args()
    if arguments.seconds <= 0 or arguments.accounts < 1:
        parser.error("--seconds must be positive and --accounts at least 1")
    signal.signal(signal.SIGTERM, exit_on_sigterm)
    try:
        results = run_in_temporary_folder(seconds=arguments.seconds, accounts=arguments.accounts)
    except KeyboardInterrupt:
        print("\ninterrupted; the servers it started are stopped", file=sys.stderr)
        sys.exit(130)
    print_report(results, seconds=arguments.seconds, accounts=arguments.accounts)
    if not results.ledger.ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
