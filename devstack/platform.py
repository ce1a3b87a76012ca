"""What the local platform is made of: which services exist, their ports, and the environment
each one is started with. The runner in `devstack.__main__`, the demo and the end-to-end tests share
it; the tests use ports of their own (`LocalPorts`) so they never meet a `./dev up` running beside
them, and below the kernel's ephemeral range (32768-60999 here), where a client socket of another
test could hold the very port a service wants to listen on."""

from __future__ import annotations

from dataclasses import dataclass, replace

from services.runtime.callers import HARNESS, development_token

# The demo, the mixed load and the tests call services from outside as the harness (development and
# test only); the services call each other with their own derived tokens (services/runtime/callers.py).
LOCAL_HARNESS_TOKEN = development_token(HARNESS)
LOCAL_RETELL_KEY = "local-sandbox-retell-key"
LOCAL_DYNOPAY = (("DYNOPAY_API_KEY", "local-dynopay-key"), ("DYNOPAY_WALLET_TOKEN", "local-dynopay-token"),
                 ("DYNOPAY_WEBHOOK_SECRET", "local-dynopay-webhook-secret"))
LOCAL_TELEGRAM = (("TELEGRAM_BOT_TOKEN", "100000001:local-sandbox-telegram-token"),
                  ("TELEGRAM_WEBHOOK_SECRET", "local-telegram-webhook-secret"))


@dataclass(frozen=True)
class LocalPorts:
    postgres: int = 54329
    nats: int = 4222
    # Service n (wallet 1, calls 2, payments 3, bot 4; the sandbox 9) listens on http_base + n and
    # grpc_base + n.
    http_base: int = 8000
    grpc_base: int = 50050


DEFAULT_PORTS = LocalPorts()
SANDBOX_NUMBER = 9
# `./dev up --replicas N`: replica i (from 0) of a service listens REPLICA_PORT_STEP × i above the
# first one's ports, inside the same block of 1,000 (so at most MAX_REPLICAS).
REPLICA_PORT_STEP = 100
MAX_REPLICAS = 9
# With more than one replica, service n's webhooks come through its load balancer
# (devstack/balancer.py) on http_base + BALANCER_PORT_OFFSET + n.
BALANCER_PORT_OFFSET = 20
# The services that take webhooks from the simulators: each gets a balancer.
WEBHOOK_SERVICES = ("calls", "payments", "bot")


@dataclass(frozen=True)
class LocalService:
    name: str
    grpc_port: int | None
    http_port: int
    has_database: bool = True
    extra_environment: tuple[tuple[str, str], ...] = ()
    # Processes of this service (`./dev up --replicas N`); they share its database.
    replicas: int = 1

    @property
    def grpc_address(self) -> str:
        """Where its clients call it: one address, or every replica's (gRPC's ipv4 resolver takes a
        comma-separated list; `internal_channel` spreads calls over them round-robin)."""
        if self.replicas == 1 or self.grpc_port is None:
            return f"127.0.0.1:{self.grpc_port}"
        return "ipv4:" + ",".join(f"127.0.0.1:{self.grpc_port + REPLICA_PORT_STEP * index}"
                                  for index in range(self.replicas))

    @property
    def balanced(self) -> bool:
        """Whether the simulators reach it through a load balancer (several replicas take webhooks)."""
        return self.replicas > 1 and self.name in WEBHOOK_SERVICES

    def instances(self) -> list[tuple[str, LocalService]]:
        """Each process of the service: its name (`bot`, then `bot-2` …) and itself on its own ports."""
        return [(self.name if index == 0 else f"{self.name}-{index + 1}",
                 replace(self, replicas=1, http_port=self.http_port + REPLICA_PORT_STEP * index,
                         grpc_port=None if self.grpc_port is None else self.grpc_port + REPLICA_PORT_STEP * index))
                for index in range(self.replicas)]


def sandbox_url(ports: LocalPorts = DEFAULT_PORTS) -> str:
    return f"http://127.0.0.1:{ports.http_base + SANDBOX_NUMBER}"


