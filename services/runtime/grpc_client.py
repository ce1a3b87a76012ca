"""Calling another Speechcue service: a channel that carries this caller's own token (its identity:
services/runtime/callers.py) and the trace id of the work in progress (services/runtime/tracing.py),
and reading the machine-readable reason of a refusal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc
from google.rpc import error_details_pb2, status_pb2

from services.runtime.grpc_interceptor import STATUS_DETAILS_KEY
from services.runtime.tracing import GRPC_METADATA_KEY, trace_id_var


class _TokenInterceptor(grpc.aio.UnaryUnaryClientInterceptor):  # type: ignore[misc]
    def __init__(self, token: str) -> None:
        self._authorization = ("authorization", f"Bearer {token}")

    async def intercept_unary_unary(
        self, continuation: Callable[..., Any], client_call_details: grpc.aio.ClientCallDetails, request: Any
    ) -> Any:
        metadata = list(client_call_details.metadata or [])
        metadata.append(self._authorization)
        trace_id = trace_id_var.get()
        if trace_id:
            metadata.append((GRPC_METADATA_KEY, trace_id))
        details = grpc.aio.ClientCallDetails(
            client_call_details.method,
            client_call_details.timeout,
            metadata,
            client_call_details.credentials,
            client_call_details.wait_for_ready,
        )
        return await continuation(details, request)


def internal_channel(address: str, token: str) -> grpc.aio.Channel:
    """A channel to `address` on which every call says who is calling: `token` is the caller's own
    (`settings_token(settings)` in a service, `own_token(...)` in a CronJob)."""
    return grpc.aio.insecure_channel(
        address,
        interceptors=[_TokenInterceptor(token)],
        options=[("grpc.keepalive_time_ms", 30_000), ("grpc.keepalive_timeout_ms", 10_000),
                 ("grpc.keepalive_permit_without_calls", 1), ("grpc.enable_retries", 0),
                 ("grpc.lb_policy_name", load_balancing(address)),
                 # A restarted peer (a redeploy, a crash) is found again within seconds, not gRPC's
                 # default of up to two minutes of backoff.
                 ("grpc.initial_reconnect_backoff_ms", 250), ("grpc.min_reconnect_backoff_ms", 250),
                 ("grpc.max_reconnect_backoff_ms", 5_000)],
    )


def load_balancing(address: str) -> str:
    """round_robin when the target names several addresses (`ipv4:a,b`: ./dev up --replicas), so calls
    spread over them; pick_first for one address. With one address round_robin fails a call at once
    while its only connection waits to reconnect (gRPC shares connections between channels, so even
    a new channel to a peer that just restarted did), where pick_first connects first.

    "ipv4:127.0.0.1:1,127.0.0.1:2" → round_robin; "127.0.0.1:1", "calls:50052" → pick_first."""
    return "round_robin" if "," in address else "pick_first"


def refusal_reason(error: grpc.aio.AioRpcError) -> str | None:
    """The `ErrorInfo.reason` a Speechcue server attached to a refusal, if any."""
    info = _error_info(error)
    return info.reason if info is not None else None


def refusal_metadata(error: grpc.aio.AioRpcError) -> dict[str, str]:
    """The `ErrorInfo.metadata` of a refusal (e.g. FLOW_INVALID's `problems`); {} without one."""
    info = _error_info(error)
    return dict(info.metadata) if info is not None else {}


def _error_info(error: grpc.aio.AioRpcError) -> error_details_pb2.ErrorInfo | None:
    for key, value in error.trailing_metadata() or ():
        if key == STATUS_DETAILS_KEY and isinstance(value, bytes):
            status = status_pb2.Status.FromString(value)
            for detail in status.details:
                info = error_details_pb2.ErrorInfo()
                if detail.Unpack(info):
                    return info
    return None
