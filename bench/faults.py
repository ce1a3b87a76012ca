"""Issue 9, part 1, long version: every fault at the issue's length under mixed load, with the
figures the short version in tests/reliability/test_faults.py only prints; issue 17: at two replicas
of every service, as the chart deploys it.

`python -m bench.faults [--replicas 2] [--only NAME ...] [--time-scale 0.02]` starts the platform as
`./dev up --replicas N` runs it (every service N processes, embedded PostgreSQL and NATS, the
simulators; at N > 1 the webhooks through a load balancer per service, devstack/balancer.py) on
ports of its own, onboards a
dozen customers through the Telegram simulator and runs the mixed load of `devstack.mixed_load`
(2 calls/s with their webhooks, 0.5 paid top-ups/s, 2 bot updates/s). Then, in turn, each fault:
10 s of load, the fault, 10 s more, settling (the payments tick and the calls' recovery tick as an
hour later would run them) and the checks (ledger, money per customer, events
exactly once, updates answered once, no callee dialled twice):

- SIGKILL of wallet, calls, payments and bot in turn, each started again after 5 s (at N > 1, one
  replica of it: the others keep serving);
- at N > 1, `kill-replicas`: one replica of every service SIGKILLed at once, started again after 5 s;
  and `rolling-restart`: every service restarted one replica at a time (SIGTERM, the process exits,
  a new one starts and is ready, then the next), as a Deployment's rollout does;
- NATS stopped for 30 s, PostgreSQL stopped for 20 s, each restarted on its data;
- the Retell simulator answering 500s and hanging (30 s, then serving the request) in turn for 60 s;
- webhooks duplicated, reordered and an hour late (simulated time: 72 s at the default time scale).

It prints, per fault: how long it lasted, how long until every service answered ready again, how
long the platform took to finish its work, the latencies and the checks' figures, what the load's
clients met (attempts that failed and were retried with the same idempotency key, by status) and
the warnings and errors the services logged; and exits 1 if any check failed. The callees play
their calls `--time-scale` times real time (a 30 s call lasts 0.6 s).
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path

from bench.replica_faults import (
    SERVICES,
    ClientFigures,
    ServiceLogs,
    describe_logs,
    kill_replicas,
    rolling_restart,
    spread,
)
from bench.signals import exit_on_sigterm
from devstack.faults import FaultRun, Faults, Recovery, under_load
from devstack.local_platform import LocalPlatform
from devstack.mixed_load import LoadRates, MixedLoad
from devstack.platform import MAX_REPLICAS, LocalPorts

# Below the ephemeral range, apart from ./dev up's, the e2e suite's and the reliability tests'.
BENCH_PORTS = LocalPorts(postgres=24329, nats=24222, http_base=24000, grpc_base=24050)
RATES = LoadRates(calls=2.0, topups=0.5, bot_updates=2.0)
CUSTOMERS = 12


def bench_platform(folder: Path, time_scale: float, replicas: int = 1) -> LocalPlatform:
    return LocalPlatform(folder, ports=BENCH_PORTS, ticker=False, progress=lambda message: None,
                         overrides={"sandbox": {"SANDBOX_TIME_SCALE": str(time_scale),
                                                "SANDBOX_TELEGRAM_RETRY_SCALE": "1"}}, replicas=replicas)


def fault_plan(faults: Faults, replicas: int) -> list[tuple[str, Callable[[], Awaitable[Recovery]] | None]]:
    # At several replicas `kill-<service>` kills the service's first process; the front doors and the
    # clients' round-robin make it no different from the others.
    plan: list[tuple[str, Callable[[], Awaitable[Recovery]] | None]] = [
        (f"kill-{name}", partial(faults.kill_service, name, down_seconds=5.0)) for name in SERVICES]
    if replicas > 1:
        plan += [("kill-replicas", partial(kill_replicas, faults.platform, [f"{name}-2" for name in SERVICES],
                                           down_seconds=5.0)),
                 ("rolling-restart", partial(restarted, faults.platform))]
    plan += [("nats", lambda: faults.stop_nats(down_seconds=30.0)),
             ("postgres", lambda: faults.stop_postgres(down_seconds=20.0)),
             ("retell", lambda: faults.retell_outage(seconds=60.0)),
             ("webhooks", None)]
    return plan


async def restarted(platform: LocalPlatform) -> Recovery:
    recovery, _ = await rolling_restart(platform)
    return recovery


async def run(platform: LocalPlatform, only: list[str]) -> list[tuple[str, FaultRun, ClientFigures]]:
    load = MixedLoad(platform, rates=RATES, customers=CUSTOMERS)
    await load.prepare()
    faults = Faults(platform)
    logs = ServiceLogs(platform)
    results = []
    try:
        for name, inject in fault_plan(faults, max(s.replicas for s in platform.services)):
            if only and name not in only:
                continue
            print(f"== {name}", flush=True)
            load.webhook_chaos = name == "webhooks"
            began = time.monotonic()
            logs.mark()
            result = await under_load(load, inject() if inject else None, before_seconds=10.0,
                                      after_seconds=10.0, settle_within=600.0)
            load.webhook_chaos = False
            clients = ClientFigures.of(load.operations, since=began)
            print(f"   settled in {result.settle_seconds:.1f} s; {result.verdict}", flush=True)
            print(f"   {result.latencies}", flush=True)
            print(f"   {clients}", flush=True)
            print(describe_logs(logs.since_mark()), flush=True)
            print(f"   {spread(platform)}", flush=True)
            if not result.ok:
                print(f"   FAILED: unfinished {result.unfinished}, errors {result.errors[:5]}", flush=True)
            results.append((name, result, clients))
    finally:
        await load.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.faults", description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", type=int, default=2, choices=range(1, MAX_REPLICAS + 1), metavar="N",
                        help="processes of each service (default 2, as the chart deploys; 1: the issue 9 runs)")
    parser.add_argument("--only", nargs="*", default=[],
                        help="faults to run: kill-wallet kill-calls kill-payments kill-bot, at 2+ replicas "
                             "kill-replicas rolling-restart, then nats postgres retell webhooks (default: all)")
    parser.add_argument("--time-scale", type=float, default=0.02)
    options = parser.parse_args()
    signal.signal(signal.SIGTERM, exit_on_sigterm)
    print(f"mixed load: {RATES.describe()}, {CUSTOMERS} customers; callees at {options.time_scale:g}x real time; "
          f"{options.replicas} replica(s) of every service")
    with tempfile.TemporaryDirectory(prefix="speechcue-bench-faults-") as folder:
        platform = bench_platform(Path(folder), options.time_scale, options.replicas)
        try:
            platform.start()
            results = asyncio.run(run(platform, options.only))
        finally:
            platform.stop()
    print("\nfault                        down   ready after   settled   client retries  for good   checks")
    for name, result, clients in results:
        recovery = result.recovery
        down = f"{recovery.down_seconds:5.1f} s" if recovery else "    –  "
        ready = f"{recovery.ready_seconds:8.1f} s" if recovery else "       –  "
        retries = sum(clients.failed_attempts.values())
        print(f"{name:28} {down} {ready}   {result.settle_seconds:6.1f} s   {retries:14}  {len(clients.errors):8}   "
              f"{'ok' if result.ok else 'FAILED'}")
    sys.exit(0 if all(result.ok for _, result, _ in results) else 1)


if __name__ == "__main__":
    main()
