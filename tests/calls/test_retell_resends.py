"""A request whose connection broke before its answer came is sent once more, as retell-sdk's client
does; a call's creation too, with the same body and so the same Retell idempotency key. The client is
pointed at a loopback server that reads each request and, for the first `drops` of them, closes the
connection without a word (what a kept-alive connection the other side has just closed looks like)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from services.calls.retell_client import RetellClient, RetellUnavailable

CALL = {"from_number": "+14155550100", "to_number": "+14155550123", "idempotency_key": "9b1c0c3e5d7f4a6b"}


@dataclass
class DroppingServer:
    drops: int = 0
    requests: list[tuple[str, Any]] = field(default_factory=list)

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode().split("\r\n")
            length = next((int(line.split(":")[1]) for line in lines if line.lower().startswith("content-length:")), 0)
            body = await reader.readexactly(length)
            self.requests.append((lines[0], json.loads(body) if body else None))
            if len(self.requests) <= self.drops:
                return  # closes without answering
            answer = json.dumps([{"voice_id": "11labs-Adrian"}] if "list-voices" in lines[0] else
                                {"call_id": "call_1", "agent_id": "agent_1"}).encode()
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
                         + f"Content-Length: {len(answer)}\r\n\r\n".encode() + answer)
            await writer.drain()
        finally:
            writer.close()


@pytest.fixture
async def dropping() -> AsyncIterator[tuple[RetellClient, DroppingServer]]:
    state = DroppingServer()
    server = await asyncio.start_server(state.serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = RetellClient(f"http://127.0.0.1:{port}", "key_test")
    try:
        yield client, state
    finally:
        await client.close()
        server.close()
        await server.wait_closed()


async def test_a_read_whose_connection_broke_once_is_sent_again_and_answered(
        dropping: tuple[RetellClient, DroppingServer]) -> None:
    client, server = dropping
    server.drops = 1
    assert await client.list_voices() == [{"voice_id": "11labs-Adrian"}]
    assert server.requests == [("GET /list-voices HTTP/1.1", None)] * 2


async def test_a_calls_creation_is_sent_again_with_the_same_idempotency_key(
        dropping: tuple[RetellClient, DroppingServer]) -> None:
    client, server = dropping
    server.drops = 1
    assert (await client.create_phone_call(CALL))["call_id"] == "call_1"
    assert server.requests == [("POST /v2/create-phone-call HTTP/1.1", CALL)] * 2


async def test_a_connection_that_breaks_twice_is_unavailable_after_two_sends(
        dropping: tuple[RetellClient, DroppingServer]) -> None:
    client, server = dropping
    server.drops = 2
    with pytest.raises(RetellUnavailable) as unavailable:
        await client.create_phone_call(CALL)
    assert unavailable.value.message == "Retell did not answer (RemoteProtocolError); try again shortly"
    assert len(server.requests) == 2


async def test_a_refused_connection_is_tried_again() -> None:
    sent: list[str] = []

    def refuse_the_first_connection(request: httpx.Request) -> httpx.Response:
        sent.append(request.url.path)
        if len(sent) == 1:
            raise httpx.ConnectError("connection refused", request=request)
        return httpx.Response(200, json={"concurrency_limit": 20, "current_concurrency": 3})

    client = RetellClient("http://retell.invalid", "key_test")
    await client.close()
    client._http = httpx.AsyncClient(base_url="http://retell.invalid",
                                     transport=httpx.MockTransport(refuse_the_first_connection))
    try:
        concurrency = await client.concurrency()
    finally:
        await client.close()
    assert (concurrency.limit, concurrency.current) == (20, 3)
    assert sent == ["/get-concurrency"] * 2


async def test_a_timeout_is_not_sent_again() -> None:
    sent: list[str] = []

    def slow(request: httpx.Request) -> httpx.Response:
        sent.append(request.url.path)
        raise httpx.ReadTimeout("no answer in time", request=request)

    client = RetellClient("http://retell.invalid", "key_test")
    await client.close()
    client._http = httpx.AsyncClient(base_url="http://retell.invalid", transport=httpx.MockTransport(slow))
    try:
        with pytest.raises(RetellUnavailable):
            await client.get_call("call_1")
    finally:
        await client.close()
    assert sent == ["/v2/get-call/call_1"]
