"""Which load balancing a channel to another service uses: spread over several replicas' addresses,
connect first to a single one (round_robin failed the first call on a new channel to a peer that had
just restarted: tests/calls/test_crash.py)."""

from __future__ import annotations

import pytest

from services.runtime.grpc_client import load_balancing


@pytest.mark.parametrize(("address", "policy"), [
    ("ipv4:127.0.0.1:50051,127.0.0.1:50061", "round_robin"),
    ("ipv4:127.0.0.1:50051,127.0.0.1:50061,127.0.0.1:50071", "round_robin"),
    ("127.0.0.1:50051", "pick_first"),
    ("ipv4:127.0.0.1:50051", "pick_first"),
    ("speechcue-calls:50052", "pick_first"),
    ("dns:///speechcue-calls.default.svc:50052", "pick_first"),
])
def test_several_addresses_are_balanced_and_one_is_connected_first(address: str, policy: str) -> None:
    assert load_balancing(address) == policy
