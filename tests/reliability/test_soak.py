"""Issue 9, part 5, short version: a minute of mixed load with every service's memory sampled.
bench/soak.py is the long version (30 minutes) and prints the latency figures; this asserts only
behaviour: no operation failed, nothing was lost or doubled, and no service's memory kept growing
(a generous bound between the run's first and last part, a memory bound, not a timing one)."""

from __future__ import annotations

import asyncio
import time

from devstack.local_platform import LocalPlatform
from devstack.memory_samples import MemorySampler
from devstack.mixed_load import MixedLoad
from tests.reliability.platform_under_load import LOAD_RATES, load, platform

__all__ = ["load", "platform"]

SOAK_SECONDS = 60.0
WINDOW_SECONDS = 15.0
# A minute is short: Python's allocator and the connection pools are still filling up.
GROWTH_FRACTION = 0.5
GROWTH_SLACK_BYTES = 64 * 2**20


async def test_a_minute_of_mixed_load_keeps_memory_flat_and_loses_nothing(platform: LocalPlatform,
                                                                        load: MixedLoad) -> None:
    sampler = MemorySampler(platform, every_seconds=2.0)
    sampling = asyncio.create_task(sampler.run())
    started = time.monotonic()
    try:
        await load.run_for(SOAK_SECONDS)
    finally:
        sampling.cancel()
    print(f"\nsoak at {LOAD_RATES.describe()} for {SOAK_SECONDS:.0f} s")
    for window in range(int(SOAK_SECONDS // WINDOW_SECONDS)):
        since = started + window * WINDOW_SECONDS
        print(f"  {window * WINDOW_SECONDS:3.0f}-{(window + 1) * WINDOW_SECONDS:3.0f} s: "
              f"{load.summary(since=since, until=since + WINDOW_SECONDS)}")
    growth = sampler.growth()
    for service in growth:
        print(f"  RSS {service}")
    unfinished = await load.settle(within=120.0)
    verdict = await load.verify()
    print(f"  {verdict}")
    assert not load.errors(), [f"{o.kind}: {o.error}" for o in load.errors()[:5]]
    assert not unfinished, unfinished
    assert not verdict.problems, verdict.problems
    assert len(growth) == 5, f"memory was sampled for {[g.service for g in growth]} only"
    grown = [str(g) for g in growth
             if g.bounded and not g.within(fraction=GROWTH_FRACTION, slack_bytes=GROWTH_SLACK_BYTES)]
    assert not grown, f"memory grew beyond {GROWTH_FRACTION:.0%} + 64 MiB: {grown}"
