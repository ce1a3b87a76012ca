"""A service running as its own process, as in production, for tests that kill or restart it."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import httpx


class ServiceProcess:
    def __init__(self, service: str, environment: dict[str, str], log_path: Path) -> None:
        self.service = service
        self.environment = environment
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def http_port(self) -> int:
        return int(self.environment["SPEECHCUE_HTTP_PORT"])

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.environment['SPEECHCUE_GRPC_PORT']}"

    async def start(self, timeout: float = 30.0, **extra_environment: str) -> None:
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen([sys.executable, "-m", f"services.{self.service}"],
                                        env={**self.environment, **extra_environment},
                                        stdout=log, stderr=subprocess.STDOUT)
        deadline = asyncio.get_running_loop().time() + timeout
        async with httpx.AsyncClient() as client:
            while asyncio.get_running_loop().time() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"{self.service} exited at start:\n{self.log_path.read_text()[-3000:]}")
                try:
                    if (await client.get(f"http://127.0.0.1:{self.http_port}/readyz")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.05)
        raise RuntimeError(f"{self.service} did not become ready")

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
