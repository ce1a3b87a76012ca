"""The local ticker: runs the schedule table inside `./dev up`, as the CronJobs do in Kubernetes.

At each minute it asks for every tick whose schedule fires then, with the same key a CronJob would
use, so running the ticker and the CronJobs against one platform would still run each tick once."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta

import grpc

from cronjobs.requesting import request_tick, tick_key
from cronjobs.schedule import TICKS, Tick
from services.runtime.callers import development_token, tick_identity

log = logging.getLogger(__name__)


async def run_ticker(addresses: Mapping[str, str], *,
                     token_for: Callable[[str], str] = development_token,
                     report: Callable[[Tick, str], None] = lambda tick, outcome: None,
                     clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
    """Forever: sleeps to the next minute, then runs the ticks due at it (each in its own task, so a
    slow one never delays the others), each with its own identity's token (`token_for("tick-billing")`)."""
    running: set[asyncio.Task[None]] = set()
    while True:
        now = clock()
        next_minute = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
        await asyncio.sleep(max(0.0, (next_minute - now).total_seconds()))
        for tick in TICKS:
            if tick.cron.fires_at(next_minute):
                token = token_for(tick_identity(tick.name))
                task = asyncio.create_task(_run_one(tick, next_minute, addresses[tick.service], token, report))
                running.add(task)
                task.add_done_callback(running.discard)


async def _run_one(tick: Tick, scheduled_at: datetime, address: str, token: str,
                   report: Callable[[Tick, str], None]) -> None:
    try:
        result = await request_tick(tick, scheduled_at, address=address, token=token)
    except grpc.aio.AioRpcError as error:
        report(tick, f"{tick_key(tick, scheduled_at)} failed: {error.code().name} {error.details()}")
        return
    report(tick, f"{tick_key(tick, scheduled_at)} processed {result.processed}, succeeded {result.succeeded}, "
                 f"failed {result.failed}")
