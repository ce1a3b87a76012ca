"""Running a service process: database, NATS stream, outbox relay, consumers, the gRPC server with
health (and reflection when SPEECHCUE_GRPC_REFLECTION is set), the HTTP server, and a graceful stop
on SIGTERM or SIGINT.

A service's `__main__` builds its parts (servicers, consumers, routes) and hands them to
`run_service`; everything around them is the same for every service and lives only here.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import socket
import sys
from collections.abc import Awaitable, Callable, Coroutine, Generator, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import grpc
import uvicorn
from fastapi import FastAPI
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from services.runtime import metrics
from services.runtime.background import STOP_SECONDS, stop_task
from services.runtime.callers import DEVELOPMENT_ENVIRONMENTS, AccessTable, CallerConfigurationError, accepted_callers
from services.runtime.consumers import ConsumerSpec, EventConsumer
from services.runtime.database import Database
from services.runtime.event_bus import EventBus, NatsIdentity
from services.runtime.grpc_interceptor import ServiceInterceptor
from services.runtime.http_app import ServiceApp, create_http_app
from services.runtime.logs import configure_logging, secret_values
from services.runtime.migrations import upgrade_to_head
from services.runtime.outbox import OutboxRelay
from services.runtime.settings import ServiceSettings, load_settings

log = logging.getLogger(__name__)

READINESS_SERVICE = "readiness"
LIVENESS_SERVICE = "liveness"
READINESS_INTERVAL_SECONDS = 2.0
GRACE_SECONDS = 10.0


@dataclass
class GrpcService:
    """A servicer with its generated `add_..._to_server` function, full service name and the table
    of who may call which of its methods (the service's `access.py`)."""

    add_to_server: Callable[[Any, grpc.aio.Server], None]
    servicer: Any
    full_name: str
    access: AccessTable


@dataclass
class ServiceParts:
    grpc_services: list[GrpcService] = field(default_factory=list)
    consumers: list[ConsumerSpec] = field(default_factory=list)
    add_http_routes: Callable[[ServiceApp], None] | None = None
    background: list[Callable[[], Coroutine[Any, Any, None]]] = field(default_factory=list)
    # Run at stop once the servers have let their requests end and the background jobs are stopped,
    # before the database closes: what requests share (a group commit's workers) is closed here.
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)


@dataclass
class ServiceContext:
    settings: ServiceSettings
    database: Database
    bus: EventBus
    relay: OutboxRelay


