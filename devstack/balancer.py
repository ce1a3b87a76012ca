"""The load balancer in front of a service's replicas in `./dev up --replicas N`: the simulators'
webhooks (Telegram's, Retell's, DynoPay's) reach every replica, request by request, as they reach
the pods behind the cluster's ingress, instead of all landing on the first replica.

Why per request and not per connection: the simulators, like Telegram and Retell, keep one
connection open and send every webhook on it; a balancer that picks a replica per connection (a
Kubernetes Service on its own) would still hand them all to one replica. An ingress such as
ingress-nginx balances each request over the pods' endpoints, so this does too: round-robin, over
kept-alive connections to each replica.

A replica that refuses the connection (stopped, restarting) is skipped for the next one, as an
ingress drops an endpoint whose pod has gone. A request whose replica fails before answering is
answered 502, which Telegram, Retell and DynoPay each retry; every webhook is de-duplicated by the
service, so a retry changes nothing twice. Only HTTP/1.1 with Content-Length or chunked bodies is
spoken (all the services and simulators send); the request and the answer pass unchanged.

`python -m devstack.balancer --listen 8022 --replica 8002 --replica 8102` (devstack/local_platform.py
starts one per service with webhooks when it runs more than one replica).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import signal
from collections.abc import Sequence
from dataclasses import dataclass, field

HEAD_LIMIT = 65_536
CHUNK_BYTES = 65_536
CONNECT_SECONDS = 2.0
# A replica's answer may take this long (a webhook handler waiting on its database).
ANSWER_SECONDS = 60.0
_BAD_GATEWAY = (b"HTTP/1.1 502 Bad Gateway\r\ncontent-type: text/plain\r\ncontent-length: 20\r\n\r\n"
                b"no replica answered\n")


class Closed(Exception):
    """The other side closed the connection before a whole message came."""


@dataclass
class Message:
    """One HTTP/1.1 request or response as bytes, with what the balancer reads from its head."""

    raw: bytes
    first_line: str
    headers: dict[str, str]

    @property
    def keeps_alive(self) -> bool:
        return "close" not in self.headers.get("connection", "").lower()


async def read_message(reader: asyncio.StreamReader, *, is_response: bool = False,
                       request_method: str = "") -> Message:
    """Reads one whole message (head and body); raises Closed at a clean end before its first byte."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as error:
        raise Closed from error
    except asyncio.LimitOverrunError as error:
        raise ValueError("message head too long") from error
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    body = b""
    status = lines[0].split(" ", 2)[1] if is_response else ""
    bodiless = is_response and (request_method == "HEAD" or status.startswith("1") or status in ("204", "304"))
    try:
        if bodiless:
            pass
        elif "chunked" in headers.get("transfer-encoding", "").lower():
            body = await _read_chunked(reader)
        elif "content-length" in headers:
            body = await reader.readexactly(int(headers["content-length"]))
        elif is_response:  # no length: the body runs until the replica closes
            body = await reader.read()
            headers["connection"] = "close"
    except asyncio.IncompleteReadError as error:
        raise Closed from error
    return Message(head + body, lines[0], headers)


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    """The chunks as they came (sizes, data, trailers), to pass on unchanged."""
    parts = []
    while True:
        size_line = await reader.readuntil(b"\r\n")
        parts.append(size_line)
        size = int(size_line.split(b";", 1)[0].strip(), 16)
        if size == 0:
            while (trailer := await reader.readuntil(b"\r\n")) != b"\r\n":
                parts.append(trailer)
            parts.append(b"\r\n")
            return b"".join(parts)
        parts.append(await reader.readexactly(size + 2))


@dataclass
class Replica:
    port: int
    idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = field(default_factory=list)
    requests: int = 0


class Balancer:
    """Listens on `port` and hands each request to the next replica (round-robin)."""

    def __init__(self, port: int, replica_ports: Sequence[int], host: str = "127.0.0.1") -> None:
        self.port = port
        self.host = host
        self.replicas = [Replica(p) for p in replica_ports]
        self._turn = itertools.cycle(range(len(self.replicas)))
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, self.host, self.port, limit=HEAD_LIMIT)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for replica in self.replicas:
            for _, writer in replica.idle:
                writer.close()
            replica.idle.clear()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                try:
                    request = await read_message(reader)
                except (Closed, ConnectionError):
                    return
                method = request.first_line.split(" ", 1)[0]
                answer = await self._forward(request, method)
                writer.write(answer.raw if answer is not None else _BAD_GATEWAY)
                await writer.drain()
                if answer is None or not request.keeps_alive or not answer.keeps_alive:
                    return
        except (ValueError, ConnectionError):
            return
        finally:
            writer.close()

    async def _forward(self, request: Message, method: str) -> Message | None:
        """The answer of the first replica, in turn, that takes the request; None if none did."""
        start = next(self._turn)
        for offset in range(len(self.replicas)):
            replica = self.replicas[(start + offset) % len(self.replicas)]
            answer = await self._ask(replica, request, method)
            if answer is not None:
                replica.requests += 1
                return answer
        return None

    async def _ask(self, replica: Replica, request: Message, method: str) -> Message | None:
        """Sends the request over a kept-alive connection (a fresh one if that one had been closed by
        the replica in the meantime: nothing of it was read, so nothing was done); None when the
        replica refuses connections or fails before a whole answer."""
        while True:
            reused = bool(replica.idle)
            try:
                if reused:
                    up_reader, up_writer = replica.idle.pop()
                else:
                    up_reader, up_writer = await asyncio.wait_for(
                        asyncio.open_connection("127.0.0.1", replica.port, limit=HEAD_LIMIT), CONNECT_SECONDS)
            except (OSError, TimeoutError):
                return None
            try:
                up_writer.write(request.raw)
                await up_writer.drain()
                answer = await asyncio.wait_for(read_message(up_reader, is_response=True, request_method=method),
                                                ANSWER_SECONDS)
            except Closed:
                up_writer.close()
                if reused:
                    continue  # the replica had closed the idle connection (its keep-alive timeout)
                return None
            except (OSError, TimeoutError, ValueError):
                up_writer.close()
                return None
            if answer.keeps_alive:
                replica.idle.append((up_reader, up_writer))
            else:
                up_writer.close()
            return answer


async def serve(port: int, replica_ports: Sequence[int]) -> None:
    balancer = Balancer(port, replica_ports)
    await balancer.start()
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopped.set)
    await stopped.wait()
    await balancer.close()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m devstack.balancer", description=__doc__.splitlines()[0])
    parser.add_argument("--listen", type=int, required=True, help="the port the webhooks are sent to")
    parser.add_argument("--replica", type=int, action="append", required=True, help="a replica's HTTP port")
    options = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(options.listen, options.replica))


if __name__ == "__main__":
    main()
