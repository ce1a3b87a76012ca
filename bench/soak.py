"""Issue 9, part 5: a long soak under mixed load, with every service's memory sampled and the p99
latency of each operation per time window.

`python -m bench.soak [--replicas 2] [--minutes 30] [--window 60] [--time-scale 0.02]` starts the
platform as `./dev up --replicas N` runs it on the bench's own ports (bench/faults.py's), onboards a
dozen customers and runs the mixed load of `devstack.mixed_load` at 2 calls/s (each with its
webhooks and settlement), 0.5 paid top-ups/s and 2 bot updates/s for `--minutes`, sampling the RSS
of every process of wallet, calls, payments and bot, and of the sandbox, every 5 s. Every `--window`
seconds it prints each operation's count, p50 and p99 and every process's RSS. At the end it
settles, runs the checks of bench/faults.py (nothing lost or doubled), prints what the load's
clients met (bench/replica_faults.py's figures), and:

- memory: per service, the largest RSS in the first 30 % of the run after a 10 % warm-up against the
  largest in the last 30 %; the bound is growth of at most 10 % + 16 MiB;
- latency: per operation, the p99 of each window (consecutive windows merged until they hold 100
  requests) against the median of those p99s; stable means none above 3 times that median
  (fault-free, so any such window is a stall).

It exits 1 if a check, the memory bound or the stability bound fails.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.faults import CUSTOMERS, RATES, bench_platform
from bench.replica_faults import ClientFigures, ServiceLogs, describe_logs, spread
from bench.signals import exit_on_sigterm
from devstack.local_platform import LocalPlatform
from devstack.memory_samples import MemorySampler
from devstack.mixed_load import MixedLoad, percentile
from devstack.platform import MAX_REPLICAS

GROWTH_FRACTION = 0.10
GROWTH_SLACK_BYTES = 16 * 2**20
P99_STABLE_FACTOR = 3.0
# A p99 means something from about a hundred samples on.
P99_MIN_SAMPLES = 100
KINDS = ("call", "topup", "bot_update")


async def soak(platform: LocalPlatform, minutes: float, window: float) -> bool:
    load = MixedLoad(platform, rates=RATES, customers=CUSTOMERS)
    await load.prepare()
    sampler = MemorySampler(platform, every_seconds=5.0, services=tuple(platform.instances))
    sampling = asyncio.create_task(sampler.run())
    logs = ServiceLogs(platform)
    logs.mark()
    started = time.monotonic()
    windows: dict[str, list[list[float]]] = {kind: [] for kind in KINDS}
    load.start()
    try:
        while time.monotonic() - started < minutes * 60:
            since = time.monotonic()
            await asyncio.sleep(window)
            summary = load.summary(since=since, until=since + window)
            memory = " ".join(f"{s} {sampler.latest(s) / 2**20:.0f}" for s in sampler.services)
            print(f"{(since - started) / 60:5.1f} min  {summary}  | RSS MiB {memory}", flush=True)
            for kind in KINDS:
                windows[kind].append(load.latencies(kind, since=since, until=since + window))
    finally:
        await load.stop()
        sampling.cancel()
    unfinished = await load.settle(within=600.0)
    verdict = await load.verify()
    await load.close()
    print(f"\nchecks: {verdict}; unfinished: {unfinished or 'nothing'}; errors: {len(load.errors())}")
    print(ClientFigures.of(load.operations, since=started))
    print(describe_logs(logs.since_mark()))
    print(spread(platform))
    ok = not unfinished and not verdict.problems and not load.errors()
    print(f"memory (bound: +{GROWTH_FRACTION:.0%} + {GROWTH_SLACK_BYTES // 2**20} MiB):")
    for growth in sampler.growth():
        if not growth.bounded:
            print(f"  {growth}  (a simulator: it keeps all it saw, so it is not bounded)")
            continue
        within = growth.within(fraction=GROWTH_FRACTION, slack_bytes=GROWTH_SLACK_BYTES)
        ok = ok and within
        print(f"  {growth}  {'within' if within else 'BEYOND'}")
    print(f"p99 per window (stable: none above {P99_STABLE_FACTOR:g}x the median window):")
    for kind, per_window in windows.items():
        p99s = [percentile(values, 0.99) for values in judged_windows(per_window)]
        if not p99s:
            continue
        median = statistics.median(p99s)
        stable = max(p99s) <= P99_STABLE_FACTOR * median
        ok = ok and stable
        print(f"  {kind}: median {median * 1000:.0f} ms, lowest {min(p99s) * 1000:.0f} ms, highest "
              f"{max(p99s) * 1000:.0f} ms  {'stable' if stable else 'UNSTABLE'}")
    return ok


def judged_windows(per_window: list[list[float]]) -> list[list[float]]:
    """Consecutive windows merged until each holds at least P99_MIN_SAMPLES latencies: the p99 of 30
    requests is just the slowest of them, and one slow request is not a stall (the 30-minute soak's
    top-ups, 30 a minute, had one window at 3.4x the median that way)."""
    judged: list[list[float]] = []
    gathering: list[float] = []
    for values in per_window:
        gathering.extend(values)
        if len(gathering) >= P99_MIN_SAMPLES:
            judged.append(gathering)
            gathering = []
    return judged


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", type=int, default=2, choices=range(1, MAX_REPLICAS + 1), metavar="N",
                        help="processes of each service (default 2, as the chart deploys; 1: the issue 9 runs)")
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--window", type=float, default=60.0, help="seconds per latency window")
    parser.add_argument("--time-scale", type=float, default=0.02)
    options = parser.parse_args()
    signal.signal(signal.SIGTERM, exit_on_sigterm)
    print(f"soak: {RATES.describe()}, {CUSTOMERS} customers, {options.minutes:g} min, "
          f"{options.replicas} replica(s) of every service")
    with tempfile.TemporaryDirectory(prefix="speechcue-bench-soak-") as folder:
        platform = bench_platform(Path(folder), options.time_scale, options.replicas)
        try:
            platform.start()
            ok = asyncio.run(soak(platform, options.minutes, options.window))
        finally:
            platform.stop()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
