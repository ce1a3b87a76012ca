"""What the local platform is made of: which services exist, their ports, and the environment
each one is started with. The runner in `devstack.__main__` and the end-to-end tests share it."""

from __future__ import annotations

from dataclasses import dataclass

LOCAL_INTERNAL_TOKEN = "local-development-token"
LOCAL_RETELL_KEY = "local-sandbox-retell-key"
LOCAL_DYNOPAY = (("DYNOPAY_API_KEY", "local-dynopay-key"), ("DYNOPAY_WALLET_TOKEN", "local-dynopay-token"),
                 ("DYNOPAY_WEBHOOK_SECRET", "local-dynopay-webhook-secret"))
SANDBOX_URL = "http://127.0.0.1:8009"
LOCAL_TELEGRAM = (("TELEGRAM_BOT_TOKEN", "100000001:local-sandbox-telegram-token"),
                  ("TELEGRAM_WEBHOOK_SECRET", "local-telegram-webhook-secret"))


@dataclass(frozen=True)
class LocalService:
    name: str
    grpc_port: int | None
    http_port: int
    has_database: bool = True
    extra_environment: tuple[tuple[str, str], ...] = ()


LOCAL_SERVICES: tuple[LocalService, ...] = (
    LocalService("sandbox", grpc_port=None, http_port=8009, has_database=False,
                 extra_environment=(("RETELL_API_KEY", LOCAL_RETELL_KEY), *LOCAL_DYNOPAY, *LOCAL_TELEGRAM,
                                    ("SANDBOX_DYNOPAY_WEBHOOK_URL", "http://127.0.0.1:8003/webhooks/dynopay"),
                                    ("SANDBOX_TELEGRAM_WEBHOOK_URL", "http://127.0.0.1:8004/telegram/webhook"))),
    LocalService("wallet", grpc_port=50051, http_port=8001),
    LocalService("calls", grpc_port=50052, http_port=8002, extra_environment=(
        ("RETELL_API_KEY", LOCAL_RETELL_KEY), ("RETELL_BASE_URL", SANDBOX_URL),
        ("SPEECHCUE_PUBLIC_BASE_URL", "http://127.0.0.1:8002"),
    )),
    LocalService("payments", grpc_port=50053, http_port=8003, extra_environment=(
        *LOCAL_DYNOPAY, ("DYNOPAY_BASE_URL", SANDBOX_URL), ("SPEECHCUE_PUBLIC_BASE_URL", "http://127.0.0.1:8003"),
    )),
    LocalService("bot", grpc_port=50054, http_port=8004, extra_environment=(
        *LOCAL_TELEGRAM, ("TELEGRAM_API_BASE_URL", SANDBOX_URL), ("SPEECHCUE_PUBLIC_BASE_URL", "http://127.0.0.1:8004"),
    )),
)


def service_environment(service: LocalService, *, database_url: str | None, nats_url: str) -> dict[str, str]:
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
    for other in LOCAL_SERVICES:
        if other.grpc_port is not None:
            environment[f"{other.name.upper()}_GRPC_ADDR"] = f"127.0.0.1:{other.grpc_port}"
    return environment
