"""Ports for the servers the tests and the local runner start: free, and outside the kernel's range for
outgoing connections, so that no connection opened meanwhile takes a port before its server binds it."""

from __future__ import annotations

import socket

import pytest

from devstack.ports import LOWEST_PORT, ephemeral_range, free_port, quiet_ports


@pytest.mark.parametrize(("text", "expected"), [
    ("32768\t60999\n", (32_768, 60_999)),
    ("1024 65535", (1_024, 65_535)),
    ("", (32_768, 60_999)),
    ("garbage", (32_768, 60_999)),
    ("1 2 3", (32_768, 60_999)),
])
def test_the_ephemeral_range_is_read_or_defaults_to_linuxs(text: str, expected: tuple[int, int]) -> None:
    assert ephemeral_range(text) == expected


@pytest.mark.parametrize(("ephemeral", "expected"), [
    ((32_768, 60_999), range(LOWEST_PORT, 32_768)),   # Linux's default: below is larger
    ((10_000, 40_000), range(40_001, 65_536)),        # only above is left
    ((1_024, 65_535), range(65_536, 65_536)),         # no room: empty, free_port asks the kernel
    ((49_152, 65_535), range(LOWEST_PORT, 49_152)),   # the IANA range
])
def test_quiet_ports_are_the_larger_side_outside_the_ephemeral_range(
        ephemeral: tuple[int, int], expected: range) -> None:
    assert quiet_ports(ephemeral) == expected


def test_free_ports_are_outside_the_ephemeral_range_and_can_be_listened_on() -> None:
    low, high = ephemeral_range()
    room = len(quiet_ports((low, high))) >= 1_000
    for _ in range(20):
        port = free_port()
        assert not (room and low <= port <= high)
        with socket.socket() as server:
            server.bind(("127.0.0.1", port))
            server.listen()


def test_a_port_something_listens_on_is_never_offered(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        # The taken port is the first candidate: it must be passed over. (Not "the next one is
        # offered": that one is in the ephemeral range too, and under load another connection can
        # hold it, so the answer may rightly be the kernel's pick: ci2 of session 11's pair.)
        monkeypatch.setattr("devstack.ports.quiet_ports", lambda _: range(port, port + 1_000))
        monkeypatch.setattr("devstack.ports.random.sample", lambda candidates, _: [port, port + 1])
        assert free_port() != port
