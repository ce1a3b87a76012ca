"""The HTTP side of every service: `/healthz`, `/readyz`, `/metrics`, a request body size limit and
request metrics. Services add their webhook routes to the app this returns.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.runtime import metrics

ReadinessCheck = Callable[[], Awaitable[dict[str, bool]]]


class BodySizeLimit:
    """Refuses bodies over `max_bytes` with 413 before the route reads them, whether or not the
    client sent Content-Length, so an oversized request never reaches a handler."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await _plain(send, 400, b"bad Content-Length")
                    return
                if declared > self.max_bytes:
                    await _plain(send, 413, b"request body too large")
                    return
        received = 0
        too_large = False

        async def limited_receive() -> Message:
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    too_large = True
                    raise _BodyTooLarge
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _BodyTooLarge:
            if too_large:
                await _plain(send, 413, b"request body too large")


class _BodyTooLarge(Exception):
    pass


async def _plain(send: Send, status: int, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class RequestMetrics:
    """Request count and latency by route template, as plain ASGI: Starlette's BaseHTTPMiddleware
    costs a task group and a streamed response per request, about a fifth of a webhook's CPU."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        # Bounded: methods × route templates (never raw paths) × statuses.
        self._known: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            # The router writes the matched route into the scope it was given.
            template = getattr(scope.get("route"), "path", "unmatched")
            count, duration = self._series(scope["method"], template, status)
            count.inc()
            duration.observe(time.perf_counter() - started)

    def _series(self, method: str, template: str, status: int) -> tuple[Any, Any]:
        """The labelled series, looked up once per (method, route, status): `labels()` on every
        request was a visible share of a webhook's CPU (bench/README.md)."""
        key = (method, template, status)
        series = self._known.get(key)
        if series is None:
            series = (metrics.http_requests_total.labels(method, template, str(status)),
                      metrics.http_request_duration_seconds.labels(method, template))
            self._known[key] = series
        return series


def create_http_app(*, service: str, readiness: ReadinessCheck, max_body_bytes: int) -> FastAPI:
    app = FastAPI(title=f"speechcue-{service}", docs_url=None, redoc_url=None, openapi_url="/openapi.json")

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> Any:
        """Readiness: the database and NATS answer."""
        checks = await readiness()
        ready = all(checks.values())
        return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)

    @app.get("/metrics", include_in_schema=False)
    async def metrics_endpoint() -> Response:
        return PlainTextResponse(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    app.add_middleware(BodySizeLimit, max_bytes=max_body_bytes)
    app.add_middleware(RequestMetrics)
    return app