def local_services(ports: LocalPorts = DEFAULT_PORTS, *, replicas: int = 1) -> tuple[LocalService, ...]:
    """The sandbox (one process: it stands for Telegram, Retell and DynoPay) and the four services, each
    with `replicas` processes; the simulators' webhooks go to a service's only process, or with
    several to its load balancer (`balancer_port`), which spreads them over all."""
    if not 1 <= replicas <= MAX_REPLICAS:
        raise ValueError(f"replicas must be 1 to {MAX_REPLICAS}, not {replicas}")

    def http(number: int) -> str:
        """Where a service's webhooks are sent (its public base URL)."""
        offset = BALANCER_PORT_OFFSET if replicas > 1 else 0
        return f"http://127.0.0.1:{ports.http_base + offset + number}"

    sandbox = sandbox_url(ports)
    services = (
        LocalService("sandbox", grpc_port=None, http_port=ports.http_base + SANDBOX_NUMBER, has_database=False,
                     extra_environment=(("RETELL_API_KEY", LOCAL_RETELL_KEY), *LOCAL_DYNOPAY, *LOCAL_TELEGRAM,
                                        ("SANDBOX_DYNOPAY_WEBHOOK_URL", f"{http(3)}/webhooks/dynopay"),
                                        ("SANDBOX_TELEGRAM_WEBHOOK_URL", f"{http(4)}/telegram/webhook"))),
        LocalService("wallet", grpc_port=ports.grpc_base + 1, http_port=ports.http_base + 1),
        LocalService("calls", grpc_port=ports.grpc_base + 2, http_port=ports.http_base + 2, extra_environment=(
            ("RETELL_API_KEY", LOCAL_RETELL_KEY), ("RETELL_BASE_URL", sandbox),
            ("SPEECHCUE_PUBLIC_BASE_URL", http(2)),
            # The default allow-list and Japan and Australia, where ./dev demo finds callees in their hours.
            ("CALLS_ALLOWED_COUNTRIES", "US,CA,GB,IE,FR,DE,ES,IN,JP,AU"),
        )),
        LocalService("payments", grpc_port=ports.grpc_base + 3, http_port=ports.http_base + 3, extra_environment=(
            *LOCAL_DYNOPAY, ("DYNOPAY_BASE_URL", sandbox), ("SPEECHCUE_PUBLIC_BASE_URL", http(3)),
        )),
        LocalService("bot", grpc_port=ports.grpc_base + 4, http_port=ports.http_base + 4, extra_environment=(
            *LOCAL_TELEGRAM, ("TELEGRAM_API_BASE_URL", sandbox), ("SPEECHCUE_PUBLIC_BASE_URL", http(4)),
            # The Retell simulator serves the call recordings, as Retell's storage does.
            ("BOT_RECORDING_ORIGINS", sandbox),
        )),
    )
    return tuple(service if not service.has_database else replace(service, replicas=replicas) for service in services)


def balancer_port(service: LocalService) -> int:
    """Where the load balancer in front of a balanced service (its first replica, as `local_services`
    lists it) listens."""
    return service.http_port + BALANCER_PORT_OFFSET


LOCAL_SERVICES = local_services()
SANDBOX_URL = sandbox_url()


def service_environment(service: LocalService, *, database_url: str | None, nats_url: str,
                        services: tuple[LocalService, ...] = LOCAL_SERVICES) -> dict[str, str]:
    environment = {
        "SPEECHCUE_ENV": "development",
        "SPEECHCUE_NATS_URL": nats_url,
        "SPEECHCUE_HTTP_PORT": str(service.http_port),
        "SPEECHCUE_HTTP_HOST": "127.0.0.1",
        "SPEECHCUE_GRPC_HOST": "127.0.0.1",
        "SPEECHCUE_ADMIN_TELEGRAM_IDS": "1",
    }
    if database_url is not None:
        environment["SPEECHCUE_DATABASE_URL"] = database_url
    if service.grpc_port is not None:
        environment["SPEECHCUE_GRPC_PORT"] = str(service.grpc_port)
    environment.update(service.extra_environment)
    for other in services:
        if other.grpc_port is not None:
            environment[f"{other.name.upper()}_GRPC_ADDR"] = other.grpc_address
    return environment
