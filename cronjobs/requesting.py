"""Asking a service to run one tick: the same request from a CronJob and from the local ticker."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from cronjobs.schedule import Tick
from services.runtime.grpc_client import internal_channel
from services.runtime.tracing import current_trace_id, traced
from speechcue.bot.v1 import bot_pb2_grpc
from speechcue.calls.v1 import calls_pb2_grpc
from speechcue.common.v1 import common_pb2
from speechcue.payments.v1 import payments_pb2_grpc
from speechcue.wallet.v1 import wallet_pb2_grpc

STUBS: dict[str, Any] = {
    "wallet": wallet_pb2_grpc.WalletServiceStub,
    "calls": calls_pb2_grpc.CallsServiceStub,
    "payments": payments_pb2_grpc.PaymentsServiceStub,
    "bot": bot_pb2_grpc.BotServiceStub,
}
RETRYABLE = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.ABORTED})
TICK_TIMEOUT_SECONDS = 240.0


def tick_key(tick: Tick, scheduled_at: datetime) -> str:
    """`tick:<name>:<scheduled minute>`: a retried Job, or two replicas of the ticker, get the first
    run's answer instead of a second run."""
    return f"tick:{tick.name}:{scheduled_at.strftime('%Y-%m-%dT%H:%MZ')}"


async def request_tick(tick: Tick, scheduled_at: datetime, *, address: str, token: str,
                       attempts: int = 3, pause_seconds: float = 2.0) -> common_pb2.TickResult:
    stamp = Timestamp()
    stamp.FromDatetime(scheduled_at)
    request = common_pb2.RunTickRequest(idempotency_key=tick_key(tick, scheduled_at), scheduled_at=stamp)
    # A run is traced as one (services/runtime/tracing.py): the caller's trace if it has one (the
    # CronJob's, which it prints), else a new one; the service's log lines of the tick carry it.
    with traced(current_trace_id() or None):
        return await _request(method_name=tick.rpc, stub=STUBS[tick.service], request=request, address=address,
                              token=token, attempts=attempts, pause_seconds=pause_seconds)


async def _request(*, method_name: str, stub: Any, request: common_pb2.RunTickRequest, address: str, token: str,
                   attempts: int, pause_seconds: float) -> common_pb2.TickResult:
    async with internal_channel(address, token) as channel:
        method = getattr(stub(channel), method_name)
        for attempt in range(1, attempts + 1):
            try:
                result: common_pb2.TickResult = await method(request, timeout=TICK_TIMEOUT_SECONDS)
                return result
            except grpc.aio.AioRpcError as error:
                if error.code() not in RETRYABLE or attempt == attempts:
                    raise
                await asyncio.sleep(pause_seconds * attempt)
    raise AssertionError("unreachable")
