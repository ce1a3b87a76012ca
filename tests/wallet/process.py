"""Running the wallet as its own process, as in production, for tests that kill it."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import httpx

from devstack.ports import free_port
from tests.wallet.conftest import ADMIN_ID, INTERNAL_TOKEN


class WalletProcess:
    def __init__(self, database_url: str, nats_url: str, log_path: Path) -> None:
        self.grpc_port = free_port()
        self.http_port = free_port()
        self.environment = {
            **os.environ,
            "SPEECHCUE_ENV": "test",
            "SPEECHCUE_DATABASE_URL": database_url,
            "SPEECHCUE_NATS_URL": nats_url,
            "SPEECHCUE_INTERNAL_TOKEN": INTERNAL_TOKEN,
            "SPEECHCUE_ADMIN_TELEGRAM_IDS": str(ADMIN_ID),
            "SPEECHCUE_GRPC_PORT": str(self.grpc_port),
            "SPEECHCUE_HTTP_PORT": str(self.http_port),
            "SPEECHCUE_HTTP_HOST": "127.0.0.1",
        }
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"

    async def start(self, timeout: float = 30.0) -> None:
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen([sys.executable, "-m", "services.wallet"], env=self.environment,
                                        stdout=log, stderr=subprocess.STDOUT)
        deadline = asyncio.get_running_loop().time() + timeout
        async with httpx.AsyncClient() as client:
            while asyncio.get_running_loop().time() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"wallet exited at start:\n{self.log_path.read_text()[-3000:]}")
                try:
                    if (await client.get(f"http://127.0.0.1:{self.http_port}/readyz")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.05)
        raise RuntimeError("wallet did not become ready")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def terminate(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
