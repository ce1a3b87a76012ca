"""What bench/faults.py and bench/soak.py need to run the platform at two (or more) replicas of every
service, as the chart deploys it, and to say what the clients went through.

- At several replicas the platform is `./dev up --replicas N`'s: the simulators' webhooks go through
  a load balancer per service (devstack/balancer.py, the cluster ingress's stand-in), and the gRPC
  clients (the services' own and the load's) spread their calls over every replica: each address is
  the `ipv4:a,b` list that `internal_channel` calls round-robin (services/runtime/grpc_client.py).
- Faults of one replica: `kill_replicas` SIGKILLs some processes and starts them again after a while;
  `rolling_restart` restarts every service one replica at a time as a Deployment's rollout does
  (SIGTERM, the process finishes what it has and exits, a new one starts, the next waits for it to be
  ready).
- `ClientFigures`: what the load's clients met in a time span (attempts that failed and were retried
  with the same idempotency key, by status; operations that failed for good), and `ServiceLogs`: the
  error and warning lines the services wrote meanwhile (their own calls to each other included).
- `spread`: the RPCs and webhooks each process served, from its /metrics.
"""

from __future__ import annotations

import asyncio
import json
import re
import signal
import subprocess
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from devstack.faults import READY_TIMEOUT_SECONDS, Recovery
from devstack.local_platform import STOP_SECONDS, LocalPlatform
from devstack.mixed_load import Operation

SERVICES = ("wallet", "calls", "payments", "bot")


def terminate(platform: LocalPlatform, name: str) -> float:
    """SIGTERM, as Kubernetes stops a pod, and the seconds until the process exited (SIGKILL after
    the platform's own stop timeout, counted as a kill)."""
    process = platform.processes[name]
    started = time.monotonic()
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            print(f"   {name} did not stop within {STOP_SECONDS:.0f} s of SIGTERM; killing it", flush=True)
            platform.kill(name)
    return time.monotonic() - started


@dataclass(frozen=True)
class Step:
    process: str
    stop_seconds: float
    ready_seconds: float  # from the new process's start until it answered ready


async def rolling_restart(platform: LocalPlatform, services: tuple[str, ...] = SERVICES) -> tuple[Recovery, list[Step]]:
    """Every replica of each service in turn: SIGTERM, wait for the exit, start it again, wait until
    it is ready, then the next. The others keep serving all the while."""
    steps = []
    started = time.monotonic()
    for service in platform.services:
        if service.name not in services:
            continue
        for name, _ in service.instances():
            stop_seconds = await asyncio.to_thread(terminate, platform, name)
            await asyncio.to_thread(platform.start_service, name)
            begun = time.monotonic()
            await asyncio.to_thread(platform.wait_ready, name, READY_TIMEOUT_SECONDS)
            steps.append(Step(name, stop_seconds, time.monotonic() - begun))
            print(f"   {name}: stopped in {stop_seconds:.1f} s, ready {steps[-1].ready_seconds:.1f} s after its start",
                  flush=True)
    restarted = time.monotonic()
    ready = await asyncio.to_thread(platform.wait_all_ready, READY_TIMEOUT_SECONDS)
    recovery = Recovery(f"rolling restart of {len(steps)} processes", restarted - started, ready)
    print(recovery, flush=True)
    return recovery, steps


async def kill_replicas(platform: LocalPlatform, names: list[str], *, down_seconds: float) -> Recovery:
    """SIGKILL each process named (one replica of one or several services), a while without them,
    then fresh processes, as a Deployment replaces crashed pods."""
    started = time.monotonic()
    for name in names:
        await asyncio.to_thread(platform.kill, name)
    await asyncio.sleep(max(0.0, down_seconds - (time.monotonic() - started)))
    for name in names:
        await asyncio.to_thread(platform.start_service, name)
    restarted = time.monotonic()
    await asyncio.to_thread(platform.wait_all_ready, READY_TIMEOUT_SECONDS)
    recovery = Recovery(f"SIGKILL {' '.join(names)}", restarted - started, time.monotonic() - restarted)
    print(recovery, flush=True)
    return recovery


