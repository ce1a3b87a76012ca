"""The wallet as its own process, for tests that kill it."""

from __future__ import annotations

import os
from pathlib import Path

from devstack.ports import free_port
from tests.service_process import ServiceProcess
from tests.wallet.conftest import ADMIN_ID


class WalletProcess(ServiceProcess):
    def __init__(self, database_url: str, nats_url: str, log_path: Path) -> None:
        super().__init__("wallet", {
            **os.environ,
            "SPEECHCUE_ENV": "test",
            "SPEECHCUE_DATABASE_URL": database_url,
            "SPEECHCUE_NATS_URL": nats_url,
            "SPEECHCUE_ADMIN_TELEGRAM_IDS": str(ADMIN_ID),
            "SPEECHCUE_GRPC_PORT": str(free_port()),
            "SPEECHCUE_HTTP_PORT": str(free_port()),
            "SPEECHCUE_HTTP_HOST": "127.0.0.1",
        }, log_path)
