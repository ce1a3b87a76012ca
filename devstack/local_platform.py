"""Starting and stopping the whole local platform: embedded PostgreSQL and NATS, one database per
service with its migrations, each service as its own process, and the ticker. `./dev up` runs it
in the foreground; the end-to-end tests run it on shifted ports."""

from __future__ import annotations

import asyncio
import fcntl
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from cronjobs.schedule import Tick
from cronjobs.ticker import run_ticker
from devstack.nats import EmbeddedNats
from devstack.platform import (
    DEFAULT_PORTS,
    LocalPorts,
    LocalService,
    balancer_port,
    local_services,
    service_environment,
)
from devstack.ports import port_is_open
from devstack.postgres import EmbeddedPostgres
from services.runtime.migrations import upgrade_to_head

ROOT = Path(__file__).resolve().parent.parent
STOP_SECONDS = 15.0


class PortTaken(RuntimeError):
    pass


class LocalPlatform:
    def __init__(self, data: Path, *, ports: LocalPorts = DEFAULT_PORTS, ticker: bool = True,
                 overrides: dict[str, dict[str, str]] | None = None, replicas: int = 1,
                 progress: Callable[[str], None] = lambda message: None,
                 announce: Callable[[str, str], None] = lambda part, address: None) -> None:
        self.overrides = overrides or {}
        self.data = data
        self.logs = data / "logs"
        self.ports = ports
        self.services = local_services(ports, replicas=replicas)
        # Every process by its name: `bot`, and with replicas `bot-2` … (LocalService.instances).
        self.instances = {name: instance for service in self.services for name, instance in service.instances()}
        self.with_ticker = ticker
        self.progress = progress
        self.announce = announce
        self.postgres = EmbeddedPostgres(data / "postgres", port=ports.postgres)
        self.nats = EmbeddedNats(data / "nats", port=ports.nats)
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        # SIGKILLs per service: a killed bot may resend the message it was sending (at least once).
        self.kills: Counter[str] = Counter()
        self.database_urls: dict[str, str] = {}
        # The claim on this block of ports (on_free_ports), let go when the platform stops.
        self.claim: BlockClaim | None = None

    def service(self, name: str) -> LocalService:
        return self.instances[name]

    def check_ports(self) -> None:
        wanted = [(self.ports.postgres, "PostgreSQL"), (self.ports.nats, "NATS")]
        for service in self.instances.values():
            wanted.append((service.http_port, service.name))
            if service.grpc_port is not None:
                wanted.append((service.grpc_port, service.name))
        for service in self.services:
            if service.balanced:
                wanted.append((balancer_port(service), f"{service.name}'s load balancer"))
        for port, what in wanted:
            if port_is_open(port):
                raise PortTaken(f"port {port} for {what} is taken: is another './dev up' running?")

    def start(self) -> None:
        self.logs.mkdir(parents=True, exist_ok=True)
        self.check_ports()
        self.progress("starting PostgreSQL")
        self.postgres.start()
        self.announce("postgresql", self.postgres.url)
        self.progress("starting NATS")
        self.nats.start()
        self.announce("nats", self.nats.url)
        self.start_balancers()
        for service in self.services:
            database_url = None
            if service.has_database:
                self.progress(f"migrating {service.name}")
                database_url = self.postgres.create_database(service.name)
                upgrade_to_head(service.name, database_url)
                self.database_urls[service.name] = database_url
            for name, _ in service.instances():
                self.start_service(name)
        for name, service in self.instances.items():
            self.progress(f"waiting for {name}")
            self.wait_ready(name)
            grpc = f"gRPC {service.grpc_address}, " if service.grpc_port else ""
            self.announce(name, f"{grpc}http://127.0.0.1:{service.http_port}")
        if self.with_ticker:
            self.start_ticker()

    def start_service(self, name: str) -> None:
        service = self.service(name)
        environment = {**os.environ, **service_environment(service, database_url=self.database_urls.get(service.name),
                                                            nats_url=self.nats.address, services=self.services),
                       **self.overrides.get(service.name, {})}
        self.progress(f"starting {name}")
        log_file = open(self.logs / f"{name}.log", "ab")
        self.processes[name] = subprocess.Popen([sys.executable, "-m", f"services.{service.name}"], env=environment,
                                                cwd=ROOT, stdout=log_file, stderr=subprocess.STDOUT)

    def start_balancers(self) -> None:
        """With several replicas, a load balancer in front of each service that takes webhooks
        (devstack/balancer.py): started first, so the first webhook finds it."""
        for service in self.services:
            if not service.balanced:
                continue
            name, port = f"{service.name}-balancer", balancer_port(service)
            replicas = [argument for _, instance in service.instances()
                        for argument in ("--replica", str(instance.http_port))]
            log_file = open(self.logs / f"{name}.log", "ab")
            self.processes[name] = subprocess.Popen([sys.executable, "-m", "devstack.balancer", "--listen", str(port),
                                                     *replicas], cwd=ROOT, stdout=log_file, stderr=subprocess.STDOUT)
            deadline = time.monotonic() + 30.0
            while not port_is_open(port):
                if self.processes[name].poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{name} did not start listening on {port} ({self.logs / (name + '.log')})")
                time.sleep(0.05)
            self.announce(name, f"http://127.0.0.1:{port} → {len(service.instances())} replicas")

    def wait_ready(self, name: str, timeout: float = 30.0) -> None:
        process = self.processes[name]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                log = (self.logs / f"{name}.log").read_text(errors="replace").splitlines()[-15:]
                raise RuntimeError(f"{name} exited during start-up ({self.logs / (name + '.log')} ends with):\n"
                                   + "\n".join(log))
            if self.ready(name):
                return
            time.sleep(0.1)
        raise RuntimeError(f"{name} was not ready after {timeout:.0f} s")

    def ready(self, name: str) -> bool:
        """One probe of the service's readiness (its database and NATS reachable), as Kubernetes asks."""
        service = self.service(name)
        url = f"http://127.0.0.1:{service.http_port}/{'readyz' if service.has_database else 'healthz'}"
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                return bool(response.status == 200)
        except OSError:
            return False

    def wait_all_ready(self, timeout: float = 60.0) -> float:
        """Waits until every service answers ready; returns the seconds it took."""
        started = time.monotonic()
        for name in self.instances:
            self.wait_ready(name, timeout=max(0.1, timeout - (time.monotonic() - started)))
        return time.monotonic() - started

    def pid(self, name: str) -> int:
        return self.processes[name].pid

    def running(self, name: str) -> bool:
        return name in self.processes and self.processes[name].poll() is None

    def kill(self, name: str) -> None:
        """SIGKILL, as a crash would (tests use it to see what the rest of the platform does)."""
        process = self.processes[name]
        if process.poll() is None:
            self.kills[name] += 1
            process.kill()
            process.wait()

    # Faults: the fault tests and bench/faults.py stop the servers under the services, keeping their data.

    def stop_nats(self) -> None:
        self.nats.stop()

    def start_nats(self) -> None:
        self.nats.start()

    def stop_postgres(self) -> None:
        self.postgres.stop()

    def start_postgres(self) -> None:
        self.postgres.start()

    def start_ticker(self) -> None:
        """The schedule table of cronjobs/ run in a thread of this process (the CronJobs' stand-in)."""
        addresses = {s.name: s.grpc_address for s in self.services if s.grpc_port is not None}
        log_file = open(self.logs / "ticker.log", "a", buffering=1)

        def report(tick: Tick, outcome: str) -> None:
            log_file.write(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {tick.name}: {outcome}\n")

        thread = threading.Thread(
            target=lambda: asyncio.run(run_ticker(addresses, report=report)),
            name="ticker", daemon=True)
        thread.start()

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for name, process in self.processes.items():
            try:
                process.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                print(f"{name} did not stop in time; killing it", file=sys.stderr)
                process.kill()
                process.wait()
        self.nats.stop()
        self.postgres.stop()
        if self.claim is not None:
            self.claim.release()
            self.claim = None


PORT_BLOCK_LOCKS = Path(tempfile.gettempdir()) / "speechcue-port-blocks"


class BlockClaim:
    """This process's hold on a block of ports, named by its PostgreSQL port: an exclusive lock on a
    file in the temporary directory, which every test session, worker and bench on the machine uses.
    Checking that nothing listens is not enough alone: two sessions checking the same free block at
    once would both take it, and the second PostgreSQL or NATS would fail to bind, or its createdb
    would reach the first one's server. The kernel lets go of the lock when the process ends."""

    def __init__(self, handle: int) -> None:
        self.handle = handle

    @classmethod
    def take(cls, ports: LocalPorts, folder: Path | None = None) -> BlockClaim | None:
        folder = folder or PORT_BLOCK_LOCKS
        folder.mkdir(parents=True, exist_ok=True)
        handle = os.open(folder / f"{ports.postgres}.lock", os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(handle)
            return None
        return cls(handle)

    def release(self) -> None:
        os.close(self.handle)  # closing the only descriptor of the lock lets it go


# Blocks of ports below the ephemeral range, apart from ./dev up's, the e2e suite's (21xxx), the
# reliability platform's (22xxx), the log-secrecy test's (23xxx) and bench/faults.py's (24xxx).
SPARE_PORT_BASES = tuple(range(25000, 35000, 1000))


def on_free_ports(data: Path, preferred: LocalPorts, *, ticker: bool = True,
                  overrides: dict[str, dict[str, str]] | None = None, replicas: int = 1) -> LocalPlatform:
    """The platform on its preferred ports, or on the first spare block that no other session has
    claimed and nothing listens on yet: a second suite running beside this one (or a leftover
    platform) may hold the preferred block."""
    candidates = [preferred, *(LocalPorts(postgres=base + 329, nats=base + 222, http_base=base, grpc_base=base + 50)
                               for base in SPARE_PORT_BASES)]
    for ports in candidates:
        claim = BlockClaim.take(ports)
        if claim is None:
            continue  # another session here has this block, even if nothing listens on it yet
        platform = LocalPlatform(data, ports=ports, ticker=ticker, overrides=overrides, replicas=replicas)
        try:
            platform.check_ports()
        except PortTaken:
            claim.release()
            continue
        platform.claim = claim
        return platform
    raise PortTaken(f"no free block of ports: tried {preferred} and the blocks at {SPARE_PORT_BASES}")