@dataclass
class ClientFigures:
    """What the load's clients met among the operations started in a span of time."""

    operations: Counter[str] = field(default_factory=Counter)  # per kind
    retried: Counter[str] = field(default_factory=Counter)  # operations that needed more than one attempt
    failed_attempts: Counter[str] = field(default_factory=Counter)  # per status met
    busy_refusals: int = 0
    errors: list[str] = field(default_factory=list)  # operations that failed for good

    @classmethod
    def of(cls, operations: list[Operation], *, since: float, until: float = float("inf")) -> ClientFigures:
        figures = cls()
        for operation in operations:
            if not since <= operation.started < until:
                continue
            figures.operations[operation.kind] += 1
            if operation.failures:
                figures.retried[operation.kind] += 1
            figures.failed_attempts.update(operation.failures)
            figures.busy_refusals += operation.busy_refusals
            if operation.error:
                figures.errors.append(f"{operation.kind}: {operation.error}")
        return figures

    def __str__(self) -> str:
        kinds = ", ".join(f"{kind} {count} ({self.retried[kind]} retried)" for kind, count in self.operations.items())
        met = ", ".join(f"{status} ×{count}" for status, count in self.failed_attempts.most_common()) or "nothing"
        return (f"client operations: {kinds}; failed attempts, each retried: {met}; busy refusals asked again: "
                f"{self.busy_refusals}; failed for good: {len(self.errors)}")


_TRAILING_DETAIL = re.compile(r"[0-9a-f]{8}-[0-9a-f-]{27}|\d+")


class ServiceLogs:
    """The error and warning lines each process of the platform logged since `mark()`."""

    def __init__(self, platform: LocalPlatform) -> None:
        self.folder: Path = platform.logs
        self._offsets: dict[str, int] = {}

    def mark(self) -> None:
        self._offsets = {path.name: path.stat().st_size for path in self.folder.glob("*.log")}

    def since_mark(self) -> Counter[tuple[str, str, str]]:
        """(process, level, message with its numbers and ids blanked) → lines."""
        found: Counter[tuple[str, str, str]] = Counter()
        for path in sorted(self.folder.glob("*.log")):
            with open(path, "rb") as log:
                log.seek(self._offsets.get(path.name, 0))
                for line in log:
                    try:
                        entry = json.loads(line)
                    except ValueError:
                        continue
                    if isinstance(entry, dict) and entry.get("level") in ("error", "critical", "warning"):
                        message = _TRAILING_DETAIL.sub("…", str(entry.get("msg", "")))[:110]
                        found[(path.stem, str(entry["level"]), message)] += 1
        return found


def describe_logs(lines: Counter[tuple[str, str, str]], *, most: int = 8) -> str:
    if not lines:
        return "   services logged no warning or error"
    levels = Counter[str]()
    for (_, level, _), count in lines.items():
        levels[level] += count
    head = ", ".join(f"{count} {level}" for level, count in levels.most_common())
    rows = [f"     {count:4} × {process} {level}: {message}"
            for (process, level, message), count in lines.most_common(most)]
    return f"   services logged {head}:\n" + "\n".join(rows)


_GRPC_STARTED = re.compile(r"^grpc_server_started_total\{[^}]*\} ([0-9.e+]+)$", re.MULTILINE)
_WEBHOOKS = re.compile(r'^speechcue_http_requests_total\{[^}]*route="/(?:webhooks|telegram)/[^}]*\} ([0-9.e+]+)$',
                       re.MULTILINE)


def spread(platform: LocalPlatform) -> str:
    """RPCs and webhooks each process has served since it (last) started: how the clients and the
    balancers spread the work over the replicas."""
    parts = []
    for service in platform.services:
        if service.grpc_port is None:
            continue
        rpcs, webhooks = [], []
        for _, instance in service.instances():
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{instance.http_port}/metrics", timeout=5) as answer:
                    text = answer.read().decode()
            except OSError:
                rpcs.append("?")
                webhooks.append("?")
                continue
            rpcs.append(f"{sum(float(value) for value in _GRPC_STARTED.findall(text)):,.0f}")
            webhooks.append(f"{sum(float(value) for value in _WEBHOOKS.findall(text)):,.0f}")
        served = f"{service.name} RPCs {' / '.join(rpcs)}"
        if any(count not in ("0", "?") for count in webhooks):
            served += f", webhooks {' / '.join(webhooks)}"
        parts.append(served)
    return "served per replica since its start: " + "; ".join(parts)
