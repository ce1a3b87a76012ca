"""What the local platform is made of: which services exist, their ports, and the environment
each one is started with. The runner in `devstack.__main__`, the demo and the end-to-end tests share
it; the tests shift every port by an offset so they never meet a `./dev up` running beside them."""

from __future__ import annotations

from dataclasses import dataclass

LOCAL_INTERNAL_TOKEN = "local-development-token"
LOCAL_RETELL_KEY = "local-sandbox-retell-key"
LOCAL_DYNOPAY = (("DYNOPAY_API_KEY", "local-dynopay-key"), ("DYNOPAY_WALLET_TOKEN", "local-dynopay-token"),
                 ("DYNOPAY_WEBHOOK_SECRET", "local-dynopay-webhook-secret"))
LOCAL_TELEGRAM = (("TELEGRAM_BOT_TOKEN", "100000001:local-sandbox-telegram-token"),
                  ("TELEGRAM_WEBHOOK_SECRET", "local-telegram-webhook-secret"))
POSTGRES_PORT = 54329
NATS_PORT = 4222
SANDBOX_PORT = 8009


@dataclass(frozen=True)
class LocalService:
    name: str
    grpc_port: int | None
    http_port: int
    has_database: bool = True
    extra_environment: tuple[tuple[str, str], ...] = ()

    @property
    def grpc_address(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"


def sandbox_url(offset: int = 0) -> str:
    return f"http://127.0.0.1:{SANDBOX_PORT + offset}"


def local_services(offset: int = 0) -> tuple[LocalService, ...]:
    def http(port: int) -> str:
        return f"http://127.0.0.1:{port + offset}"

    sandbox = sandbox_url(offset)
    return (
        LocalService("sandbox", grpc_port=None, http_port=SANDBOX_PORT + offset, has_database=False,
                     extra_environment=(("RETELL_API_KEY", LOCAL_RETELL_KEY), *LOCAL_DYNOPAY, *LOCAL_TELEGRAM,
                                        ("SANDBOX_DYNOPAY_WEBHOOK_URL", f"{http(8003)}/webhooks/dynopay"),
                                        ("SANDBOX_TELEGRAM_WEBHOOK_URL", f"{http(8004)}/telegram/webhook"))),
        LocalService("wallet", grpc_port=50051 + offset, http_port=8001 + offset),
        LocalService("calls", grpc_port=50052 + offset, http_port=8002 + offset, extra_environment=(
            ("RETELL_API_KEY", LOCAL_RETELL_KEY), ("RETELL_BASE_URL", sandbox),
            ("SPEECHCUE_PUBLIC_BASE_URL", http(8002)),
        )),
        LocalService("payments", grpc_port=50053 + offset, http_port=8003 + offset, extra_environment=(
            *LOCAL_DYNOPAY, ("DYNOPAY_BASE_URL", sandbox), ("SPEECHCUE_PUBLIC_BASE_URL", http(8003)),
        )),
        LocalService("bot", grpc_port=50054 + offset, http_port=8004 + offset, extra_environment=(
            *LOCAL_TELEGRAM, ("TELEGRAM_API_BASE_URL", sandbox), ("SPEECHCUE_PUBLIC_BASE_URL", http(8004)),
        )),
    )


LOCAL_SERVICES = local_services()
SANDBOX_URL = sandbox_url()


def service_environment(service: LocalService, *, database_url: str | None, nats_url: str,
                        services: tuple[LocalService, ...] = LOCAL_SERVICES) -> dict[str, str]:
    environment = {
        "SPEECHCUE_ENV": "development",
        "SPEECHCUE_NATS_URL": nats_url,
        "SPEECHCUE_INTERNAL_TOKEN": LOCAL_INTERNAL_TOKEN,
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
