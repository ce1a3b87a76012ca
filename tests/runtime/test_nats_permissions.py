"""Each service is its own NATS user: it publishes only its own events, reads others' only through
the consumers it owns, and nobody connects without a user (services/runtime/nats_permissions.py).
Checked against the tests' NATS, which devstack/nats.py configures from the same table as the
cluster's."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import nats
import pytest
from nats.errors import Error as NatsError
from nats.js.api import ConsumerConfig

from devstack.nats import nats_server_binary
from services.bot.notifications import Notifications
from services.runtime.event_bus import EventBus, without_credentials
from services.runtime.nats_permissions import SERVICE_USERS, cluster_authorization, password_variable
from tests.conftest import RunningServers
from tests.nats_users import connect_as, require_speechcue_users, service_bus

ROOT = Path(__file__).resolve().parents[2]
CLUSTER_FILE = ROOT / "deploy" / "nats" / "speechcue-authorization.conf"
SERVICES = tuple(SERVICE_USERS)
# (who, what they try to publish): each another service's fact.
FORGERIES = [("calls", "payments.topup.confirmed"), ("bot", "payments.topup.confirmed"),
             ("wallet", "calls.call.ended"), ("payments", "wallet.balance.credited"),
             ("bot", "wallet.balance.credited"), ("calls", "bot.anything")]


def test_the_bot_reads_through_exactly_the_consumers_its_user_is_granted() -> None:
    notifications = Notifications(None, None, lambda: None)  # type: ignore[arg-type]  # only its table is read
    granted = {(consumption.source, consumption.durable) for consumption in SERVICE_USERS["bot"].consumes}
    assert {(spec.source_service, spec.durable) for spec in notifications.consumers()} == granted


def test_the_cluster_users_file_is_the_table_rendered_and_nats_accepts_it() -> None:
    assert CLUSTER_FILE.read_text() == cluster_authorization(), (
        "regenerate it: python -m devstack.nats authorization > deploy/nats/speechcue-authorization.conf")
    passwords = {password_variable(user): uuid.uuid4().hex for user in SERVICES}
    checked = subprocess.run([nats_server_binary(), "-t", "-c", str(CLUSTER_FILE)], env={**os.environ, **passwords},
                             capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.fixture
async def nats_url(servers: RunningServers) -> AsyncIterator[str]:
    await require_speechcue_users(servers.nats_url)
    for service in SERVICES:  # each service's stream, made by its own user
        bus = service_bus(servers.nats_url, service)
        await bus.connect()
        await bus.ensure_stream(service)
        await bus.close()
    yield servers.nats_url


async def last_sequence(nats_url: str, service: str) -> int:
    client = await nats.connect(nats_url)  # the tools user
    try:
        return int((await client.jetstream().stream_info(service.upper())).state.last_seq)
    finally:
        await client.close()


@pytest.mark.parametrize("service", SERVICES)
async def test_a_service_publishes_its_own_events(nats_url: str, service: str) -> None:
    bus = service_bus(nats_url, service)
    await bus.connect()
    try:
        before = await last_sequence(nats_url, service)
        await bus.publish_all([(f"{service}.test.permitted", b"{}", uuid.uuid4().hex)])
        assert await last_sequence(nats_url, service) == before + 1
    finally:
        await bus.close()


@pytest.mark.parametrize(("service", "subject"), FORGERIES)
async def test_no_service_publishes_another_services_events(nats_url: str, service: str, subject: str) -> None:
    owner = subject.split(".", 1)[0]
    before = await last_sequence(nats_url, owner)
    forger = await connect_as(nats_url, service)
    try:
        with pytest.raises(NatsError):  # no acknowledgement ever comes: NATS dropped the message
            await forger.client.jetstream(timeout=1).publish(subject, b"forged")
        assert [f'Permissions Violation for Publish to "{subject}"'.lower() in refusal.lower()
                for refusal in await forger.refusals()] == [True]
    finally:
        await forger.client.close()
    assert await last_sequence(nats_url, owner) == before


@pytest.mark.parametrize(("service", "subject"), [("wallet", "calls.>"), ("calls", "payments.topup.confirmed"),
                                                  ("bot", "calls.>"), ("payments", "_INBOX.>"),
                                                  ("wallet", "_INBOX_bot.>"), ("calls", ">")])
async def test_no_service_listens_to_events_or_to_another_services_replies(nats_url: str, service: str,
                                                                           subject: str) -> None:
    listener = await connect_as(nats_url, service)
    try:
        await listener.client.subscribe(subject)
        assert [f'Permissions Violation for Subscription to "{subject}"'.lower() in refusal.lower()
                for refusal in await listener.refusals()] == [True]
    finally:
        await listener.client.close()


@pytest.mark.parametrize(("service", "stream", "durable"), [
    ("wallet", "CALLS", "wallet-reads-calls"),             # a service that consumes nothing
    ("payments", "WALLET", "bot-notifications-wallet"),    # nor under the bot's consumer's name
    ("bot", "CALLS", "bot-reads-everything"),              # the bot only through its own durables
])
async def test_no_service_reads_a_stream_through_a_consumer_it_does_not_own(nats_url: str, service: str,
                                                                          stream: str, durable: str) -> None:
    reader = await connect_as(nats_url, service)
    try:
        with pytest.raises(NatsError):
            await reader.client.jetstream(timeout=1).add_consumer(stream, ConsumerConfig(durable_name=durable))
        assert len(await reader.refusals()) == 1
    finally:
        await reader.client.close()


@pytest.mark.parametrize(("service", "stream"), [("bot", "CALLS"), ("calls", "CALLS"), ("wallet", "PAYMENTS")])
async def test_no_service_deletes_or_purges_a_stream(nats_url: str, service: str, stream: str) -> None:
    vandal = await connect_as(nats_url, service)
    try:
        for attempt in (vandal.client.jetstream(timeout=1).delete_stream,
                        vandal.client.jetstream(timeout=1).purge_stream):
            with pytest.raises(NatsError):
                await attempt(stream)
        assert len(await vandal.refusals(expected=2)) == 2
    finally:
        await vandal.client.close()


async def test_nobody_connects_without_a_user_or_with_a_wrong_password(nats_url: str) -> None:
    address = without_credentials(nats_url)
    for credentials in ({}, {"user": "bot", "password": "guessed"}):
        with pytest.raises(NatsError):
            await nats.connect(address, allow_reconnect=False, max_reconnect_attempts=0, **credentials)


async def test_a_service_given_a_url_with_other_credentials_still_connects_as_itself(nats_url: str) -> None:
    """The tools user's URL handed to a service does not give it the tools user's rights."""
    bus = service_bus(nats_url, "wallet")
    assert "@" not in bus.url
    unnamed = EventBus(nats_url, name="tools")
    assert unnamed.url == nats_url
