"""Blocks of ports for whole local platforms: a session claims one before it checks that nothing
listens on it, so two sessions starting at once (two workers, two clones, a bench beside the suite)
never both take the same free block."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

import devstack.local_platform
from devstack.local_platform import SPARE_PORT_BASES, BlockClaim, on_free_ports
from devstack.platform import LocalPorts
from devstack.ports import free_port, port_is_open

# No platform of the suite uses these (their blocks are 20xxx-34xxx); nothing is started here.
PREFERRED = LocalPorts(postgres=19329, nats=19222, http_base=19000, grpc_base=19050)


@pytest.fixture(autouse=True)
def locks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(devstack.local_platform, "PORT_BLOCK_LOCKS", tmp_path)
    return tmp_path


def test_an_unclaimed_quiet_block_is_taken_and_held_until_the_platform_stops(locks: Path) -> None:
    platform = on_free_ports(locks / "data", PREFERRED, ticker=False)
    assert platform.ports == PREFERRED
    assert BlockClaim.take(PREFERRED) is None
    assert platform.claim is not None
    platform.claim.release()
    again = BlockClaim.take(PREFERRED)
    assert again is not None
    again.release()


def test_a_block_claimed_by_another_session_is_passed_over_though_nothing_listens_on_it(locks: Path) -> None:
    held = BlockClaim.take(PREFERRED)
    assert held is not None and not port_is_open(PREFERRED.postgres)
    try:
        platform = on_free_ports(locks / "data", PREFERRED, ticker=False)
        assert platform.ports.http_base != PREFERRED.http_base
        assert platform.ports.http_base in SPARE_PORT_BASES
        assert platform.claim is not None
        platform.claim.release()
    finally:
        held.release()


def test_two_sessions_asking_before_either_listens_get_different_blocks(locks: Path) -> None:
    first = on_free_ports(locks / "one", PREFERRED, ticker=False)
    second = on_free_ports(locks / "two", PREFERRED, ticker=False)
    try:
        assert first.ports != second.ports
        assert {first.ports.postgres, second.ports.postgres}.isdisjoint(
            {first.ports.nats, second.ports.nats, first.ports.http_base, second.ports.http_base})
    finally:
        for platform in (first, second):
            assert platform.claim is not None
            platform.claim.release()


def test_a_claim_held_by_another_process_is_respected_and_freed_when_that_process_ends(locks: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, pathlib, devstack.local_platform as lp;"
         "from devstack.platform import LocalPorts;"
         "claim = lp.BlockClaim.take(LocalPorts(postgres=19329, nats=19222, http_base=19000, grpc_base=19050),"
         " pathlib.Path(sys.argv[1]));"
         "print('held' if claim else 'refused', flush=True); sys.stdin.read()",
         str(locks)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        assert BlockClaim.take(PREFERRED) is None
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(30)
    claim = BlockClaim.take(PREFERRED)
    assert claim is not None
    claim.release()


def test_a_block_something_listens_on_is_passed_over_and_its_claim_let_go(locks: Path) -> None:
    listener = socket.socket()
    port = free_port()
    listener.bind(("127.0.0.1", port))
    listener.listen()
    busy = LocalPorts(postgres=port, nats=19222, http_base=19000, grpc_base=19050)
    try:
        platform = on_free_ports(locks / "data", busy, ticker=False)
        assert platform.ports != busy
        assert platform.claim is not None
        platform.claim.release()
        claim = BlockClaim.take(busy)
        assert claim is not None  # the busy block's claim was given back
        claim.release()
    finally:
        listener.close()
