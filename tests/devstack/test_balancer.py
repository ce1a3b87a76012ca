"""The load balancer of `./dev up --replicas N` (devstack/balancer.py): each request to the next
replica, over one kept-alive connection from the sender as Telegram and Retell keep theirs; a
replica that is down skipped; a 502 only when no replica answers; answers passed on unchanged."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator

import httpx
import pytest

from devstack.balancer import Balancer, Closed, read_message
from devstack.ports import free_port


class Replica:
    """A stand-in replica: answers every request with its name, keeping the connection alive."""

    def __init__(self, name: str, *, chunked: bool = False) -> None:
        self.name = name
        self.port = free_port()
        self.chunked = chunked
        self.bodies: list[bytes] = []
        self.server: asyncio.Server | None = None
        self.connections: list[asyncio.StreamWriter] = []

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)

    async def stop(self) -> None:
        assert self.server is not None
        self.server.close()
        for writer in self.connections:  # as a process that exits closes its connections
            writer.close()
        await self.server.wait_closed()

    def drop_idle_connections(self) -> None:
        """As uvicorn does after its keep-alive timeout."""
        for writer in self.connections:
            writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections.append(writer)
        try:
            while True:
                request = await read_message(reader)
                self.bodies.append(request.raw.split(b"\r\n\r\n", 1)[1])
                name = self.name.encode()
                if self.chunked:
                    writer.write(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"
                                 + f"{len(name):x}".encode() + b"\r\n" + name + b"\r\n0\r\n\r\n")
                else:
                    writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n%s" % (len(name), name))
                await writer.drain()
        except (Closed, ConnectionError):
            pass
        finally:
            writer.close()


@pytest.fixture
async def replicas() -> AsyncIterator[list[Replica]]:
    started = [Replica("first"), Replica("second", chunked=True)]
    for replica in started:
        await replica.start()
    yield started
    for replica in started:
        if replica.server is not None and replica.server.is_serving():
            await replica.stop()


@pytest.fixture
async def balancer(replicas: list[Replica]) -> AsyncIterator[Balancer]:
    running = Balancer(free_port(), [replica.port for replica in replicas])
    await running.start()
    yield running
    await running.close()


async def answers(balancer: Balancer, count: int) -> Counter[str]:
    """Who answered `count` webhooks sent one after another over one kept-alive connection."""
    seen: Counter[str] = Counter()
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{balancer.port}",
                                 limits=httpx.Limits(max_connections=1)) as client:
        for number in range(count):
            answer = await client.post("/webhooks/retell", content=f'{{"n": {number}}}'.encode())
            seen[answer.text if answer.status_code == 200 else str(answer.status_code)] += 1
    return seen


async def test_webhooks_on_one_connection_are_spread_over_every_replica(
        balancer: Balancer, replicas: list[Replica]) -> None:
    assert await answers(balancer, 10) == {"first": 5, "second": 5}
    # Each body reached one replica whole, once.
    bodies = sorted(body for replica in replicas for body in replica.bodies)
    assert bodies == sorted(f'{{"n": {number}}}'.encode() for number in range(10))


async def test_a_replica_that_is_down_is_skipped(balancer: Balancer, replicas: list[Replica]) -> None:
    await answers(balancer, 2)  # both have a kept-alive connection from the balancer now
    await replicas[1].stop()
    assert await answers(balancer, 6) == {"first": 6}


async def test_a_connection_the_replica_closed_while_idle_is_opened_again(
        balancer: Balancer, replicas: list[Replica]) -> None:
    await answers(balancer, 2)
    for replica in replicas:
        replica.drop_idle_connections()
    assert await answers(balancer, 4) == {"first": 2, "second": 2}


async def test_no_replica_up_is_a_502_that_the_sender_retries(balancer: Balancer, replicas: list[Replica]) -> None:
    for replica in replicas:
        await replica.stop()
    assert await answers(balancer, 2) == {"502": 2}
