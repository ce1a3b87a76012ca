"""A service of the platform (or a benchmark's own server) as its own process, for the benchmarks."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

READY_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 20.0


class ServiceProcess:
    """`python -m <module> [args]` on loopback, configured by environment variables, ready when
    `ready_path` on its HTTP port answers 200."""

    def __init__(self, name: str, arguments: list[str], environment: dict[str, str], *, http_port: int,
                 ready_path: str, log_path: Path) -> None:
        self.name = name
        self._arguments = arguments
        self._environment = environment
        self.http_port = http_port
        self._ready_url = f"http://127.0.0.1:{http_port}{ready_path}"
        self._log_path = log_path
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        return self._process.pid if self._process is not None else 0

    async def start(self) -> None:
        with open(self._log_path, "ab") as log_file:
            # Its own session: Ctrl-C reaches only this script, which then stops everything in order.
            self._process = subprocess.Popen(
                [sys.executable, *self._arguments], env={**os.environ, **self._environment}, stdout=log_file,
                stderr=subprocess.STDOUT, start_new_session=True,
            )
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        # No proxy: a proxy configured in the environment must not see loopback requests.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"{self.name} exited at start:\n{self._log_tail()}")
            with contextlib.suppress(OSError):
                with await asyncio.to_thread(opener.open, self._ready_url, timeout=1.0):
                    return
            await asyncio.sleep(0.1)
        raise RuntimeError(f"{self.name} was not ready within {READY_TIMEOUT_SECONDS:.0f} s:\n{self._log_tail()}")

    def _log_tail(self, lines: int = 20) -> str:
        # Quoted rather than pointed to: the temporary folder holding the log is gone after the run.
        return "\n".join(self._log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        """SIGTERM (in-flight work finishes, the outbox flushes), SIGKILL if it hangs."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
