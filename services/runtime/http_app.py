"""The HTTP side of every service: `/healthz`, `/readyz`, `/metrics`, a request body size limit and
request metrics. Services add their webhook routes to the app this returns.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.datastructures import Headers
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.runtime import metrics

ReadinessCheck = Callable[[], Awaitable[dict[str, bool]]]
# A webhook answered below the framework's routing: the raw body and the headers in, the status and
# a JSON body out (add_fast_post).
FastEndpoint = Callable[[bytes, Headers], Awaitable[tuple[int, bytes]]]
_JSON_HEADER = (b"content-type", b"application/json")
log = logging.getLogger(__name__)


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
        too_large = started = False

        async def limited_receive() -> Message:
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    too_large = True
                    raise _BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            # Once the body went over the limit the answer is this step's 413, not the 500 that
            # FastAPI's error middleware (inside this step) makes of the exception.
            if too_large and not started:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except _BodyTooLarge:
            if not too_large:
                raise
        if too_large and not started:
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


class FastPosts:
    """POSTs to the paths registered with `add_fast_post`, answered here, inside the request metrics
    and the body size limit but in front of FastAPI: its exception and telemetry middlewares, routing,
    request objects and dependency solving were 13 % of the calls process in bench.calls_webhook's
    profile for Retell's call_ended, which every call sends, more than its handler; FastAPI's own entry
    (its telemetry check reads the environment on every request) another 3 % (bench/README.md). Every
    other request goes on to FastAPI. An endpoint's exception is logged and answered 500, as FastAPI
    answers a route's."""

    def __init__(self, app: ASGIApp, posts: dict[str, tuple[BaseRoute, FastEndpoint]]) -> None:
        self.app = app
        self.posts = posts  # filled by add_fast_post, also after the middleware is made

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        entry = self.posts.get(scope["path"]) if scope["type"] == "http" and scope["method"] == "POST" else None
        if entry is None:
            await self.app(scope, receive, send)
            return
        route, endpoint = entry
        scope["route"] = route  # what the router would have set: the request metrics' label
        body = await _whole_body(receive)
        if body is None:
            return  # the client went away: nobody to answer
        try:
            status, answer = await endpoint(body, Headers(scope=scope))
        except Exception:
            log.exception("POST %s failed", scope["path"])
            await _plain(send, 500, b"Internal Server Error")
            return
        await send({"type": "http.response.start", "status": status,
                    "headers": [_JSON_HEADER, (b"content-length", str(len(answer)).encode())]})
        await send({"type": "http.response.body", "body": answer})


async def _whole_body(receive: Receive) -> bytes | None:
    """The request's body, or None if the client disconnected before sending all of it."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def add_fast_post(app: ServiceApp, path: str, endpoint: FastEndpoint, *, openapi_extra: dict[str, Any]) -> None:
    """`POST path` answered by `endpoint` through FastPosts. The route is also FastAPI's, with the same
    endpoint, so the OpenAPI document describes it (and a request FastPosts did not take is answered
    alike). The endpoint's docstring is the route's summary."""

    async def through_fastapi(request: Request) -> Response:
        status, answer = await endpoint(await request.body(), request.headers)
        return Response(answer, status_code=status, media_type="application/json")

    through_fastapi.__doc__ = endpoint.__doc__
    app.post(path, openapi_extra=openapi_extra, name=getattr(endpoint, "__name__", path))(through_fastapi)
    route = next(r for r in reversed(app.router.routes) if getattr(r, "path", None) == path)
    app.fast_posts[path] = (route, endpoint)


class ServiceApp(FastAPI):
    """A service's FastAPI app with the request metrics, the body size limit and the fast posts in
    front of it: every request passes them first, and only the requests FastPosts does not take enter
    FastAPI (whose own middlewares then sit inside the metrics, as before)."""

    def __init__(self, *, max_body_bytes: int, **settings: Any) -> None:
        super().__init__(**settings)
        self.fast_posts: dict[str, tuple[BaseRoute, FastEndpoint]] = {}
        self._entry = RequestMetrics(BodySizeLimit(FastPosts(super().__call__, self.fast_posts), max_body_bytes))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._entry(scope, receive, send)


def create_http_app(*, service: str, readiness: ReadinessCheck, max_body_bytes: int) -> ServiceApp:
    app = ServiceApp(max_body_bytes=max_body_bytes, title=f"speechcue-{service}", docs_url=None, redoc_url=None,
                     openapi_url="/openapi.json")

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

    return app
