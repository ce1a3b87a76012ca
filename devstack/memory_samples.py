"""The resident memory (RSS) of the platform's service processes, sampled over time from
/proc/<pid>/status, and how much it grew between the start and the end of a run."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from devstack.local_platform import LocalPlatform

SERVICES = ("wallet", "calls", "payments", "bot", "sandbox")
# Sampled, but held to no bound: the simulators keep every call, message and invoice they saw, so
# that tests and the browser chat can read them back; their growth is their purpose.
SIMULATORS = frozenset({"sandbox"})


def rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


@dataclass(frozen=True)
class Growth:
    service: str
    early_bytes: int  # the largest sample of the run's first part (after warming up)
    late_bytes: int  # the largest sample of its last part

    @property
    def bounded(self) -> bool:
        """Whether the memory bound applies: to the platform's services, not to the simulators."""
        return self.service not in SIMULATORS

    @property
    def grown_bytes(self) -> int:
        return self.late_bytes - self.early_bytes

    def within(self, *, fraction: float, slack_bytes: int) -> bool:
        return self.late_bytes <= self.early_bytes * (1 + fraction) + slack_bytes

    def __str__(self) -> str:
        return (f"{self.service}: {self.early_bytes / 2**20:.0f} MiB → {self.late_bytes / 2**20:.0f} MiB "
                f"({self.grown_bytes / 2**20:+.1f} MiB)")


@dataclass
class MemorySampler:
    platform: LocalPlatform
    every_seconds: float = 5.0
    # The processes sampled: with replicas, name them all (`LocalPlatform.instances`: bot, bot-2 …).
    services: tuple[str, ...] = SERVICES
    samples: list[tuple[float, str, int]] = field(default_factory=list)  # (monotonic, service, bytes)

    def sample(self) -> None:
        now = time.monotonic()
        for service in self.services:
            if self.platform.running(service):
                try:
                    self.samples.append((now, service, rss_bytes(self.platform.pid(service))))
                except OSError:
                    continue

    async def run(self) -> None:
        while True:
            self.sample()
            await asyncio.sleep(self.every_seconds)

    def latest(self, service: str) -> int:
        return next((size for _, name, size in reversed(self.samples) if name == service), 0)

    def growth(self, *, warm_up_fraction: float = 0.1, part: float = 0.3) -> list[Growth]:
        """Per service: the largest sample in the first `part` of the run after warming up, against
        the largest in the last `part`."""
        if not self.samples:
            return []
        start, end = self.samples[0][0], self.samples[-1][0]
        length = end - start
        early_from, early_to = start + warm_up_fraction * length, start + (warm_up_fraction + part) * length
        late_from = end - part * length
        found = []
        for service in self.services:
            early = [size for at, name, size in self.samples if name == service and early_from <= at <= early_to]
            late = [size for at, name, size in self.samples if name == service and at >= late_from]
            if early and late:
                found.append(Growth(service, max(early), max(late)))
        return found
