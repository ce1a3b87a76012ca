"""Faults injected into a running `LocalPlatform`, each timed to recovery: a service SIGKILLed and
started again (as Kubernetes restarts a crashed pod), NATS or PostgreSQL stopped for a while and
started again on their data, and the Retell simulator answering 500s and timing out for a while.

Each injector blocks the calling coroutine for the fault's length only (the platform's processes
are stopped and started in a worker thread, so load driven from the same event loop keeps running)
and returns a `Recovery`: how long the fault lasted and how long after it every service answered
ready again. Webhook faults (duplicated, reordered, an hour late) are the callees' scripts in
`devstack.mixed_load`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx

from devstack.local_platform import LocalPlatform
from devstack.mixed_load import MixedLoad, Verdict
from devstack.platform import sandbox_url

READY_TIMEOUT_SECONDS = 120.0


@dataclass(frozen=True)
class Recovery:
    fault: str
    down_seconds: float
    # From the end of the fault (the process or server started again) until every service was ready.
    ready_seconds: float

    def __str__(self) -> str:
        return f"{self.fault}: down {self.down_seconds:.1f} s, every service ready {self.ready_seconds:.1f} s later"


class Faults:
    def __init__(self, platform: LocalPlatform) -> None:
        self.platform = platform
        self.recoveries: list[Recovery] = []

    async def kill_service(self, name: str, *, down_seconds: float = 1.0) -> Recovery:
        """SIGKILL, a while without the service, then a fresh process as a Deployment would start."""
        return await self._outage(f"SIGKILL {name}", down_seconds, lambda: self.platform.kill(name),
                                  lambda: self.platform.start_service(name))

    async def stop_nats(self, *, down_seconds: float) -> Recovery:
        return await self._outage("NATS stopped", down_seconds, self.platform.stop_nats, self.platform.start_nats)

    async def stop_postgres(self, *, down_seconds: float) -> Recovery:
        return await self._outage("PostgreSQL stopped", down_seconds, self.platform.stop_postgres,
                                  self.platform.start_postgres)

    async def retell_outage(self, *, seconds: float) -> Recovery:
        """Retell answers 500 and hangs (30 s, then serves the request) in turn, healing by itself."""
        async with httpx.AsyncClient(base_url=sandbox_url(self.platform.ports), timeout=10.0) as sandbox:
            (await sandbox.put("/sandbox/retell/failing", params={"mode": "flaky", "seconds": seconds})
             ).raise_for_status()
            started = time.monotonic()
            await asyncio.sleep(seconds)
            # The sandbox heals by itself; saying so again makes the end of the fault exact.
            (await sandbox.put("/sandbox/retell/failing", params={"mode": ""})).raise_for_status()
        down = time.monotonic() - started
        ready = await asyncio.to_thread(self.platform.wait_all_ready, READY_TIMEOUT_SECONDS)
        return self._record(Recovery("Retell 500s and timeouts", down, ready))

    async def _outage(self, fault: str, down_seconds: float, stop: Callable[[], None],
                      start: Callable[[], None]) -> Recovery:
        started = time.monotonic()
        await asyncio.to_thread(stop)
        await asyncio.sleep(max(0.0, down_seconds - (time.monotonic() - started)))
        await asyncio.to_thread(start)
        restarted = time.monotonic()
        await asyncio.to_thread(self.platform.wait_all_ready, READY_TIMEOUT_SECONDS)
        return self._record(Recovery(fault, restarted - started, time.monotonic() - restarted))

    def _record(self, recovery: Recovery) -> Recovery:
        self.recoveries.append(recovery)
        print(recovery, flush=True)
        return recovery


@dataclass
class FaultRun:
    """One fault under load: its recovery, what the platform left unfinished after settling (nothing,
    when it recovered), and what `MixedLoad.verify` found."""

    recovery: Recovery | None
    unfinished: list[str]
    verdict: Verdict
    settle_seconds: float
    latencies: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.unfinished and not self.verdict.problems and not self.errors


async def under_load(load: MixedLoad, fault: Awaitable[Recovery] | None, *, before_seconds: float,
                     after_seconds: float, settle_within: float) -> FaultRun:
    """Load running, then the fault, then more load, then settling and the checks."""
    load.start()
    await asyncio.sleep(before_seconds)
    recovery = await fault if fault is not None else None
    await asyncio.sleep(after_seconds)
    started = time.monotonic()
    unfinished = await load.settle(within=settle_within)
    settled = time.monotonic() - started
    verdict = await load.verify()
    return FaultRun(recovery, unfinished, verdict, settled, load.summary(),
                    [f"{o.kind}: {o.error}" for o in load.errors()])
