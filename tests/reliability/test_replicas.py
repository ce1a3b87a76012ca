"""`./dev up --replicas 2`: two processes of every service (the sandbox once), sharing each service's
database, their clients' calls spread over both (the addresses as one `ipv4:a,b` target that
`internal_channel` calls round-robin), the simulators' webhooks spread over both by a load balancer,
and a customer's update answered through them."""

from __future__ import annotations

import asyncio
import re
import tempfile
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from devstack.local_platform import LocalPlatform, on_free_ports
from devstack.platform import LOCAL_HARNESS_TOKEN, LocalPorts, balancer_port, sandbox_url
from services.runtime.grpc_client import internal_channel
from speechcue.wallet.v1 import wallet_pb2, wallet_pb2_grpc

# Apart from the other platforms of the suite (21xxx-24xxx) and the spare blocks (25xxx-34xxx).
REPLICA_PORTS = LocalPorts(postgres=20329, nats=20222, http_base=20000, grpc_base=20050)


@pytest.fixture(scope="module")
def platform() -> Iterator[LocalPlatform]:
    with tempfile.TemporaryDirectory(prefix="speechcue-replicas-") as folder:
        running = on_free_ports(Path(folder), REPLICA_PORTS, ticker=False, replicas=2)
        try:
            running.start()
            yield running
        finally:
            running.stop()


def get_balance_calls(platform: LocalPlatform, name: str) -> float:
    """GetBalance calls the process `name` has started, from its /metrics."""
    url = f"http://127.0.0.1:{platform.service(name).http_port}/metrics"
    with urllib.request.urlopen(url, timeout=5) as response:
        text = response.read().decode()
    found = re.findall(r'grpc_server_started_total\{[^}]*grpc_method="GetBalance"[^}]*\} ([0-9.e+]+)', text)
    return sum(float(value) for value in found)


def test_every_service_runs_two_processes_on_one_database(platform: LocalPlatform) -> None:
    services = ["wallet", "calls", "payments", "bot"]
    assert sorted(platform.instances) == sorted(["sandbox", *services, *(f"{name}-2" for name in services)])
    for name in platform.instances:
        assert platform.running(name) and platform.ready(name), name
    assert len({platform.pid(name) for name in platform.instances}) == len(platform.instances)
    assert set(platform.database_urls) == set(services)


async def test_a_clients_calls_are_spread_over_both_replicas(platform: LocalPlatform) -> None:
    wallet = next(service for service in platform.services if service.name == "wallet")
    assert wallet.grpc_address.startswith("ipv4:") and wallet.grpc_address.count(",") == 1
    before = {name: get_balance_calls(platform, name) for name in ("wallet", "wallet-2")}
    channel = internal_channel(wallet.grpc_address, LOCAL_HARNESS_TOKEN)
    try:
        stub = wallet_pb2_grpc.WalletServiceStub(channel)
        account = await stub.OpenAccount(wallet_pb2.OpenAccountRequest(idempotency_key="replicas-open",
                                                                       customer_id="cus_replicas"))
        for _ in range(20):
            await stub.GetBalance(wallet_pb2.GetBalanceRequest(customer_id=account.customer_id))
    finally:
        await channel.close()
    served = {name: get_balance_calls(platform, name) - before[name] for name in before}
    assert sum(served.values()) == 20
    assert all(count >= 5 for count in served.values()), served


async def test_a_telegram_update_is_answered_with_two_replicas_of_everything(platform: LocalPlatform) -> None:
    user = 7_700_001
    async with httpx.AsyncClient(base_url=sandbox_url(platform.ports), timeout=15.0) as sandbox:
        said = await sandbox.post(f"/sandbox/telegram/users/{user}/messages",
                                  json={"text": "/start", "first_name": "Replicas", "language_code": "en"})
        said.raise_for_status()
        deadline = asyncio.get_running_loop().time() + 60.0
        while True:
            chat = (await sandbox.get(f"/sandbox/telegram/chats/{user}")).json().get("messages", [])
            answers = [message for message in chat if message.get("from", {}).get("is_bot")]
            if answers:
                break
            assert asyncio.get_running_loop().time() < deadline, f"no answer to /start: {chat}"
            await asyncio.sleep(0.2)
    assert answers[0].get("text") or answers[0].get("photo"), answers[0]


def webhooks_served(platform: LocalPlatform, name: str, route: str) -> float:
    """Requests to the webhook `route` the process `name` has answered, from its /metrics."""
    url = f"http://127.0.0.1:{platform.service(name).http_port}/metrics"
    with urllib.request.urlopen(url, timeout=5) as response:
        text = response.read().decode()
    found = re.findall(r'speechcue_http_requests_total\{[^}]*route="' + re.escape(route) + r'"[^}]*\} ([0-9.e+]+)',
                       text)
    return sum(float(value) for value in found)


async def test_the_simulators_webhooks_are_spread_over_both_replicas(platform: LocalPlatform) -> None:
    """Telegram's updates and Retell's events reach both replicas through the load balancer in front
    of them (devstack/balancer.py), as an ingress spreads them over the pods, not the first alone."""
    bots, calls = ("bot", "bot-2"), ("calls", "calls-2")
    before = {name: webhooks_served(platform, name, "/telegram/webhook") for name in bots}
    users = range(7_700_100, 7_700_110)
    async with httpx.AsyncClient(base_url=sandbox_url(platform.ports), timeout=15.0) as sandbox:
        for user in users:
            said = await sandbox.post(f"/sandbox/telegram/users/{user}/messages",
                                      json={"text": "/start", "first_name": "Spread", "language_code": "en"})
            said.raise_for_status()
        deadline = asyncio.get_running_loop().time() + 60.0
        while sum(webhooks_served(platform, name, "/telegram/webhook") - before[name] for name in bots) < len(users):
            assert asyncio.get_running_loop().time() < deadline, "the updates did not all reach the bot"
            await asyncio.sleep(0.2)
    updates = {name: webhooks_served(platform, name, "/telegram/webhook") - before[name] for name in bots}
    assert all(count >= 3 for count in updates.values()), updates

    # Retell is told the calls service's public address: the balancer, which spreads what is posted to it.
    [service] = [service for service in platform.services if service.name == "calls"]
    public = dict(service.extra_environment)["SPEECHCUE_PUBLIC_BASE_URL"]
    assert public == f"http://127.0.0.1:{balancer_port(service)}"
    before = {name: webhooks_served(platform, name, "/webhooks/retell") for name in calls}
    async with httpx.AsyncClient(timeout=15.0) as retell:
        for _ in range(10):
            unsigned = await retell.post(f"{public}/webhooks/retell", content=b'{"event": "call_ended"}')
            assert unsigned.status_code == 401  # answered by a replica, and nothing changed
    events = {name: webhooks_served(platform, name, "/webhooks/retell") - before[name] for name in calls}
    assert all(count >= 3 for count in events.values()), events
