"""Streams are kept in files with as many copies as SPEECHCUE_NATS_STREAM_REPLICAS asks (1 on one
server, 3 on a 3-node JetStream cluster); a consumer may create a stream whose producer has not
started yet, never change it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import nats
import pytest
from nats.js.api import StorageType

from services.runtime.event_bus import StreamRefused, stream_config
from services.wallet.settings import WalletSettings
from tests.conftest import RunningServers
from tests.event_reader import delete_stream
from tests.nats_users import require_speechcue_users, service_bus


async def stream_of(nats_url: str, name: str) -> tuple[StorageType | None, int | None]:
    client = await nats.connect(nats_url)
    try:
        config = (await client.jetstream().stream_info(name)).config
        return config.storage, config.num_replicas
    finally:
        await client.close()


@pytest.fixture
async def nats_url(servers: RunningServers) -> AsyncIterator[str]:
    await require_speechcue_users(servers.nats_url)
    await delete_stream(servers.nats_url, "PAYMENTS")
    yield servers.nats_url
    await delete_stream(servers.nats_url, "PAYMENTS")


def test_the_replicas_come_from_the_setting_and_default_to_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPEECHCUE_DATABASE_URL", "postgresql://u@localhost/wallet")
    monkeypatch.setenv("SPEECHCUE_ENV", "test")
    monkeypatch.setenv("SPEECHCUE_INTERNAL_TOKEN", "test-internal-token-7f3a")
    assert WalletSettings().speechcue_nats_stream_replicas == 1  # type: ignore[call-arg]
    monkeypatch.setenv("SPEECHCUE_NATS_STREAM_REPLICAS", "3")
    assert WalletSettings().speechcue_nats_stream_replicas == 3  # type: ignore[call-arg]


def test_a_three_node_cluster_is_asked_for_three_copies_in_files() -> None:
    sent = stream_config("calls", replicas=3).as_dict()
    assert (sent["name"], sent["subjects"], sent["storage"], sent["num_replicas"]) == ("CALLS", ["calls.>"], "file", 3)


async def test_a_stream_is_created_in_files_with_the_configured_replicas(nats_url: str) -> None:
    bus = service_bus(nats_url, "payments", stream_replicas=1)
    await bus.connect()
    try:
        await bus.ensure_stream("payments")
        assert await stream_of(nats_url, "PAYMENTS") == (StorageType.FILE, 1)
    finally:
        await bus.close()


async def test_more_replicas_than_servers_is_refused_naming_the_setting(nats_url: str) -> None:
    bus = service_bus(nats_url, "payments", stream_replicas=3)
    await bus.connect()
    try:
        with pytest.raises(StreamRefused, match="SPEECHCUE_NATS_STREAM_REPLICAS"):
            await bus.ensure_stream("payments")
    finally:
        await bus.close()


async def test_a_consumer_creates_a_missing_source_stream_and_leaves_an_existing_one_as_its_owner_made_it(
        nats_url: str) -> None:
    bot = service_bus(nats_url, "bot")
    await bot.connect()
    try:
        await bot.ensure_source_stream("payments")  # payments has not started: the bot may create it
        assert await stream_of(nats_url, "PAYMENTS") == (StorageType.FILE, 1)
        await bot.ensure_source_stream("payments")  # and finds it the second time
    finally:
        await bot.close()
    payments = service_bus(nats_url, "payments")
    await payments.connect()
    try:
        await payments.ensure_stream("payments")  # the owner updates it (the bot could not)
    finally:
        await payments.close()