class _Uvicorn(uvicorn.Server):
    """uvicorn without its own signal handling: this module owns SIGTERM and SIGINT."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


def _listening_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP named, not 0: asyncio sets TCP_NODELAY only on sockets whose proto says TCP, and
    # without it each answer's second write waits for the client's delayed ACK (40 ms a request).
    listening = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listening.bind((host, port))
    except OSError:
        listening.close()
        raise
    return listening


async def start_http_server(app: FastAPI, host: str, port: int, *,
                            lifespan: Literal["on", "off"] = "on") -> tuple[uvicorn.Server, asyncio.Task[None]]:
    """Serves `app` in this event loop; returns once it listens. Stop with `server.should_exit = True`."""
    config = uvicorn.Config(app, host=host, port=port, log_config=None, access_log=False, lifespan=lifespan,
                            timeout_graceful_shutdown=5)
    server = _Uvicorn(config)
    # Bound here rather than by uvicorn, which answers a taken port with sys.exit(3): raised inside a
    # task, SystemExit escapes the event loop. An OSError here lets the caller stop what it started.
    listening = _listening_socket(host, port)
    task = asyncio.create_task(server.serve(sockets=[listening]), name="http")
    for _ in range(400):
        if server.started:
            return server, task
        if task.done():
            task.result()
        await asyncio.sleep(0.025)
    raise RuntimeError(f"HTTP server did not start on port {port}")


class RunningService:
    """A started service; `stop()` shuts it down in reverse order of start."""

    def __init__(self, context: ServiceContext, parts: ServiceParts, service: str) -> None:
        self.context = context
        self.parts = parts
        self.service = service
        self.grpc_server: grpc.aio.Server | None = None
        self.health = health.aio.HealthServicer()
        self.http_server: uvicorn.Server | None = None
        self._tasks: list[asyncio.Task[Any]] = []
        self._consumers: list[EventConsumer] = []
        self.grpc_port = 0

    async def readiness_checks(self) -> dict[str, bool]:
        database_up = await self.context.database.ping()
        nats_up = self.context.bus.connected
        metrics.dependency_up.labels("postgresql").set(int(database_up))
        metrics.dependency_up.labels("nats").set(int(nats_up))
        metrics.readiness.set(int(database_up and nats_up))
        return {"postgresql": database_up, "nats": nats_up}

    async def start(self) -> None:
        """Starts every part; when one fails (a port taken, NATS refusing a consumer), stops those already
        started before raising, so a failed start leaves no server listening and no task running."""
        try:
            await self._start_parts()
        except BaseException:
            try:
                await self.stop()
            except Exception:
                log.exception("stopping the parts of a failed start failed")
            raise

    async def _start_parts(self) -> None:
        settings = self.context.settings
        self.context.relay.start()
        for spec in self.parts.consumers:
            consumer = EventConsumer(self.context.database, self.context.bus, spec)
            await consumer.start()
            self._consumers.append(consumer)
        if self.parts.grpc_services:
            await self._start_grpc(settings)
        await self._start_http(settings)
        self._tasks.append(asyncio.create_task(self._watch_readiness(), name="readiness"))
        for job in self.parts.background:
            self._tasks.append(asyncio.create_task(job(), name=getattr(job, "__name__", "background")))

    async def _start_grpc(self, settings: ServiceSettings) -> None:
        tables = [grpc_service.access for grpc_service in self.parts.grpc_services]
        callers = accepted_callers(configured=settings.speechcue_caller_token_hashes,
                                   environment=settings.speechcue_env)
        server = grpc.aio.server(
            interceptors=[ServiceInterceptor(callers=callers, access=tables, error_domain=f"speechcue.{self.service}",
                                             harness_allowed=settings.speechcue_env in DEVELOPMENT_ENVIRONMENTS)],
            options=[("grpc.so_reuseport", 0), ("grpc.max_receive_message_length", 8 * 1024 * 1024),
                     # Our clients ping every 30 s to keep idle channels alive; the server's default
                     # (one ping per 5 minutes) would answer them with GOAWAY "too many pings".
                     ("grpc.keepalive_permit_without_calls", 1),
                     ("grpc.http2.min_recv_ping_interval_without_data_ms", 20_000),
                     ("grpc.http2.max_ping_strikes", 0)],
        )
        names = [health_pb2.DESCRIPTOR.services_by_name["Health"].full_name, reflection.SERVICE_NAME]
        for grpc_service in self.parts.grpc_services:
            grpc_service.add_to_server(grpc_service.servicer, server)
            names.append(grpc_service.full_name)
        health_pb2_grpc.add_HealthServicer_to_server(self.health, server)
        # Reflection answers without the internal token (a map of every RPC for whoever reaches the
        # port), so it is served only when SPEECHCUE_GRPC_REFLECTION asks for it.
        if settings.speechcue_grpc_reflection:
            reflection.enable_server_reflection(names, server)
        # Kept before it listens, so that stop() shuts it down even when binding or starting fails.
        self.grpc_server = server
        self.grpc_port = server.add_insecure_port(f"{settings.speechcue_grpc_host}:{settings.speechcue_grpc_port}")
        await server.start()
        await self.health.set(LIVENESS_SERVICE, health_pb2.HealthCheckResponse.SERVING)
        await self._publish_readiness(await self.readiness_checks())

    async def _publish_readiness(self, checks: dict[str, bool]) -> None:
        status = (health_pb2.HealthCheckResponse.SERVING if all(checks.values())
                  else health_pb2.HealthCheckResponse.NOT_SERVING)
        for name in ("", READINESS_SERVICE, *(s.full_name for s in self.parts.grpc_services)):
            await self.health.set(name, status)

    async def _watch_readiness(self) -> None:
        while True:
            await asyncio.sleep(READINESS_INTERVAL_SECONDS)
            try:
                await self._publish_readiness(await self.readiness_checks())
            except Exception:
                log.exception("readiness check failed")

    async def _start_http(self, settings: ServiceSettings) -> None:
        app = create_http_app(service=self.service, readiness=self.readiness_checks,
                              max_body_bytes=settings.speechcue_max_body_bytes)
        if self.parts.add_http_routes is not None:
            self.parts.add_http_routes(app)
        # The services' apps have no lifespan of their own: this class starts and stops their parts.
        self.http_server, task = await start_http_server(app, settings.speechcue_http_host,
                                                         settings.speechcue_http_port, lifespan="off")
        self._tasks.append(task)

    async def stop(self) -> None:
        """Stops taking work, finishes what is in flight, flushes the outbox, closes connections."""
        await self.health.enter_graceful_shutdown()
        if self.grpc_server is not None:
            await self.grpc_server.stop(GRACE_SECONDS)
        if self.http_server is not None:
            self.http_server.should_exit = True
        for consumer in self._consumers:
            await consumer.stop()
        if self._tasks:
            # Bounded: a task that ignores its cancellation (or an HTTP request that never ends) must
            # not keep the process from exiting; it is named in the log instead. The HTTP server ends
            # by itself once told to exit; the others are cancelled until they end.
            async def ended(task: asyncio.Task[Any]) -> bool:
                if task.get_name() == "http":
                    return bool((await asyncio.wait({task}, timeout=STOP_SECONDS))[0])
                return await stop_task(task, within=STOP_SECONDS)

            for task, stopped in zip(self._tasks, await asyncio.gather(*(ended(task) for task in self._tasks)),
                                     strict=True):
                if not stopped:
                    log.warning("task %s did not stop within %.0f s; leaving it", task.get_name(), STOP_SECONDS)
        for close in self.parts.closers:
            await close()
        await self.context.relay.stop()
        await self.context.bus.close()
        await self.context.database.close()


async def start_service(
    settings: ServiceSettings,
    service: str,
    build: Callable[[ServiceContext], ServiceParts],
    *,
    produces_events: bool = True,
    consumes_from: Iterable[str] = (),
) -> RunningService:
    database = Database(settings.speechcue_database_url)
    bus = EventBus(settings.speechcue_nats_url, name=f"speechcue-{service}", tls=settings.nats_tls(),
                   identity=NatsIdentity(*settings.nats_identity()),
                   stream_replicas=settings.speechcue_nats_stream_replicas)
    try:
        await bus.connect()
        if produces_events:
            await bus.ensure_stream(service)
        for producer in consumes_from:
            await bus.ensure_source_stream(producer)
        relay = OutboxRelay(database, bus, service)
        context = ServiceContext(settings=settings, database=database, bus=bus, relay=relay)
        running = RunningService(context, build(context), service)
    except BaseException:
        await bus.close()
        await database.close()
        raise
    await running.start()  # stops what it started when it fails
    return running


def run_service(
    settings: ServiceSettings,
    service: str,
    build: Callable[[ServiceContext], ServiceParts],
    **options: Any,
) -> None:
    """The body of `python -m services.<name>`: runs until SIGTERM or SIGINT, then stops cleanly."""
    configure_logging(service, settings.speechcue_log_level, secret_values(settings.model_dump()))

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        running = await start_service(settings, service, build, **options)
        settle_collector()
        log.info("%s ready: gRPC :%s, HTTP :%s", service, running.grpc_port or "-",
                 settings.speechcue_http_port)
        await stop.wait()
        log.info("%s stopping", service)
        await running.stop()
        log.info("%s stopped", service)

    try:
        asyncio.run(main())
    except CallerConfigurationError as error:
        sys.stderr.write(f"speechcue {service}: bad configuration: {error}\n")
        raise SystemExit(2) from None


# Python collects its youngest generation every 700 allocations by default. A service's requests
# are in flight when that happens, so their objects are promoted to the older generations, and each
# collection of the oldest walks everything loaded at start-up: modules, classes, compiled
# statements, protobuf descriptors. bench/calls_webhook.py measured 8 % of the calls service's CPU
# and 13 % of the wallet's in the collector; under 0.5 % of each after settle_collector.
YOUNG_GENERATION_THRESHOLD = 10_000


def settle_collector() -> None:
    """Called once the service has started: what exists now lives as long as the process, so the
    collector stops walking it (`gc.freeze`), and it collects the youngest generation less often.
    Garbage made of reference cycles is still collected, a little later."""
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, middle, oldest)


def service_command_line(argv: list[str], settings_class: type[ServiceSettings], service: str,
                         build: Callable[[ServiceContext], ServiceParts]) -> None:
    """`python -m services.<name>` runs the service; `... migrate` applies its migrations and exits
    (the chart's pre-install Job and the local runner use it)."""
    settings = load_settings(settings_class)
    if argv[1:2] == ["migrate"]:
        upgrade_to_head(service, settings.speechcue_database_url)
        return
    run_service(settings, service, build)
