"""`./dev up`: the whole platform on this machine.

Starts embedded PostgreSQL and NATS (JetStream) on 127.0.0.1, creates one database per service,
applies every service's migrations, starts each service as its own process, prints one line per
part with its address, and on Ctrl-C stops everything it started. Data lives in `.speechcue/`
and persists between runs; `--fresh` starts from empty.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from cronjobs.schedule import TICKS, Tick
from cronjobs.ticker import run_ticker
from devstack.nats import EmbeddedNats
from devstack.platform import LOCAL_INTERNAL_TOKEN, LOCAL_SERVICES, LocalService, service_environment
from devstack.ports import port_is_open
from devstack.postgres import EmbeddedPostgres
from services.runtime.migrations import upgrade_to_head

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_PORT = 54329
NATS_PORT = 4222


def progress(message: str) -> None:
    sys.stderr.write(f"\r\033[K… {message}")
    sys.stderr.flush()


def announce(part: str, address: str) -> None:
    sys.stderr.write("\r\033[K")
    print(f"  {part:<12} {address}", flush=True)


def wait_ready(service: LocalService, process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    url = f"http://127.0.0.1:{service.http_port}/{'readyz' if service.has_database else 'healthz'}"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{service.name} exited during start-up; see .speechcue/logs/{service.name}.log")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{service.name} was not ready after {timeout:.0f} s")


def start_ticker(log_path: Path) -> None:
    """The schedule table of cronjobs/ run in a thread of this process (the CronJobs' stand-in)."""
    addresses = {s.name: f"127.0.0.1:{s.grpc_port}" for s in LOCAL_SERVICES if s.grpc_port is not None}
    log_file = open(log_path, "a", buffering=1)

    def report(tick: Tick, outcome: str) -> None:
        log_file.write(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {tick.name}: {outcome}\n")

    thread = threading.Thread(target=lambda: asyncio.run(run_ticker(addresses, LOCAL_INTERNAL_TOKEN, report=report)),
                              name="ticker", daemon=True)
    thread.start()


def main() -> int:
    parser = argparse.ArgumentParser(prog="./dev up", description=__doc__.splitlines()[0])
    parser.add_argument("--fresh", action="store_true", help="delete the local data and start from empty")
    parser.add_argument("--data", type=Path, default=ROOT / ".speechcue", help="where local data lives")
    options = parser.parse_args()

    if options.fresh and options.data.exists():
        shutil.rmtree(options.data)
    logs = options.data / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    wanted = [(POSTGRES_PORT, "PostgreSQL"), (NATS_PORT, "NATS")]
    for service in LOCAL_SERVICES:
        wanted.append((service.http_port, service.name))
        if service.grpc_port is not None:
            wanted.append((service.grpc_port, service.name))
    for port, what in wanted:
        if port_is_open(port):
            print(f"port {port} for {what} is taken: is another './dev up' running?", file=sys.stderr)
            return 1

    started = time.monotonic()
    postgres = EmbeddedPostgres(options.data / "postgres", port=POSTGRES_PORT)
    nats = EmbeddedNats(options.data / "nats", port=NATS_PORT)
    processes: dict[str, subprocess.Popen[bytes]] = {}
    try:
        progress("starting PostgreSQL")
        postgres.start()
        announce("postgresql", postgres.url)
        progress("starting NATS")
        nats.start()
        announce("nats", nats.url)
        for service in LOCAL_SERVICES:
            database_url = None
            if service.has_database:
                progress(f"migrating {service.name}")
                database_url = postgres.create_database(service.name)
                upgrade_to_head(service.name, database_url)
            progress(f"starting {service.name}")
            environment = {**os.environ, **service_environment(service, database_url=database_url,
                                                                nats_url=nats.url)}
            log_file = open(logs / f"{service.name}.log", "ab")
            processes[service.name] = subprocess.Popen(
                [sys.executable, "-m", f"services.{service.name}"], env=environment, cwd=ROOT,
                stdout=log_file, stderr=subprocess.STDOUT,
            )
        for service in LOCAL_SERVICES:
            progress(f"waiting for {service.name}")
            wait_ready(service, processes[service.name])
            grpc = f"gRPC 127.0.0.1:{service.grpc_port}, " if service.grpc_port else ""
            announce(service.name, f"{grpc}http://127.0.0.1:{service.http_port}")
        start_ticker(logs / "ticker.log")
        announce("ticker", f"{len(TICKS)} ticks on the schedules of cronjobs/schedule.py (logs/ticker.log)")
        print(f"ready in {time.monotonic() - started:.1f} s; logs in {logs}; Ctrl-C stops everything", flush=True)
        while True:
            signal.pause()
    except KeyboardInterrupt:
        pass
    except RuntimeError as error:
        sys.stderr.write(f"\r\033[K{error}\n")
        return 1
    finally:
        print("\nstopping …", file=sys.stderr)
        for process in processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for name, process in processes.items():
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                print(f"{name} did not stop in time; killing it", file=sys.stderr)
                process.kill()
        nats.stop()
        postgres.stop()
    return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _interrupt)
    sys.exit(main())
