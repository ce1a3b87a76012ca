"""Webhooks answered below FastAPI's routing (services/runtime/http_app.py, FastPosts): the endpoint
gets the raw body and the headers and its answer goes back as sent, while the body size limit, the
request metrics by route template, the 500 for an endpoint that fails and the OpenAPI description
hold as they do for FastAPI's own routes; every other request still reaches FastAPI."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import Request
from starlette.datastructures import Headers

from services.runtime import metrics
from services.runtime.http_app import FastEndpoint, add_fast_post, create_http_app

LIMIT = 4096
PATH = "/webhooks/example"


async def ready() -> dict[str, bool]:
    return {"database": True}


class Recorder:
    """An endpoint that keeps what it was given and answers with the status it is told to."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.seen: list[tuple[bytes, Headers]] = []

    async def __call__(self, body: bytes, headers: Headers) -> tuple[int, bytes]:
        self.seen.append((body, headers))
        if self.status == 500:
            raise RuntimeError("the endpoint failed")
        return self.status, json.dumps({"length": len(body), "signature": headers.get("x-signature", "")}).encode()


def client_for(endpoint: FastEndpoint) -> httpx.AsyncClient:
    app = create_http_app(service="example", readiness=ready, max_body_bytes=LIMIT)
    add_fast_post(app, PATH, endpoint, openapi_extra={"requestBody": {"content": {"application/json": {
        "schema": {"type": "object", "required": ["event"]}}}}})
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://service")


def requests_counted(status: str) -> float:
    return metrics.http_requests_total.labels("POST", PATH, status)._value.get()


async def test_the_endpoint_gets_the_raw_body_and_headers_and_its_answer_is_sent_as_it_is() -> None:
    endpoint = Recorder(status=202)
    before = requests_counted("202")
    async with client_for(endpoint) as client:
        answer = await client.post(PATH, content=b'{"event": "x",  "n": 1}', headers={"X-Signature": "v=1"})
    assert answer.status_code == 202
    assert answer.headers["content-type"] == "application/json"
    assert answer.json() == {"length": 23, "signature": "v=1"}
    [(body, _)] = endpoint.seen
    assert body == b'{"event": "x",  "n": 1}'  # byte for byte: a signature covers the exact bytes
    assert requests_counted("202") == before + 1  # counted by the route's template, as FastAPI's routes are


async def test_a_body_sent_in_pieces_reaches_the_endpoint_whole() -> None:
    endpoint = Recorder()

    async def pieces() -> AsyncIterator[bytes]:
        for piece in (b'{"event":', b' "x", ', b'"n": 2}'):
            yield piece

    async with client_for(endpoint) as client:
        answer = await client.post(PATH, content=pieces())
    assert answer.status_code == 200
    assert [body for body, _ in endpoint.seen] == [b'{"event": "x", "n": 2}']


async def test_an_oversized_body_is_refused_with_413_before_the_endpoint_sees_it() -> None:
    endpoint = Recorder()

    async def streamed() -> AsyncIterator[bytes]:  # no Content-Length: the limit counts what arrives
        for _ in range(LIMIT // 1024 + 2):
            yield b"y" * 1024

    async with client_for(endpoint) as client:
        declared = await client.post(PATH, content=b"x" * (LIMIT + 1))
        undeclared = await client.post(PATH, content=streamed())
    assert (declared.status_code, undeclared.status_code) == (413, 413)
    assert endpoint.seen == []


async def test_an_endpoint_that_fails_is_answered_500_counted_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    before = requests_counted("500")
    async with client_for(Recorder(status=500)) as client:
        answer = await client.post(PATH, content=b"{}")
    assert answer.status_code == 500
    assert requests_counted("500") == before + 1
    [failed] = [record for record in caplog.records if record.getMessage() == f"POST {PATH} failed"]
    assert failed.exc_info is not None and str(failed.exc_info[1]) == "the endpoint failed"


async def test_other_methods_and_paths_still_reach_fastapi() -> None:
    endpoint = Recorder()
    async with client_for(endpoint) as client:
        assert (await client.get(PATH)).status_code == 405
        assert (await client.post(PATH + "/more", content=b"{}")).status_code == 404
        assert (await client.get("/healthz")).json() == {"status": "ok"}
    assert endpoint.seen == []


async def test_the_openapi_document_describes_the_route_with_its_body_and_summary() -> None:
    async def example_webhook(body: bytes, headers: Headers) -> tuple[int, bytes]:
        """Receives one example event."""
        return 200, b"{}"

    async with client_for(example_webhook) as client:
        document = (await client.get("/openapi.json")).json()
    operation = document["paths"][PATH]["post"]
    assert operation["requestBody"]["content"]["application/json"]["schema"]["required"] == ["event"]
    assert operation["description"] == "Receives one example event."


async def test_the_post_is_answered_without_fastapis_router() -> None:
    """Taken below the routing: with the route gone from FastAPI's router, the POST is still answered."""
    endpoint = Recorder()
    client = client_for(endpoint)
    app = client._transport.app  # type: ignore[attr-defined]
    app.router.routes[:] = [route for route in app.router.routes if getattr(route, "path", "") != PATH]
    async with client:
        answer = await client.post(PATH, content=b"{}")
    assert answer.status_code == 200 and len(endpoint.seen) == 1


async def test_an_oversized_body_sent_in_pieces_to_a_fastapi_route_is_refused_with_413_not_500() -> None:
    """The limit sits in front of FastAPI, whose error middleware would answer the limit's exception 500."""
    app = create_http_app(service="example", readiness=ready, max_body_bytes=LIMIT)
    read: list[int] = []

    @app.post("/webhooks/ordinary")
    async def ordinary(request: Request) -> dict[str, int]:
        read.append(len(await request.body()))
        return {"length": read[-1]}

    async def pieces(count: int) -> AsyncIterator[bytes]:
        for _ in range(count):
            yield b"x" * 1024

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
        refused = await client.post("/webhooks/ordinary", content=pieces(8))
        taken = await client.post("/webhooks/ordinary", content=pieces(2))
    assert (refused.status_code, refused.text) == (413, "request body too large")
    assert taken.status_code == 200 and read == [2048]
