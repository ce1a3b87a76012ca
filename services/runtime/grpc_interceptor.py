"""The one server interceptor every gRPC service runs: who is calling (the identity whose bearer token
the call carries) and whether the service's access table lets it call this method
(services/runtime/callers.py), the caller's trace id (services/runtime/tracing.py),
go-grpc-prometheus metrics, and domain errors mapped to status codes with a machine-readable reason
(`google.rpc.ErrorInfo` in `grpc-status-details-bin`).

It is a single wrapper rather than a chain because each wrapper costs a Python frame and a
handler object on every call of the hot paths.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2

from services.runtime import metrics
from services.runtime.callers import HARNESS, AccessTable, identify
from services.runtime.database import is_database_unavailable
from services.runtime.errors import DomainError
from services.runtime.tracing import GRPC_METADATA_KEY, accepted, trace_id_var

log = logging.getLogger(__name__)

UNAUTHENTICATED_PREFIXES = ("/grpc.health.v1.", "/grpc.reflection.")
STATUS_DETAILS_KEY = "grpc-status-details-bin"
CALLER_NOT_ALLOWED = "CALLER_NOT_ALLOWED"


@dataclass(frozen=True)
class _Refusal:
    code: grpc.StatusCode
    message: str
    reason: str


def _split_method(full_method: str) -> tuple[str, str]:
    _, service, method = full_method.split("/", 2)
    return service, method


def _status_metadata(code: grpc.StatusCode, message: str, reason: str, domain: str,
                     extra: dict[str, str]) -> tuple[tuple[str, bytes], ...]:
    detail = any_pb2.Any()
    detail.Pack(error_details_pb2.ErrorInfo(reason=reason, domain=domain, metadata=extra))
    status = status_pb2.Status(code=code.value[0], message=message, details=[detail])
    return ((STATUS_DETAILS_KEY, status.SerializeToString()),)


class _MethodMetrics:
    """Label children resolved once per method rather than on every call."""

    def __init__(self, service: str, method: str) -> None:
        labels = ("unary", service, method)
        self.service = service
        self.method = method
        self.started = metrics.grpc_server_started_total.labels(*labels)
        self.received = metrics.grpc_server_msg_received_total.labels(*labels)
        self.sent = metrics.grpc_server_msg_sent_total.labels(*labels)
        self.seconds = metrics.grpc_server_handling_seconds.labels(*labels)
        self._handled: dict[grpc.StatusCode, Any] = {}

    def handled(self, code: grpc.StatusCode) -> Any:
        child = self._handled.get(code)
        if child is None:
            child = metrics.grpc_server_handled_total.labels("unary", self.service, self.method, code.name)
            self._handled[code] = child
        return child


class ServiceInterceptor(grpc.aio.ServerInterceptor):
    """`callers`: each accepted identity's token digest; `access`: the table of each service this
    server serves; `harness_allowed`: development and test, where the harness may call anything."""

    def __init__(self, *, callers: Mapping[str, bytes], access: Iterable[AccessTable], error_domain: str,
                 harness_allowed: bool = False) -> None:
        self._callers = dict(callers)
        self._access = {table.service: table for table in access}
        self._harness_allowed = harness_allowed
        self._domain = error_domain
        self._metrics: dict[str, _MethodMetrics] = {}

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        full_method: str = handler_call_details.method  # type: ignore[attr-defined]
        if handler is None or full_method.startswith(UNAUTHENTICATED_PREFIXES) or not handler.unary_unary:
            return handler
        method_metrics = self._metrics.get(full_method)
        if method_metrics is None:
            method_metrics = _MethodMetrics(*_split_method(full_method))
            self._metrics[full_method] = method_metrics
        metadata = dict(handler_call_details.invocation_metadata or ())  # type: ignore[attr-defined]
        # The caller's trace goes on here; a call that brings none (a tool, grpcurl) starts its own. Set
        # now too, so that a refusal's line below names the trace of the caller that tried.
        trace_id = accepted(metadata.get(GRPC_METADATA_KEY))
        trace_id_var.set(trace_id)
        refusal = self._refusal(str(metadata.get("authorization", "")), method_metrics)
        return grpc.unary_unary_rpc_method_handler(
            self._wrap(handler.unary_unary, method_metrics, refusal, trace_id),
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )

    def _refusal(self, authorization: str, method_metrics: _MethodMetrics) -> _Refusal | None:
        identity = identify(authorization, self._callers)
        if identity is None:
            return _Refusal(grpc.StatusCode.UNAUTHENTICATED, "missing or wrong internal token", "UNAUTHENTICATED")
        if identity == HARNESS and self._harness_allowed:
            return None
        table = self._access.get(method_metrics.service)
        if table is not None and table.may_call(identity, method_metrics.method):
            return None
        # The caller learns only that it may not; the operator's log says who tried what.
        log.warning("refused %s.%s to caller %s: not in the service's access table",
                    method_metrics.service, method_metrics.method, identity)
        return _Refusal(grpc.StatusCode.PERMISSION_DENIED, "this caller may not call this method", CALLER_NOT_ALLOWED)

    def _wrap(self, behavior: Callable[..., Awaitable[Any]], method_metrics: _MethodMetrics,
              refusal: _Refusal | None, trace_id: str) -> Callable[..., Awaitable[Any]]:
        async def handle(request: Any, context: grpc.aio.ServicerContext) -> Any:
            trace_id_var.set(trace_id)  # each call is its own task: nothing else sees it
            method_metrics.started.inc()
            method_metrics.received.inc()
            started = time.perf_counter()
            code = grpc.StatusCode.OK
            try:
                if refusal is not None:
                    code = refusal.code
                    await context.abort(code, refusal.message, _status_metadata(
                        code, refusal.message, refusal.reason, self._domain, {}))
                response = await behavior(request, context)
                method_metrics.sent.inc()
                return response
            except DomainError as error:
                code = error.code
                metrics.domain_refusals_total.labels(
                    method_metrics.service, method_metrics.method, error.reason
                ).inc()
                await context.abort(
                    code, error.message,
                    _status_metadata(code, error.message, error.reason, self._domain, error.metadata),
                )
            except grpc.aio.AbortError:
                raise
            except Exception as error:
                if is_database_unavailable(error):
                    code = grpc.StatusCode.UNAVAILABLE
                    log.warning("%s: database unavailable (%s)", method_metrics.method, type(error).__name__)
                    await context.abort(code, "a dependency is unavailable; retry with the same key")
                code = grpc.StatusCode.INTERNAL
                log.exception("%s failed", method_metrics.method)
                await context.abort(code, "internal error")
            finally:
                method_metrics.handled(code).inc()
                elapsed = time.perf_counter() - started
                method_metrics.seconds.observe(elapsed)
                if log.isEnabledFor(logging.DEBUG):  # one line per call, under the caller's trace
                    log.debug("%s: %s in %.1f ms", method_metrics.method, code.name, elapsed * 1000)

        return handle
