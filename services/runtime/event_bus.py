"""NATS JetStream: connection, one stream per producing service, and publishing with a message id.

Subjects follow `<service>.<entity>.<fact>`; the stream of service `wallet` is `WALLET` and holds
`wallet.>`. Publishing sets `Nats-Msg-Id` to the event id, so JetStream drops a duplicate
republished by the outbox relay after a crash, and `Speechcue-Trace-Id` to the trace id of the work
that recorded the event (services/runtime/tracing.py).

Each service connects as its own NATS user (services/runtime/nats_permissions.py), with replies on
its own inbox prefix, so it can publish only its own subjects and read only its own consumers.
Streams are kept in files with SPEECHCUE_NATS_STREAM_REPLICAS copies (3 on a 3-node JetStream
cluster: a stream survives losing one node).
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import nats
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import APIError, NotFoundError

from services.runtime import nats_permissions, tracing

log = logging.getLogger(__name__)

DUPLICATE_WINDOW_SECONDS = 600.0
STREAM_MAX_AGE_SECONDS = 14 * 24 * 3600.0
PUBLISH_TIMEOUT_SECONDS = 5.0
# JetStream's error code for "stream name already in use with a different configuration".
STREAM_NAME_IN_USE = 10058


stream_name = nats_permissions.stream_name


@dataclass(frozen=True)
class NatsIdentity:
    """Who a service is on NATS; its replies arrive under its own inbox prefix."""

    user: str
    password: str

    @property
    def inbox_prefix(self) -> str:
        return nats_permissions.inbox_prefix(self.user)


def without_credentials(url: str) -> str:
    """A server URL (or several, comma-separated) with any user and password removed: a service
    always connects as its own user, never as whoever a URL it was given names.
    "nats://tools:pw@host:4222" → "nats://host:4222"."""
    servers = []
    for server in url.split(","):
        parts = urlsplit(server.strip())
        servers.append(urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2])))
    return ",".join(servers)


def stream_config(service: str, *, replicas: int = 1) -> StreamConfig:
    """The stream of `service`'s events: in files, `replicas` copies, two weeks, duplicates dropped."""
    return StreamConfig(
        name=stream_name(service),
        subjects=[f"{service}.>"],
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        num_replicas=replicas,
        discard=DiscardPolicy.OLD,
        max_age=STREAM_MAX_AGE_SECONDS,
        duplicate_window=DUPLICATE_WINDOW_SECONDS,
    )


def message_headers(message_id: str, trace_id: str = "") -> dict[str, str]:
    """`Nats-Msg-Id` for JetStream's de-duplication, and the trace id of the work that recorded the
    event (services/runtime/tracing.py) for the consumer that handles it."""
    headers = {"Nats-Msg-Id": message_id}
    if trace_id:
        headers[tracing.NATS_HEADER] = trace_id
    return headers


class StreamRefused(RuntimeError):
    """NATS would not create or update a stream as configured (e.g. more replicas than servers)."""


class EventBus:
    """One NATS connection per process, shared by the relay and the consumers."""

    def __init__(self, url: str, *, name: str, identity: NatsIdentity | None = None,
                 stream_replicas: int = 1, tls: ssl.SSLContext | None = None) -> None:
        # Without an identity (tests, tools) the URL's own credentials, if any, are used.
        self.url = url if identity is None else without_credentials(url)
        self.name = name
        self.identity = identity
        self.stream_replicas = stream_replicas
        # Verifies the servers when set (SPEECHCUE_NATS_TLS_CA_FILE); None: nats-py's default context.
        self.tls = tls
        self._client: NatsClient | None = None
        self._jetstream: JetStreamContext | None = None

    async def connect(self, *, attempts: int = 30) -> None:
        for attempt in range(1, attempts + 1):
            try:
                credentials = ({} if self.identity is None else
                               {"user": self.identity.user, "password": self.identity.password,
                                "inbox_prefix": self.identity.inbox_prefix})
                self._client = await nats.connect(
                    self.url.split(","),
                    name=self.name,
                    max_reconnect_attempts=-1,
                    reconnect_time_wait=1,
                    connect_timeout=2,
                    tls=self.tls,
                    **credentials,  # type: ignore[arg-type]
                )
                self._jetstream = self._client.jetstream(timeout=5)
                return
            except Exception as error:
                if attempt == attempts:
                    raise
                log.warning("NATS not reachable yet (%s), retrying", type(error).__name__)
                await asyncio.sleep(min(0.2 * attempt, 2.0))

    @property
    def jetstream(self) -> JetStreamContext:
        if self._jetstream is None:
            raise RuntimeError("EventBus.connect() was not awaited")
        return self._jetstream

    @property
    def connected(self) -> bool:
        return self._client is not None and self._client.is_connected

    async def ensure_stream(self, service: str) -> None:
        """Creates or updates the service's own stream; idempotent across replicas."""
        config = stream_config(service, replicas=self.stream_replicas)
        try:
            try:
                await self.jetstream.stream_info(config.name or "")
                await self.jetstream.update_stream(config)
            except NotFoundError:
                await self.jetstream.add_stream(config)
        except APIError as error:
            raise self._refused(config, error) from error

    async def ensure_source_stream(self, service: str) -> None:
        """Makes sure the stream of a service this one consumes from exists, creating it if that
        service has not started yet; never changes it (only its owner may, and has the right to)."""
        config = stream_config(service, replicas=self.stream_replicas)
        try:
            await self.jetstream.stream_info(config.name or "")
            return
        except NotFoundError:
            pass
        try:
            await self.jetstream.add_stream(config)
        except APIError as error:
            if error.err_code == STREAM_NAME_IN_USE:
                return  # its owner created it meanwhile, perhaps configured otherwise: theirs stands
            raise self._refused(config, error) from error

    def _refused(self, config: StreamConfig, error: APIError) -> StreamRefused:
        return StreamRefused(
            f"NATS refused stream {config.name} with {config.num_replicas} replica(s) in files: "
            f"{error.description}. SPEECHCUE_NATS_STREAM_REPLICAS may not exceed the number of JetStream "
            "servers (1 for a single server, 3 for a 3-node cluster)")

    async def publish(self, subject: str, data: bytes, *, message_id: str, trace_id: str = "") -> None:
        await self.jetstream.publish(subject, data, headers=message_headers(message_id, trace_id))

    async def publish_all(self, messages: Sequence[tuple[str, bytes, str]], *,
                          trace_ids: Sequence[str] = ()) -> None:
        """Publishes (subject, data, message id) triples, each with the trace id at the same position
        of `trace_ids` if any, and returns once JetStream acknowledged every one; raises if any was
        refused or unacknowledged within the timeout. All are in flight at once on one shared reply
        subject (a request per message, each with its own inbox and timer, cost the relay about twice
        the CPU per event; bench/README.md)."""
        traces = list(trace_ids) + [""] * (len(messages) - len(trace_ids))
        acknowledgements = [await self.jetstream.publish_async(subject, data,
                                                               headers=message_headers(message_id, trace_id))
                            for (subject, data, message_id), trace_id in zip(messages, traces, strict=True)]
        try:
            await asyncio.wait_for(asyncio.gather(*acknowledgements), timeout=PUBLISH_TIMEOUT_SECONDS)
        finally:
            for acknowledgement in acknowledgements:
                acknowledgement.cancel()  # a no-op for those already answered; frees the others' slots

    async def close(self) -> None:
        if self._client is not None and not self._client.is_closed:
            await self._client.drain()
        self._client = None
        self._jetstream = None
