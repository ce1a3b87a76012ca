"""Finding free TCP ports on loopback for the servers the tests and the local runner start."""

from __future__ import annotations

import random
import socket
from pathlib import Path

EPHEMERAL_RANGE_FILE = Path("/proc/sys/net/ipv4/ip_local_port_range")
LOWEST_PORT = 10_000  # below are the well-known and registered ports other software expects
PROBES = 64


def ephemeral_range(text: str | None = None) -> tuple[int, int]:
    """The kernel's range for outgoing connections' local ports (Linux's default when unreadable)."""
    if text is None:
        try:
            text = EPHEMERAL_RANGE_FILE.read_text()
        except OSError:
            text = ""
    try:
        low, high = (int(part) for part in text.split())
    except ValueError:
        return 32_768, 60_999
    return low, high


def quiet_ports(ephemeral: tuple[int, int]) -> range:
    """The ports above LOWEST_PORT outside the ephemeral range (the larger side), or an empty range."""
    low, high = ephemeral
    below, above = range(LOWEST_PORT, low), range(high + 1, 65_536)
    return max(below, above, key=len)


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on, for a server started a moment later. Chosen outside the kernel's
    ephemeral range where there is room: a port from that range can be taken by any outgoing
    connection between this probe and the server's bind (the tests open thousands)."""
    candidates = quiet_ports(ephemeral_range())
    if len(candidates) >= 1_000:
        for port in random.sample(candidates, PROBES):
            if _binds(host, port):
                return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def _binds(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
        return True


def port_is_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.2)
        return probe.connect_ex((host, port)) == 0
